"""``estimate`` on a dask-geopandas GeoDataFrame: one task per partition, with a halo.

Each partition is estimated together with a *halo*: the buildings of other partitions within
``pvsite.geometry.horizons.MAX_DISTANCE`` (plus the largest footprint's half-diagonal) of its
bounding box, which can shade its roofs. The halo's rows are obstacles only (their
footprints and heights in the skyline and as party walls; no surfaces of their own: on 200,000
synthetic buildings in 8 partitions the halo held 0.72 rows per own row, and the 2-worker run
went from 104 to 90 s). Only the partition's own rows are kept, so the result equals the
single-machine one (the test suite checks it on a ``dask.distributed.LocalCluster``).
Works on any Dask scheduler; for a cluster, start a ``dask.distributed.Client`` first. The
yield grids (:func:`pvsite.energy.yields.grid_tables`) are one task of the graph, computed
once and sent to each worker once, so no worker computes its own. The
output schema comes from :mod:`pvsite.results.schema`, without running anything. The halo's
reach (:func:`halo_margin`) and the estimate of a chunk with its halo (:func:`estimate_flagged`)
are shared with :mod:`pvsite.streaming`, which runs the same on tiles of a GeoParquet file.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .crs import present, units_per_metre
from .energy.yields import adopt_grids, grid_tables
from .geometry.horizons import MAX_DISTANCE
from .inputs.footprints import protect_output_names
from .results.schema import OUTPUT_COLUMNS, empty_result, empty_surfaces

__all__ = ["HALO_FLAG", "LABELS", "estimate_dask", "estimate_flagged", "halo_margin", "is_dask",
           "partition_by_place"]

#: Column that marks the rows of a halo: estimated with a chunk to shade it, not kept.
HALO_FLAG = "__pvsite_halo__"
#: ``attrs`` key under which a task passes the labels of the rows it had to renumber, for the
#: reasons that name another building.
LABELS = "_pvsite_labels"
#: ``estimate`` keeps horizons for up to this many buildings when not told (as one machine).
KEEP_HORIZONS_UP_TO = 100_000
#: Partitions whose bounding boxes cover the frame's this many times over (and at least half
#: the partition count) are not spatially compact: ``estimate_dask`` warns. Partitions of a
#: synthetic city in row order cover it 1.01-1.06 times, spatially shuffled 1.29 times, in
#: random order about once per partition (7.97 for 8). A pvsite threshold.
OVERLAP_WARN = 2.0


def partition_by_place(buildings: Any, npartitions: int) -> Any:
    """A GeoDataFrame in memory as a dask-geopandas frame of spatially compact partitions.

    The rows are ordered along a Hilbert curve through the centres of their footprints'
    bounding boxes (geopandas' ``hilbert_distance``; a stable sort, so equal footprints keep
    their order) and cut into ``npartitions`` runs of equal length; rows without a geometry
    come last. The index is kept, so ``.compute()`` of an estimate on it gives the input's
    rows (``.loc[buildings.index]`` for the input's order). The same partitions as
    ``dask_geopandas.from_geopandas(buildings).spatial_shuffle()`` would make in spirit,
    without a shuffle through the cluster: for 10^6 synthetic buildings this took 1-2 s
    where the shuffle took 91 s on a 2-worker LocalCluster (``benchmarks/bench_dask.py``).

    Parameters
    ----------
    buildings : GeoDataFrame
        Footprints with a CRS.
    npartitions : int
        Number of partitions (at least 1; e.g. a few per worker).

    Returns
    -------
    dask_geopandas.GeoDataFrame
        For ``pvsite.estimate(frame, weather)``.

    Raises
    ------
    ArgumentError
        ``npartitions`` below 1, or ``buildings`` not a GeoDataFrame.
    ImportError
        dask-geopandas not installed (``pip install "pvsite[dask]"``).
    """
    import geopandas as gpd

    from .errors import ArgumentError

    if not isinstance(buildings, gpd.GeoDataFrame):
        raise ArgumentError(f"partition_by_place takes a GeoDataFrame, not "
                            f"{type(buildings).__name__}")
    if int(npartitions) < 1:
        raise ArgumentError(f"npartitions must be at least 1, not {npartitions}")
    try:
        import dask_geopandas
    except ImportError as exc:
        raise ImportError("partition_by_place needs dask-geopandas: pip install "
                          "\"pvsite[dask]\"") from exc
    geoms = buildings.geometry.to_numpy()
    ok = present(geoms)
    key = np.full(len(buildings), np.iinfo(np.int64).max, dtype=np.int64)
    if ok.any():
        key[ok] = buildings.geometry[ok].hilbert_distance().to_numpy()
    order = np.argsort(key, kind="stable")
    return dask_geopandas.from_geopandas(buildings.iloc[order], npartitions=int(npartitions),
                                         sort=False)


def _warn_if_overlapping(bounds: np.ndarray) -> None:
    """Warn when the partitions are not spatially compact (see :data:`OVERLAP_WARN`)."""
    import warnings

    from .errors import PvsiteWarning

    b = bounds[~np.isnan(bounds[:, 0])]
    if len(b) < 3:
        return
    whole = (b[:, 2].max() - b[:, 0].min()) * (b[:, 3].max() - b[:, 1].min())
    cover = float(((b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])).sum() / whole) if whole > 0 else 1.0
    if cover > max(OVERLAP_WARN, len(b) / 2):
        warnings.warn(
            f"the {len(b)} partitions are not spatially compact (their bounding boxes cover the "
            f"frame's {cover:.1f} times over), so each one is shaded with most of the others' "
            "buildings as its halo and the run is many times slower; partition by place first: "
            f"pvsite.partition_by_place(gdf, {len(bounds)}) for a frame in memory, or "
            "ddf.spatial_shuffle()", PvsiteWarning, stacklevel=4)


def is_dask(obj: Any) -> bool:
    """Whether ``obj`` is a dask(-geopandas) DataFrame."""
    return type(obj).__module__.startswith(("dask_geopandas", "dask.dataframe", "dask_expr"))


def _bounds(part: Any) -> np.ndarray:
    """Bounds of a partition's footprints, their largest half-diagonal and the row count."""
    import shapely

    geoms = part.geometry.to_numpy()
    ok = present(geoms)
    if not ok.any():
        return np.array([np.nan] * 5 + [len(part)])
    b = shapely.bounds(geoms[ok])
    half = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]).max() / 2
    return np.array([b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max(), half,
                     len(part)])


