"""First call and warm call: ``estimate`` on 100 bundled buildings in fresh processes.

    python benchmarks/bench_startup.py [--runs 3]

Each run starts a cold process (numba's cache and pvsite's disk cache pointed at new, empty
temporary folders through ``NUMBA_CACHE_DIR`` and ``PVSITE_CACHE_DIR``), then a warm process on
the same folders. Both time ``import pvsite`` and one ``estimate`` on
``shanghai_buildings().head(100)`` with ``shanghai_weather()``. The cold process also records
each numba kernel's compile time (numba's own ``numba:compile`` events, inclusive of kernels it
calls) and each dispatcher's cache hits and misses. Targets (issue 22): first call <= 10 s, warm
call <= 1.5 s on 2 cores. Writes benchmarks/results/bench_startup.json.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write  # noqa: E402

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from numba.core import event
compiles, started = [], []
class _Listener(event.Listener):
    # compilations nest (a kernel compiles the kernels it calls): a stack of start times
    def on_start(self, ev):
        started.append(time.perf_counter())
    def on_end(self, ev):
        d = ev.data["dispatcher"]
        compiles.append((f"{d.py_func.__module__}.{d.py_func.__qualname__}",
                         time.perf_counter() - started.pop()))
listener = _Listener()
event.register("numba:compile", listener)
import pvsite
t_import = time.perf_counter() - t0
b = pvsite.datasets.shanghai_buildings().head(100)
w = pvsite.datasets.shanghai_weather()
t1 = time.perf_counter()
r = pvsite.estimate(b, w, progress=False)
t_estimate = time.perf_counter() - t1
import numba
kernels = {}
for name, mod in list(sys.modules.items()):
    if not name.startswith("pvsite"):
        continue
    for attr, obj in vars(mod).items():
        # a parallel kernel is a pair: its serial twin and its parallel variant
        # a kernel given its own LLVM level wraps its dispatcher
        obj = getattr(obj, "dispatcher", obj)
        found = {attr: obj} if isinstance(obj, numba.core.registry.CPUDispatcher) else (
            {attr + "_serial": obj.serial, attr + "_parallel": obj.parallel}
            if hasattr(obj, "serial") and hasattr(obj, "parallel") else {})
        for key, disp in found.items():
            if disp.py_func.__module__ != name:
                continue
            s = disp.stats
            kernels[f"{name}.{key}"] = {"signatures": len(disp.signatures),
                                        "cache_hits": sum(s.cache_hits.values()),
                                        "cache_misses": sum(s.cache_misses.values())}
per_kernel = {}
for k, sec in compiles:
    if not k.startswith("pvsite"):
        continue
    per_kernel[k] = per_kernel.get(k, 0.0) + sec
print(json.dumps({"import_seconds": t_import, "estimate_seconds": t_estimate,
                  "total_seconds": time.perf_counter() - t0,
                  "ok": int((r["status"] == "ok").sum()),
                  "capacity_kwp": float(r["capacity_kwp"].sum()),
                  "annual_kwh": float(r["annual_kwh"].sum()),
                  "compile_seconds_inclusive": dict(sorted(per_kernel.items(),
                                                          key=lambda kv: -kv[1])),
                  "kernels": kernels}))
"""


def _child(numba_dir: str, pvsite_dir: str) -> dict:
    import json

    env = {**os.environ, "NUMBA_CACHE_DIR": numba_dir, "PVSITE_CACHE_DIR": pvsite_dir}
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         env=env)
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="cold/warm pairs")
    ap.add_argument("--label", default="", help="a note stored with the figures")
    args = ap.parse_args(argv)
    pairs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as nb, tempfile.TemporaryDirectory() as pv:
            cold = _child(nb, pv)
            warm = _child(nb, pv)
        pairs.append({"cold": cold, "warm": warm})
    med = {kind: {k: statistics.median(p[kind][k] for p in pairs)
                  for k in ("import_seconds", "estimate_seconds", "total_seconds")}
           for kind in ("cold", "warm")}
    payload = {"label": args.label, "n_buildings": 100, "pairs": pairs, "median": med,
               "targets": {"first_call_seconds": 10.0, "warm_call_seconds": 1.5}}
    path = write("bench_startup", payload)
    for kind in ("cold", "warm"):
        m = med[kind]
        print(f"{kind:>5}: import {m['import_seconds']:.2f} s, estimate "
              f"{m['estimate_seconds']:.2f} s, process {m['total_seconds']:.2f} s (median of "
              f"{args.runs})")
    print("compile [s], first cold run:")
    for k, v in pairs[0]["cold"]["compile_seconds_inclusive"].items():
        print(f"    {k:<60} {v:6.2f}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
