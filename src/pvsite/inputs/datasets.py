"""The data that ships with pvsite: a generated weather year, synthetic buildings, districts.

* :func:`shanghai_weather`: a typical year for central Shanghai GENERATED from published
  monthly climatology (NASA SSE irradiation, NBS temperature), not measured; see
  ``data/weather/README.md``.
* :func:`shanghai_buildings`: a SYNTHETIC demonstration district of public institutions and
  their neighbours inside the real district boundaries, not real buildings; see
  ``data/footprints/README.md``.
* :func:`shanghai_districts`: the 16 real district boundaries, ODbL 1.0,
  (c) OpenStreetMap contributors; geoBoundaries (wmgeolab); see ``data/boundaries/README.md``.
* :func:`shanghai_campuses`: two REAL OpenStreetMap extracts around Tongji University (Siping
  Road, Yangpu) and Shanghai University (Baoshan), ODbL 1.0, (c) OpenStreetMap contributors;
  see ``data/osm/README.md``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["CAMPUSES", "path", "shanghai_buildings", "shanghai_campuses", "shanghai_districts",
           "shanghai_weather"]

_FILES = {
    "weather": "weather/shanghai_generated_tmy.csv",
    "footprints": "footprints/shanghai_demo_buildings.geojson",
    "districts": "boundaries/shanghai_districts.geojson",
    "tongji": "osm/shanghai_tongji_siping.osm",
    "shu": "osm/shanghai_shu_baoshan.osm.pbf",
}
#: The bundled OpenStreetMap extracts: dataset name -> what it covers.
CAMPUSES = {
    "tongji": "Tongji University, Siping Road campus (Yangpu)",
    "shu": "Shanghai University, Baoshan campus and Dachang (Baoshan)",
}


def _data_dir() -> Path:
    """``pvsite/data`` in an installed wheel, else the repository's top-level ``data/``."""
    packaged = Path(str(resources.files("pvsite"))) / "data"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "data"


def path(name: str) -> Path:
    """Path of a bundled file: ``'weather'``, ``'footprints'`` or ``'districts'``.

    Examples
    --------
    >>> path("districts").name
    'shanghai_districts.geojson'
    """
    if name not in _FILES:
        raise ValueError(f"unknown dataset {name!r}; use one of {sorted(_FILES)}.")
    return _data_dir() / _FILES[name]


def shanghai_weather() -> pd.DataFrame:
    """Typical year for central Shanghai, generated from published monthly climatology.

    Returns
    -------
    DataFrame
        8760 hours of ``ghi, dni, dhi`` [W/m^2], ``temp_air`` [degC], ``wind_speed`` [m/s],
        labelled at the middle of each hour (Asia/Shanghai); ``.attrs['label']`` is
        ``'generated'``. Monthly GHI equals NASA SSE 6.0 (31 N 121 E); monthly temperature the
        NBS yearbook means of 2008-2009. For real work use a measured typical year:
        ``pvsite.read_weather('your.epw')``.

    Examples
    --------
    >>> w = shanghai_weather()
    >>> w.attrs["label"], round(w["ghi"].sum() / 1000)  # NASA SSE months x days [kWh/m^2]
    ('generated', 1392)
    """
    from .weather import read_weather

    return read_weather(path("weather"))


def shanghai_buildings() -> Any:
    """Synthetic demonstration buildings in Shanghai (NOT real footprints).

    Returns
    -------
    GeoDataFrame
        WGS84 footprints with ``building_id``, ``institution_id``, ``institution_name``,
        ``institution_type``, ``height`` [m], ``building:levels``, ``roof:shape`` and
        ``synthetic`` (True); ``.attrs['label']`` is ``'synthetic'``.

    Examples
    --------
    >>> b = shanghai_buildings()
    >>> b.attrs["label"], bool(b["synthetic"].all())
    ('synthetic', True)
    """
    from .footprints import read_footprints

    gdf = read_footprints(path("footprints"))
    gdf.attrs.update({"label": "synthetic",
                      "title": "Synthetic demonstration buildings in Shanghai (NOT real)"})
    return gdf


def shanghai_districts() -> Any:
    """The 16 districts of Shanghai (WGS84), with ``district``, ``district_en``, ``adcode``.

    ODbL 1.0: (c) OpenStreetMap contributors; geoBoundaries (wmgeolab). Simplified by
    ``scripts/make_boundaries.py``.

    Examples
    --------
    >>> d = shanghai_districts()
    >>> len(d), d["adcode"].iloc[0]
    (16, '310101')
    """
    import geopandas as gpd

    gdf = gpd.read_file(path("districts"), engine="pyogrio")
    gdf.attrs["licence"] = "ODbL 1.0; (c) OpenStreetMap contributors; geoBoundaries (wmgeolab)"
    return gdf


def shanghai_campuses(which: str | None = None) -> tuple[Any, Any]:
    """Real OpenStreetMap buildings and institution sites of two Shanghai campuses.

    Parameters
    ----------
    which : {'tongji', 'shu'}, optional
        One extract (:data:`CAMPUSES`); default both, one after the other.

    Returns
    -------
    (GeoDataFrame, GeoDataFrame)
        Buildings and institution sites as :func:`pvsite.read_osm` reads them (WGS84), with
        a ``campus`` column naming the extract. ``.attrs``: ``label`` 'OpenStreetMap' (real
        data, as mapped: most buildings have no height or storeys, and many school and
        hospital sites have no buildings mapped inside), ``attribution`` and ``licence``
        (ODbL 1.0: whatever is made from them must say so, and databases derived from them
        stay under the ODbL).

    Raises
    ------
    ValueError
        ``which`` is not a name of :data:`CAMPUSES`.

    Examples
    --------
    >>> b, s = shanghai_campuses("tongji")
    >>> b.attrs["label"], len(b) > 200, "university" in set(s["site_type"])
    ('OpenStreetMap', True, True)
    """
    import pandas as pd

    from .osm import ATTRIBUTION, LABEL, LICENCE, read_osm

    if which is not None and which not in CAMPUSES:
        raise ValueError(f"which={which!r}; use one of {sorted(CAMPUSES)} or None for both.")
    names = [which] if which else list(CAMPUSES)
    frames: dict[str, list[Any]] = {"buildings": [], "sites": []}
    for name in names:
        for layer in frames:
            f = read_osm(path(name), layer=layer)
            frames[layer].append(f.assign(campus=name))
    out = []
    for parts in frames.values():
        gdf = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        gdf.attrs = {"label": LABEL, "attribution": ATTRIBUTION, "licence": LICENCE,
                     "title": "OpenStreetMap: " + "; ".join(CAMPUSES[n] for n in names),
                     "source": ", ".join(str(path(n).name) for n in names)}
        out.append(gdf)
    return out[0], out[1]