def _middle(bounds: np.ndarray) -> tuple[float, float]:
    """Centre of the partitions' bounds (rows of :func:`_bounds`), in the frame's CRS."""
    return ((np.nanmin(bounds[:, 0]) + np.nanmax(bounds[:, 2])) / 2,
            (np.nanmin(bounds[:, 1]) + np.nanmax(bounds[:, 3])) / 2)


def _clip(part: Any, box: np.ndarray) -> Any:
    import shapely

    if part.empty or np.isnan(box).any():
        return part.iloc[:0]
    return part[shapely.intersects(part.geometry.to_numpy(), shapely.box(*box))]


def _grids(weather: Any, kwargs: dict[str, Any]) -> dict[Any, Any]:
    """The yield grids every task needs, computed once for the whole graph."""
    mountings = ("racked", "flush", "bipv") if kwargs.get("facades") else ("racked", "flush")
    return grid_tables(weather, mountings, assumptions=kwargs.get("assumptions"))


def _with_halo(own: Any, before: list[Any], after: list[Any], weather: Any, run: Any,
               kwargs: dict[str, Any], planes_crs: Any = None, grids: Any = None) -> Any:
    if grids:
        adopt_grids(grids)  # the grid computed once, sent to each worker once by the scheduler
    if own.empty:
        meta = empty_result(own, horizons=bool(kwargs.get("keep_horizons")),
                            facades=bool(kwargs.get("facades")))
        return meta if planes_crs is None else (meta, empty_surfaces(planes_crs,
                                                                     own.index.dtype))
    # halos of earlier partitions first, later ones last: the whole frame's order, which
    # decides which of two equal duplicate footprints is set aside
    frames = [h.assign(**{HALO_FLAG: True}) for h in before if len(h)]
    frames += [own.assign(**{HALO_FLAG: False})]
    frames += [h.assign(**{HALO_FLAG: True}) for h in after if len(h)]
    both = pd.concat(frames) if len(frames) > 1 else frames[0]
    out, plane_table = estimate_flagged(both, weather, run, kwargs)
    if plane_table is None:
        return out
    return out, plane_table.to_crs(planes_crs)


