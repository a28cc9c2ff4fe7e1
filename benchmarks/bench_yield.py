"""Yield engine: 10^5 and 10^6 roofs of random orientation vs a per-roof ModelChain loop.

    python benchmarks/bench_yield.py

Writes benchmarks/results/bench_yield.json. Targets (issue 3): 10^6 roofs in < 10 s on 2 cores,
>= 1,000x the per-roof loop, memory < 2 GB. Each size runs in a fresh process with a cold cache
(the orientation grid is built inside the timing).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_in_child, write  # noqa: E402

CHILD = """
import json, time, numpy as np, pvsite
from _common import peak_rss_mb
w = pvsite.datasets.shanghai_weather()
rng = np.random.default_rng(0)
n = {n}
tilt, az = rng.uniform(0, 60, n), rng.uniform(90, 270, n)
t = time.perf_counter()
y = pvsite.specific_yield(w, tilt, az)
print(json.dumps({{"n": n, "seconds": time.perf_counter() - t, "peak_rss_mb": peak_rss_mb(),
                  "mean_kwh_per_kwp": float(y.mean())}}))
"""


def modelchain_per_roof(samples: int = 20) -> float:
    """Seconds per roof for a pvlib ModelChain run per roof (the naive approach)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    import numpy as np

    import pvsite
    from _reference import modelchain_yield

    w = pvsite.datasets.shanghai_weather()
    rng = np.random.default_rng(1)
    t = time.perf_counter()
    for tilt, az in zip(rng.uniform(0, 60, samples), rng.uniform(90, 270, samples),
                        strict=True):
        modelchain_yield(w, tilt, az)
    return (time.perf_counter() - t) / samples


def main() -> None:
    here = str(Path(__file__).resolve().parent)
    runs = [run_in_child(f"import sys; sys.path.insert(0, {here!r})\n" + CHILD.format(n=n))
            for n in (10**5, 10**6)]
    per_roof = modelchain_per_roof()
    for r in runs:
        r["modelchain_loop_seconds_estimated"] = per_roof * r["n"]
        r["speedup"] = per_roof * r["n"] / r["seconds"]
    path = write("bench_yield", {"modelchain_seconds_per_roof": per_roof, "runs": runs,
                                 "targets": {"seconds_1e6": 10, "speedup": 1000,
                                             "memory_mb": 2048}})
    for r in runs:
        print(f"{r['n']:>9,} roofs: {r['seconds']:.2f} s, peak {r['peak_rss_mb']:.0f} MB, "
              f"{r['speedup']:,.0f}x a per-roof ModelChain loop ({per_roof * 1000:.0f} ms/roof)")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
