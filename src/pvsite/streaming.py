"""``estimate`` on a GeoParquet file larger than memory: spatial tiles, each with its halo.

Two passes over the file, each holding a bounded part of it:

1. the geometry column alone, batch by batch (pyarrow), gives each footprint's bounding box;
   the boxes' centres are cut into *tiles* of about ``tile_rows`` buildings (strips of equal
   count by x, each cut by y into tiles of equal count, so a tile holds ``tile_rows``
   however dense the city is and whatever the file's row order). A second read of the
   whole rows, batch by batch, writes each row to its tile's bucket (a Parquet file in a
   temporary folder) and a copy to the bucket of every other tile whose *halo* it falls in:
   within ``MAX_DISTANCE`` plus the largest footprint's half-diagonal of the tile's box
   (:func:`pvsite.distributed.halo_margin`, as the dask path reaches), flagged
   :data:`pvsite.distributed.HALO_FLAG`;
2. each bucket is estimated (:func:`pvsite.distributed.estimate_flagged`: its rows in the
   file's order, which decides which of two equal duplicate footprints is set aside; only
   the tile's own rows kept), written as a part, and the parts are joined into one GeoParquet
   (:func:`pvsite.output.export.join_geoparquet`).

So the result equals ``estimate`` on the whole file read into memory. The yield grids are
computed by the first tile and kept in this process's cache (:data:`pvsite.energy.chain.CACHE`)
for all the others.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .distributed import HALO_FLAG, KEEP_HORIZONS_UP_TO, estimate_flagged, halo_margin
from .errors import ArgumentError, FootprintError

__all__ = ["DEFAULT_TILE_ROWS", "estimate_parquet", "iter_parquet", "spatial_tiles"]

#: Buildings per tile when not told: about 1.3 GB of memory at the synthetic city's density
#: (``benchmarks/bench_stream.py``), halos adding about a tenth to the work.
DEFAULT_TILE_ROWS = 250_000
#: Rows read from the file at a time (both passes).
_BATCH_ROWS = 65_536
#: Bytes of rows held for the buckets before they are written out.
_BUFFER_BYTES = 256 * 2**20
#: Column carrying each row's position in the file, in the buckets.
_ROW = "__pvsite_row__"
#: ``estimate`` arguments that return more than one frame or add rows of their own.
_NOT_STREAMED = {"parking": "car parks add rows of their own; run pvsite.carports on them",
                 "planes": "the surface table is a second frame",
                 "shading_points": "the observer points are a second frame"}


def estimate_parquet(
    source: str | Path,
    destination: str | Path,
    weather: pd.DataFrame,
    *,
    tile_rows: int = DEFAULT_TILE_ROWS,
    progress: bool | None = None,
    standardise: bool = False,
    named: dict[str, str] | None = None,
    tmpdir: str | Path | None = None,
    **estimate_kwargs: Any,
) -> Path:
    """Estimate every building of a GeoParquet file, tile by tile, into another GeoParquet.

    Memory holds one tile (about ``tile_rows`` buildings and their halo) at a time, whatever
    the size and row order of the file: 10^7 buildings of the synthetic city in
    ``tile_rows=250_000`` tiles peak at a few GB (``benchmarks/results/bench_stream.json``).
    Time grows linearly with the file, plus the halos' share (about 1/10 at that size).

    Parameters
    ----------
    source : str or Path
        GeoParquet of footprints (WKB geometry, with a CRS: WGS84 or projected, as
        :func:`pvsite.estimate` takes them); any row order.
    destination : str or Path
        The GeoParquet to write (replaced atomically at the end; its folder must exist).
    weather : DataFrame
        A typical year from :func:`pvsite.read_weather`.
    tile_rows : int, default 250,000
        Buildings per tile: memory grows with it, the halos' share of the work falls.
    progress : bool, optional
        Show progress bars (tqdm); default: for files of 20,000 buildings or more.
    standardise : bool, default False
        Rename and parse each tile's columns as :func:`pvsite.read_footprints` does
        (:func:`pvsite.inputs.footprints.standardise_columns`: ``Floor``, ``高度``... to
        ``building:levels``, ``height``; ``named``: ``{pvsite name: column}`` for the others),
        so the result equals ``estimate(read_footprints(source))``; default: the columns as
        they are, equal to ``estimate(geopandas.read_parquet(source))``.
    named : dict, optional
        With ``standardise``: ``{'height': ..., 'building:levels': ...,
        'institution_type': ...}`` naming the file's columns.
    tmpdir : str or Path, optional
        Where the buckets and parts go while the run lasts (about twice the file's size on
        disk); default a temporary folder beside ``destination``.
    **estimate_kwargs
        Passed to :func:`pvsite.estimate` for every tile: ``assumptions``, ``districts``,
        ``sites``, ``dsm``, ``shading``, ``facades``, ``keep_horizons`` (decided once for
        the file when not given: for up to 100,000 buildings). Not ``parking``, ``planes``
        or ``shading_points``, which return more than one row per building.

    Returns
    -------
    Path
        ``destination``: one row per input row, every one (with ``status`` and ``reason``
        as ``estimate`` gives them), the input's columns and index, the columns of
        :data:`pvsite.OUTPUT_COLUMNS` (units in their names: ``capacity_kwp`` [kWp],
        ``annual_kwh`` [kWh/yr]...), in the input's CRS; written as
        :func:`pvsite.to_geoparquet` writes a result (``horizon_deg`` as JSON text). The rows
        come tile by tile: ``geopandas.read_parquet(destination).sort_index()`` for the
        input's order (when its index is sorted). A file over two UTM zones is measured
        tile by tile in each tile's zone, as the dask path measures each partition.

    Raises
    ------
    FootprintError
        ``source`` missing, not Parquet, not GeoParquet (no ``geo`` metadata), without its
        geometry column, without a CRS, or with a geometry encoding other than WKB.
    ArgumentError
        ``tile_rows`` below 1, ``destination`` the source or in a missing folder, or an
        ``estimate`` argument that streaming cannot take.

    Examples
    --------
    >>> import geopandas as gpd, pvsite, tempfile
    >>> from pathlib import Path
    >>> tmp = Path(tempfile.mkdtemp())
    >>> pvsite.synthetic_city(120, seed=1).to_parquet(tmp / "city.parquet")
    >>> out = pvsite.estimate_parquet(tmp / "city.parquet", tmp / "result.parquet",
    ...                               pvsite.datasets.shanghai_weather(), tile_rows=60)
    >>> r = gpd.read_parquet(out).sort_index()
    >>> len(r), bool(r.index.equals(pd.RangeIndex(120))), r["status"].unique().tolist()
    (120, True, ['ok'])
    """
    from .output.export import join_geoparquet, to_geoparquet
    from .pipeline import _progress_bar, estimate

    source, destination = Path(source), Path(destination)
    bad = sorted(set(estimate_kwargs) & set(_NOT_STREAMED))
    if bad:
        raise ArgumentError(f"estimate_parquet cannot take {bad[0]}= ({_NOT_STREAMED[bad[0]]}); "
                            "estimate the file in memory with pvsite.estimate for that.")
    if not isinstance(tile_rows, (int, np.integer)) or tile_rows < 1:
        raise ArgumentError(f"tile_rows={tile_rows!r}; give a whole number of buildings per "
                            "tile of at least 1 (default 250,000).")
    if not destination.parent.is_dir():
        raise ArgumentError(f"destination {destination}: the folder {destination.parent} does "
                            "not exist; create it first.")
    if destination.exists() and source.exists() and destination.samefile(source):
        raise ArgumentError(f"destination {destination} is the source; write elsewhere.")
    meta = _geo_metadata(source)
    if standardise:  # a named column missing: one error now, not one per tile
        from .inputs.footprints import recognise_columns

        recognise_columns(meta["names"], named=named)
    n = meta["rows"]
    show = progress if progress is not None else n >= 20_000
    tqdm = _progress_bar(show)
    keep = estimate_kwargs.get("keep_horizons")
    kwargs = {**estimate_kwargs, "progress": False,
              "keep_horizons": bool(n <= KEEP_HORIZONS_UP_TO) if keep is None else keep}
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", suffix=".tiles",
                                 dir=tmpdir if tmpdir is not None else destination.parent))
    try:
        bounds = _read_bounds(source, meta, tqdm=tqdm, show=show)
        tile = spatial_tiles(bounds, tile_rows)
        boxes = _tile_boxes(bounds, tile)
        margin = halo_margin(meta["crs"], np.column_stack(
            [boxes, np.full(len(boxes), _half_diagonal(bounds))]))
        buckets = _write_buckets(source, work, bounds, tile, boxes, margin, tqdm=tqdm,
                                 show=show)
        del bounds, tile
        parts = []
        for t, bucket in enumerate(tqdm(buckets, desc="pvsite tiles", disable=not show,
                                        leave=False)):
            if bucket is None:
                continue
            both = _read_bucket(bucket, meta)
            if standardise:
                from .inputs.footprints import standardise_columns

                both = standardise_columns(both, named=named, where=str(source))
                both.attrs["source"] = str(source)
            out, _ = estimate_flagged(both, weather, estimate, kwargs)
            del both
            bucket.unlink()
            parts.append(to_geoparquet(out, work / f"part-{t:06d}.parquet"))
            del out
        if not parts:  # an empty file: the empty result, as estimate gives it
            parts.append(to_geoparquet(_empty_estimate(source, weather, estimate, kwargs),
                                       work / "part-empty.parquet"))
        return join_geoparquet(parts, destination)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def iter_parquet(path: str | Path, columns: list[str] | None = None, *,
                 rows: int = 1_000_000) -> Iterator[pd.DataFrame]:
    """A Parquet file's rows, a chunk of at most ``rows`` at a time, as plain DataFrames.

    For what is computed from a streamed result without holding it: roll-ups
    (:func:`pvsite.results.rollup.combine_rollups`), totals. ``columns`` that the file lacks
    are left out; no geometry is decoded.
    """
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    if columns is not None:
        columns = [c for c in columns if c in pf.schema_arrow.names]
    for batch in pf.iter_batches(batch_size=rows, columns=columns):
        yield batch.to_pandas()


def spatial_tiles(bounds: np.ndarray, tile_rows: int) -> np.ndarray:
    """Tile of each footprint: equal-count strips by x, each cut by y into equal-count tiles.

    Parameters
    ----------
    bounds : ndarray
        ``xmin, ymin, xmax, ymax`` of each footprint (NaN where it has none: those go to the
        last tiles).
    tile_rows : int
        Most footprints per tile.

    Returns
    -------
    ndarray of int64
        Tile number of each row, from 0: ``ceil(n / tile_rows)`` tiles of equal count (at
        most ``tile_rows`` each), about square on the ground (as many strips as the
        extent's shape asks).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(8.0)
    >>> b = np.column_stack([x, np.zeros(8), x + 0.5, np.ones(8)])
    >>> spatial_tiles(b, 4).tolist()
    [0, 0, 0, 0, 1, 1, 1, 1]
    """
    n = len(bounds)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    k = math.ceil(n / tile_rows)
    cx, cy = (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2
    ok = np.isfinite(cx) & np.isfinite(cy)
    strips = 1
    if ok.any() and k > 1:
        width, height = np.ptp(cx[ok]), np.ptp(cy[ok])
        shape = width / height if height > 0 else float(k)
        strips = int(np.clip(round(math.sqrt(k * shape)), 1, k))
    by_x = np.argsort(np.where(ok, cx, np.inf), kind="stable")
    # k tiles shared among the strips, each strip as many rows as its tiles hold
    per_strip = [len(a) for a in np.array_split(np.arange(k), strips)]
    cuts = np.round(np.cumsum([0, *per_strip]) * n / k).astype(np.int64)
    tile = np.empty(n, dtype=np.int64)
    for j, m in enumerate(per_strip):
        rows = by_x[cuts[j]:cuts[j + 1]]
        rows = rows[np.argsort(np.where(ok[rows], cy[rows], np.inf), kind="stable")]
        for i, part in enumerate(np.array_split(rows, m)):
            tile[part] = sum(per_strip[:j]) + i
    return tile


def _geo_metadata(source: Path) -> dict[str, Any]:
    """What the passes need from the file's GeoParquet metadata; one-line errors."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import pyproj

    if not source.exists():
        raise FootprintError(f"{source}: no such file.")
    try:
        pf = pq.ParquetFile(source)
    except (pa.ArrowException, OSError) as exc:
        raise FootprintError(f"{source}: not a Parquet file ({' '.join(str(exc).split())}); "
                             "give a GeoParquet file (geopandas: gdf.to_parquet(path)).") from None
    schema = pf.schema_arrow
    raw = (schema.metadata or {}).get(b"geo")
    if raw is None:
        raise FootprintError(f"{source}: a Parquet file without GeoParquet metadata ('geo'); "
                             "write it with geopandas (gdf.to_parquet(path)) or read it with "
                             "pvsite.read_footprints.")
    geo = json.loads(raw)
    column = geo.get("primary_column")
    if column not in schema.names:
        raise FootprintError(f"{source}: has no geometry column (the metadata names "
                             f"{column!r}; the file has {schema.names}).")
    spec = geo.get("columns", {}).get(column, {})
    encoding = str(spec.get("encoding", "WKB"))
    if encoding.upper() != "WKB":
        raise FootprintError(f"{source}: geometry encoded as {encoding!r}; streaming reads WKB: "
                             "write the file with gdf.to_parquet(path, geometry_encoding='WKB').")
    crs = spec.get("crs", "OGC:CRS84")  # GeoParquet: no "crs" key means longitude/latitude
    if crs is None:
        raise FootprintError(f"{source}: has no coordinate reference system; write it with "
                             "one, e.g. gdf.set_crs('EPSG:4326').to_parquet(path) for "
                             "longitude/latitude.")
    crs = pyproj.CRS.from_user_input("EPSG:4326" if crs == "OGC:CRS84" else crs)
    pandas_meta = json.loads((schema.metadata or {}).get(b"pandas", b"{}"))
    index = pandas_meta.get("index_columns") or []
    # the index as geopandas reads it: from its columns, else a range (stored as its start
    # and step, or not at all: the row positions, as for a file that pandas did not write)
    ranged = (index[0] if len(index) == 1 and isinstance(index[0], dict)
              and index[0].get("kind") == "range"
              else None if index else {"start": 0, "step": 1, "name": None})
    return {"column": column, "crs": crs, "rows": pf.metadata.num_rows, "range": ranged,
            "names": [c for c in schema.names if not str(c).startswith("__index_level_")]}


def _read_bounds(source: Path, meta: dict[str, Any], *, tqdm: Any, show: bool) -> np.ndarray:
    """Pass 1: the bounding box of every row's geometry (NaN where none), geometry only."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    pf = pq.ParquetFile(source)
    out = np.full((meta["rows"], 4), np.nan)
    at = 0
    bar = tqdm(total=meta["rows"], desc="pvsite tiling", disable=not show, leave=False)
    for batch in pf.iter_batches(batch_size=_BATCH_ROWS, columns=[meta["column"]]):
        arr = batch.column(0)
        if isinstance(arr, pa.ExtensionArray):
            arr = arr.storage
        geoms = shapely.from_wkb(arr.to_numpy(zero_copy_only=False), on_invalid="ignore")
        with np.errstate(invalid="ignore"):
            out[at:at + len(geoms)] = shapely.bounds(geoms)
        at += len(geoms)
        bar.update(len(geoms))
    bar.close()
    return out


def _half_diagonal(bounds: np.ndarray) -> float:
    """Largest half-diagonal of the footprints' boxes (0 if none)."""
    with np.errstate(invalid="ignore"):
        half = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / 2
    half = half[np.isfinite(half)]
    return float(half.max()) if half.size else 0.0


def _tile_boxes(bounds: np.ndarray, tile: np.ndarray) -> np.ndarray:
    """Bounding box of each tile's own footprints (NaN for a tile of none)."""
    k = int(tile.max()) + 1 if len(tile) else 0
    frame = pd.DataFrame(bounds, columns=["x0", "y0", "x1", "y1"])
    g = frame.groupby(tile)
    lo, hi = g[["x0", "y0"]].min(), g[["x1", "y1"]].max()
    return pd.concat([lo, hi], axis=1).reindex(range(k)).to_numpy(dtype=float)


def _write_buckets(source: Path, work: Path, bounds: np.ndarray, tile: np.ndarray,
                   boxes: np.ndarray, margin: float, *, tqdm: Any, show: bool
                   ) -> list[Path | None]:
    """Pass 1b: every row into its tile's bucket, and a flagged copy into each halo it is in."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    pf = pq.ParquetFile(source)
    schema = pf.schema_arrow
    schema = pa.schema([*schema, pa.field(_ROW, pa.int64()), pa.field(HALO_FLAG, pa.bool_())],
                       metadata=schema.metadata)
    k = len(boxes)
    has_box = np.isfinite(boxes).all(axis=1)
    reach = shapely.box(*(boxes[has_box] + np.array([-margin, -margin, margin, margin])).T)
    tree = shapely.STRtree(reach)
    tiles_with_box = np.flatnonzero(has_box)
    paths = [work / f"bucket-{t:06d}.parquet" for t in range(k)]
    writers: dict[int, Any] = {}
    held: dict[int, list[Any]] = {}
    held_bytes = 0

    def flush() -> None:
        for t, tables in held.items():
            if t not in writers:
                writers[t] = pq.ParquetWriter(paths[t], schema)
            writers[t].write_table(pa.concat_tables(tables))
        held.clear()

    bar = tqdm(total=len(tile), desc="pvsite buckets", disable=not show, leave=False)
    at = 0
    try:
        for batch in pf.iter_batches(batch_size=_BATCH_ROWS):
            m = batch.num_rows
            own = tile[at:at + m]
            rows, others = _halo_pairs(bounds[at:at + m], tree, tiles_with_box)
            away = others != own[rows]
            rows, others = rows[away], others[away]
            take = np.concatenate([np.arange(m), rows])
            dest = np.concatenate([own, others])
            order = np.argsort(dest, kind="stable")
            take, dest = take[order], dest[order]
            table = pa.Table.from_batches([batch]).take(pa.array(take))
            table = table.append_column(_ROW, pa.array(at + take, pa.int64()))
            table = table.append_column(HALO_FLAG, pa.array(order >= m))
            starts = np.flatnonzero(np.r_[True, dest[1:] != dest[:-1]])
            for s, e in zip(starts, np.r_[starts[1:], len(dest)], strict=True):
                part = table.slice(s, e - s)
                held.setdefault(int(dest[s]), []).append(part)
                held_bytes += part.nbytes
            if held_bytes > _BUFFER_BYTES:
                flush()
                held_bytes = 0
            at += m
            bar.update(m)
        flush()
    finally:
        for w in writers.values():
            w.close()
        bar.close()
    return [paths[t] if t in writers else None for t in range(k)]


def _halo_pairs(bounds: np.ndarray, tree: Any, tiles: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
    """(row, tile) for every tile whose halo box a row's footprint box touches."""
    import shapely

    ok = np.flatnonzero(np.isfinite(bounds).all(axis=1))
    if not ok.size or not len(tiles):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # no predicate: the footprints' boxes against the halos' boxes (a superset of the
    # footprints that touch them; those beyond the reach shade nothing)
    rows, hit = tree.query(shapely.box(*bounds[ok].T))
    return ok[rows], tiles[hit]


def _read_bucket(bucket: Path, meta: dict[str, Any]) -> Any:
    """A tile with its halo, in the file's row order, with the file's index."""
    import geopandas as gpd

    both = gpd.read_parquet(bucket)
    rows = both.pop(_ROW).to_numpy()
    order = np.argsort(rows, kind="stable")
    both, rows = both.iloc[order], rows[order]
    ranged = meta["range"]
    if ranged is not None:  # a RangeIndex is stored as its start and step, not its values
        both.index = pd.Index(ranged["start"] + ranged["step"] * rows, name=ranged["name"])
    return both


def _empty_estimate(source: Path, weather: Any, run: Any, kwargs: dict[str, Any]) -> Any:
    """The result of a file with no rows: ``run`` on it as read."""
    import geopandas as gpd

    return run(gpd.read_parquet(source), weather, **kwargs)
