"""The CRS every stage works in: metres on the ground, true north; and which geometries exist.

One home for the question "in what coordinates is this measured?": :func:`to_metric` puts
footprints in a CRS whose lengths are metres on the ground (the input's own if it is already
one, else the local UTM zone: EPSG:32651 in Shanghai), :func:`units_per_metre` says how far a
CRS is from that, and :func:`present` is the one test of "is there a geometry here at all".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .errors import FootprintError

__all__ = ["MAX_SCALE_ERROR", "check_lonlat", "grid_convergence", "present", "to_metric",
           "units_per_metre"]


def present(geoms: Any) -> np.ndarray:
    """Whether each geometry is there: not None/NaN and not empty (bool array).

    Examples
    --------
    >>> import shapely
    >>> present([shapely.Point(0, 0), None, shapely.Polygon()]).tolist()
    [True, False, False]
    """
    import shapely

    arr = np.asarray(geoms, dtype=object)
    if arr.size == 0:
        return np.zeros(arr.shape, dtype=bool)
    missing = pd.isna(arr)
    out = ~missing
    out[out] = ~shapely.is_empty(arr[out])
    return out


def to_metric(gdf: Any) -> Any:
    """Project footprints to a CRS in which lengths are metres on the ground.

    Parameters
    ----------
    gdf : GeoDataFrame
        Footprints with a CRS.

    Returns
    -------
    GeoDataFrame
        The same rows in a metric CRS: the input's own if it is projected, in metres, and its
        length scale at the footprints is within ``MAX_SCALE_ERROR`` of true (a UTM or
        Gauss-Kruger zone, a city grid); else the UTM zone chosen by
        ``GeoDataFrame.estimate_utm_crs`` (Shanghai: EPSG:32651). Web Mercator (EPSG:3857)
        is reprojected: at Shanghai its metres are 1.17 true metres, its areas 1.37.

    Raises
    ------
    FootprintError
        No CRS, or longitude/latitude out of range (:func:`check_lonlat`).
    """
    if gdf.crs is None:
        raise FootprintError(
            "the footprints have no CRS; set it, e.g. gdf.set_crs('EPSG:4326') for "
            "longitude/latitude, or read them with pvsite.read_footprints(path, crs=...).")
    check_lonlat(gdf)
    valid = gdf[present(gdf.geometry.to_numpy())]
    if gdf.crs.is_projected and (valid.empty or _true_to_scale(valid)):
        return gdf
    if valid.empty:
        return gdf.to_crs(3857)
    if gdf.crs.is_projected:
        _check_in_crs_area(valid)
    return gdf.to_crs(valid.estimate_utm_crs())


def _check_in_crs_area(gdf: Any) -> None:
    """Refuse projected coordinates that have no longitude/latitude in their CRS."""
    import pyproj
    import shapely

    with np.errstate(invalid="ignore"):
        b = shapely.bounds(gdf.geometry.to_numpy())
    b = b[np.isfinite(b).all(axis=1)]  # NaN vertices are the footprint checks' business
    if not len(b):
        return
    x0, y0, x1, y1 = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    with np.errstate(invalid="ignore"):
        lon, lat = pyproj.Transformer.from_crs(gdf.crs, 4326, always_xy=True).transform(
            [x0, x1], [y0, y1])
    if np.isfinite(lon).all() and np.isfinite(lat).all():
        return
    hint = (" An easting of 8 digits carries a Gauss-Kruger zone number in front (e.g. "
            "40500000 in zone 40): use the CRS with the zone number (e.g. EPSG:4528 for "
            "CGCS2000 3-degree zone 40) or drop it from x." if x1 >= 1e7 else "")
    raise FootprintError(
        f"the footprints' coordinates x {x0:.8g}..{x1:.8g}, y {y0:.8g}..{y1:.8g} are outside "
        f"what their CRS ({gdf.crs.name}) can place on the Earth: the CRS is wrong.{hint} Set "
        "the right one with gdf.set_crs(..., allow_override=True) or read_footprints(path, "
        "crs=...) for a file without one.")


def check_lonlat(gdf: Any, *, where: str = "the footprints") -> None:
    """Refuse coordinates that a geographic CRS cannot hold, saying what they look like.

    With a geographic CRS (EPSG:4326, CGCS2000...), x must be a longitude in -180..180 and y
    a latitude in -90..90. Footprints whose y goes beyond 90 with x within 90 have latitude and
    longitude swapped; larger numbers are metres (a projected CRS's) labelled as degrees.
    Non-finite coordinates are left to the footprint checks.

    Raises
    ------
    FootprintError
        Coordinates out of range, with what to do.
    """
    if gdf.crs is None or not gdf.crs.is_geographic:
        return
    import shapely

    geoms = gdf.geometry.to_numpy()
    ok = present(geoms)
    if not ok.any():
        return
    with np.errstate(invalid="ignore"):
        b = shapely.bounds(geoms[ok])
    b = b[np.isfinite(b).all(axis=1)]
    outside = ((b[:, 0] < -180) | (b[:, 2] > 180) | (b[:, 1] < -90) | (b[:, 3] > 90))
    if not outside.any():
        return
    x0, y0 = b[outside, 0].min(), b[outside, 1].min()
    x1, y1 = b[outside, 2].max(), b[outside, 3].max()
    count = f"{int(outside.sum()):,} of {len(b):,} footprints"
    if -90 <= x0 and x1 <= 90 and -180 <= y0 and y1 <= 180:
        raise FootprintError(
            f"{where}: {count} have y {y0:.4g}..{y1:.4g}, beyond latitude 90, while x "
            f"({x0:.4g}..{x1:.4g}) would fit: longitude and latitude look swapped. Swap them "
            "(gdf.geometry = gdf.geometry.map(lambda g: shapely.ops.transform(lambda x, y: "
            "(y, x), g))) or re-export with x = longitude.")
    raise FootprintError(
        f"{where}: {count} have coordinates x {x0:.6g}..{x1:.6g}, y {y0:.6g}..{y1:.6g}, "
        f"not longitude/latitude although the CRS ({gdf.crs.to_string()}) says degrees: they "
        "look like metres of a projected CRS (UTM, Gauss-Kruger, a city grid). Set the right "
        "CRS, e.g. read_footprints(path, crs='EPSG:4549') for a file without one, or "
        "gdf.set_crs(..., allow_override=True).")


#: Largest length scale error [-] of a projected CRS that footprints are kept in.
MAX_SCALE_ERROR = 0.001


def _true_to_scale(gdf: Any) -> bool:
    """Whether ``gdf``'s projected CRS is in true metres at its footprints' middle.

    Its metre axes, times its point scale factors (pyproj), within ``MAX_SCALE_ERROR`` of 1.
    """
    x0, y0, x1, y1 = gdf.total_bounds
    lo, hi = units_per_metre(gdf.crs, (x0 + x1) / 2, (y0 + y1) / 2)
    return bool(abs(lo - 1.0) <= MAX_SCALE_ERROR and abs(hi - 1.0) <= MAX_SCALE_ERROR)


def units_per_metre(crs: Any, x: float, y: float) -> tuple[float, float]:
    """Smallest and largest number of ``crs`` units a metre on the ground spans at (x, y).

    For a projected CRS: its point scale factors (pyproj) over the size of its axis unit.
    (NaN, NaN) where pyproj can't say.
    """
    import pyproj

    crs = pyproj.CRS.from_user_input(crs)
    unit = crs.axis_info[0].unit_conversion_factor if crs.axis_info else 1.0
    try:
        lon, lat = pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(x, y)
        f = pyproj.Proj(crs).get_factors(lon, lat)
    except Exception:  # a CRS pyproj can't take factors of
        return float("nan"), float("nan")
    k = np.array([f.meridional_scale, f.parallel_scale], dtype=float) / unit
    return float(k.min()), float(k.max())


def grid_convergence(gdf: Any) -> np.ndarray:
    """Angle from true north to grid north at each footprint [deg]: true = grid + this.

    An azimuth measured on a projected map (clockwise from the map's y axis) is turned into
    one clockwise from true north by adding this angle. Computed at each footprint's
    centroid from a short step north transformed into the CRS (pyproj), so it holds for any
    projection; for a transverse Mercator (UTM, Gauss-Kruger) it is close to
    ``atan(tan(lon - lon_0) sin(lat))``: -0.79 deg at Shanghai in UTM zone 51 (lon_0 123 E).
    0 for a geographic CRS and where a footprint is missing.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame(geometry=[shapely.Point(121.47, 31.23)], crs=4326).to_crs(32651)
    >>> round(float(grid_convergence(g)[0]), 2)
    -0.79
    """
    import pyproj
    import shapely

    n = len(gdf)
    out = np.zeros(n)
    if gdf.crs is None or not gdf.crs.is_projected or n == 0:
        return out
    geoms = gdf.geometry.to_numpy()
    there = present(geoms)
    if not there.any():
        return out
    with np.errstate(invalid="ignore"):
        xy, owner = shapely.get_coordinates(geoms[there], return_index=True)
        finite = np.ones(int(there.sum()), dtype=bool)
        finite[owner[~np.isfinite(xy).all(axis=1)]] = False
    there[there] = finite  # a NaN vertex: no centre (GEOS refuses it), gamma 0
    if not there.any():
        return out
    with np.errstate(invalid="ignore"):
        centre = shapely.centroid(geoms[there])
    c = np.full((len(centre), 2), np.nan)
    has = ~shapely.is_empty(centre)
    c[has] = shapely.get_coordinates(centre[has])
    to_ll = pyproj.Transformer.from_crs(gdf.crs, 4326, always_xy=True)
    to_xy = pyproj.Transformer.from_crs(4326, gdf.crs, always_xy=True)
    with np.errstate(invalid="ignore"):
        lon, lat = to_ll.transform(c[:, 0], c[:, 1])
    step = np.where(np.asarray(lat) > 0, -1e-4, 1e-4)  # toward the equator, never past a pole
    x2, y2 = to_xy.transform(lon, np.asarray(lat) + step)
    dx, dy = (np.asarray(x2) - c[:, 0]) * np.sign(step), (np.asarray(y2) - c[:, 1]) * np.sign(step)
    # true north's direction on the grid, clockwise from grid north: alpha; true = grid - alpha
    gamma = -np.degrees(np.arctan2(dx, dy))
    out[there] = np.where(np.isfinite(gamma), gamma, 0.0)
    return out