def estimate_flagged(both: Any, weather: Any, run: Any, kwargs: dict[str, Any]
                     ) -> tuple[Any, Any]:
    """Estimate a chunk of buildings with its halo, and keep the chunk's own rows.

    Parameters
    ----------
    both : GeoDataFrame
        The chunk's rows and its halo's, in the whole frame's order (which decides which of
        two equal duplicate footprints is set aside), with a boolean column
        :data:`HALO_FLAG` that is true on the halo's rows. Labels may repeat.
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    run : callable
        :func:`pvsite.estimate`.
    kwargs : dict
        Passed to ``run``; with ``planes=True`` the plane table comes back too.

    Returns
    -------
    (GeoDataFrame, GeoDataFrame or None)
        The result of the chunk's own rows, on their labels and in their order, without the
        flag; and with ``planes`` the own rows' planes, named by their buildings' labels (in
        the UTM zone ``run`` chose), else None.
    """
    # positions, not labels: labels may repeat across chunks; the labels go along for the
    # reasons that name another building
    labels = both.index.to_numpy()
    own_labels = both.index[~both[HALO_FLAG].to_numpy(dtype=bool)]
    both = both.reset_index(drop=True)
    both.attrs[LABELS] = labels
    result = run(both, weather, **kwargs)
    plane_table = None
    if isinstance(result, tuple):
        result, plane_table = result
    mine = ~result.pop(HALO_FLAG).to_numpy(dtype=bool)
    out = result[mine]
    out.index = own_labels
    if plane_table is None:
        return out, None
    ours = plane_table[plane_table["building"].isin(np.flatnonzero(mine))].copy()
    ours["building"] = labels[ours["building"].to_numpy(dtype=np.int64)]
    return out, ours


def halo_margin(crs: Any, bounds: np.ndarray) -> float:
    """How far beyond a chunk's bounding box its halo reaches, in the frame's units.

    ``MAX_DISTANCE`` (the farthest a neighbour shades) plus the largest footprint's
    half-diagonal; in degrees for a geographic CRS (generous at any latitude below 48 deg),
    in the CRS's units on the ground for a projected one (feet, Web Mercator's stretched
    metres give more).

    Parameters
    ----------
    crs : pyproj.CRS or None
        The frame's CRS.
    bounds : ndarray
        Rows of ``xmin, ymin, xmax, ymax, largest half-diagonal`` (as :func:`_bounds` gives
        them, per partition or for the whole frame), NaN where a chunk has no footprint.

    Examples
    --------
    >>> import numpy as np
    >>> round(halo_margin("EPSG:32651", np.array([[350e3, 3455e3, 360e3, 3460e3, 20.0]])), 1)
    625.9
    """
    if not len(bounds) or not np.isfinite(bounds[:, 4]).any():
        return 0.0
    half = float(np.nanmax(bounds[:, 4]))
    margin = MAX_DISTANCE + half
    if crs is None:
        return margin
    import pyproj

    crs = pyproj.CRS.from_user_input(crs)
    if crs.is_geographic:  # the half-diagonal is in degrees already
        return MAX_DISTANCE / 111_000.0 * 1.5 + half  # generous at any latitude < 48 deg
    if np.isfinite(bounds[:, :4]).any():
        k = units_per_metre(crs, *_middle(bounds))[1]
        return MAX_DISTANCE * (1.01 * k if np.isfinite(k) else 2.0) + half
    return margin


