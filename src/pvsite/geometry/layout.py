"""How many modules fit on each roof plane, and so its capacity in kWp.

Flat roofs get rows of modules tilted toward the equator, spaced so that no row shades the
next between ``Assumptions.design_hours`` (9:00-15:00 apparent solar time) on the winter
solstice, the rule of GB 50797-2012; the sun's position comes from pvlib. Pitched roofs get
modules flush on each plane that faces within 90 deg of the equator. Modules of real size are
packed into the usable polygon (roof minus edge setback, minus strips narrower than
``min_width_m``) by an exact scanline packer, in portrait and landscape, whichever fits more;
the share of the roof taken by obstructions (stairwells, plant) is then removed.

The energy model does not shade rows by each other: outside the design hours the front row's
shadow and its masking of the sky (Passias & Kallback 1984) cost, on the bundled Shanghai
year, under 1 % of the plane's irradiance at 10 to 28 deg rows (a test computes it with
``pvlib.shading.shaded_fraction1d`` and ``pvlib.shading.sky_diffuse_passias``).
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..errors import PvsiteWarning
from ._split import split

__all__ = ["FALLBACK_MIN_ELEVATION", "design_day", "edge_setback", "layout_planes",
           "row_spacing", "usable_polygons"]

#: Offsets of the first row tried by the packer (fractions of the row pitch).
PHASES = 4
#: Lowest sun elevation rows are spaced for [deg, apparent]. A pvsite assumption: just under
#: the sun's elevation at 9:00 solar time on the winter solstice at 53.5 N (Mohe, China's
#: northernmost point; 3.8 deg geometric, 4.0 apparent by pvlib), the lowest that GB
#: 50797-2012's rule asks rows to clear anywhere in China. Farther from the equator
#: (north of about 54 deg) the solstice's sun is lower and :func:`design_day` moves on.
FALLBACK_MIN_ELEVATION = 3.5


def _design_elevations(latitude: float, date: pd.Timestamp,
                       design_hours: tuple[float, float]) -> pd.DataFrame:
    """Solar position (pvlib, SPA) every 5 min between the design hours of ``date``."""
    import pvlib

    solar_hours = np.arange(design_hours[0], design_hours[1] + 1e-9, 5 / 60)
    # apparent solar time -> UTC at longitude 0: subtract the equation of time
    eot = pvlib.solarposition.equation_of_time_spencer71(date.day_of_year)  # [min]
    times = date + pd.to_timedelta(solar_hours * 60 - eot, unit="min")
    return pvlib.solarposition.get_solarposition(pd.DatetimeIndex(times), latitude, 0.0)


@functools.lru_cache(maxsize=256)
def _design_sun(latitude: float, date: pd.Timestamp, design_hours: tuple[float, float]
                ) -> tuple[np.ndarray, np.ndarray]:
    """Apparent elevation and azimuth [deg] of :func:`_design_elevations`, read-only.

    Kept per latitude, day and hours: a layout asks for the row gap of every facing and both
    module orientations (47 SPA runs, about 0.35 s, on 100 bundled buildings), all on one day.
    """
    sp = _design_elevations(latitude, date, design_hours)
    out = sp["apparent_elevation"].to_numpy(dtype=float), sp["azimuth"].to_numpy(dtype=float)
    for a in out:
        a.flags.writeable = False
    return out


@functools.lru_cache(maxsize=256)
def design_day(latitude: float, design_hours: tuple[float, float] = (9.0, 15.0)
               ) -> tuple[pd.Timestamp, str]:
    """The day whose design hours rows must not shade each other in, and why it is that day.

    The winter solstice (21 December north of the equator, 21 June south of it), the rule of
    GB 50797-2012, where the sun stands at least ``FALLBACK_MIN_ELEVATION`` above the horizon
    through the design hours (everywhere in China). Farther from the equator the rule asks
    for rows metres apart for a sun grazing the horizon (at 59 N, a 2 m row 30 deg tilted
    would need a gap of 290 m), or has no answer at all where the sun is below the horizon
    (north of about 59.6 deg for 9:00-15:00: Oslo, Tromso). There the first day after the
    solstice on which the sun stays ``FALLBACK_MIN_ELEVATION`` up through the design hours
    is used, with a reason ('' for the solstice).

    Examples
    --------
    >>> day, why = design_day(69.7)
    >>> day.strftime("%d %B"), why.startswith("the winter solstice's sun")
    ('20 February', True)
    """
    north = latitude >= 0
    solstice = pd.Timestamp("2023-12-21" if north else "2023-06-21", tz="UTC")
    sp = _design_elevations(latitude, solstice, design_hours)
    low = float(sp["apparent_elevation"].min())
    if low >= FALLBACK_MIN_ELEVATION:
        return solstice, ""
    for days in range(1, 183):
        date = solstice + pd.Timedelta(days=days)
        elevation = _design_elevations(latitude, date, design_hours)["apparent_elevation"]
        if np.all(elevation.to_numpy() >= FALLBACK_MIN_ELEVATION):
            break
    where = "below the horizon" if low <= 0 else f"only {low:.1f} deg high"
    return date, (f"the winter solstice's sun is {where} during the design hours at latitude "
                  f"{latitude:g}, so rows are spaced not to shade each other from "
                  f"{design_hours[0]:g} to {design_hours[1]:g} h solar time on {date:%d %B}, "
                  f"the first day the sun stays {FALLBACK_MIN_ELEVATION:g} deg up then")


def row_spacing(latitude: float, surface_tilt: float, slant_length: float, *,
                row_azimuth: float | None = None,
                design_hours: tuple[float, float] = (9.0, 15.0)) -> tuple[float, float]:
    """Row pitch with no row shading the next during the design hours of the winter solstice.

    Parameters
    ----------
    latitude : float
        Site latitude [deg]; the winter solstice is 21 December north of the equator and
        21 June south of it.
    surface_tilt : float
        Module tilt [deg].
    slant_length : float
        Length of the module (or of the stacked modules) up the slope [m].
    row_azimuth : float, optional
        Direction the rows face [deg from north]; default the equator (180 north of it).
    design_hours : (float, float)
        Apparent solar times [h] between which rows must not shade each other.

    Returns
    -------
    (pitch, gap) : (float, float)
        Row pitch, front of one row to the front of the next [m], and the clear gap between the
        back of one row and the foot of the next [m]: the largest shadow, projected onto the
        row's facing direction, that a row of height ``slant_length * sin(tilt)`` casts between
        the design hours, from pvlib's solar position (SPA) sampled every 5 min. Where the sun
        is below the horizon at some design hour of the solstice (Oslo, Tromso), the design
        day of :func:`design_day` is used instead (:func:`layout_planes` warns).

    Examples
    --------
    The gap over the row height at Shanghai, 1.93, is within 2 % of GB 50797-2012's closed
    form ``0.707 / tan(arcsin(0.648 cos(phi) - 0.399 sin(phi)))`` = 1.91 (which rounds the
    sun's azimuth term at 9:00 to 0.707):

    >>> pitch, gap = row_spacing(31.2, 30.0, 2.0)
    >>> round(gap / (2.0 * 0.5), 2)
    1.93
    """
    north = latitude >= 0
    facing = (180.0 if north else 0.0) if row_azimuth is None else float(row_azimuth)
    date, _ = design_day(float(latitude), tuple(design_hours))
    apparent, azimuth = _design_sun(float(latitude), date, tuple(design_hours))
    elevation = np.radians(apparent)
    relative = np.radians(azimuth - facing)
    height = slant_length * np.sin(np.radians(surface_tilt))
    shadow = height * np.cos(relative) / np.tan(elevation)
    gap = float(max(shadow.max(), 0.0))
    return slant_length * np.cos(np.radians(surface_tilt)) + gap, gap


def edge_setback(footprints: Any, *, assumptions: Assumptions | None = None,
                 rectangles: Any = None) -> np.ndarray:
    """Edge setback of each roof [m]: the fire-code perimeter pathway.

    IFC 2021 section 1205.3.1 (IFC 2018 1204.3.1): a 6 ft (1.83 m) clear perimeter on
    commercial roofs, reduced to 4 ft (1.22 m) where either axis of the building is 250 ft
    (76.2 m) or less. ``Assumptions.edge_setback_m`` sets the smaller one; the larger one scales
    with it (x 1.5). Returns one setback per footprint [m]. ``rectangles``: the footprints'
    minimum rotated rectangles, when the caller has them already.
    """
    import shapely

    a = assumptions or Assumptions()
    rect = (split(shapely.minimum_rotated_rectangle, footprints)
            if rectangles is None else np.asarray(rectangles, dtype=object))
    half_perimeter, area = shapely.length(rect) / 2, shapely.area(rect)
    # the sides of a rectangle are the roots of t^2 - (P/2) t + A = 0
    short_side = (half_perimeter - np.sqrt(np.clip(half_perimeter**2 - 4 * area, 0, None))) / 2
    return np.where(short_side <= 76.2, a.edge_setback_m, 1.5 * a.edge_setback_m)


def _inset_convex(polygons: np.ndarray, distance: np.ndarray,
                  check: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convex polygons without holes moved inward by ``distance`` [m], without GEOS.

    Each vertex moves along its corner's bisector, which is the mitred inward buffer of a
    convex polygon for as long as no edge shrinks to nothing. Returns the insets and a mask of
    the polygons for which that holds at both ``distance`` and ``check`` [m] (a larger inset
    that must also keep every edge); the others are None, left to GEOS.
    """
    import shapely

    from ._packing import inset_convex

    n = polygons.size
    out = np.full(n, None, dtype=object)
    ok = np.zeros(n, dtype=bool)
    simple = (shapely.get_type_id(polygons) == 3) & ~shapely.is_empty(polygons)
    simple[simple] = shapely.get_num_interior_rings(polygons[simple]) == 0
    idx = np.flatnonzero(simple)
    if not idx.size:
        return out, ok
    # a polygon without holes has only its exterior ring's coordinates; drop the closing one
    coords, owner = shapely.get_coordinates(polygons[idx], return_index=True)
    ends = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=idx.size))])
    keep = np.ones(len(owner), dtype=bool)
    keep[ends[1:] - 1] = False
    offsets = ends - np.arange(idx.size + 1)
    v = coords[keep]
    # vertices relative to each ring's first one, to keep precision in UTM metres
    origin = np.repeat(v[offsets[:-1]], np.diff(offsets), axis=0)
    rel = v - origin
    wx, wy, good = inset_convex(rel[:, 0].copy(), rel[:, 1].copy(), offsets,
                                np.asarray(distance, dtype=float)[idx],
                                np.asarray(check, dtype=float)[idx])
    if good.any():
        rows = np.repeat(good, np.diff(offsets))
        # only the polygons the inset kept: the others' vertices may be infinite
        w = np.column_stack([wx[rows], wy[rows]]) + origin[rows]
        dense = np.repeat(np.arange(good.sum()), np.diff(offsets)[good])
        out[idx[good]] = shapely.polygons(shapely.linearrings(w, indices=dense))
        ok[idx[good]] = True
    return out, ok


