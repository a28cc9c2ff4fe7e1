"""Validation of footprints in one place: what can be repaired is, the rest is flagged.

Nothing is dropped: every footprint comes back, repaired (``shapely.make_valid``) and noted, or
marked invalid with the reason. Heights are checked in :func:`pvsite.geometry.roofs.building_height`
(implausible values ignored and noted), CRS in :func:`pvsite.crs.to_metric`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..crs import to_metric
from ._split import split

_POLYGONAL = ("Polygon", "MultiPolygon")


def polygonal_parts(geoms: Any) -> np.ndarray:
    """The union of the polygons in each geometry: empty where it has none, None stays None."""
    import shapely

    return np.array([shapely.union_all([p for p in shapely.get_parts(g)
                                        if p.geom_type in _POLYGONAL])
                     if g is not None else None for g in geoms], dtype=object)


def clean_geometries(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repair what shapely can; return geometries, 'invalid' mask and a note per building."""
    import shapely

    n = len(geoms)
    note = np.full(n, "", dtype=object)
    invalid = np.zeros(n, dtype=bool)
    missing = pd.isna(geoms)
    out = np.array(geoms, dtype=object)
    invalid[missing] = True
    note[missing] = "no geometry"
    present = ~missing
    empty = np.zeros(n, dtype=bool)
    empty[present] = shapely.is_empty(out[present])
    invalid |= empty
    note[empty] = "empty geometry"
    live = present & ~empty
    kinds = np.full(n, "", dtype=object)
    kinds[live] = shapely.get_type_id(out[live])
    ptypes = {3, 6, 7}  # Polygon, MultiPolygon, GeometryCollection
    not_poly = live & ~np.isin(kinds, list(ptypes))
    invalid |= not_poly
    note[not_poly] = "not a polygon (a point or line has no roof)"
    check = live & ~not_poly
    coords, owner = shapely.get_coordinates(out[check], return_index=True)
    nonfinite = np.zeros(n, dtype=bool)
    nonfinite[np.flatnonzero(check)[np.unique(owner[~np.isfinite(coords).all(axis=1)])]] = True
    invalid |= nonfinite
    note[nonfinite] = "coordinates not finite (NaN or infinite vertex)"
    check &= ~nonfinite
    collection = check & (kinds == 7)  # its lines and points would stretch the outline
    if collection.any():
        out[collection] = polygonal_parts(out[collection])
        note[collection] = "polygons of a geometry collection kept, its points and lines left out"
        hollow = collection & shapely.is_empty(out)
        invalid |= hollow
        note[hollow] = "a geometry collection with no polygon (a point or line has no roof)"
        check &= ~hollow
    bad = np.zeros(n, dtype=bool)
    bad[check] = ~split(shapely.is_valid, out[check])
    if bad.any():
        fixed = shapely.make_valid(out[bad])
        out[bad] = polygonal_parts(fixed)  # the polygonal part of what make_valid returns
        note[bad] = "geometry repaired with make_valid"
    has_area = np.zeros(n, dtype=bool)
    has_area[check] = shapely.area(out[check]) > 0
    no_area = check & ~has_area
    invalid |= no_area
    note[no_area & (note == "")] = "footprint has no area"
    note[no_area & bad] = "geometry invalid and has no area after repair"
    return out, invalid, note


#: A footprint covered by another over this share of the smaller one's area is a duplicate.
DUPLICATE_SHARE = 0.9
#: Overlaps above this share (but below DUPLICATE_SHARE) are noted: roof counted twice.
OVERLAP_NOTE_SHARE = 0.2


