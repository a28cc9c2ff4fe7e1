"""Reading building footprints: any OGR format, GeoParquet or an OpenStreetMap extract.

``read_footprints`` returns a GeoDataFrame with its CRS, every input row kept, attribute
spellings renamed to the OSM keys pvsite reads and heights and storeys made numeric by the
one parser of :mod:`pvsite.inputs.tags`.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from ..assumptions import INSTITUTION_TYPES
from ..crs import check_lonlat
from ..errors import FootprintError, PvsiteWarning
from .osm import is_extract, read_osm
from .tags import tag_number, warn_unrecognised

__all__ = ["COLUMN_NAMES", "FOOTPRINT_ALIASES", "protect_output_names", "read_footprints",
           "recognise_columns", "standardise_columns"]


#: Common names of the columns pvsite reads, in English and Chinese, by the name pvsite uses
#: (OSM's keys, and ``institution_type``, ``building_id``). Matched in any case and width,
#: with spaces, ``-`` and ``:`` read as ``_`` and a unit in brackets dropped (``高度(m)``,
#: ``Height [m]``); within a name the first found in this order is taken.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "height": ("height", "height_m", "heights", "building_height", "bldg_height", "hgt",
               "高度", "建筑高度", "楼高", "房屋高度", "建筑物高度"),
    "building:levels": ("building_levels", "levels", "floors", "floor", "storeys", "stories",
                        "storey", "num_floors", "n_floors", "floor_count", "nfloors",
                        "楼层数", "层数", "楼层", "建筑层数", "地上层数", "总层数"),
    "roof:shape": ("roof_shape", "roofshape", "roof_type", "屋顶形式", "屋顶类型", "屋面形式",
                   "屋顶"),
    "institution_type": ("institution_type", "inst_type", "building_type", "bldg_type", "type",
                         "类型", "单位类型", "机构类型", "建筑类型", "建筑性质", "性质", "类别"),
    "building_id": ("building_id", "bldg_id", "id", "objectid", "fid", "建筑编号", "建筑物编号",
                    "编号"),
}
#: Other spellings of the attributes pvsite reads, mapped to the name pvsite uses (the
#: exact-name part of :data:`COLUMN_NAMES`, kept for callers that read it).
FOOTPRINT_ALIASES = {alias: name for name, aliases in COLUMN_NAMES.items()
                     for alias in aliases if alias != name and alias.isascii()}
#: Output columns that ``estimate`` reads from its input when they are there (the district
#: when ``districts=False``, the type), so that they are not set aside.
READ_FROM_INPUT = frozenset({"institution_type", "district", "district_en", "adcode"})
#: Names a polygon layer of a multi-layer file has when it holds buildings.
_BUILDING_LAYER = re.compile(r"build|bldg|footprint|roof|建筑|房屋|楼", re.IGNORECASE)


def read_footprints(
    path: str | Path,
    *,
    layer: str | int | None = None,
    crs: Any = None,
    coordinate_system: str | None = None,
    encoding: str | None = None,
    height: str | None = None,
    levels: str | None = None,
    institution_type: str | None = None,
) -> Any:
    """Read building footprints from any OGR format (GeoJSON, GPKG, Shapefile...) or GeoParquet.

    Parameters
    ----------
    path : str or Path
        The file. ``.parquet``/``.geoparquet`` is read as GeoParquet, an OpenStreetMap extract
        (``.osm``, ``.osm.pbf``) by :func:`pvsite.read_osm`, anything else through pyogrio
        (GDAL/OGR).
    layer : str or int, optional
        Layer of a multi-layer file (GeoPackage). Needed when the file has several layers,
        unless exactly one polygon layer is named like buildings (``buildings``, ``bldg``,
        ``footprints``, ``roofs``, ``建筑``...): that one is read, with a warning.
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
    height, levels, institution_type : str, optional
        Name the file's column of heights [m], storeys or institution types when it is not
        one of the common names pvsite recognises (:data:`COLUMN_NAMES`: ``Height``,
        ``Floor``, ``floors``, ``层数``, ``楼层``, ``高度``, ``建筑高度``, ``type``...).

    Returns
    -------
    GeoDataFrame
        Every row of the file, in its order, with its CRS. Columns with a common name
        (:data:`COLUMN_NAMES`, any case: ``Floor``, ``levels``, ``层数``, ``height_m``,
        ``高度``...) or named by ``height=``, ``levels=``, ``institution_type=`` are renamed to
        ``height``, ``building:levels``, ``roof:shape``, ``institution_type`` and
        ``building_id`` (``.attrs['columns']`` says which were); ``height`` and
        ``building:levels`` are made numeric (``"12 m"``, ``"约20米"`` -> 12.0, 20.0); values
        that cannot be read are NaN, kept as given in ``height_raw`` /
        ``building:levels_raw`` and counted in one warning per column. The path is in
        ``.attrs['source']``.

    Raises
    ------
    FootprintError
        Missing or unreadable file, no geometry column, no CRS and none given,
        ``coordinate_system`` 'gcj02'/'bd09' for a file in a projected CRS, several layers and
        no ``layer=``, a named column that is not in the file, or longitude/latitude out of
        range (swapped, or metres labelled as degrees).
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
    if is_extract(path):  # an OpenStreetMap extract: buildings with their tags
        return read_osm(path)
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            gdf = gpd.read_parquet(path)
        else:
            if layer is None:
                layer = _pick_layer(path)
            gdf = gpd.read_file(path, layer=layer, engine="pyogrio",
                                **({"encoding": encoding} if encoding else {}))
            guess = None if encoding else _misdecoded(gdf)
            if guess is not None:
                before = _sample_text(gdf)
                gdf = gpd.read_file(path, layer=layer, engine="pyogrio", encoding=guess)
                warnings.warn(
                    f"{path}: the attribute text read as Latin-1 looks garbled ({before!r}); "
                    f"read it as {guess} instead ({_sample_text(gdf)!r}). The file does not "
                    f"say its encoding; if {guess} is wrong, pass read_footprints(path, "
                    f"encoding=...), or put a .cpg file holding the encoding's name (e.g. "
                    f"GBK) beside the .shp.", PvsiteWarning, stacklevel=2)
    except FootprintError:
        raise
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
    check_lonlat(gdf, where=str(path))
    if coordinate_system in COORDINATE_SYSTEMS:
        if not gdf.crs.is_geographic:
            raise FootprintError(
                f"{path}: coordinate_system={coordinate_system!r} needs longitude/latitude, "
                f"but the file is in a projected CRS ({gdf.crs.name}). GCJ-02 and BD-09 "
                "footprints come as longitude/latitude (declared EPSG:4326); read this file "
                "without coordinate_system=, or convert the original longitude/latitude.")
        gdf = to_wgs84(gdf, source=coordinate_system)
    named = {"height": height, "building:levels": levels, "institution_type": institution_type}
    gdf = standardise_columns(gdf, named={k: v for k, v in named.items() if v is not None},
                              where=str(path))
    gdf.attrs["source"] = str(path)
    return gdf


