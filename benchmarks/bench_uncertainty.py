"""The range: ``shortfall(result, uncertainty=N, seed=0)`` on the bundled data.

    python benchmarks/bench_uncertainty.py [N ...]     # default: 200 1000

Estimates the bundled SYNTHETIC buildings with the GENERATED weather once (not timed), then
times ``shortfall`` without a range and with N draws (best of 5 repeats), and keeps the city's
P10/P50/P90 and p_reachable. Writes benchmarks/results/bench_uncertainty.json.
Target (issue 19): ``shortfall(..., uncertainty=200)`` on the bundled data in at most 10 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_in_child, write  # noqa: E402

CHILD = """
import json, time
import pvsite
from _common import peak_rss_mb
result = pvsite.estimate(pvsite.datasets.shanghai_buildings(), pvsite.datasets.shanghai_weather())
def best(**kw):
    times = []
    for _ in range(5):
        t = time.perf_counter()
        rep = pvsite.shortfall(result, **kw)
        times.append(time.perf_counter() - t)
    return min(times), rep
runs = []
base, rep = best()
for n in {draws}:
    seconds, rep = best(uncertainty=n, seed=0)
    t = rep.uncertainty
    city = t[t["level"] == "city"].set_index("quantity")
    runs.append({{"draws": n, "buildings": len(result), "seconds": seconds,
                  "shortfall_without_range_seconds": base,
                  "deterministic_kwp": rep.potential_kw,
                  **{{f"city_kwp_{{p}}": float(city.loc["capacity_kwp", p])
                     for p in ("p10", "p50", "p90")}},
                  **{{f"city_kwh_{{p}}": float(city.loc["annual_kwh", p])
                     for p in ("p10", "p50", "p90")}},
                  "p_reachable": rep.p_reachable, "peak_rss_mb": peak_rss_mb()}})
print(json.dumps(runs))
"""


def main(argv: list[str]) -> None:
    draws = [int(a) for a in argv] or [200, 1000]
    runs = run_in_child(f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                        + CHILD.format(draws=draws))
    path = write("bench_uncertainty", {"runs": runs,
                                       "targets": {"seconds_200_draws_bundled": 10}})
    for r in runs:
        print(f"{r['draws']:>5} draws on {r['buildings']:,} buildings: {r['seconds']:.3f} s "
              f"(shortfall alone {r['shortfall_without_range_seconds']:.3f} s); city "
              f"{r['city_kwp_p10'] / 1000:.1f} / {r['city_kwp_p50'] / 1000:.1f} / "
              f"{r['city_kwp_p90'] / 1000:.1f} MWp against {r['deterministic_kwp'] / 1000:.1f}, "
              f"p_reachable {r['p_reachable']:.2f}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
