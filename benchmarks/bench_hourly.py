"""Hourly profiles and self-consumption of 10,000 institutions (issue 18).

    python benchmarks/bench_hourly.py [N_INSTITUTIONS]     # default 10000

A synthetic city (:func:`pvsite.synthetic_city`) whose buildings are all made public, 3 per
institution, each institution of one type drawn with the city's public shares, is estimated
once (``planes=True``, not timed) and stored in a temporary file; a fresh process then loads it
and times, with its own peak memory: the hourly generation per institution
(:func:`pvsite.energy.hourly.hourly`), the modelled load (:func:`pvsite.results.loads.
load_profile`) and the self-consumption with a battery of 0.5 kWh/kWp and a 20 % flexible load
(:func:`pvsite.results.storage.self_consumption`, which computes generation and load again).
Target: at most 20 s and 2 GB. Writes benchmarks/results/bench_hourly.json.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_in_child, write  # noqa: E402

PREPARE = """
import json, pickle, time
import pvsite
import numpy as np
from pvsite.inputs._synth import CITY_TYPE_SHARES
city = pvsite.synthetic_city({n} * 3, seed=0)
# every building public, 3 per institution, one type per institution (the city's public mix)
rng = np.random.default_rng(0)
k = np.arange(len(city)) // 3
shares = np.array(list(CITY_TYPE_SHARES.values()))
kinds = rng.choice(list(CITY_TYPE_SHARES), size=k.max() + 1, p=shares / shares.sum())
city["institution_id"] = [f"CI{{j:06d}}" for j in k]
city["institution_type"] = kinds[k]
w = pvsite.datasets.shanghai_weather()
t = time.perf_counter()
r, p = pvsite.estimate(city, w, progress=False, planes=True)
seconds = time.perf_counter() - t
p = p.drop(columns="geometry")
with open({path!r}, "wb") as f:
    pickle.dump((r, p), f)
print(json.dumps({{"buildings": len(r), "surfaces": len(p), "estimate_seconds": seconds,
                  "institutions": int(r["institution_id"].nunique())}}))
"""

MEASURE = """
import json, pickle, time
import numpy as np
import pvsite
from _common import peak_rss_mb
from pvsite.energy.hourly import hourly
from pvsite.results.loads import load_profile
from pvsite.results.storage import self_consumption
w = pvsite.datasets.shanghai_weather()
with open({path!r}, "rb") as f:
    r, p = pickle.load(f)
base = peak_rss_mb()
t0 = time.perf_counter()
gen = hourly(r, w, planes=p, by="institution")
t1 = time.perf_counter()
load = load_profile(r, w, by="institution")
t2 = time.perf_counter()
del gen, load
sc = self_consumption(r, w, planes=p, battery_kwh_per_kwp=0.5, flexible_share=0.2)
t3 = time.perf_counter()
print(json.dumps({{
    "hourly_seconds": t1 - t0, "load_seconds": t2 - t1, "self_consumption_seconds": t3 - t2,
    "seconds": t3 - t0, "peak_rss_mb": peak_rss_mb(), "rss_after_loading_mb": base,
    "groups": len(sc), "generation_gwh": float(sc["generation_kwh"].sum() / 1e6),
    "load_gwh": float(sc["load_kwh"].sum() / 1e6),
    "self_consumption_ratio": float(sc["self_consumed_kwh"].sum()
                                    / sc["generation_kwh"].sum()),
    "self_sufficiency": float(1 - sc["imported_kwh"].sum() / sc["load_kwh"].sum()),
}}))
"""


def main(n: int = 10_000) -> dict:
    here = str(Path(__file__).resolve().parent)
    head = f"import sys; sys.path.insert(0, {here!r})\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "city.pkl")
        prep = run_in_child(head + PREPARE.format(n=n, path=path))
        run = run_in_child(head + MEASURE.format(path=path))
    payload = {"n_institutions": n, **prep, **run,
               "targets": {"seconds": 20, "memory_mb": 2048},
               "note": "synthetic city (NOT real), every building public, 3 buildings per "
                       "institution; the times exclude estimate and include the chain per "
                       "orientation class; self_consumption computes hourly and load again"}
    write("bench_hourly", payload)
    return payload


if __name__ == "__main__":
    import json

    out = main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    print(json.dumps(out, indent=2))