#: Encodings tried when a file's text reads as garbled Latin-1 (GDAL's default for a
#: Shapefile without .cpg): UTF-8, then GBK, the encoding of most Chinese GIS exports.
_TRY_ENCODINGS = ("UTF-8", "GBK")


def _text_values(gdf: Any, limit: int = 2000) -> list[str]:
    """Up to ``limit`` attribute strings with characters beyond ASCII."""
    found: list[str] = []
    geometry = getattr(getattr(gdf, "geometry", None), "name", None)
    for col in gdf.columns:
        dtype = gdf[col].dtype
        if col == geometry or not (pd.api.types.is_object_dtype(dtype)
                                   or pd.api.types.is_string_dtype(dtype)):
            continue
        for v in gdf[col].to_numpy():
            if isinstance(v, str) and not v.isascii():
                found.append(v)
                if len(found) >= limit:
                    return found
    return found


def _sample_text(gdf: Any) -> str:
    values = _text_values(gdf, limit=1)
    return values[0][:40] if values else ""


def _is_cjk(text: str) -> bool:
    """Whether every character beyond ASCII is a CJK ideograph or full-width form."""
    return all(c.isascii() or "\u3000" <= c <= "\u303f" or "\u3400" <= c <= "\u9fff"
               or "\uff00" <= c <= "\uffef" for c in text)


