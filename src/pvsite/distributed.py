"""``estimate`` on a dask-geopandas GeoDataFrame: one task per partition, with a halo.

Each partition is estimated together with a *halo*: the buildings of other partitions within
``shading.MAX_DISTANCE`` (plus the largest footprint's half-diagonal) of its bounding box, which
can shade its roofs. Only the partition's own rows are kept, so the result equals the
single-machine one (the test suite checks it on a ``dask.distributed.LocalCluster``). Works on
any Dask scheduler; for a cluster, start a ``dask.distributed.Client`` first.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["estimate_dask", "is_dask"]

_HALO_FLAG = "__pvsite_halo__"


def is_dask(obj: Any) -> bool:
    """Whether ``obj`` is a dask(-geopandas) DataFrame."""
    return type(obj).__module__.startswith(("dask_geopandas", "dask.dataframe", "dask_expr"))


def _bounds(part: Any) -> np.ndarray:
    import shapely

    geoms = part.geometry.to_numpy()
    ok = ~(pd.isna(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, bool)
    if not ok.any():
        return np.array([np.nan] * 5)
    b = shapely.bounds(geoms[ok])
    half = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]).max() / 2
    return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max(), half])


def _middle(bounds: np.ndarray) -> tuple[float, float]:
    """Centre of the partitions' bounds (rows of :func:`_bounds`), in the frame's CRS."""
    return ((np.nanmin(bounds[:, 0]) + np.nanmax(bounds[:, 2])) / 2,
            (np.nanmin(bounds[:, 1]) + np.nanmax(bounds[:, 3])) / 2)


def _clip(part: Any, box: np.ndarray) -> Any:
    import shapely

    if part.empty or np.isnan(box).any():
        return part.iloc[:0]
    return part[shapely.intersects(part.geometry.to_numpy(), shapely.box(*box))]


def _with_halo(own: Any, before: list[Any], after: list[Any], weather: Any,
               kwargs: dict[str, Any], planes_crs: Any = None) -> Any:
    from .pipeline import _LABELS, estimate

    if own.empty:
        return _empty_result(own, weather, kwargs, planes_crs)
    # halos of earlier partitions first, later ones last: the whole frame's order, which
    # decides which of two equal duplicate footprints is set aside
    frames = [h.assign(**{_HALO_FLAG: True}) for h in before if len(h)]
    frames += [own.assign(**{_HALO_FLAG: False})]
    frames += [h.assign(**{_HALO_FLAG: True}) for h in after if len(h)]
    both = pd.concat(frames) if len(frames) > 1 else frames[0]
    # positions, not labels: labels may repeat across partitions; the labels go along for
    # the reasons that name another building
    labels = both.index.to_numpy()
    both = both.reset_index(drop=True)
    both.attrs[_LABELS] = labels
    result = estimate(both, weather, **kwargs)
    plane_table = None
    if isinstance(result, tuple):
        result, plane_table = result
    mine = ~result.pop(_HALO_FLAG).to_numpy(dtype=bool)
    out = result[mine]
    out.index = own.index
    if plane_table is None:
        return out
    # the partition's own planes, named by their buildings' labels, in the frame's UTM zone
    ours = plane_table[plane_table["building"].isin(np.flatnonzero(mine))].copy()
    ours["building"] = labels[ours["building"].to_numpy(dtype=np.int64)]
    return out, ours.to_crs(planes_crs)


def _empty_result(like: Any, weather: Any, kwargs: dict[str, Any],
                  planes_crs: Any = None) -> Any:
    import geopandas as gpd
    import shapely

    from .pipeline import estimate

    # a 10 m x 10 m roof at the weather's site, in the frame's CRS: the result's schema
    lon, lat = weather.attrs["longitude"], weather.attrs["latitude"]
    d = 5e-5
    box = gpd.GeoSeries([shapely.box(lon - d, lat - d, lon + d, lat + d)], crs=4326)
    probe = gpd.GeoDataFrame(
        {c: pd.Series([None], dtype=like[c].dtype) for c in like.columns
         if c != like.geometry.name},
        geometry=box.to_crs(like.crs) if like.crs is not None else box, crs=like.crs or 4326)
    got = estimate(probe, weather, **kwargs)
    if isinstance(got, tuple):
        return got[0].iloc[:0], got[1].iloc[:0].to_crs(planes_crs)
    return got.iloc[:0]


def estimate_dask(buildings: Any, weather: Any, *, planes: bool = False, **kwargs: Any) -> Any:
    """Estimate a dask-geopandas GeoDataFrame partition by partition (see module docstring).

    Parameters
    ----------
    buildings : dask_geopandas.GeoDataFrame
        Footprints with a projected CRS or WGS84 (projected per partition, like ``estimate``).
        Partitions that are spatially compact (``buildings.spatial_shuffle()``) keep halos
        small.
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    planes : bool, default False
        Also return the roof planes, as ``(result, planes)``: both lazy, with the planes'
        outlines in the UTM zone of the middle of the frame (one CRS for every partition).
        Compute them together, ``dask.compute(result, planes)``, or the estimate runs twice.
    **kwargs
        Passed to :func:`pvsite.estimate` (``assumptions``, ``districts``, ``shading``,
        ``dsm``...). A surface model is opened by each task from its path, so every worker
        must be able to read that path (a shared or cloud file system on a cluster).

    Returns
    -------
    dask_geopandas.GeoDataFrame
        Lazy; ``.compute()`` gives the same table as ``pvsite.estimate`` on the whole data
        (with ``planes``, a pair of them).
    """
    import dask
    import dask.dataframe as dd
    import dask_geopandas
    from dask import delayed

    from .shading import MAX_DISTANCE

    kwargs = {**kwargs, "progress": False}
    parts = buildings.to_delayed()
    bounds = np.array(dask.compute(*[delayed(_bounds)(p) for p in parts]))
    margin = MAX_DISTANCE + np.nanmax(bounds[:, 4]) if len(bounds) else 0.0
    if buildings.crs is not None and buildings.crs.is_geographic:
        margin = margin / 111_000.0 * 1.5  # degrees; generous at any latitude < 48 deg
    elif buildings.crs is not None and len(bounds) and np.isfinite(bounds[:, :4]).any():
        # the reach is in metres on the ground: in the frame's units (feet, Web Mercator's
        # stretched metres) it can be more
        from .roofs import units_per_metre

        k = units_per_metre(buildings.crs, *_middle(bounds))[1]
        margin = MAX_DISTANCE * (1.01 * k if np.isfinite(k) else 2.0) + np.nanmax(bounds[:, 4])
    planes_crs = None
    if planes:
        import geopandas as gpd
        import shapely

        planes_crs = gpd.GeoSeries([shapely.Point(*_middle(bounds))],
                                   crs=buildings.crs).estimate_utm_crs()
        kwargs = {**kwargs, "planes": True}
    meta = delayed(_empty_result)(buildings._meta, weather, kwargs, planes_crs).compute()
    tasks = []
    for i, part in enumerate(parts):
        box = bounds[i, :4] + np.array([-margin, -margin, margin, margin])
        near = [j for j in range(len(parts)) if j != i and not np.isnan(bounds[j, 0])
                and bounds[j, 0] <= box[2] and bounds[j, 2] >= box[0]
                and bounds[j, 1] <= box[3] and bounds[j, 3] >= box[1]]
        before = [delayed(_clip)(parts[j], box) for j in near if j < i]
        after = [delayed(_clip)(parts[j], box) for j in near if j > i]
        tasks.append(delayed(_with_halo)(part, before, after, weather, kwargs, planes_crs))

    def lazy(parts: list[Any], like: Any) -> Any:
        return dask_geopandas.from_dask_dataframe(
            dd.from_delayed(parts, meta=like, verify_meta=False), geometry=like.geometry.name)

    if not planes:
        return lazy(tasks, meta)
    return lazy([t[0] for t in tasks], meta[0]), lazy([t[1] for t in tasks], meta[1])
