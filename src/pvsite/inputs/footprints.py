"""Reading building footprints: any OGR format, GeoParquet or an OpenStreetMap extract.

``read_footprints`` returns a GeoDataFrame with its CRS, every input row kept, attribute
spellings renamed to the OSM keys pvsite reads and heights and storeys made numeric by the
one parser of :mod:`pvsite.inputs.tags`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import FootprintError
from .tags import tag_number

__all__ = ["read_footprints", "standardise_columns"]


#: Other spellings of the attributes pvsite reads, mapped to the OSM key pvsite uses.
FOOTPRINT_ALIASES = {
    "building_levels": "building:levels",
    "levels": "building:levels",
    "floors": "building:levels",
    "roof_shape": "roof:shape",
    "height_m": "height",
}


def read_footprints(
    path: str | Path,
    *,
    layer: str | int | None = None,
    crs: Any = None,
    coordinate_system: str | None = None,
    encoding: str | None = None,
) -> Any:
    """Read building footprints from any OGR format (GeoJSON, GPKG, Shapefile...) or GeoParquet.

    Parameters
    ----------
    path : str or Path
        The file. ``.parquet``/``.geoparquet`` is read as GeoParquet, an OpenStreetMap extract
        (``.osm``, ``.osm.pbf``) by :func:`pvsite.read_osm`, anything else through pyogrio
        (GDAL/OGR).
    layer : str or int, optional
        Layer of a multi-layer file (GeoPackage).
    encoding : str, optional
        Text encoding of the attributes when the file does not say (a Shapefile without its
        ``.cpg``), e.g. ``"gbk"`` for many Chinese GIS exports; ignored for GeoParquet.
    crs : optional
        CRS to assign when the file has none (e.g. ``"EPSG:4326"``). A file with a CRS keeps it.
    coordinate_system : {None, 'wgs84', 'gcj02', 'bd09'}, optional
        What the longitude/latitude of the file really are. Footprints traced on Chinese web
        maps are in GCJ-02 (Amap, Tencent) or BD-09 (Baidu) although they usually declare
        EPSG:4326; ``'gcj02'`` or ``'bd09'`` moves them to WGS84 with
        :func:`pvsite.to_wgs84` (an offset of a few hundred metres in China). ``None``
        or ``'wgs84'`` (default) keeps the coordinates as they are.

    Returns
    -------
    GeoDataFrame
        Every row of the file, in its order, with its CRS. Attribute spellings
        ``building_levels``/``levels``/``floors``, ``roof_shape`` and ``height_m`` are renamed to
        the OSM keys ``building:levels``, ``roof:shape`` and ``height``; ``height`` and
        ``building:levels`` are made numeric (``"12 m"`` -> 12.0; unparseable -> NaN). The path
        is in ``.attrs['source']``.

    Raises
    ------
    FootprintError
        Missing or unreadable file, no geometry column, no CRS and none given, or
        ``coordinate_system`` 'gcj02'/'bd09' for a file in a projected CRS.
    ValueError
        ``coordinate_system`` is not one of the values above.

    Examples
    --------
    >>> import pvsite
    >>> b = pvsite.read_footprints(pvsite.datasets.path("footprints"))
    >>> b.crs.to_epsg(), bool(b["synthetic"].all())
    (4326, True)
    """
    import geopandas as gpd

    from .coords import COORDINATE_SYSTEMS, to_wgs84

    systems = (None, "wgs84", *COORDINATE_SYSTEMS)
    if coordinate_system not in systems:
        raise ValueError(f"coordinate_system={coordinate_system!r}; use one of {list(systems)} "
                         "(GCJ-02: Amap, Tencent; BD-09: Baidu).")
    path = Path(path)
    if not path.exists():
        raise FootprintError(f"{path}: no such file.")
    if path.name.lower().endswith((".osm", ".osm.pbf", ".pbf")):
        from .osm import read_osm  # an OpenStreetMap extract: buildings with their tags

        return read_osm(path)
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            gdf = gpd.read_parquet(path)
        else:
            gdf = gpd.read_file(path, layer=layer, engine="pyogrio",
                                **({"encoding": encoding} if encoding else {}))
    except Exception as exc:
        raise FootprintError(
            f"{path}: could not be read as footprints ({type(exc).__name__}: {exc}). Check that "
            "the file is complete and in a GDAL/OGR vector format or GeoParquet."
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf:
        raise FootprintError(f"{path}: has no geometry column.")
    if gdf.crs is None:
        if crs is None:
            raise FootprintError(
                f"{path}: has no coordinate reference system. Pass crs=, e.g. "
                "read_footprints(path, crs='EPSG:4326') for longitude/latitude in WGS84, or the "
                "EPSG code of your GIS's projected CRS.")
        gdf = gdf.set_crs(crs)
    if coordinate_system in COORDINATE_SYSTEMS:
        if not gdf.crs.is_geographic:
            raise FootprintError(
                f"{path}: coordinate_system={coordinate_system!r} needs longitude/latitude, "
                f"but the file is in a projected CRS ({gdf.crs.name}). GCJ-02 and BD-09 "
                "footprints come as longitude/latitude (declared EPSG:4326); read this file "
                "without coordinate_system=, or convert the original longitude/latitude.")
        gdf = to_wgs84(gdf, source=coordinate_system)
    gdf = standardise_columns(gdf)
    gdf.attrs["source"] = str(path)
    return gdf


def standardise_columns(gdf: Any) -> Any:
    """Rename attribute aliases to OSM keys and make ``height``/``building:levels`` numeric.

    Text goes through :func:`pvsite.inputs.tags.tag_number`, the parser ``read_osm`` and the
    roof stage use too: ``"40 ft"`` is 12.19 m and ``"12,5"`` 12.5 m; unreadable text is NaN.
    """
    gdf = gdf.rename(columns={k: v for k, v in FOOTPRINT_ALIASES.items()
                              if k in gdf.columns and v not in gdf.columns})
    for col in ("height", "building:levels"):
        if col in gdf.columns and not pd.api.types.is_numeric_dtype(gdf[col]):
            gdf[col] = tag_number(gdf[col], height=col == "height")[0]
    return gdf