def _misdecoded(gdf: Any) -> str | None:
    """The encoding that turns garbled Latin-1 text back into UTF-8 or Chinese, or None.

    Text that GDAL read as Latin-1 (a Shapefile without .cpg) is garbled if its bytes decode
    as UTF-8, or as GBK into Chinese characters; genuine Latin-1 text (Café) is left alone.
    """
    values = _text_values(gdf)
    if not values:
        return None
    try:
        raw = [v.encode("latin-1") for v in values]
    except UnicodeEncodeError:  # characters beyond Latin-1: decoded by the file's own rule
        return None
    for name in _TRY_ENCODINGS:
        try:
            text = [r.decode(name) for r in raw]
        except UnicodeDecodeError:
            continue
        if name == "UTF-8" or all(_is_cjk(t) for t in text):
            return name
    return None


def _pick_layer(path: Path) -> Any:
    """The layer of a footprint file to read.

    None for a one-layer file, else the one polygon layer named like buildings (with a
    warning); several layers otherwise are refused, listing them.
    """
    import pyogrio

    try:
        layers = pyogrio.list_layers(path)
    except Exception:  # noqa: BLE001 - not a multi-layer source: let read_file say why
        return None
    if len(layers) <= 1:
        return None
    polygons = [str(name) for name, kind in layers if kind and "polygon" in str(kind).lower()]
    named = [name for name in polygons if _BUILDING_LAYER.search(name)]
    listing = ", ".join(f"'{name}' ({kind or 'no geometry'})" for name, kind in layers)
    if len(named) == 1:
        warnings.warn(f"{path}: has {len(layers)} layers ({listing}); reading '{named[0]}', the "
                      f"one polygon layer named like buildings. Pass layer= to choose.",
                      PvsiteWarning, stacklevel=4)
        return named[0]
    raise FootprintError(f"{path}: has {len(layers)} layers ({listing}); say which holds the "
                         "buildings, e.g. read_footprints(path, layer='buildings').")


def _column_key(name: Any) -> str:
    """A column name made comparable: NFKC, lower case, no unit in brackets, ``_`` separators."""
    text = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    text = re.sub(r"\s*[(\[].*?[)\]]\s*$", "", text)
    return re.sub(r"[\s\-:./]+", "_", text).strip("_")


def recognise_columns(columns: Iterable[Any], *,
                      named: dict[str, str] | None = None) -> dict[Any, str]:
    """Which input column is read as which attribute: ``{input name: pvsite name}``.

    Parameters
    ----------
    columns : iterable
        The input's column names.
    named : dict, optional
        ``{pvsite name: input name}`` given explicitly (``read_footprints(height=...)``);
        these win over recognised names.

    Returns
    -------
    dict
        Renames for ``DataFrame.rename``: for each pvsite name of :data:`COLUMN_NAMES` with no
        column of its own, the first of its common names found (any case or width). A column
        already named as pvsite reads it (``height``, ``building:levels``) is kept.

    Raises
    ------
    FootprintError
        A ``named`` column is not among ``columns``.

    Examples
    --------
    >>> recognise_columns(["Floor", "高度", "name"])
    {'高度': 'height', 'Floor': 'building:levels'}
    """
    columns = list(columns)
    named = dict(named or {})
    missing = [v for v in named.values() if v not in columns]
    if missing:
        raise FootprintError(f"column(s) {missing} not found; the file has {columns}.")
    out: dict[Any, str] = {v: k for k, v in named.items() if v != k}
    keys = {c: _column_key(c) for c in columns if c not in out}
    for target, aliases in COLUMN_NAMES.items():
        if target in named or target in columns:
            continue
        for alias in aliases:
            hit = [c for c, k in keys.items() if k == _column_key(alias) and c not in out]
            if hit:
                out[hit[0]] = target
                break
    return out


