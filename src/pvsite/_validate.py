"""Validation of footprints in one place: what can be repaired is, the rest is flagged.

Nothing is dropped: every footprint comes back, repaired (``shapely.make_valid``) and noted, or
marked invalid with the reason. Heights are checked in :func:`pvsite.roofs.building_height`
(implausible values ignored and noted), CRS in :func:`pvsite.roofs.to_metric`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

_POLYGONAL = ("Polygon", "MultiPolygon")


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
    bad = np.zeros(n, dtype=bool)
    bad[check] = ~shapely.is_valid(out[check])
    if bad.any():
        fixed = shapely.make_valid(out[bad])
        # keep the polygonal part of what make_valid returns
        polys = np.array([shapely.union_all(
            [p for p in shapely.get_parts(g) if p.geom_type in _POLYGONAL]) if g is not None
            else None for g in fixed], dtype=object)
        out[bad] = polys
        note[bad] = "geometry repaired with make_valid"
    has_area = np.zeros(n, dtype=bool)
    has_area[check] = shapely.area(out[check]) > 0
    no_area = check & ~has_area
    invalid |= no_area
    note[no_area & (note == "")] = "footprint has no area"
    note[no_area & bad] = "geometry invalid and has no area after repair"
    return out, invalid, note


