"""The helper process that compiles the shading kernels during a first estimate (issue 22)."""

import json
import os
import subprocess
import sys

import pytest

import pvsite
from pvsite.energy import _warmup

CHILD = r"""
import json, pvsite
from pvsite.energy import _warmup
from pvsite.geometry import horizons
from pvsite.energy import shading
from pvsite.geometry import _packing
started = []
start = _warmup.start
def spy(**kw):
    helper = start(**kw)
    started.append(helper is not None)
    return helper
_warmup.start = spy
b = pvsite.datasets.shanghai_buildings().head(30)
r = pvsite.estimate(b, pvsite.datasets.shanghai_weather(), progress=False)
kernels = (horizons._pair_search, horizons._by_observer, shading._traced_losses.serial,
           _packing.inset_convex)
stats = {d.__name__: [sum(d.stats.cache_hits.values()), sum(d.stats.cache_misses.values()),
                      len(d.signatures)]
         for d in (getattr(k, "dispatcher", k) for k in kernels)}
print(json.dumps({"started": started, "stats": stats,
                  "pack_signatures": len(_packing.pack.serial.signatures),
                  "kwh": r["annual_kwh"].tolist(), "loss": r["shading_loss"].tolist()}))
"""


def _fresh_process(tmp_path, **env):
    run = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba"),
                              "PVSITE_CACHE_DIR": str(tmp_path / "pvsite"), **env},
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # a process on an empty numba cache: every kernel compiles once
def test_on_an_empty_cache_the_helper_compiles_inset_and_shading_and_numbers_stay(tmp_path):
    cold = _fresh_process(tmp_path)
    assert cold["started"] == [True]
    stats = cold["stats"]
    # the estimate loaded the inset and the traced losses from the cache the helper wrote
    assert stats["inset_convex"] == [1, 0, 1] and stats["_traced_losses"] == [1, 0, 1], stats
    # and compiled the neighbour search itself, once, with the types the stage then used
    assert stats["_pair_search"] == [0, 1, 1] and stats["_by_observer"] == [0, 1, 1], stats
    # the packing kernels it compiled itself at the start had the layout's types: one
    # signature, none compiled again when the roofs were laid out
    assert cold["pack_signatures"] == 1
    # a second process finds them cached and starts no helper
    warm = _fresh_process(tmp_path)
    assert warm["started"] == [False]
    # the same numbers as this process, which compiled (or loaded) its kernels itself
    b = pvsite.datasets.shanghai_buildings().head(30)
    r = pvsite.estimate(b, pvsite.datasets.shanghai_weather(), progress=False)
    for got in (cold, warm):
        assert got["kwh"] == r["annual_kwh"].tolist()
        assert got["loss"] == r["shading_loss"].tolist()


def test_no_helper_when_switched_off_or_cached(monkeypatch):
    monkeypatch.setenv(_warmup.WARMUP_ENV, "off")
    assert _warmup.start() is None
    monkeypatch.delenv(_warmup.WARMUP_ENV)
    monkeypatch.setattr(_warmup, "_cached", lambda d: True)
    assert _warmup.start() is None
    # numba's internals unreadable: no guess, no helper
    monkeypatch.setattr(_warmup, "_cached", lambda d: None)
    assert _warmup.start() is None


def test_wait_says_false_for_a_helper_that_failed_or_hung():
    """False: the estimate then compiles what it needs itself; a hung helper is killed."""
    def helper(code):
        return _warmup.Warmup(subprocess.Popen([sys.executable, "-c", code],
                                               stdout=subprocess.PIPE), ("shading",))

    failing = helper("raise SystemExit(3)")
    assert failing.wait() is False
    hung = helper("import time; time.sleep(60)")
    assert hung.wait(timeout=0.5) is False and hung.process.returncode is not None
    assert "exit" in repr(hung)


def test_wait_returns_when_the_last_task_is_reported_not_at_the_helper_exit():
    import time

    says = "import time; print('inset', flush=True); print('shading', flush=True); time.sleep(30)"
    helper = _warmup.Warmup(subprocess.Popen([sys.executable, "-c", says],
                                             stdout=subprocess.PIPE), ("inset", "shading"))
    t = time.monotonic()
    assert helper.wait() is True
    assert time.monotonic() - t < 20 and helper.process.poll() is None
    helper.process.kill()
    # a helper that ends before its last task: False
    short = _warmup.Warmup(subprocess.Popen([sys.executable, "-c", "print('inset')"],
                                            stdout=subprocess.PIPE), ("inset", "shading"))
    assert short.wait_for("inset") is True and short.wait() is False


@pytest.mark.parametrize("shading, buildings, tasks", [
    (True, 100, ("inset", "shading")),  # this process compiles the packing kernels meanwhile
    (True, 5_000, ("shading",)),  # the layout may pack in parallel: the inset stays here
    (False, 100, ("inset",)),
])
def test_the_helper_takes_the_inset_only_beside_a_serial_packing(monkeypatch, shading,
                                                                  buildings, tasks):
    monkeypatch.delenv(_warmup.WARMUP_ENV, raising=False)
    monkeypatch.setattr(_warmup, "_cached", lambda d: False)
    compiled = []
    monkeypatch.setattr(_warmup, "_compile_packing", lambda: compiled.append(True))
    searched = []
    monkeypatch.setattr(_warmup, "_compile_search", lambda: searched.append(True))
    real = subprocess.Popen
    codes = []

    def fake(args, **kw):  # the helper's tasks, reported at once
        codes.append(args[-1])
        return real([sys.executable, "-c", "print('inset'); print('shading')"], **kw)

    monkeypatch.setattr(_warmup.subprocess, "Popen", fake)
    helper = _warmup.start(shading=shading, buildings=buildings)
    assert helper is not None and helper.tasks == tasks and repr(tasks) in codes[0]
    assert compiled == ([True] if "inset" in tasks else [])
    # the neighbour search is this process's, compiled when it waits for the traced losses
    assert helper.local == (("search",) if shading else ())
    assert helper.wait() is True and searched == ([True] if shading else [])
