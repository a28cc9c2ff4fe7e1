"""Compile the shading kernels in a helper process while the first estimate lays out roofs.

On an empty numba cache, the first :func:`pvsite.estimate` compiles two groups of kernels one
after the other on one core: the packing kernels of the layout stage (about 5 s on a 2-core
machine) and the horizon and loss kernels of the shading stage (about 5.5 s). The second group
does not depend on the first, so :func:`start` has a helper process compile it at the same
time, on another core: it runs the shading stage on a three-building scene (the same Python
code, so the same type signatures) and exits; its kernels land in numba's cache, from which
the estimate loads them when it gets there (:meth:`Warmup.wait`, well under a second).

Nothing is started when the kernels are cached already, when Python is frozen, or when
``PVSITE_WARMUP=off``; when the helper fails or is slow, the estimate compiles the kernels
itself, as it would without it. The helper reads no user data and writes only numba's cache.
Measured on the 2-core machine of ``benchmarks/bench_startup.py`` (cold cache, 100 bundled
buildings, alternating runs): first estimate 10.9 s without the helper, 8.9 s with it
(medians of 3).
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

__all__ = ["Warmup", "start"]

#: Environment variable: "off" keeps the helper from starting.
WARMUP_ENV = "PVSITE_WARMUP"
#: Seconds the estimate waits for the helper before it compiles what is left itself.
WAIT_S = 120.0


class Warmup:
    """A helper process compiling kernels; :meth:`wait` before calling them."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    def wait(self, timeout: float = WAIT_S) -> bool:
        """Wait for the helper to finish; True if it compiled everything it was asked to."""
        try:
            return self.process.wait(timeout=timeout) == 0
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return False

    def __repr__(self) -> str:
        state = "running" if self.process.poll() is None else f"exit {self.process.returncode}"
        return f"<pvsite warmup pid {self.process.pid}: {state}>"


def _kernels() -> list[Any]:
    """The numba dispatchers of the shading stage (serial twins: what small inputs run).

    Walls' observers call the same kernels with the same types as roofs' (a facing per point
    instead of NaN), so the roofs of the scene compile what facades need too.
    """
    from ..geometry import horizons
    from . import shading

    return [horizons._inside, horizons._pair_search, horizons._by_observer,
            horizons._horizons.serial, shading._loss_kernel.serial]


def _cached(dispatcher: Any) -> bool | None:
    """Whether numba's cache holds a compilation of ``dispatcher`` for its current source."""
    if dispatcher.signatures:  # compiled or loaded in this process already: no file to read
        return True
    try:
        return bool(dispatcher._cache._cache_file._load_index())
    except Exception:  # noqa: BLE001 - numba's internals moved: do not guess
        return None


def start() -> Warmup | None:
    """Start the helper if some shading kernel is not in numba's cache; else None."""
    if os.environ.get(WARMUP_ENV, "").strip().lower() in ("off", "0", "no", "false"):
        return None
    if getattr(sys, "frozen", False) or not sys.executable:
        return None
    state = [_cached(d) for d in _kernels()]
    if None in state or all(state):
        return None
    code = "from pvsite.energy._warmup import _run; _run()"
    try:
        process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None
    return Warmup(process)


def _run() -> None:
    """The helper's work: the shading stage on the roofs of three buildings."""
    import numpy as np
    import pandas as pd
    import shapely

    from ..geometry.horizons import Skyline
    from ..inputs.datasets import shanghai_weather
    from .shading import surface_losses

    weather = shanghai_weather()  # the bundled year: the kernels' types, not its values, count
    boxes = np.array([shapely.box(0, 0, 40, 30), shapely.box(0, -40, 40, -32),
                      shapely.box(50, 0, 60, 60)], dtype=object)
    sky = Skyline(boxes, np.array([12.0, 30.0, 45.0]))
    table = pd.DataFrame({"building": np.arange(3), "geometry": boxes,
                          "surface_tilt": [20.0, 0.0, 30.0], "surface_azimuth": [180.0] * 3,
                          "mounting": ["racked", "flush", "racked"],
                          "orientation": ["portrait", "landscape", "portrait"],
                          "capacity_kwp": [50.0, 10.0, 10.0]})
    surface_losses(table, sky, weather, np.ones(3, dtype=bool), keep_horizons=True)