def standardise_columns(gdf: Any, *, named: dict[str, str] | None = None,
                        where: str = "the footprints") -> Any:
    """Rename recognised columns to pvsite's names; make ``height``, ``building:levels`` numeric.

    Names by :func:`recognise_columns` (``named``: ``{pvsite name: input column}`` given
    explicitly); a column already holding a pvsite name that ``named`` replaces is kept as
    ``original_<name>``. Text goes through :func:`pvsite.inputs.tags.tag_number`, the parser
    ``read_osm`` and the roof stage use too: ``"40 ft"`` is 12.19 m, ``"12,5"`` 12.5 m,
    ``"约20米"`` 20 m, ``"地上5层"`` 5 storeys; unreadable text is NaN, kept as given in
    ``<name>_raw`` and counted in one :class:`pvsite.errors.PvsiteWarning` per column.
    """
    named = dict(named or {})
    renames = recognise_columns(gdf.columns, named=named)
    aside = {t: f"original_{t}" for t in named if t in gdf.columns and named[t] != t}
    gdf = gdf.rename(columns=aside).rename(columns=renames)
    for col in ("height", "building:levels"):
        if col in gdf.columns and not pd.api.types.is_numeric_dtype(gdf[col]):
            values, unread = tag_number(gdf[col], height=col == "height")
            bad = unread.to_numpy(dtype=bool)
            if bad.any():
                gdf[f"{col}_raw"] = gdf[col].where(bad)
                then = "storeys or the default" if col == "height" else "the default height"
                warn_unrecognised(col, gdf[col][bad], f"they are NaN here (as given in "
                                  f"'{col}_raw') and those buildings fall back to {then} "
                                  f"({where}).", stacklevel=4)
            gdf[col] = values
    gdf.attrs["columns"] = {str(k): v for k, v in renames.items()}
    return gdf


def protect_output_names(gdf: Any, *, reserved: Iterable[str]) -> Any:
    """Set aside input columns that ``estimate`` would overwrite, under ``input_<name>``.

    Parameters
    ----------
    gdf : GeoDataFrame
        The buildings as given to :func:`pvsite.estimate`.
    reserved : iterable of str
        The names ``estimate`` writes (:data:`pvsite.results.schema.OUTPUT_COLUMNS`).

    Returns
    -------
    GeoDataFrame
        The same rows. A column named like an output (``capacity_kwp``, ``status``,
        ``reason``...) is renamed ``input_<name>``, with one
        :class:`pvsite.errors.PvsiteWarning`; ``height_m`` becomes the input's ``height`` when
        it has none (and ``roof_type`` its ``roof:shape``), so that it is read as a height.
        The columns ``estimate`` reads (``institution_type``, ``district``, ``district_en``,
        ``adcode``) stay; an ``institution_type`` with values other than pvsite's types is
        also copied, as given, to ``input_institution_type``.

    Examples
    --------
    >>> import geopandas as gpd, shapely, warnings
    >>> g = gpd.GeoDataFrame({"height_m": [60.0], "status": ["built"]},
    ...                      geometry=[shapely.box(0, 0, 10, 10)], crs="EPSG:32651")
    >>> with warnings.catch_warnings(record=True):
    ...     warnings.simplefilter("always")
    ...     protect_output_names(g, reserved=["height_m", "status"]).columns.tolist()
    ['height', 'input_status', 'geometry']
    """
    reserved = set(reserved)
    renames: dict[Any, str] = {}
    for col, target in (("height_m", "height"), ("roof_type", "roof:shape")):
        if col in gdf.columns and target not in gdf.columns:
            renames[col] = target
    geometry = gdf.geometry.name if hasattr(gdf, "geometry") else None
    clash = [c for c in gdf.columns if c in reserved and c not in READ_FROM_INPUT
             and c not in renames and c != geometry]
    renames.update({c: f"input_{c}" for c in clash})
    out = gdf.rename(columns=renames) if renames else gdf
    if clash:
        warnings.warn(f"input column(s) {clash} have the names of outputs of estimate; kept as "
                      f"{[renames[c] for c in clash]}.", PvsiteWarning, stacklevel=3)
    if "institution_type" in out.columns and "input_institution_type" not in out.columns:
        given = out["institution_type"]
        other = given.notna().to_numpy(dtype=bool) & ~given.isin(INSTITUTION_TYPES).to_numpy(
            dtype=bool)
        if other.any():
            out = out.copy() if out is gdf else out
            out["input_institution_type"] = given
    return out
