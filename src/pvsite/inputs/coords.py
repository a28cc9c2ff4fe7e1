"""Chinese web-map coordinates (GCJ-02, BD-09) to and from WGS84.

Footprints traced on Amap (Gaode) or Tencent maps are in GCJ-02, those from Baidu in BD-09;
both are longitude/latitude that such data usually *declares* as WGS84 (EPSG:4326) although
they are offset from it by a few hundred metres in China. :func:`to_wgs84` removes the offset.

The formulas are the published GCJ-02 ("Mars coordinates") offset, computed on the Krasovsky
1940 ellipsoid (``a = 6378245.0`` m, ``ee = 0.00669342162296594323``), and the standard
BD-09 rotation with ``x_pi = pi * 3000 / 180``. GCJ-02 has no closed-form inverse: WGS84 is
found by fixed-point iteration of the forward offset until it changes by less than 1e-7 deg
(about 1 cm), so a WGS84 -> GCJ-02 -> WGS84 round trip is exact to well under 0.5 m.
BD-09 -> GCJ-02 uses the standard closed-form approximation, whose round trip error is below
a metre (see :func:`to_wgs84`). Outside China (the usual rough bounding box, longitude
72.004..137.8347 E and latitude 0.8293..55.8271 N) GCJ-02 equals WGS84 and coordinates are
left unchanged, for BD-09 too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import FootprintError

__all__ = ["COORDINATE_SYSTEMS", "from_wgs84", "to_wgs84"]

#: Coordinate systems :func:`to_wgs84` converts from (and :func:`from_wgs84` to).
COORDINATE_SYSTEMS = ("gcj02", "bd09")

#: Semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02 [m].
KRASOVSKY_A = 6378245.0
#: First eccentricity squared of the Krasovsky 1940 ellipsoid [-].
KRASOVSKY_EE = 0.00669342162296594323
#: The constant of the BD-09 rotation [rad per deg].
X_PI = np.pi * 3000.0 / 180.0
#: Rough bounding box of China used by GCJ-02 implementations: lon_min, lon_max, lat_min, lat_max.
CHINA_BOUNDS = (72.004, 137.8347, 0.8293, 55.8271)
#: Convergence threshold of the GCJ-02 inverse [deg] (1e-7 deg is about 1 cm).
INVERSE_TOLERANCE = 1e-7
_MAX_ITERATIONS = 30


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """True where (lon, lat) [deg] lies inside the rough bounding box of China."""
    lon_min, lon_max, lat_min, lat_max = CHINA_BOUNDS
    return (lon >= lon_min) & (lon <= lon_max) & (lat >= lat_min) & (lat <= lat_max)


def _gcj02_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 at WGS84 (lon, lat), both [deg]; zero outside China."""
    x, y = lon - 105.0, lat - 35.0
    pi = np.pi
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    d_lat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
             + 0.2 * np.sqrt(np.abs(x)) + common
             + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
             + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0)
    d_lon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
             + 0.1 * np.sqrt(np.abs(x)) + common
             + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
             + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0)
    # metres on the Krasovsky ellipsoid -> degrees: meridian and parallel radii of curvature
    rad_lat = np.radians(lat)
    w = 1.0 - KRASOVSKY_EE * np.sin(rad_lat) ** 2
    meridian = KRASOVSKY_A * (1.0 - KRASOVSKY_EE) / (w * np.sqrt(w))
    parallel = KRASOVSKY_A / np.sqrt(w) * np.cos(rad_lat)
    inside = _in_china(lon, lat)
    d_lat = np.where(inside, d_lat * 180.0 / (meridian * pi), 0.0)
    d_lon = np.where(inside, d_lon * 180.0 / (parallel * pi), 0.0)
    return d_lon, d_lat


def _wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    d_lon, d_lat = _gcj02_offset(lon, lat)
    return lon + d_lon, lat + d_lat


