"""Carport canopies over open car parks: rows of parking spaces, canopies over them, as surfaces.

A car park is laid out in its own frame (x along the long side of its minimum rotated
rectangle): rows of perpendicular spaces (``parking_space_length_m`` deep,
``parking_space_width_m`` wide) in the pattern row, aisle, row (each aisle,
``parking_aisle_m`` wide, serves the rows on both sides), repeated across the car park, with
one more row and its aisle where the rest is wide enough. A row holds spaces wherever the car
park covers its whole depth. Over each run of spaces stands a canopy of the row's depth,
tilted at ``carport_tilt`` toward whichever side of the row is nearer the equator. The canopies
are rows of the surface table (``surface == 'carport'``): modules are packed on them by the
same packer as roofs (:func:`pvsite.geometry.layout.layout_planes`), open-rack mounted.

Which car parks are sites at all (:func:`parking_status`): underground and multi-storey car
parks are not (the roof of a multi-storey one is a building roof), nor street-side parking;
a car park without a ``parking`` tag is taken as a surface car park, with a note.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..crs import present
from . import layout

__all__ = ["canopies", "carport_surfaces", "parking_status"]

#: How far a car park's edge may stray into a row of spaces and the row still fits [m].
_TOLERANCE = 0.01

#: ``parking=*`` values (OSM) of car parks that are not carport sites, and why.
NOT_CARPORT_SITES = {
    "underground": "underground car park: no open surface for a canopy",
    "multi-storey": "multi-storey car park: its roof is a building roof (estimate it with "
                    "the buildings)",
    "rooftop": "rooftop car park: its roof is a building roof (estimate it with the buildings)",
    "street_side": "street-side parking: not a car park a canopy can cover",
    "lane": "parking lane on a street: not a car park a canopy can cover",
    "garage_boxes": "garage boxes: roofs, not an open car park",
    "carports": "carports already built: roofs, not an open car park",
}


def parking_status(parking: Any) -> tuple[np.ndarray, np.ndarray]:
    """Whether each car park is a carport site, and the reason or note.

    Parameters
    ----------
    parking : GeoDataFrame
        Car parks, with an optional ``parking`` column (OSM: surface, underground,
        multi-storey...) and ``building`` (a car park mapped as a building is a
        multi-storey one).

    Returns
    -------
    (ndarray of bool, ndarray of str)
        ``site``: a candidate for a canopy; ``reason``: why not, or what was assumed.
    """
    n = len(parking)
    kind = (parking["parking"].astype("string").str.strip().str.lower().fillna("")
            if "parking" in parking else pd.Series("", index=parking.index)).to_numpy(dtype=str)
    building = (parking["building"].astype("string").str.strip().str.lower().fillna("")
                if "building" in parking else pd.Series("", index=parking.index)
                ).to_numpy(dtype=str)
    site = np.ones(n, dtype=bool)
    reason = np.full(n, "", dtype=object)
    for value, why in NOT_CARPORT_SITES.items():
        hit = kind == value
        site[hit], reason[hit] = False, why
    storeyed = site & (building != "") & (building != "no")
    site[storeyed] = False
    reason[storeyed] = NOT_CARPORT_SITES["multi-storey"]
    untagged = site & (kind == "")
    reason[untagged] = "parking=* not mapped: taken as a surface car park"
    return site, reason


def _row_frame(geom: Any) -> tuple[float, float, float]:
    """Angle [deg] that turns ``geom``'s long side onto x, and the point it turns about."""
    import shapely

    rect = shapely.minimum_rotated_rectangle(geom)
    xy = np.asarray(rect.exterior.coords)[:4]
    sides = np.diff(np.vstack([xy, xy[:1]]), axis=0)
    k = int(np.argmax(np.hypot(sides[:, 0], sides[:, 1])))
    angle = float(np.degrees(np.arctan2(sides[k, 1], sides[k, 0])))
    c = rect.centroid
    return angle, float(c.x), float(c.y)


def _free_runs(band: Any, lot: Any) -> list[tuple[float, float]]:
    """x-intervals of ``band`` (a rectangle) that ``lot`` covers over the band's whole depth."""
    import shapely

    x0, y0, x1, y1 = band.bounds
    if not shapely.intersects(band, lot):
        return []
    outside = shapely.difference(band, lot)
    blocked = sorted((p.bounds[0], p.bounds[2]) for p in shapely.get_parts(outside)
                     if p.area > 1e-6)
    # also what the lot does not reach at all along x
    inner = shapely.intersection(band, lot).bounds
    runs, start = [], max(x0, inner[0])
    for b0, b1 in blocked:
        if b0 > start:
            runs.append((start, min(b0, inner[2])))
        start = max(start, b1)
    if start < inner[2]:
        runs.append((start, inner[2]))
    return [(a, b) for a, b in runs if b > a]