def find_overlaps(geoms: np.ndarray, usable: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Footprints that repeat or overlap others (metric CRS; ``usable`` the ones to check).

    Of two footprints sharing more than ``DUPLICATE_SHARE`` of the smaller one's area, the
    smaller (on a tie, the later) is a duplicate of the other: the same building entered twice,
    or a building part inside its outline. Returns ``dup_of`` (position of the footprint kept,
    -1 if none), ``dup_share``, and for overlaps between ``OVERLAP_NOTE_SHARE`` and
    ``DUPLICATE_SHARE``: ``overlaps`` (position of the other footprint, -1 if none) and
    ``overlap_share``.
    """
    import shapely

    n = len(geoms)
    dup_of, overlaps = np.full(n, -1), np.full(n, -1)
    dup_share, overlap_share = np.zeros(n), np.zeros(n)
    idx = np.flatnonzero(usable)
    if idx.size < 2:
        return dup_of, dup_share, overlaps, overlap_share
    g = geoms[idx]
    a, b = shapely.STRtree(g).query(g, predicate="intersects")
    pair = a < b
    a, b = idx[a[pair]], idx[b[pair]]
    if not a.size:
        return dup_of, dup_share, overlaps, overlap_share
    area_a, area_b = shapely.area(geoms[a]), shapely.area(geoms[b])
    with np.errstate(invalid="ignore", divide="ignore"):
        share = shapely.area(shapely.intersection(geoms[a], geoms[b])) / np.minimum(area_a,
                                                                                   area_b)
    big = share >= OVERLAP_NOTE_SHARE  # walls shared by terraced buildings overlap by ~0
    a, b, area_a, area_b, share = a[big], b[big], area_a[big], area_b[big], share[big]
    # the smaller one goes; of two equal ones, the later (b > a)
    lose = np.where(area_b <= area_a, b, a)
    win = np.where(area_b <= area_a, a, b)
    order = np.argsort(-share, kind="stable")  # the largest overlap of each footprint wins
    for k in order:
        s = share[k]
        if s >= DUPLICATE_SHARE and dup_of[lose[k]] < 0:
            dup_of[lose[k]], dup_share[lose[k]] = win[k], s
        elif OVERLAP_NOTE_SHARE <= s < DUPLICATE_SHARE:
            for i, j in ((a[k], b[k]), (b[k], a[k])):
                if overlaps[i] < 0:
                    overlaps[i], overlap_share[i] = j, s
    return dup_of, dup_share, overlaps, overlap_share


@dataclass(frozen=True)
class Footprints:
    """Footprints checked once, for every later stage.

    ``metric``: the buildings in a metric CRS with repaired geometries, on the input's index;
    ``invalid``: which carry nothing (bad geometry, or a duplicate); ``note``: why, or what
    was repaired (one string per building); ``overlaps``/``overlap_share``: another footprint
    sharing 20-90 % of the smaller one (position, -1 if none); ``points``: a point on each
    located footprint (None where it has no place), shared by the district join and the
    horizons; ``labels``: how reasons name other buildings.
    """

    metric: Any
    invalid: np.ndarray
    note: np.ndarray
    overlaps: np.ndarray
    overlap_share: np.ndarray
    points: np.ndarray
    labels: np.ndarray


def implausible_footprints(geoms: np.ndarray, check: np.ndarray, *, max_area_m2: float,
                           max_aspect: float) -> np.ndarray:
    """A note per footprint too large or too long and thin to be a building ('' if plausible).

    ``geoms`` in a metric CRS; only the rows where ``check`` is true are looked at. The aspect
    ratio is the long side over the short side of the minimum rotated rectangle.

    Examples
    --------
    >>> import shapely, numpy as np
    >>> g = np.array([shapely.box(0, 0, 4000, 2500), shapely.box(0, 0, 500, 2),
    ...               shapely.box(0, 0, 20, 10)])
    >>> notes = implausible_footprints(g, np.ones(3, bool), max_area_m2=2e6, max_aspect=100)
    >>> [n[:28] for n in notes]
    ['implausibly large footprint:', 'implausible footprint: 250 t', '']
    """
    import shapely

    note = np.full(len(geoms), "", dtype=object)
    idx = np.flatnonzero(check)
    if not idx.size:
        return note
    area = shapely.area(geoms[idx])
    rect = split(shapely.oriented_envelope, geoms[idx])
    xy = shapely.get_coordinates(shapely.get_exterior_ring(rect)).reshape(len(idx), -1, 2)
    if xy.shape[1] < 3:  # a degenerate rectangle (a point or a line): no aspect
        sides = np.zeros((len(idx), 2))
    else:
        sides = np.stack([np.hypot(*(xy[:, 1] - xy[:, 0]).T),
                          np.hypot(*(xy[:, 2] - xy[:, 1]).T)], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        aspect = sides.max(axis=1) / sides.min(axis=1)
    big = area > max_area_m2
    note[idx[big]] = [f"implausibly large footprint: {x / 1e6:,.3g} km2, above "
                      f"max_footprint_m2 ({max_area_m2 / 1e6:,.3g} km2): check the units and "
                      "CRS, or whether the layer holds buildings" for x in area[big]]
    thin = ~big & (aspect > max_aspect)
    note[idx[thin]] = [f"implausible footprint: {x:,.0f} times as long as wide, above "
                       f"max_aspect_ratio ({max_aspect:g}): check the geometry"
                       for x in aspect[thin]]
    return note


def prepare_footprints(buildings: Any, labels: Any, *, noun: str = "building",
                       assumptions: Any = None) -> Footprints:
    """Project, repair and de-duplicate footprints; every row comes back, flagged or not.

    Parameters
    ----------
    buildings : GeoDataFrame
        Footprints with a CRS.
    labels : array-like
        Label of each row, for reasons that name another building (the index, or the labels
        a dask task passes for its renumbered rows).
    noun : str
        What the rows are, in the reasons that name another one ("building", "car park").
    assumptions : Assumptions, optional
        If given, footprints above ``max_footprint_m2`` or ``max_aspect_ratio`` are invalid
        (:func:`implausible_footprints`).
    """
    import geopandas as gpd
    import shapely

    metric_in = to_metric(buildings)
    geoms, invalid, note = clean_geometries(metric_in.geometry.to_numpy())
    if assumptions is not None:
        odd = implausible_footprints(geoms, ~invalid, max_area_m2=assumptions.max_footprint_m2,
                                     max_aspect=assumptions.max_aspect_ratio)
        hit = odd != ""
        note[hit] = [f"{n}; {o}" if n else o for n, o in zip(note[hit], odd[hit], strict=True)]
        invalid = invalid | hit
    metric = gpd.GeoDataFrame(metric_in.drop(columns=metric_in.geometry.name),
                              geometry=gpd.GeoSeries(geoms, crs=metric_in.crs,
                                                     index=metric_in.index))
    labels = np.asarray(labels, dtype=object)
    # the same building twice (or a part inside its outline): the smaller copy is set aside
    dup_of, dup_share, overlaps, overlap_share = find_overlaps(geoms, ~invalid)
    dup = dup_of >= 0
    note[dup] = [f"duplicate of {noun} {labels[k]}: the footprints share {s:.0%} of the "
                 "smaller one" for k, s in zip(dup_of[dup], dup_share[dup], strict=True)]
    # a point on each footprint: the district join and the roofs' horizons share them (an
    # invalid footprint with a place, a point, a line or a duplicate, still gets its district)
    located = ~invalid | (note == "not a polygon (a point or line has no roof)")
    points = np.full(len(geoms), None, dtype=object)
    points[located] = split(shapely.point_on_surface, geoms[located])
    return Footprints(metric, invalid | dup, note, overlaps, overlap_share, points, labels)