def usable_polygons(polygons: Any, setback: Any, min_width: float) -> np.ndarray:
    """Roof polygons less an edge setback, with strips narrower than ``min_width`` removed.

    ``polygons`` in metres; ``setback`` [m] scalar or per polygon. The narrow strips go by a
    morphological opening (inward then outward buffer of ``min_width / 2``). Convex roofs
    wide enough to keep every edge are inset directly (the opening leaves them unchanged);
    the rest go through GEOS's mitred buffer.
    """
    geoms = np.asarray(polygons, dtype=object)
    setback = np.broadcast_to(np.asarray(setback, dtype=float), geoms.shape)
    fast, ok = _inset_convex(geoms, setback, setback + max(min_width, 0.0) / 2)
    if ok.all():
        return fast
    rest = ~ok
    fast[rest] = _usable_geos(geoms[rest], setback[rest], min_width)
    return fast


def _usable_geos(geoms: np.ndarray, setback: np.ndarray, min_width: float) -> np.ndarray:
    """:func:`usable_polygons` with GEOS buffers, for any polygon."""
    import shapely

    inner = split(shapely.buffer, geoms, -setback, join_style="mitre")
    if min_width <= 0:
        return inner
    shrunk = split(shapely.buffer, inner, -min_width / 2, join_style="mitre")
    # a convex roof that survives the inward buffer has no strip narrower than min_width: the
    # opening would give it back unchanged, so only the others are buffered out and clipped
    hull_area = shapely.area(split(shapely.convex_hull, inner))
    convex = shapely.area(inner) >= hull_area * (1 - 1e-9)
    kept = convex & ~shapely.is_empty(shrunk)
    opened = inner.copy()
    rest = ~kept
    if rest.any():
        grown = split(shapely.buffer, shrunk[rest], min_width / 2, join_style="mitre")
        # mitred corners of the outward buffer can poke past a concave roof: clip them
        opened[rest] = np.where(convex[rest], grown,
                                split(shapely.intersection, grown, inner[rest]))
    return opened


