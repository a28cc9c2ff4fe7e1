"""The same city on one process and on a 2-worker dask.distributed LocalCluster.

    python benchmarks/bench_dask.py [N] [--partitions P] [--shuffle]   # default: 10^6, 8

Three fresh processes, in this order: a warm-up on 2,000 buildings (fills the numba and the
yield-grid disk caches, as any earlier run on the machine would have), then ``estimate`` on N
synthetic buildings in one process, then the same frame as a dask-geopandas GeoDataFrame of P
spatially compact partitions (``pvsite.partition_by_place``; with ``--shuffle``,
dask-geopandas' ``spatial_shuffle``, which at 10^6 took 90.8 s of a 263.9 s run on 2026-12-03)
on a LocalCluster of 2 worker processes with one thread each (the machine's 2 cores). Both
results are written to GeoParquet and compared here, column by column. Writes
benchmarks/results/bench_dask.json: wall times, the cluster's overhead (its time, the
partitioning included, over the single process's; goal of issue 22: at most 1.3; also without
it, which data stored already partitioned by place do not need), the client's peak memory and
the largest difference between the two results.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_in_child, write  # noqa: E402

SETUP = """
import json, time
import pvsite
from _common import peak_rss_mb
city = pvsite.synthetic_city({n}, seed=0)
w = pvsite.datasets.shanghai_weather()
"""

SINGLE = SETUP + """
t = time.perf_counter()
r = pvsite.estimate(city, w, progress=False, keep_horizons=False)
seconds = time.perf_counter() - t
r.to_parquet({out!r})
print(json.dumps({{"seconds": seconds, "peak_rss_mb": peak_rss_mb()}}))
"""

CLUSTER = SETUP + """
import dask_geopandas, distributed
with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                              dashboard_address=":0", memory_limit="10GB") as cluster, \\
        distributed.Client(cluster) as client:
    client.run(lambda: __import__("pvsite"))  # workers started and pvsite imported
    t = time.perf_counter()
    if {shuffle}:  # dask-geopandas' shuffle through the cluster (it re-indexes: keep the rows)
        city["row"] = city.index
        ddf = dask_geopandas.from_geopandas(city, npartitions={p}).spatial_shuffle()
    else:  # cut along a Hilbert curve in memory
        ddf = pvsite.partition_by_place(city, {p})
    ddf = ddf.persist()  # the partitioning, timed apart (data stored by place skip it)
    distributed.wait(ddf)
    partition = time.perf_counter() - t
    r = pvsite.estimate(ddf, w, keep_horizons=False).compute()
    seconds = time.perf_counter() - t
    if {shuffle}:
        r = r.set_index("row").rename_axis(city.index.name)
    workers_mb = [m / 1e6 for m in client.run(
        lambda: __import__("resource").getrusage(0).ru_maxrss * 1024).values()]
r.to_parquet({out!r})
print(json.dumps({{"seconds": seconds, "partition_seconds": partition,
                  "peak_rss_mb": peak_rss_mb(), "workers_peak_rss_mb": workers_mb}}))
"""


def compare(single_path: str, cluster_path: str) -> dict:
    import geopandas as gpd

    one = gpd.read_parquet(single_path)
    many = gpd.read_parquet(cluster_path).loc[one.index]
    diffs = {}
    for col in ("capacity_kwp", "annual_kwh", "shading_loss", "specific_yield_kwh_per_kwp"):
        a, b = one[col].to_numpy(float), many[col].to_numpy(float)
        both = np.isnan(a) & np.isnan(b)
        diffs[col] = float(np.nanmax(np.where(both, 0.0, np.abs(a - b)))) if len(a) else 0.0
    # missing on both sides is the same (astype(str) keeps NaN under pandas 3, and NaN != NaN:
    # the 43,356 buildings of the 10^6 city outside every district compared unequal)
    same = {col: bool((one[col].fillna("").astype(str) == many[col].fillna("").astype(str)).all())
            for col in ("status", "reason", "district")}
    return {"max_abs_difference": diffs, "identical": same, "rows": len(one),
            "rows_cluster": len(many)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", nargs="?", type=int, default=1_000_000)
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--shuffle", action="store_true",
                    help="partition with dask-geopandas' spatial_shuffle instead of "
                         "pvsite.partition_by_place")
    args = ap.parse_args(argv)
    here = str(Path(__file__).resolve().parent)
    prelude = f"import sys; sys.path.insert(0, {here!r})\n"
    with tempfile.TemporaryDirectory() as tmp:
        one, many = f"{tmp}/single.parquet", f"{tmp}/cluster.parquet"
        run_in_child(prelude + SINGLE.format(n=2_000, out=f"{tmp}/warm.parquet"))
        single = run_in_child(prelude + SINGLE.format(n=args.n, out=one))
        print("single process:", single, flush=True)
        cluster = run_in_child(prelude + CLUSTER.format(n=args.n, p=args.partitions, out=many,
                                                       shuffle=args.shuffle))
        print("cluster:", cluster, flush=True)
        check = compare(one, many)
    payload = {"n": args.n, "partitions": args.partitions, "workers": 2,
               "threads_per_worker": 1,
               "partitioning": "spatial_shuffle" if args.shuffle else "partition_by_place",
               "single": single, "cluster": cluster,
               "overhead": round(cluster["seconds"] / single["seconds"], 3),
               "overhead_without_partitioning": round(
                   (cluster["seconds"] - cluster["partition_seconds"]) / single["seconds"], 3),
               "goal_overhead": 1.3, "equality": check}
    print(json.dumps(payload, indent=2))
    print("wrote", write("bench_dask", payload))


if __name__ == "__main__":
    main()
