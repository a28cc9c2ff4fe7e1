"""Facades as PV surfaces: one per exterior wall of a footprint, for building-integrated PV.

A footprint's exterior ring (and the rings of its courtyards) is cut into its edges; each edge
is a vertical wall (tilt 90 deg) facing its outward normal. Walls shared with an adjoining
footprint (party walls of terraced or joined buildings) are no facades. A wall's area is its
length times the building's height above the ground floor (the lowest storey stays free:
shops, entrances, vandalism), and the share of it that BIPV modules can take (windows,
balconies and edges excluded) is ``Assumptions.facade_usable_share`` of the building's
institution type. The rows go into the surface table with ``surface == 'facade'``; their
``geometry`` is the wall's base line.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..crs import grid_convergence, present
from ._split import get_parts, split

__all__ = ["PARTY_WALL_GAP_M", "facade_surfaces", "wall_edges"]

#: A wall within this distance of another footprint, over most of its length, is a party wall
#: [m] (joined footprints are often digitised a few decimetres apart).
PARTY_WALL_GAP_M = 0.5
#: Share of a wall's length that must lie along another footprint for a party wall [-].
PARTY_WALL_SHARE = 0.5
#: Walls shorter than this carry no modules [m].
MIN_WALL_M = 2.0


def wall_edges(footprints: Any) -> pd.DataFrame:
    """Every edge of every ring of the footprints, with its outward-facing azimuth.

    Parameters
    ----------
    footprints : array of shapely (Multi)Polygons
        In a metric CRS [m]; missing or empty ones have no walls.

    Returns
    -------
    DataFrame
        One row per edge: ``building`` (position), ``plane`` (number within the building),
        ``x1, y1, x2, y2`` [m], ``length_m`` and ``azimuth`` [deg clockwise from north] of
        the wall's outward normal (for a courtyard's ring: facing into the courtyard).

    Examples
    --------
    >>> import shapely
    >>> w = wall_edges([shapely.box(0, 0, 40, 20)])
    >>> sorted(w["azimuth"].round().tolist()), sorted(w["length_m"].round().tolist())
    ([0.0, 90.0, 180.0, 270.0], [20.0, 20.0, 40.0, 40.0])
    """
    import shapely

    geoms = np.asarray(footprints, dtype=object)
    there = np.flatnonzero(present(geoms))
    # exteriors anticlockwise, holes clockwise: the building lies left of every edge, so the
    # outward normal of an edge (dx, dy) is (dy, -dx)
    solid = split(shapely.orient_polygons, geoms[there], exterior_cw=False)
    parts, part_owner = get_parts(solid)
    rings, ring_owner = shapely.get_rings(parts, return_index=True)
    coords, pt_ring = shapely.get_coordinates(rings, return_index=True)
    same = pt_ring[1:] == pt_ring[:-1]  # consecutive vertices of one ring: an edge
    a, b = coords[:-1][same], coords[1:][same]
    owner = there[part_owner[ring_owner[pt_ring[:-1][same]]]]
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    keep = length > 1e-9
    a, b, d, length, owner = a[keep], b[keep], d[keep], length[keep], owner[keep]
    azimuth = np.degrees(np.arctan2(d[:, 1], -d[:, 0])) % 360.0  # normal (dy, -dx): E, N
    plane = (np.arange(owner.size) - np.searchsorted(owner, owner)) if owner.size else owner
    return pd.DataFrame({"building": owner, "plane": plane, "x1": a[:, 0], "y1": a[:, 1],
                         "x2": b[:, 0], "y2": b[:, 1], "length_m": length,
                         "azimuth": azimuth})


def _party_walls(walls: pd.DataFrame, footprints: Any) -> np.ndarray:
    """Which walls run along another footprint (over PARTY_WALL_SHARE of their length)."""
    import shapely

    lines = shapely.linestrings(np.stack([walls[["x1", "y1"]].to_numpy(),
                                          walls[["x2", "y2"]].to_numpy()], axis=1))
    geoms: Any = np.where(present(footprints), footprints, None)
    tree = shapely.STRtree(geoms)
    w, f = tree.query(lines, predicate="dwithin", distance=PARTY_WALL_GAP_M)
    other = f != walls["building"].to_numpy()[w]
    w, f = w[other], f[other]
    party = np.zeros(len(walls), dtype=bool)
    if w.size:
        near = split(shapely.intersection, lines[w],
                     split(shapely.buffer, geoms[f], PARTY_WALL_GAP_M))
        share = shapely.length(near) / walls["length_m"].to_numpy()[w]
        hit = share >= PARTY_WALL_SHARE
        party[w[hit]] = True
    return party


def facade_surfaces(metric: Any, usable: np.ndarray, heights: np.ndarray, itype: Any, *,
                    owners: np.ndarray | None = None,
                    assumptions: Assumptions | None = None) -> pd.DataFrame:
    """The facades of the usable footprints, as surface rows with their BIPV capacity.

    Parameters
    ----------
    metric : GeoDataFrame
        Footprints in a metric CRS (:func:`pvsite.crs.to_metric`).
    usable : ndarray of bool
        Which footprints get facades (the valid ones); all of them make party walls.
    heights : ndarray of float
        Building heights [m].
    itype : array-like of str
        Institution type of each building: sets the usable share of its walls.
    owners : ndarray of bool, optional
        Of the usable footprints, those whose walls are kept (default all): a halo's
        neighbours make party walls of the walls against them, and have none kept.
    assumptions : Assumptions, optional
        ``storey_height_m`` (the ground floor left free), ``facade_usable_share``,
        ``bipv_power_w_per_m2``.

    Returns
    -------
    DataFrame
        One row per exterior wall (party walls, walls shorter than ``MIN_WALL_M`` and walls
        of buildings no taller than their ground floor are left out): ``building``,
        ``surface`` ('facade'), ``plane``, ``geometry`` (the wall's base line),
        ``roof_type`` ('facade'), ``plane_tilt`` and ``surface_tilt`` (90),
        ``plane_azimuth`` and ``surface_azimuth`` (the outward normal) [deg], ``mounting``
        ('bipv'), ``wall_base_m`` (the ground floor's top) and ``wall_height_m`` (the wall
        above it) [m], ``plane_area_m2`` (length x
        that height), ``usable_area_m2`` (times the usable share), ``n_modules`` (0: BIPV is
        counted by area), ``capacity_kwp`` [kWp], ``faces_away`` and ``unsplit`` (False).
    """
    import shapely

    a = assumptions or Assumptions()
    geoms = np.where(usable, metric.geometry.to_numpy(), None)
    walls = wall_edges(geoms)
    if len(walls):
        walls = walls[~_party_walls(walls, geoms) & (walls["length_m"] >= MIN_WALL_M)]
        if owners is not None:  # the others only make party walls
            walls = walls[np.asarray(owners, dtype=bool)[walls["building"].to_numpy()]]
        # map azimuths are against grid north: turn them to true north
        walls = walls.assign(azimuth=(walls["azimuth"].to_numpy() + grid_convergence(metric)[
            walls["building"].to_numpy()]) % 360.0)
    owner = walls["building"].to_numpy()
    rise = np.asarray(heights, dtype=float)[owner] - a.storey_height_m
    walls = walls[rise > 0]
    owner, rise = walls["building"].to_numpy(), rise[rise > 0]
    fallback = a.facade_usable_share.get("other_public", 0.3)
    share = pd.Series(np.asarray(itype, dtype=object)[owner]).map(
        dict(a.facade_usable_share)).fillna(fallback).to_numpy(dtype=float)
    area = walls["length_m"].to_numpy() * rise
    usable_area = area * share
    lines = shapely.linestrings(np.stack([walls[["x1", "y1"]].to_numpy(),
                                          walls[["x2", "y2"]].to_numpy()], axis=1)
                                ) if len(walls) else np.empty(0, dtype=object)
    return pd.DataFrame({
        "building": owner, "surface": "facade", "plane": walls["plane"].to_numpy(),
        "geometry": lines, "roof_type": "facade", "plane_tilt": 90.0,
        "plane_azimuth": walls["azimuth"].to_numpy(), "surface_tilt": 90.0,
        "surface_azimuth": walls["azimuth"].to_numpy(), "mounting": "bipv",
        "wall_base_m": a.storey_height_m, "wall_height_m": rise, "plane_area_m2": area,
        "usable_area_m2": usable_area,
        "n_modules": 0, "capacity_kwp": usable_area * a.bipv_power_w_per_m2 / 1000.0,
        "faces_away": False, "unsplit": False,
    })
