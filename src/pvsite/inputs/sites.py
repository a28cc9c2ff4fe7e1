"""Which institution site (a campus, a hospital's grounds) contains each building.

Shared by :func:`pvsite.read_osm`, which joins the buildings of an extract to its sites, and by
:func:`pvsite.group_institutions`, which does the same for any footprints and site polygons.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..crs import present, to_metric
from ..errors import FootprintError

__all__ = ["containing_site"]


def containing_site(gdf: Any, sites: Any) -> np.ndarray:
    """Position in ``sites`` of the site polygon containing each building, -1 where none.

    A point on the surface of each footprint is tested against the site polygons in the
    buildings' metric CRS (:func:`pvsite.crs.to_metric`); where several sites contain it
    (a school inside an education landuse), the smallest one wins.
    """
    import shapely

    if sites.crs is None:
        raise FootprintError("the site polygons have no CRS; set it, e.g. "
                             "sites.set_crs('EPSG:4326') for longitude/latitude.")
    metric = to_metric(gdf)
    geoms = metric.geometry.to_numpy()
    ok = present(geoms)
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