def row_alignment(footprints: Any, max_deg: float, *, rectangles: Any = None) -> np.ndarray:
    """How far rows turn from east-west to follow each roof's edges [deg, counter-clockwise].

    The edge of the minimum rotated rectangle nearest to east-west, as an angle in
    (-45, 45] deg; 0 where that is more than ``max_deg``. ``rectangles``: those rectangles,
    when the caller has them already.
    """
    import shapely

    rect = (split(shapely.minimum_rotated_rectangle, footprints)
            if rectangles is None else np.asarray(rectangles, dtype=object))
    geoms = rect
    coords, owner = shapely.get_coordinates(rect, return_index=True)
    first = np.searchsorted(owner, np.arange(len(geoms)))
    has_edge = (first + 1 < len(owner)) & (np.diff(np.append(first, len(owner))) >= 2)
    i0 = np.clip(first, 0, max(len(owner) - 1, 0))
    i1 = np.clip(first + 1, 0, max(len(owner) - 1, 0))
    if not len(owner):
        return np.zeros(len(geoms))
    d = coords[i1] - coords[i0]
    angle = np.degrees(np.arctan2(d[:, 1], d[:, 0])) % 90.0
    angle = np.where(angle > 45.0, angle - 90.0, angle)
    return np.where(has_edge & (np.abs(angle) <= max_deg), angle, 0.0)


