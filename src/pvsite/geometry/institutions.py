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

from ..crs import present
from ..inputs.sites import containing_site
from ..inputs.tags import OSM_TYPE_RULES, SITE_TYPE_RULES, TYPE_ALIASES, institution_type
from ._split import split

__all__ = [  # the type rules live with the other tag readers, in pvsite.inputs.tags
    "OSM_TYPE_RULES",
    "OUTSIDE_NOTE",
    "SITE_TYPE_RULES",
    "TYPE_ALIASES",
    "assign_district",
    "districts_of",
    "group_institutions",
    "institution_type",
]


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
        ok = present(geoms)
        points = np.full(len(geoms), None, dtype=object)
        points[ok] = split(shapely.point_on_surface, geoms[ok])
    else:
        points = np.asarray(points, dtype=object)
        ok = present(points)
    # point in polygon against the few prepared district shapes, bounding box first: for 10^6
    # buildings this takes a tenth of a second where a spatial join took seconds
    shapes = d.geometry.to_numpy()
    valid = present(shapes)
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


#: The ``district_note`` of a building outside every district (it becomes part of ``reason``).
OUTSIDE_NOTE = "outside every district of the district layer: no district"


def districts_of(metric: Any, districts: Any, *, points: Any = None) -> pd.DataFrame:
    """``district``, ``district_en`` and ``adcode`` of each building, as ``estimate`` sets them.

    ``districts`` None: the bundled 16 Shanghai districts; ``False``: the input's own
    ``district`` column (or none); a GeoDataFrame: those polygons. A ``district`` given in the
    input wins over the spatial join (:func:`assign_district`). With a layer, the column
    ``district_note`` says :data:`OUTSIDE_NOTE` for a building (with geometry) that lies
    outside every district (it goes into ``reason``; :func:`pvsite.shortfall` warns, or
    refuses Shanghai's default target, when most of the eligible capacity does).
    """
    if districts is False:
        return pd.DataFrame({"district": metric["district"] if "district" in metric
                             else pd.Series(np.nan, index=metric.index, dtype=object)})
    from ..inputs import datasets

    if districts is not None and "district" not in getattr(districts, "columns", ()):
        from ..errors import FootprintError

        cols = [str(c) for c in getattr(districts, "columns", ()) if c != getattr(
            getattr(districts, "geometry", None), "name", None)]
        raise FootprintError(
            f"the districts have no 'district' column (their columns: {cols[:8]}), so no "
            "building would get one; rename the column of district names, e.g. "
            "districts.rename(columns={'name': 'district'}), or leave districts out for the "
            "bundled Shanghai ones.")
    dist = assign_district(metric, datasets.shanghai_districts() if districts is None
                           else districts, points=points)
    if "district" in metric:  # a given district wins over the spatial join
        given = metric["district"].notna()
        dist.loc[given, "district"] = metric.loc[given, "district"]
    outside = (dist["district"].isna().to_numpy() if "district" in dist
               else np.ones(len(dist), dtype=bool)) & present(metric.geometry.to_numpy())
    dist["district_note"] = np.where(outside, OUTSIDE_NOTE, "")
    return dist


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
        pos = containing_site(gdf, sites)
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
