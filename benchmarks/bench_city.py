"""Whole pipeline on a synthetic city: roofs, layout, shading, yield, roll-up.

    python benchmarks/bench_city.py [N ...]      # default: 100000 1000000

Each size runs in a fresh process; writes benchmarks/results/bench_city.json with wall time,
peak memory, time per stage (cProfile, cumulative) and the ratio to a per-building pvlib
ModelChain loop measured on a sample. Target (issue 8): 10^6 buildings in <= 60 s and <= 8 GB
on 2 cores.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_in_child, write  # noqa: E402
from bench_yield import modelchain_per_roof  # noqa: E402

CHILD = """
import cProfile, io, json, pstats, time
import pvsite
from pvsite.inputs._synth import synthetic_city
from _common import peak_rss_mb
n = {n}
city = synthetic_city(n, seed=0)
w = pvsite.datasets.shanghai_weather()
t = time.perf_counter()
r = pvsite.estimate(city, w, progress=False)
d = pvsite.rollup(r, "institution_type")
seconds = time.perf_counter() - t
peak = peak_rss_mb()
# a second run under cProfile, only for the time per stage (the profiler slows it down)
prof = cProfile.Profile()
prof.enable()
pvsite.estimate(city, w, progress=False)
prof.disable()
stats = pstats.Stats(prof)
stages = {{}}
for (file, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():
    # the steps of pipeline.estimate, and the kernels inside them
    if "pvsite" in file and func in ("prepare_footprints", "building_height",
                                     "institution_type", "districts_of", "roof_surfaces",
                                     "lay_out", "surface_yield", "surface_losses",
                                     "per_building", "optimal_tilt", "pack", "profiles",
                                     "shading_loss", "__init__", "rollup"):
        stages[f"{{Path(file).name}}:{{func}}"] = round(stages.get(func, 0) + ct, 2)
print(json.dumps({{"n": n, "seconds": seconds, "peak_rss_mb": peak,
                  "ok": int((r["status"] == "ok").sum()),
                  "capacity_mwp": float(r["capacity_kwp"].sum() / 1000),
                  "mean_shading_loss": float(r["shading_loss"].mean()),
                  "stages_cumulative_seconds_profiled": dict(sorted(stages.items(),
                                                           key=lambda kv: -kv[1]))}}))
"""


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [100_000, 1_000_000]
    here = str(Path(__file__).resolve().parent)
    runs = [run_in_child(f"import sys; from pathlib import Path; sys.path.insert(0, {here!r})\n"
                         + CHILD.format(n=n)) for n in sizes]
    per_roof = modelchain_per_roof()
    for r in runs:
        r["speedup_vs_modelchain_loop"] = per_roof * r["n"] / r["seconds"]
    path = write("bench_city", {"modelchain_seconds_per_building": per_roof, "runs": runs,
                                "targets": {"seconds_1e6": 60, "memory_mb_1e6": 8192}})
    for r in runs:
        print(f"{r['n']:>9,} buildings: {r['seconds']:.1f} s, peak {r['peak_rss_mb']:.0f} MB, "
              f"{r['speedup_vs_modelchain_loop']:,.0f}x a per-building ModelChain loop")
        for k, v in list(r["stages_cumulative_seconds_profiled"].items())[:8]:
            print(f"    {k:<40} {v:8.1f} s")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
