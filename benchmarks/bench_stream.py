"""Out-of-core estimate: a synthetic city streamed from GeoParquet (pvsite.estimate_parquet).

    python benchmarks/bench_stream.py [N] [--tile-rows 250000] [--check 200000]
    python benchmarks/bench_stream.py 10000000 --input big.parquet --write-only  # the file only
    python benchmarks/bench_stream.py 10000000 --input big.parquet --check 0     # reuse it

Writes an N-building synthetic GeoParquet in blocks of 10^6 (``pvsite.synthetic_city`` with
block centres that tile a large area without overlap, each block written to a part and the
parts joined batch by batch: the writer never holds N buildings), then times
``pvsite.estimate_parquet`` on it in a fresh process: wall time, peak memory (RSS), rows,
capacity, seconds per 10^6 buildings. Equality: a separate file of ``--check`` buildings is
estimated streamed (tiles of a quarter of it) and in memory (``pvsite.estimate``), each in
its own process; the two results are compared column by column (max difference of the
numeric columns, status and reason mismatches). Target (issue 22): 10^7 buildings in at most
8 GB. Writes benchmarks/results/bench_stream.json (a part skipped, N or --check 0, keeps
what an earlier run measured, with its date).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_in_child, write  # noqa: E402

BLOCK = 1_000_000  # buildings per block of the synthetic file (a 1000 x 1000 grid, 45 km)

HEAD = f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})\n"

STREAM = HEAD + """
import json, time
import pyarrow.parquet as pq
import pvsite
from pvsite.streaming import iter_parquet
from _common import peak_rss_mb
w = pvsite.datasets.shanghai_weather()
t = time.perf_counter()
pvsite.estimate_parquet({src!r}, {dst!r}, w, tile_rows={tile_rows}, progress={progress})
seconds = time.perf_counter() - t
peak = peak_rss_mb()
cap = kwh = 0.0
ok = 0
for c in iter_parquet({dst!r}, ["capacity_kwp", "annual_kwh", "status"]):
    cap += float(c["capacity_kwp"].sum()); kwh += float(c["annual_kwh"].sum())
    ok += int((c["status"] == "ok").sum())
print(json.dumps({{"seconds": seconds, "peak_rss_mb": peak,
                  "rows": pq.ParquetFile({dst!r}).metadata.num_rows, "ok": ok,
                  "capacity_mwp": cap / 1000, "annual_gwh": kwh / 1e6}}))
"""

HALO = HEAD + """
import json
import numpy as np, shapely
from pathlib import Path
from tqdm import tqdm
from pvsite.distributed import halo_margin
from pvsite.streaming import (_geo_metadata, _half_diagonal, _halo_pairs, _read_bounds,
                              _tile_boxes, spatial_tiles)
src = Path({src!r})
meta = _geo_metadata(src)
b = _read_bounds(src, meta, tqdm=tqdm, show=False)
tile = spatial_tiles(b, {tile_rows})
boxes = _tile_boxes(b, tile)
m = halo_margin(meta["crs"], np.column_stack([boxes, np.full(len(boxes), _half_diagonal(b))]))
has = np.isfinite(boxes).all(axis=1)
tree = shapely.STRtree(shapely.box(*(boxes[has] + np.array([-m, -m, m, m])).T))
rows, t = _halo_pairs(b, tree, np.flatnonzero(has))
halo = int((t != tile[rows]).sum())
print(json.dumps({{"tiles": int(tile.max()) + 1, "margin": m, "halo_rows": halo,
                  "halo_share": halo / len(b), "largest_tile": int(np.bincount(tile).max())}}))
