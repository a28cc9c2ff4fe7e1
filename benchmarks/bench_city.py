"""Whole pipeline on a synthetic city: roofs, layout, shading, yield, roll-up.

    python benchmarks/bench_city.py [N ...]      # default: 100000 1000000
    python benchmarks/bench_city.py 1000000 --base REV [--pairs 2]
    python benchmarks/bench_city.py 1000000 --facades   # also with facades=True: the ratio

Each size runs in a fresh process; writes benchmarks/results/bench_city.json with wall time,
peak memory, time per stage (cProfile, cumulative) and the ratio to a per-building pvlib
ModelChain loop measured on a sample. Targets: 10^6 buildings with whole-roof shading in
<= 45 s and <= 6 GB on 2 cores (issue 15), <= 30 s (issue 22). ``--facades`` also runs each
size with ``facades=True`` (no profile) in its own process and records the time ratio
(issue 16: at most 1.5).

``--base REV`` also times another revision of this repository (checked out in a temporary git
worktree, its numba caches warmed by a first unrecorded run), alternating base and here
``--pairs`` times, and records both and their ratios in the JSON under ``"against_base"``: a
comparison made in one run of the benchmark, on one machine.
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
from _common import peak_rss_mb
n = {n}
city = pvsite.synthetic_city(n, seed=0)
w = pvsite.datasets.shanghai_weather()
t = time.perf_counter()
r = pvsite.estimate(city, w, progress=False, facades={facades})
d = pvsite.rollup(r, "institution_type")
seconds = time.perf_counter() - t
peak = peak_rss_mb()
if not {profile}:
    print(json.dumps({{"n": n, "seconds": seconds, "peak_rss_mb": peak, "facades": {facades},
                      "capacity_mwp": float(r["capacity_kwp"].sum() / 1000),
                      "facade_capacity_mwp": float(r["facade_capacity_kwp"].sum() / 1000)
                      if {facades} else 0.0}}))
    raise SystemExit
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
                                     "shading_loss", "__init__", "rollup", "point_profiles",
                                     "roof_points", "roof_pairs", "_point_losses",
                                     "_traced_losses"):
        stages[f"{{Path(file).name}}:{{func}}"] = round(stages.get(func, 0) + ct, 2)
print(json.dumps({{"n": n, "seconds": seconds, "peak_rss_mb": peak,
                  "ok": int((r["status"] == "ok").sum()),
                  "capacity_mwp": float(r["capacity_kwp"].sum() / 1000),
                  "mean_shading_loss": float(r["shading_loss"].mean()),
                  "stages_cumulative_seconds_profiled": dict(sorted(stages.items(),
                                                           key=lambda kv: -kv[1]))}}))
"""


def _child(n: int, profile: bool = True, src: str | None = None,
           facades: bool = False) -> dict:
    here = str(Path(__file__).resolve().parent)
    head = f"import sys; from pathlib import Path; sys.path.insert(0, {here!r})\n"
    if src is not None:  # another revision's package first on the path
        head += f"sys.path.insert(0, {src!r})\n"
    return run_in_child(head + CHILD.format(n=n, profile=profile, facades=facades))


def _against_base(n: int, rev: str, pairs: int) -> dict:
    import statistics
    import subprocess
    import tempfile

    root = Path(__file__).resolve().parents[1]
    sha = subprocess.run(["git", "rev-parse", rev], cwd=root, check=True, capture_output=True,
                         text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), sha], cwd=root,
                       check=True, capture_output=True)
        try:
            src = str(tree / "src")
            _child(1000, profile=False, src=src)  # compile and cache the base's numba kernels
            base, head = [], []
            for _ in range(pairs):
                base.append(_child(n, profile=False, src=src))
                head.append(_child(n, profile=False))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=root,
                           check=False, capture_output=True)
    ratio = [h["seconds"] / b["seconds"] for b, h in zip(base, head, strict=True)]
    return {"n": n, "base": sha, "base_runs": base, "head_runs": head,
            "seconds_median": {"base": statistics.median(r["seconds"] for r in base),
                               "head": statistics.median(r["seconds"] for r in head)},
            "peak_rss_mb_max": {"base": max(r["peak_rss_mb"] for r in base),
                                "head": max(r["peak_rss_mb"] for r in head)},
            "ratio_head_over_base": ratio, "ratio_median": statistics.median(ratio),
            "same_capacity": all(abs(b["capacity_mwp"] - h["capacity_mwp"]) < 1e-6
                                 for b, h in zip(base, head, strict=True))}


def main(argv: list[str]) -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    ap.add_argument("--base", help="also time this revision, alternating with this one")
    ap.add_argument("--pairs", type=int, default=2, help="base/here pairs with --base")
    ap.add_argument("--facades", action="store_true", help="also time facades=True")
    args = ap.parse_args(argv)
    runs = [_child(n) for n in args.sizes]
    with_facades = [_child(n, profile=False, facades=True) for n in args.sizes] \
        if args.facades else []
    per_roof = modelchain_per_roof()
    for r in runs:
        r["speedup_vs_modelchain_loop"] = per_roof * r["n"] / r["seconds"]
    payload = {"modelchain_seconds_per_building": per_roof, "runs": runs,
               "targets": {"seconds_1e6": {"issue 15": 45, "issue 22": 30},
                           "memory_mb_1e6": 6144, "facades_over_roofs_only": 1.5,
                           "speedup_vs_modelchain_loop": 1700}}
    if with_facades:
        payload["with_facades"] = [
            {**f, "ratio_to_roofs_only": f["seconds"] / r["seconds"]}
            for r, f in zip(runs, with_facades, strict=True)]
    if args.base:
        payload["against_base"] = _against_base(max(args.sizes), args.base, args.pairs)
    path = write("bench_city", payload)
    for r in runs:
        print(f"{r['n']:>9,} buildings: {r['seconds']:.1f} s, peak {r['peak_rss_mb']:.0f} MB, "
              f"{r['speedup_vs_modelchain_loop']:,.0f}x a per-building ModelChain loop")
        for k, v in list(r["stages_cumulative_seconds_profiled"].items())[:8]:
            print(f"    {k:<40} {v:8.1f} s")
    for f in payload.get("with_facades", []):
        print(f"{f['n']:>9,} buildings with facades: {f['seconds']:.1f} s "
              f"({f['ratio_to_roofs_only']:.2f}x roofs only), peak {f['peak_rss_mb']:.0f} MB, "
              f"{f['facade_capacity_mwp']:,.0f} MWp on walls")
    if args.base:
        c = payload["against_base"]
        print(f"against {c['base'][:10]}: {c['seconds_median']['base']:.1f} s there, "
              f"{c['seconds_median']['head']:.1f} s here (ratio {c['ratio_median']:.3f}), "
              f"same capacity: {c['same_capacity']}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