def _gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invert the GCJ-02 offset by fixed-point iteration: w <- w - (gcj(w) - target)."""
    inside = _in_china(lon, lat)
    w_lon, w_lat = lon.copy(), lat.copy()
    for _ in range(_MAX_ITERATIONS):
        g_lon, g_lat = _wgs84_to_gcj02(w_lon, w_lat)
        e_lon, e_lat = np.where(inside, g_lon - lon, 0.0), np.where(inside, g_lat - lat, 0.0)
        w_lon, w_lat = w_lon - e_lon, w_lat - e_lat
        if not np.any((np.abs(e_lon) >= INVERSE_TOLERANCE) | (np.abs(e_lat) >= INVERSE_TOLERANCE)):
            break
    return w_lon, w_lat


def _gcj02_to_bd09(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.hypot(lon, lat) + 0.00002 * np.sin(lat * X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lon - 0.0065, lat - 0.006
    z = np.hypot(x, y) - 0.00002 * np.sin(y * X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _to_wgs84_lonlat(source: str, lon: np.ndarray, lat: np.ndarray) -> tuple[Any, Any]:
    if source == "bd09":
        inside = _in_china(lon, lat)
        g_lon, g_lat = _bd09_to_gcj02(lon, lat)
        lon, lat = np.where(inside, g_lon, lon), np.where(inside, g_lat, lat)
    return _gcj02_to_wgs84(lon, lat)


def _from_wgs84_lonlat(target: str, lon: np.ndarray, lat: np.ndarray) -> tuple[Any, Any]:
    inside = _in_china(lon, lat)
    lon, lat = _wgs84_to_gcj02(lon, lat)
    if target == "bd09":
        b_lon, b_lat = _gcj02_to_bd09(lon, lat)
        lon, lat = np.where(inside, b_lon, lon), np.where(inside, b_lat, lat)
    return lon, lat


def _check_system(value: str, keyword: str) -> str:
    key = str(value).lower().replace("-", "").replace("_", "")
    if key not in COORDINATE_SYSTEMS:
        raise ValueError(f"{keyword}={value!r} is not a coordinate system pvsite converts; use "
                         f"one of {list(COORDINATE_SYSTEMS)} (GCJ-02: Amap, Tencent; "
                         "BD-09: Baidu).")
    return key


def _apply(gdf: Any, convert: Any) -> Any:
    """Run ``convert(lon, lat)`` on every vertex of ``gdf``'s geometry; keep z, label WGS84."""
    import geopandas as gpd
    import shapely

    if not isinstance(gdf, (gpd.GeoDataFrame, gpd.GeoSeries)):
        raise TypeError(f"expected a GeoDataFrame or GeoSeries, not {type(gdf).__name__}.")
    if gdf.crs is not None and not gdf.crs.is_geographic:
        raise FootprintError(
            f"GCJ-02 and BD-09 are longitude/latitude, but these data are in a projected CRS "
            f"({gdf.crs.name}). Convert the coordinates before projecting them, or use "
            "coordinates that were never projected.")

    def transform(coords: np.ndarray) -> np.ndarray:
        out = np.array(coords, dtype=float)  # (N, 2) or (N, 3): lon, lat[, z]
        out[:, 0], out[:, 1] = convert(out[:, 0], out[:, 1])
        return out

    geoms = np.asarray(gdf.geometry.array, dtype=object).copy()
    has_z = shapely.has_z(geoms)  # False for None
    for mask, include_z in ((~has_z, False), (has_z, True)):
        if mask.any():
            geoms[mask] = shapely.transform(geoms[mask], transform, include_z=include_z)
    series = gpd.GeoSeries(geoms, index=gdf.index, crs="EPSG:4326")
    if isinstance(gdf, gpd.GeoSeries):
        return series.rename(gdf.name)
    out = gdf.copy()
    out[gdf.geometry.name] = series
    return out.set_crs("EPSG:4326", allow_override=True)


def to_wgs84(gdf: Any, source: str = "gcj02") -> Any:
    """Convert GCJ-02 (Amap, Tencent) or BD-09 (Baidu) longitude/latitude to WGS84.

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        Geometries whose coordinates are GCJ-02 or BD-09 longitude/latitude [deg], with a
        geographic CRS (usually declared as EPSG:4326) or none.
    source : {'gcj02', 'bd09'}
        The system the coordinates are really in. ``'gcj-02'``, ``'BD09'``... also work.

    Returns
    -------
    GeoDataFrame or GeoSeries
        A copy, same index, columns and geometry types, every vertex moved to WGS84
        [deg], CRS EPSG:4326; z values are kept. The GCJ-02 offset (a few hundred metres
        in China) is removed by iterating the forward formula to 1e-7 deg, so
        ``to_wgs84(from_wgs84(g))`` returns ``g`` to within a centimetre for GCJ-02. The
        BD-09 -> GCJ-02 step is the standard closed-form formula, which returns within
        about 0.1 m. Coordinates outside the rough bounding box of China are unchanged.

    Raises
    ------
    ValueError
        ``source`` is not one of :data:`COORDINATE_SYSTEMS`.
    FootprintError
        ``gdf`` has a projected CRS (GCJ-02 and BD-09 are longitude/latitude).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> gcj = gpd.GeoSeries([shapely.Point(121.531541859215, 31.17530398364597)], crs=4326)
    >>> p = to_wgs84(gcj, source="gcj02").iloc[0]  # Shanghai, Pudong
    >>> round(p.x, 6), round(p.y, 6)
    (121.527211, 31.177428)
    """
    key = _check_system(source, "source")
    return _apply(gdf, lambda lon, lat: _to_wgs84_lonlat(key, lon, lat))


def from_wgs84(gdf: Any, target: str = "gcj02") -> Any:
    """Convert WGS84 longitude/latitude to GCJ-02 or BD-09 (the inverse of :func:`to_wgs84`).

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        Geometries in WGS84 longitude/latitude [deg] (a geographic CRS, or none).
    target : {'gcj02', 'bd09'}
        The system to convert to.

    Returns
    -------
    GeoDataFrame or GeoSeries
        A copy with every vertex in ``target`` [deg]. Its CRS is labelled EPSG:4326, as such
        data usually is, although the coordinates are not WGS84 any more.

    Raises
    ------
    ValueError
        ``target`` is not one of :data:`COORDINATE_SYSTEMS`.
    FootprintError
        ``gdf`` has a projected CRS.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> wgs = gpd.GeoSeries([shapely.Point(116.377817, 39.911954)], crs=4326)  # Beijing
    >>> p = from_wgs84(wgs, target="gcj02").iloc[0]
    >>> round(p.x, 6), round(p.y, 6)
    (116.384047, 39.913345)
    """
    key = _check_system(target, "target")
    return _apply(gdf, lambda lon, lat: _from_wgs84_lonlat(key, lon, lat))