def layout_planes(planes: pd.DataFrame, *, latitude: float, flat_tilt: float,
                  obstruction_share: np.ndarray, setback: np.ndarray,
                  row_turn: np.ndarray | None = None,
                  assumptions: Assumptions | None = None) -> pd.DataFrame:
    """Pack modules on every roof plane.

    Parameters
    ----------
    planes : DataFrame
        From :func:`pvsite.geometry.roofs.roof_planes` (metric geometries).
    latitude : float
        Site latitude [deg], for the row spacing.
    flat_tilt : float
        Tilt of the rows on flat roofs [deg].
    obstruction_share, setback : ndarray
        Per plane: share of the usable area lost to obstructions [0-1], edge setback [m].
    row_turn : ndarray, optional
        Per plane: the turn of rows on flat roofs from east-west [deg] (:func:`row_alignment`);
        computed from the planes if not given.
    assumptions : Assumptions, optional
        Module size and power, minimum width and area.

    Returns
    -------
    DataFrame
        The planes with ``surface_tilt``, ``surface_azimuth`` [deg], ``mounting``
        ('racked'/'flush'), ``plane_area_m2`` (true, sloped area) [m^2], ``usable_area_m2``
        [m^2] (after setback, narrow strips and obstructions), ``n_modules``, ``rows``,
        ``orientation`` ('portrait'/'landscape'), ``gcr`` (ground coverage ratio: module area
        over usable area), ``capacity_kwp`` [kWp] and
        ``row_pitch_m`` [m].
    """
    import shapely

    from ._packing import pack, polygon_edges, rotate_edges

    a = assumptions or Assumptions()
    p = planes.copy()
    n = len(p)
    flat = p["roof_type"].to_numpy() == "flat"
    equator = 180.0 if latitude >= 0 else 0.0
    if flat.any():
        _, why = design_day(float(latitude), tuple(a.design_hours))
        if why:
            warnings.warn(why + ".", PvsiteWarning, stacklevel=3)
    geoms = p["geometry"].to_numpy()
    p["surface_tilt"] = np.where(flat, flat_tilt, p["plane_tilt"].to_numpy())
    turn = np.zeros(n)
    if row_turn is not None:
        turn[flat] = np.asarray(row_turn, dtype=float)[flat]
    elif a.row_alignment_max_deg > 0 and flat.any():
        turn[flat] = row_alignment(geoms[flat], a.row_alignment_max_deg)
    aligned = (equator - turn) % 360
    plane_az = p["plane_azimuth"].to_numpy(dtype=float)
    p["mounting"] = np.where(flat, "racked", "flush")
    cos_t = np.cos(np.radians(p["plane_tilt"].to_numpy(dtype=float)))
    p["plane_area_m2"] = shapely.area(geoms) / cos_t
    usable = usable_polygons(geoms, setback, a.min_width_m)
    stretch = np.where(flat, 1.0, 1.0 / cos_t)
    best = np.zeros(n, dtype=np.int64)
    best_rows = np.zeros(n, dtype=np.int64)
    best_orient = np.full(n, "portrait", dtype=object)
    best_pitch = np.zeros(n)
    best_az = np.where(flat, equator, plane_az)
    # flat roofs: rows facing the equator, or following the roof's edges where they are within
    # row_alignment_max_deg of east-west; modules in portrait or landscape: whichever fits more
    facings = [np.where(flat, equator, plane_az)]
    if (flat & (aligned != equator)).any():
        facings.append(np.where(flat, aligned, plane_az))
    local_edges = polygon_edges(usable)
    for facing in facings:
        # rotate so the plane faces "south" in the row frame, stretch pitched planes to size
        edges = rotate_edges(local_edges, 180.0 - np.nan_to_num(facing), stretch)
        facing_deg = np.round(np.nan_to_num(facing))
        for orient, slant, along in (("portrait", a.module_length_m, a.module_width_m),
                                     ("landscape", a.module_width_m, a.module_length_m)):
            # the gap depends on which way the rows face: one solar computation per degree
            gaps = {f: row_spacing(latitude, flat_tilt, slant, row_azimuth=f,
                                   design_hours=a.design_hours)[1]
                    for f in np.unique(facing_deg[flat])}
            gap = np.array([gaps.get(f, 0.0) for f in facing_deg]) if flat.any() else 0.0
            depth = np.where(flat, slant * np.cos(np.radians(flat_tilt)), slant)
            pitch = np.where(flat, depth + gap, slant)
            counts, rows = pack(*edges, depth, pitch, np.full(n, along),
                                PHASES)
            better = counts > best
            best = np.where(better, counts, best)
            best_rows = np.where(better, rows, best_rows)
            best_orient = np.where(better, orient, best_orient)
            best_pitch = np.where(better, pitch, best_pitch)
            best_az = np.where(better, facing, best_az)
    p["surface_azimuth"] = best_az
    keep = 1.0 - np.asarray(obstruction_share, dtype=float)
    usable_area = shapely.area(usable) * stretch * keep
    p["usable_area_m2"] = np.where(np.isfinite(usable_area), usable_area, 0.0)
    p["n_modules"] = np.floor(best * keep + 1e-9).astype(np.int64)
    p["rows"] = best_rows
    p["orientation"] = best_orient
    p["row_pitch_m"] = best_pitch
    with np.errstate(invalid="ignore", divide="ignore"):
        p["gcr"] = np.where(p["usable_area_m2"] > 0,
                            p["n_modules"] * a.module_area_m2 / p["usable_area_m2"], 0.0)
    p["capacity_kwp"] = p["n_modules"] * a.module_power_w / 1000.0
    return p