def _persisted(buildings: Any) -> Any:
    """The frame held in the cluster's memory when a ``dask.distributed`` client is active.

    The partitions' bounds are computed before the tasks (they decide each task's halo), so
    an unpersisted frame would be read (or shuffled) twice: on 200,000 synthetic buildings in 8
    spatially shuffled partitions on a 2-worker LocalCluster, the shuffle alone took 19.9 s
    and the estimate 42.1 s once persisted, against 90.4 s for both unpersisted (pvsite
    measurement). Without a client (Dask's local schedulers) nothing is kept and the input is
    read twice; a file larger than memory is :mod:`pvsite.streaming`'s to read.
    """
    try:
        from distributed import default_client

        default_client()
    except (ImportError, ValueError):  # no distributed, or no client
        return buildings
    return buildings.persist()


def estimate_dask(buildings: Any, weather: Any, run: Any, *, planes: bool = False,
                  **kwargs: Any) -> Any:
    """Estimate a dask-geopandas GeoDataFrame partition by partition (see module docstring).

    Parameters
    ----------
    buildings : dask_geopandas.GeoDataFrame
        Footprints with a projected CRS or WGS84 (projected per partition, like ``estimate``).
        Partitions that are spatially compact (:func:`partition_by_place` for a frame in
        memory, ``buildings.spatial_shuffle()``) keep halos small; others are warned about.
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    run : callable
        What each task runs on its partition and halo: :func:`pvsite.estimate` on a
        GeoDataFrame (passed by it, so this module needs no import of the pipeline).
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

    buildings = _persisted(buildings)
    parts = buildings.to_delayed()
    bounds = np.array(dask.compute(*[delayed(_bounds)(p) for p in parts]))
    _warn_if_overlapping(bounds)
    # decided once for the whole frame, as one machine would: every partition the same schema
    keep = kwargs.get("keep_horizons")
    if keep is None:
        keep = bool(bounds[:, 5].sum() <= KEEP_HORIZONS_UP_TO) if len(bounds) else True
    kwargs = {**kwargs, "progress": False, "keep_horizons": keep}
    margin = halo_margin(buildings.crs, bounds)
    planes_crs = None
    if planes:
        import geopandas as gpd
        import shapely

        planes_crs = gpd.GeoSeries([shapely.Point(*_middle(bounds))],
                                   crs=buildings.crs).estimate_utm_crs()
        kwargs = {**kwargs, "planes": True}
    # the input's columns as estimate keeps them (height_m read as height, clashes renamed,
    # warned here once rather than unseen in the workers)
    like = protect_output_names(buildings._meta, reserved=OUTPUT_COLUMNS)
    meta = empty_result(like, horizons=keep, facades=bool(kwargs.get("facades")))
    if planes:
        meta = (meta, empty_surfaces(planes_crs, buildings._meta.index.dtype))
    # one key each for the weather and the yield grids: the scheduler sends each worker one copy,
    # instead of every task embedding the weather and computing (or reading) the grids itself
    weather_key = delayed(weather, pure=True)
    grids = delayed(_grids, pure=True)(weather_key, kwargs)
    tasks = []
    for i, part in enumerate(parts):
        box = bounds[i, :4] + np.array([-margin, -margin, margin, margin])
        near = [j for j in range(len(parts)) if j != i and not np.isnan(bounds[j, 0])
                and bounds[j, 0] <= box[2] and bounds[j, 2] >= box[0]
                and bounds[j, 1] <= box[3] and bounds[j, 3] >= box[1]]
        before = [delayed(_clip)(parts[j], box) for j in near if j < i]
        after = [delayed(_clip)(parts[j], box) for j in near if j > i]
        tasks.append(delayed(_with_halo)(part, before, after, weather_key, run, kwargs,
                                        planes_crs, grids))

    def lazy(parts: list[Any], like: Any) -> Any:
        return dask_geopandas.from_dask_dataframe(
            dd.from_delayed(parts, meta=like, verify_meta=False), geometry=like.geometry.name)

    if not planes:
        return lazy(tasks, meta)
    return lazy([t[0] for t in tasks], meta[0]), lazy([t[1] for t in tasks], meta[1])
