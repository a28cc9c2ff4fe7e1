"""Institution type and district of each building.

Institution types follow the 2022 Shanghai public-institution plan: party and government offices
(``government``), universities (``university``), schools (``school``), hospitals
(``hospital``), other public buildings (``other_public``) and buildings that are not public
institutions (``not_public``), which count toward no public-institution target.

Buildings are grouped into institutions (a campus, a hospital, a district government) by
:func:`group_institutions`: by the site polygon that contains them, or by a given id column.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .assumptions import INSTITUTION_TYPES
from .roofs import to_metric

__all__ = [
    "OSM_TYPE_RULES",
    "SITE_TYPE_RULES",
    "TYPE_ALIASES",
    "assign_district",
    "group_institutions",
    "institution_type",
]

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

#: OSM tags that make a building a public institution, checked in this order:
#: (column, values, type); the value ``"*"`` stands for any value other than ``no``.
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
    ("government", frozenset({"*"}), "government"),
    ("building", frozenset({"government", "public"}), "government"),
    ("amenity", frozenset({"library", "community_centre", "police", "fire_station",
                          "social_facility", "arts_centre", "clinic"}), "other_public"),
    ("building", frozenset({"civic"}), "other_public"),
)

#: OSM tags that make a site polygon (a campus, a hospital's grounds: a closed way or
#: multipolygon without a ``building`` tag) an institution site, checked in this order. The
#: rules of :data:`OSM_TYPE_RULES` without the ``building`` ones, then ``landuse=education``
#: as a school: most education sites are schools (Shanghai has about 1,500 primary and
#: secondary schools and 57 higher-education institutions), and a university campus is
#: normally tagged ``amenity=university``, which comes first.
SITE_TYPE_RULES: tuple[tuple[str, frozenset[str], str], ...] = tuple(
    rule for rule in OSM_TYPE_RULES if rule[0] != "building"
) + (("landuse", frozenset({"education"}), "school"),)


def institution_type(
    gdf: Any, *, rules: tuple[tuple[str, frozenset[str], str], ...] = OSM_TYPE_RULES
) -> pd.Series:
    """Institution type of each building.

    From an ``institution_type`` column where there is one (aliases in :data:`TYPE_ALIASES`),
    else from OSM tags (``rules``, first match wins); anything else is ``not_public``.

    Parameters
    ----------
    gdf : DataFrame or GeoDataFrame
        Buildings with an ``institution_type`` column and/or OSM tag columns (``amenity``,
        ``office``, ``healthcare``, ``government``, ``building``...).
    rules : tuple of (column, values, type)
        Tag rules, checked in order; a value ``"*"`` matches any value but ``no``. Default
        :data:`OSM_TYPE_RULES` (buildings); :data:`SITE_TYPE_RULES` for site polygons.

    Returns
    -------
    Series
        One of :data:`pvsite.assumptions.INSTITUTION_TYPES` per building, caller's index.

    Examples
    --------
    >>> import pandas as pd
    >>> tags = pd.DataFrame({"institution_type": [None, "College", None],
    ...                      "amenity": ["school", "hospital", None]})
    >>> institution_type(tags).tolist()
    ['school', 'university', 'not_public']
    """
    out = pd.Series("not_public", index=gdf.index, dtype=object)
    decided = pd.Series(False, index=gdf.index)
    if "institution_type" in gdf:
        given = gdf["institution_type"].astype("string").str.strip().str.lower()
        given = given.replace(TYPE_ALIASES)
        ok = given.isin(INSTITUTION_TYPES).fillna(False).astype(bool)
        out[ok] = given[ok]
        decided |= ok
    for column, values, itype in rules:
        if column not in gdf:
            continue
        tag = gdf[column].astype("string").str.strip().str.lower()
        if "*" in values:
            hit = (tag.notna() & (tag != "") & (tag != "no")).fillna(False).astype(bool)
        else:
            hit = tag.isin(values).fillna(False).astype(bool)
        hit &= ~decided
        out[hit] = itype
        decided |= hit
    return out


def assign_district(metric: Any, districts: Any, *, max_distance_m: float = 1000.0,
                    points: Any = None) -> pd.DataFrame:
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
    points : array of shapely Points, optional
        A point on each footprint's surface (None where there is none), when the caller has
        them already.

    Returns
    -------
    DataFrame
        ``district``, ``district_en`` and ``adcode`` on the caller's index; missing where the
        building has no geometry or lies farther than ``max_distance_m`` from every district.
    """
    import shapely

    cols = [c for c in ("district", "district_en", "adcode") if c in districts]
    d = districts.to_crs(metric.crs)[cols + [districts.geometry.name]].reset_index(drop=True)
    geoms = metric.geometry.to_numpy()
    if points is None:
        ok = ~(pd.isna(geoms) | shapely.is_empty(geoms))
        points = np.full(len(geoms), None, dtype=object)
        points[ok] = shapely.point_on_surface(geoms[ok])
    else:
        points = np.asarray(points, dtype=object)
        ok = ~(pd.isna(points) | shapely.is_empty(points))
    # point in polygon against the few prepared district shapes, bounding box first: for 10^6
    # buildings this takes a tenth of a second where a spatial join took seconds
    shapes = d.geometry.to_numpy()
    valid = ~(pd.isna(shapes) | shapely.is_empty(shapes))
    shapely.prepare(shapes[valid])
    bounds = shapely.bounds(shapes)
    pos = np.flatnonzero(ok)
    x, y = shapely.get_x(points[pos]), shapely.get_y(points[pos])
    which = np.full(len(pos), -1)
    for i in np.flatnonzero(valid):
        x0, y0, x1, y1 = bounds[i]
        sel = np.flatnonzero((which < 0) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
        which[sel[shapely.contains_xy(shapes[i], x[sel], y[sel])]] = i
    # outside every district: the nearest one within max_distance_m (the first on a tie)
    out_of = np.flatnonzero(which < 0)
    best = np.full(len(out_of), np.inf)
    xo, yo, po = x[out_of], y[out_of], points[pos[out_of]]
    r = max_distance_m
    for i in np.flatnonzero(valid):
        x0, y0, x1, y1 = bounds[i]
        sel = np.flatnonzero((xo >= x0 - r) & (xo <= x1 + r) & (yo >= y0 - r) & (yo <= y1 + r))
        sel = sel[shapely.dwithin(shapes[i], po[sel], r)]
        dist = shapely.distance(shapes[i], po[sel])
        closer = dist < best[sel]
        best[sel[closer]] = dist[closer]
        which[out_of[sel[closer]]] = i
    out = pd.DataFrame(index=np.arange(len(geoms)), columns=cols, dtype=object)
    found = which >= 0
    out.loc[pos[found], cols] = d[cols].to_numpy()[which[found]]
    out.index = metric.index
    return out


def _containing_site(gdf: Any, sites: Any) -> np.ndarray:
    """Position in ``sites`` of the site polygon containing each building, -1 where none.

    A point on the surface of each footprint is tested against the site polygons in the
    buildings' metric CRS (:func:`pvsite.roofs.to_metric`); where several sites contain it
    (a school inside an education landuse), the smallest one wins.
    """
    import shapely

    from .errors import FootprintError

    if sites.crs is None:
        raise FootprintError("the site polygons have no CRS; set it, e.g. "
                             "sites.set_crs('EPSG:4326') for longitude/latitude.")
    metric = to_metric(gdf)
    geoms = metric.geometry.to_numpy()
    ok = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    site_geoms = sites.geometry.to_crs(metric.crs).to_numpy()
    polygonal = np.isin(shapely.get_type_id(site_geoms), [3, 6])  # Polygon, MultiPolygon
    site_geoms = np.where(polygonal, site_geoms, None)
    tree = shapely.STRtree(site_geoms)
    b, s = tree.query(shapely.point_on_surface(geoms[ok]), predicate="within")
    order = np.lexsort((s, shapely.area(site_geoms[s]), b))  # by building, then smallest site
    b, s = b[order], s[order]
    first = np.ones(len(b), dtype=bool)
    first[1:] = b[1:] != b[:-1]
    out = np.full(len(geoms), -1, dtype=np.int64)
    out[np.flatnonzero(ok)[b[first]]] = s[first]
    return out


def _first_column(df: Any, names: tuple[str, ...]) -> pd.Series | None:
    for name in names:
        if name in df.columns and name != getattr(df.geometry, "name", None):
            return df[name]
    return None


def group_institutions(gdf: Any, sites: Any = None, *, id_column: str | None = None) -> Any:
    """Assign each building to an institution: by the site containing it, or by a column.

    Buildings that already have an ``institution_id`` keep it, and their
    ``institution_name`` and ``institution_type`` as they are; only the others are assigned.

    Parameters
    ----------
    gdf : GeoDataFrame
        Footprints with a CRS (any; the join is done in the local UTM zone).
    sites : GeoDataFrame, optional
        Institution site polygons (campuses, hospital grounds, government compounds) with a
        CRS. Their id is the first of the columns ``institution_id``, ``site_id`` (as
        :func:`pvsite.osm.read_osm` writes them), else the index; their name the first of
        ``institution_name``, ``site_name``, ``name``; their type the first of
        ``institution_type``, ``site_type``, else their OSM tags by :data:`SITE_TYPE_RULES`.
        A building belongs to the site that contains a point on its surface (the smallest
        such site where they nest).
    id_column : str, optional
        Column of ``gdf`` naming each building's institution (an id or a name): it becomes
        ``institution_id``, and also ``institution_name`` where that is missing. Applied
        before ``sites``, which then assigns the buildings still without an institution.

    Returns
    -------
    GeoDataFrame
        A copy of ``gdf`` with ``institution_id`` and ``institution_name`` (missing for
        buildings in no institution), and ``institution_type`` filled from the site where the
        building had none and the site's type is a public one (otherwise left for
        :func:`institution_type` to read from the building's own tags).

    Raises
    ------
    ValueError
        Neither ``sites`` nor ``id_column`` given, or ``id_column`` not a column of ``gdf``.
    FootprintError
        ``gdf`` or ``sites`` has no CRS.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> b = gpd.GeoDataFrame(geometry=[box(10, 10, 30, 20), box(500, 0, 520, 10)],
    ...                      crs="EPSG:32651")
    >>> campus = gpd.GeoDataFrame({"site_id": ["way/1"], "site_name": ["No. 1 School"],
    ...                            "site_type": ["school"]},
    ...                           geometry=[box(0, 0, 200, 100)], crs="EPSG:32651")
    >>> g = group_institutions(b, campus)
    >>> g[["institution_id", "institution_name", "institution_type"]].values.tolist()
    [['way/1', 'No. 1 School', 'school'], [nan, nan, nan]]
    """
    if sites is None and id_column is None:
        raise ValueError("group_institutions needs sites= (site polygons) or id_column= (a "
                         "column naming each building's institution), or both.")
    if id_column is not None and id_column not in gdf.columns:
        raise ValueError(f"id_column={id_column!r} is not a column of the buildings; "
                         f"their columns are {list(gdf.columns)}.")
    out = gdf.copy()
    for col in ("institution_id", "institution_name", "institution_type"):
        if col not in out.columns:
            out[col] = pd.Series(np.nan, index=out.index, dtype=object)
        elif out[col].dtype != object:
            out[col] = out[col].astype(object)
    free = out["institution_id"].isna().to_numpy()
    if id_column is not None:
        given = gdf[id_column].to_numpy(dtype=object)
        take = free & pd.notna(given)
        out.loc[take, "institution_id"] = given[take]
        name = take & out["institution_name"].isna().to_numpy()
        out.loc[name, "institution_name"] = [str(v) for v in given[name]]
        free = free & ~take
    if sites is not None and free.any():
        pos = _containing_site(gdf, sites)
        found = pos >= 0
        ids = _first_column(sites, ("institution_id", "site_id"))
        site_id = (ids.to_numpy() if ids is not None else sites.index.to_numpy())
        names = _first_column(sites, ("institution_name", "site_name", "name"))
        site_name = (names.to_numpy() if names is not None
                     else np.full(len(sites), np.nan, dtype=object))
        types = _first_column(sites, ("institution_type", "site_type"))
        site_type = (institution_type(pd.DataFrame({"institution_type": types}))
                     if types is not None else institution_type(sites, rules=SITE_TYPE_RULES))
        take = free & found
        out.loc[take, "institution_id"] = site_id[pos[take]]
        out.loc[take, "institution_name"] = site_name[pos[take]]
        stype = site_type.to_numpy()[np.where(found, pos, 0)] if len(sites) else None
        typed = take & out["institution_type"].isna().to_numpy()
        if stype is not None:
            typed &= stype != "not_public"
            out.loc[typed, "institution_type"] = stype[typed]
    return out
