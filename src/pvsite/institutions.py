"""Institution type and district of each building.

Institution types follow the 2022 Shanghai public-institution plan: party and government offices
(``government``), universities (``university``), schools (``school``), hospitals
(``hospital``), other public buildings (``other_public``) and buildings that are not public
institutions (``not_public``), which count toward no public-institution target.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .assumptions import INSTITUTION_TYPES

__all__ = ["OSM_TYPE_RULES", "TYPE_ALIASES", "assign_district", "institution_type"]

#: Other names for the institution types, accepted in an ``institution_type`` column.
TYPE_ALIASES = {
    "gov": "government", "government office": "government", "party": "government",
    "party_government": "government", "townhall": "government", "public_administration":
    "government", "college": "university", "higher_education": "university",
    "primary_school": "school", "secondary_school": "school", "kindergarten": "school",
    "middle_school": "school", "clinic": "other_public", "other": "other_public",
    "public": "other_public", "private": "not_public", "none": "not_public",
    "residential": "not_public", "commercial": "not_public",
}

#: OSM tags that make a building (or the site polygon containing it) a public institution,
#: checked in this order: (column, values, type).
OSM_TYPE_RULES: tuple[tuple[str, frozenset[str], str], ...] = (
    ("amenity", frozenset({"hospital"}), "hospital"),
    ("healthcare", frozenset({"hospital"}), "hospital"),
    ("building", frozenset({"hospital"}), "hospital"),
    ("amenity", frozenset({"university", "college"}), "university"),
    ("building", frozenset({"university", "college"}), "university"),
    ("amenity", frozenset({"school", "kindergarten"}), "school"),
    ("building", frozenset({"school", "kindergarten"}), "school"),
    ("office", frozenset({"government"}), "government"),
    ("amenity", frozenset({"townhall", "courthouse"}), "government"),
    ("building", frozenset({"government", "public"}), "government"),
    ("amenity", frozenset({"library", "community_centre", "police", "fire_station",
                          "social_facility", "arts_centre", "clinic"}), "other_public"),
    ("building", frozenset({"civic"}), "other_public"),
)


def institution_type(gdf: Any) -> pd.Series:
    """Institution type of each building.

    From an ``institution_type`` column where there is one (aliases in :data:`TYPE_ALIASES`),
    else from OSM tags (:data:`OSM_TYPE_RULES`); anything else is ``not_public``.

    Returns
    -------
    Series
        One of :data:`pvsite.assumptions.INSTITUTION_TYPES` per building, caller's index.
    """
    out = pd.Series("not_public", index=gdf.index, dtype=object)
    decided = pd.Series(False, index=gdf.index)
    if "institution_type" in gdf:
        given = gdf["institution_type"].astype("string").str.strip().str.lower()
        given = given.replace(TYPE_ALIASES)
        ok = given.isin(INSTITUTION_TYPES).fillna(False).astype(bool)
        out[ok] = given[ok]
        decided |= ok
    for column, values, itype in OSM_TYPE_RULES:
        if column not in gdf:
            continue
        hit = gdf[column].astype("string").str.lower().isin(values).fillna(False).astype(bool)
        hit &= ~decided
        out[hit] = itype
        decided |= hit
    return out


def assign_district(metric: Any, districts: Any, *, max_distance_m: float = 1000.0
                    ) -> pd.DataFrame:
    """District of each building from a spatial join of a point on its surface.

    Parameters
    ----------
    metric : GeoDataFrame
        Footprints in a metric CRS.
    districts : GeoDataFrame
        District polygons with ``district`` (and ``district_en``, ``adcode`` if present).
    max_distance_m : float
        A building outside every district (on the coast, or on a simplified border) takes the
        nearest district within this distance [m].

    Returns
    -------
    DataFrame
        ``district``, ``district_en`` and ``adcode`` on the caller's index; missing where the
        building has no geometry or lies farther than ``max_distance_m`` from every district.
    """
    import geopandas as gpd
    import shapely

    cols = [c for c in ("district", "district_en", "adcode") if c in districts]
    d = districts.to_crs(metric.crs)[cols + [districts.geometry.name]].reset_index(drop=True)
    geoms = metric.geometry.to_numpy()
    ok = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    points = np.full(len(geoms), None, dtype=object)
    points[ok] = shapely.point_on_surface(geoms[ok])
    pts = gpd.GeoDataFrame({"pos": np.arange(len(geoms))}, geometry=points, crs=metric.crs)
    pts = pts[ok]
    hit = gpd.sjoin(pts, d, how="left", predicate="within")
    hit = hit[~hit.index.duplicated(keep="first")]
    missing = hit["index_right"].isna()
    if missing.any():
        near = gpd.sjoin_nearest(pts[missing.to_numpy()], d, how="left",
                                 max_distance=max_distance_m)
        near = near[~near.index.duplicated(keep="first")]
        hit.loc[near.index, cols] = near[cols]
    out = pd.DataFrame(index=np.arange(len(geoms)), columns=cols, dtype=object)
    out.loc[hit["pos"].to_numpy(), cols] = hit[cols].to_numpy()
    out.index = metric.index
    return out