"""

IN_MEMORY = HEAD + """
import json, time
import geopandas as gpd
import pvsite
w = pvsite.datasets.shanghai_weather()
b = gpd.read_parquet({src!r})
t = time.perf_counter()
r = pvsite.estimate(b, w, progress=False, keep_horizons=False)
seconds = time.perf_counter() - t
from _common import peak_rss_mb
peak = peak_rss_mb()
pvsite.to_geoparquet(r, {dst!r})
print(json.dumps({{"seconds": seconds, "peak_rss_mb": peak}}))
"""

WRITE = HEAD + """
import json, time
import numpy as np, pandas as pd, pyproj
from pathlib import Path
import pvsite
from pvsite.inputs._synth import CITY_CELL_M
from pvsite.output.export import join_geoparquet
from _common import peak_rss_mb
n, block, out = {n}, {block}, Path({out!r})
t = time.perf_counter()
blocks = -(-n // block)
cols = int(np.ceil(np.sqrt(blocks)))
rows = -(-blocks // cols)
side = int(np.ceil(np.sqrt(min(n, block)))) * CITY_CELL_M  # a block's width on the ground [m]
fwd = pyproj.Transformer.from_crs(4326, 32651, always_xy=True)
back = pyproj.Transformer.from_crs(32651, 4326, always_xy=True)
x0, y0 = fwd.transform(121.47, 31.23)
parts = []
for k in range(blocks):
    size = min(block, n - k * block)
    i, j = k % cols, k // cols
    centre = back.transform(x0 + (i - (cols - 1) / 2) * side, y0 + (j - (rows - 1) / 2) * side)
    city = pvsite.synthetic_city(size, seed=k, centre=centre)
    city.index = pd.RangeIndex(k * block, k * block + size)
    city["building_id"] = [f"C{{v:08d}}" for v in city.index]
    parts.append(out.parent / f"{{out.stem}}.block{{k:04d}}.parquet")
    city.to_parquet(parts[-1], index=True)
    del city
join_geoparquet(parts, out)
for p in parts:
    p.unlink()
print(json.dumps({{"seconds": time.perf_counter() - t, "peak_rss_mb": peak_rss_mb(),
                  "blocks": blocks, "bytes": out.stat().st_size}}))
"""


def _compare(streamed: Path, whole: Path) -> dict:
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    a = gpd.read_parquet(streamed).sort_index()
    b = gpd.read_parquet(whole).sort_index()
    same_rows = bool(a.index.equals(b.index)) and list(a.columns) == list(b.columns)
    num = [c for c in b.columns if pd.api.types.is_numeric_dtype(b[c])
           and not pd.api.types.is_bool_dtype(b[c])]
    diff = {c: float(np.nanmax(np.abs(a[c].to_numpy(float) - b[c].to_numpy(float))))
            if len(b) else 0.0 for c in num}
    text = [c for c in ("status", "reason", "district", "institution_type") if c in b]
    mismatched = {c: int((a[c].fillna("") != b[c].fillna("")).sum()) for c in text}
    return {"same_rows_and_columns": same_rows, "max_abs_difference": max(diff.values()),
            "max_abs_difference_by_column": {c: v for c, v in diff.items() if v > 0},
            "text_mismatches": mismatched, "same_geometry": bool(a.geometry.geom_equals_exact(
                b.geometry, tolerance=0).all()),
            "shaded_buildings": int((b["shading_loss"] > 0).sum())}


def _equality_check(n: int, block: int, tmp: Path) -> dict:
    """Streamed (tiles of n/4) against in memory on an n-building file of the same kind."""
    small = tmp / "check.parquet"
    tiles = max(1, n // 4)
    run_in_child(WRITE.format(n=n, block=block, out=str(small)))
    s_out, m_out = tmp / "check_streamed.parquet", tmp / "check_whole.parquet"
    streamed = run_in_child(STREAM.format(src=str(small), dst=str(s_out), tile_rows=tiles,
                                          progress=False))
    whole = run_in_child(IN_MEMORY.format(src=str(small), dst=str(m_out)))
    check = _compare(s_out, m_out)
    print(f"check at {n:,} in tiles of {tiles:,}: max difference "
          f"{check['max_abs_difference']:g}, text mismatches {check['text_mismatches']}; "
          f"streamed {streamed['seconds']:.0f} s / {streamed['peak_rss_mb']:,.0f} MB, "
          f"in memory {whole['seconds']:.0f} s / {whole['peak_rss_mb']:,.0f} MB", flush=True)
    return {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "n": n, "tile_rows": tiles,
            "streamed": streamed, "in_memory": whole, **check}


def _tiling(src: Path, tile_rows: int) -> dict:
    """Tiles and halo rows of ``src`` (kept beside it, for a later run on the same file)."""
    import json

    side = src.with_suffix(f".tiling-{tile_rows}.json")
    if side.exists() and side.stat().st_mtime >= src.stat().st_mtime:
        return json.loads(side.read_text())
    tiling = run_in_child(HALO.format(src=str(src), tile_rows=tile_rows))
    side.write_text(json.dumps(tiling))
    return tiling


def _streamed_run(n: int, block: int, tile_rows: int, src: Path, tmp: Path,
                  log: Path | None = None) -> dict:
    """Write the n-building file (unless ``src`` exists: then it is reused), tile it, time it."""
    out: dict = {"date": time.strftime("%Y-%m-%d %H:%M:%S"), "n": n, "tile_rows": tile_rows,
                 "block": block}
    if src.exists():  # written by --write-only before (its log has the writer's figures)
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(src).metadata
        out["input"] = {"reused": src.name, "bytes": src.stat().st_size, "rows": meta.num_rows,
                        "row_groups": meta.num_row_groups}
    else:
        out["input"] = run_in_child(WRITE.format(n=n, block=block, out=str(src)))
        print(f"wrote {n:,} buildings in {out['input']['blocks']} blocks: "
              f"{out['input']['seconds']:.0f} s, {out['input']['bytes'] / 2**20:,.0f} MB, "
              f"writer peak {out['input']['peak_rss_mb']:,.0f} MB", flush=True)
    # what the run will do (tiles, halo rows), computed the same way, in a process of its own
    out["tiling"] = _tiling(src, tile_rows)
    print(f"{out['tiling']['tiles']} tiles, halos add {out['tiling']['halo_share']:.1%} rows",
          flush=True)
    dst = tmp / "result.parquet"
    t = time.perf_counter()
    code = STREAM.format(src=str(src), dst=str(dst), tile_rows=tile_rows, progress=log is not None)
    if log is None:
        run = run_in_child(code)
    else:  # the progress bars into a file, to follow a long run
        import json
        import subprocess

        with open(log, "w") as err:
            done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE,
                                  stderr=err, text=True, check=True)
        run = json.loads(done.stdout.strip().splitlines()[-1])
    run["wall_seconds_with_child_start"] = time.perf_counter() - t
    run["seconds_per_1e6"] = run["seconds"] / n * 1e6
    run["result_bytes"] = dst.stat().st_size
    dst.unlink()
    print(f"streamed {run['rows']:,} rows: {run['seconds']:.0f} s "
          f"({run['seconds_per_1e6']:.0f} s per 10^6), peak {run['peak_rss_mb']:,.0f} MB, "
          f"{run['capacity_mwp']:,.0f} MWp", flush=True)
    return {**out, **run}


def main(argv: list[str]) -> None:
    import argparse
    import json

    from _common import RESULTS

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=10_000_000,
                    help="buildings of the streamed run (0: skip it)")
    ap.add_argument("--tile-rows", type=int, default=250_000)
    ap.add_argument("--check", type=int, default=200_000,
                    help="buildings of the equality check (0: skip it)")
    ap.add_argument("--block", type=int, default=BLOCK, help="buildings per block of the file")
    ap.add_argument("--tmp", default=None, help="folder for the files (default: a temporary one)")
    ap.add_argument("--input", type=Path, default=None,
                    help="the N-building file: reused if it exists, else written there and kept")
    ap.add_argument("--log", type=Path, default=None,
                    help="the streamed run's progress bars into this file (to follow it)")
    ap.add_argument("--write-only", action="store_true",
                    help="only write --input and count its tiles and halos, then stop")
    args = ap.parse_args(argv)
    if args.write_only:
        if not args.input.exists():
            made = run_in_child(WRITE.format(n=args.n, block=args.block, out=str(args.input)))
            print(f"wrote {args.input}: {made}")
        print(_tiling(args.input, args.tile_rows))
        return
    # a section skipped this time keeps what an earlier run of this benchmark measured
    old = RESULTS / "bench_stream.json"
    payload: dict = {k: v for k, v in (json.loads(old.read_text()) if old.exists() else {})
                     .items() if k in ("streamed", "equality_check")}
    payload["targets"] = {"peak_rss_mb_1e7": 8192}
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        if args.n:
            src = args.input or Path(tmp) / "city.parquet"
            payload["streamed"] = _streamed_run(args.n, args.block, args.tile_rows, src,
                                                Path(tmp), args.log)
        if args.check:
            payload["equality_check"] = _equality_check(args.check, args.block, Path(tmp))
    path = write("bench_stream", payload)
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