def canopies(lots: Any, *, latitude: float, assumptions: Assumptions | None = None,
             keep_out: Any = None) -> pd.DataFrame:
    """Rows of spaces and the canopies over them, for car parks in a metric CRS.

    Parameters
    ----------
    lots : array of shapely (Multi)Polygons
        Car parks in a metric CRS [m]; missing or empty ones get nothing.
    keep_out : array of shapely geometries, optional
        Per car park, ground no canopy may cover (the buildings standing on it; None: none).
        The rows keep the lot's own directions.
    latitude : float
        Site latitude [deg]: canopies face the row side nearer the equator.
    assumptions : Assumptions, optional
        Space size, aisle width, canopy tilt.

    Returns
    -------
    DataFrame
        One row per canopy: ``building`` (the car park's position), ``plane`` (number),
        ``geometry`` (the canopy's outline, a rectangle over its run of spaces),
        ``n_spaces`` (spaces under it), ``plane_tilt`` and ``plane_azimuth`` [deg].
    """
    import shapely
    from shapely import affinity

    a = assumptions or Assumptions()
    depth, width, aisle = a.parking_space_length_m, a.parking_space_width_m, a.parking_aisle_m
    equator = 180.0 if latitude >= 0 else 0.0
    rows: list[dict[str, Any]] = []
    geoms = np.asarray(lots, dtype=object)
    out = (np.full(geoms.size, None, dtype=object) if keep_out is None
           else np.asarray(keep_out, dtype=object))
    for i in np.flatnonzero(present(geoms)):
        lot = geoms[i]
        angle, cx, cy = _row_frame(lot)
        free = lot if out[i] is None else shapely.difference(lot, out[i])
        flat = affinity.rotate(free, -angle, origin=(cx, cy))
        x0, y0, x1, y1 = affinity.rotate(lot, -angle, origin=(cx, cy)).bounds
        if flat.is_empty:
            continue
        # row, aisle, row, then the next pair: rows start at these offsets across the lot
        starts, y = [], y0
        while y + 2 * depth + aisle <= y1 + 1e-9:
            starts += [y, y + depth + aisle]
            y += 2 * depth + aisle
        if y + depth + aisle <= y1 + 1e-9:  # one more row, with its own aisle
            starts.append(y + aisle)
        plane = 0
        for k, ys in enumerate(starts):
            # a centimetre's tolerance across the row: the lot's edges, turned into the frame,
            # are straight only to rounding
            band = shapely.box(x0 - 1, ys + _TOLERANCE, x1 + 1, ys + depth - _TOLERANCE)
            for r0, r1 in _free_runs(band, flat):
                n = int(np.floor((r1 - r0) / width + 1e-9))
                if n < 1:
                    continue
                canopy = shapely.box(r0, ys, r0 + n * width, ys + depth)
                # the row's two sides face angle +/- 90 (clockwise from north): the one
                # nearer the equator, where the spaces' fronts are
                normal_a = (90.0 - (angle + 90.0)) % 360.0  # +y side of the row, as azimuth
                sides = np.array([normal_a, (normal_a + 180.0) % 360.0])
                off = np.abs((sides - equator + 180.0) % 360.0 - 180.0)
                rows.append({"building": i, "plane": plane, "row": k,
                             "geometry": affinity.rotate(canopy, angle, origin=(cx, cy)),
                             "n_spaces": n, "plane_tilt": float(a.carport_tilt),
                             "plane_azimuth": float(sides[int(np.argmin(off))])})
                plane += 1
    cols = ["building", "plane", "row", "geometry", "n_spaces", "plane_tilt", "plane_azimuth"]
    return pd.DataFrame(rows, columns=cols)


def carport_surfaces(lots: Any, site: np.ndarray, *, latitude: float,
                     assumptions: Assumptions | None = None, keep_out: Any = None
                     ) -> pd.DataFrame:
    """Canopies of the car parks that are sites, as surface rows with modules laid on them.

    Parameters
    ----------
    lots : array of shapely (Multi)Polygons
        Car parks in a metric CRS.
    site : ndarray of bool
        Which are carport sites (:func:`parking_status`).
    latitude : float
        Site latitude [deg].
    assumptions : Assumptions, optional
    keep_out : array of shapely geometries, optional
        Per car park, ground no canopy may cover (:func:`canopies`).

    Returns
    -------
    DataFrame
        The surface table's rows (``surface == 'carport'``, ``roof_type == 'carport'``,
        ``mounting == 'racked'``: a canopy is open underneath) with the columns of
        :func:`pvsite.geometry.layout.layout_planes`, ``n_spaces`` and ``faces_away`` /
        ``unsplit`` (both False: every canopy carries modules).
    """
    a = assumptions or Assumptions()
    geoms = np.asarray(lots, dtype=object).copy()
    geoms[~np.asarray(site, dtype=bool)] = None
    table = canopies(geoms, latitude=latitude, assumptions=a, keep_out=keep_out)
    table.insert(1, "surface", "carport")
    table["roof_type"] = "carport"
    n = len(table)
    laid = layout.layout_planes(table, latitude=latitude, flat_tilt=a.carport_tilt,
                                obstruction_share=np.zeros(n), setback=np.zeros(n),
                                row_turn=np.zeros(n), assumptions=a)
    laid["mounting"] = "racked"
    laid["faces_away"] = False
    laid["unsplit"] = False
    return laid
