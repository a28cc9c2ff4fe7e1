"""Share the first estimate's compilation with a helper process, on the other core.

On an empty numba cache, the first :func:`pvsite.estimate` compiles four groups of kernels one
after the other on one core: the inset of the layout stage, the packing kernels, the neighbour
search and the traced losses of the shading stage (on the 2-core machine of
``benchmarks/bench_startup.py``, alone and at numba's levels: about 1.1, 3.4, 2.8 and 5.9 s).
:func:`start` splits that work in two: a helper process compiles the inset and then the traced
losses, while the estimate itself compiles the packing kernels at once (on a one-polygon call
with the layout's types), waits for the helper's inset, which the helper reports as soon as it
is in numba's cache, goes on with its stages and, when it reaches the shading stage, compiles
the neighbour search (:meth:`Warmup.wait`) before it waits for the traced losses. The helper
runs the same Python code on a three-building scene (so the same type signatures; its
neighbour search runs as plain Python there, so as not to compile it twice) and exits; the
estimate loads its kernels from the cache when it reaches them (well under a second).

Nothing is started when the kernels are cached already, when Python is frozen, or when
``PVSITE_WARMUP=off``; when the helper fails or is slow, the estimate compiles the kernels
itself, as it would without it. The helper reads no user data and writes only numba's cache.
Measured on that machine (cold cache, 100 bundled buildings): a helper compiling the shading
kernels alone took the first estimate from 10.9 to 8.9 s in a fast hour and from 15.6 to 11.7
s in a slow one; the helper's inset beside the estimate's packing from 12.2 s to 9.5 and 9.2 s,
the runs alternating in one hour; the neighbour search moved to the estimate and the traced
losses at LLVM level 1, from 14.25-16.95 s to 10.03-13.20 s (two sets of alternating runs in a
slow hour; median of 5 later: 10.43 s, ``benchmarks/results/bench_startup.json``). The two
cores slow each other, so the split is by measurement.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import Any

from .._diskcache import PARALLEL_FROM

__all__ = ["Warmup", "start"]

#: Environment variable: "off" keeps the helper from starting.
WARMUP_ENV = "PVSITE_WARMUP"
#: Seconds the estimate waits for the helper before it compiles what is left itself.
WAIT_S = 120.0


class Warmup:
    """A helper process compiling kernels; :meth:`wait` before calling them.

    ``tasks``: what the helper compiles, in order ('inset', 'shading'); it prints each task's
    name when that task's kernels are in numba's cache (:meth:`wait_for`). ``local``: what
    this process compiles itself in :meth:`wait` ('search': the neighbour search).
    """

    def __init__(self, process: subprocess.Popen[bytes], tasks: tuple[str, ...] = (),
                 local: tuple[str, ...] = ()) -> None:
        self.process = process
        self.tasks = tasks
        self.local = local
        self._done: dict[str, threading.Event] = {t: threading.Event() for t in tasks}
        self._ended = threading.Event()
        if process.stdout is not None:
            threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()
        else:
            self._ended.set()

    def _read(self, stream: Any) -> None:
        try:
            for line in stream:
                event = self._done.get(line.decode(errors="replace").strip())
                if event is not None:
                    event.set()
        except (OSError, ValueError):
            pass
        finally:
            self._ended.set()
            self.process.wait()  # reaped here: the estimate need not wait for its exit

    def wait_for(self, task: str, timeout: float = WAIT_S) -> bool:
        """Wait until the helper reports ``task`` done (True) or ends without it (False)."""
        event = self._done.get(task)
        if event is None:
            return False
        deadline = time.monotonic() + timeout
        while not event.is_set() and not self._ended.is_set():
            if time.monotonic() > deadline:
                return False
            event.wait(0.05)
        return event.is_set()

    def wait(self, timeout: float = WAIT_S) -> bool:
        """Compile the ``local`` kernels, then wait until the helper has done all its tasks.

        True if it did, else it is stopped. Returns when the last task is reported, not when
        the process has exited (its interpreter takes most of a second to shut down). A helper
        that ends without them or is still busy after ``timeout`` seconds gives False (killed
        if running): the estimate then compiles what is left.
        """
        if "search" in self.local:
            try:
                _compile_search()
            except Exception:  # noqa: BLE001 - the stage compiles it itself, as without a helper
                pass
        done = bool(self.tasks) and self.wait_for(self.tasks[-1], timeout)
        if not done and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        return done and all(e.is_set() for e in self._done.values())

    def __repr__(self) -> str:
        state = "running" if self.process.poll() is None else f"exit {self.process.returncode}"
        return f"<pvsite warmup pid {self.process.pid} ({', '.join(self.tasks)}): {state}>"


def _kernels(task: str) -> list[Any]:
    """The numba dispatchers of a task (serial twins: what small inputs run).

    'inset': the layout's convex inset. 'search': the neighbour search (the estimate's own).
    'shading': the traced losses (which compile the tracing and loss kernels they call);
    walls' observers call the same kernels with the same types as roofs' (a facing per point
    instead of NaN), so the roofs of the scene compile what facades need too.
    """
    if task == "inset":
        from ..geometry import _packing

        return [_packing.inset_convex]
    from ..geometry import horizons

    if task == "search":
        return [horizons._pair_search, horizons._by_observer]
    from . import shading

    return [shading._traced_losses.serial]


def _packing_kernel() -> Any:
    """The serial packing kernel, which a small layout runs."""
    from ..geometry._packing import pack

    return pack.serial


def _dispatcher(kernel: Any) -> Any:
    """The numba dispatcher behind a kernel (one given an optimisation level is wrapped)."""
    return getattr(kernel, "dispatcher", kernel)


def _cached(dispatcher: Any) -> bool | None:
    """Whether numba's cache holds a compilation of ``dispatcher`` for its current source."""
    dispatcher = _dispatcher(dispatcher)
    if dispatcher.signatures:  # compiled or loaded in this process already: no file to read
        return True
    try:
        return bool(dispatcher._cache._cache_file._load_index())
    except Exception:  # noqa: BLE001 - numba's internals moved: do not guess
        return None


def start(shading: bool = True, buildings: int = 0) -> Warmup | None:
    """Start the helper if a kernel of its tasks is not in numba's cache; else None.

    Its tasks: with ``shading`` the traced losses (the neighbour search, if not cached, is
    left to :meth:`Warmup.wait` in this process), and the inset when the packing kernels
    are not cached either and ``buildings`` is under ``PARALLEL_FROM / 4`` (so the layout
    packs its surfaces serially, the variant compiled here). Then this process compiles the
    packing kernels meanwhile and returns once the helper's inset is cached (or the helper
    ended without it).
    """
    if os.environ.get(WARMUP_ENV, "").strip().lower() in ("off", "0", "no", "false"):
        return None
    if getattr(sys, "frozen", False) or not sys.executable:
        return None
    tasks = []
    search = [_cached(d) for d in _kernels("search")] if shading else [True]
    if None in search:
        return None
    for task in ("inset", "shading") if shading else ("inset",):
        state = [_cached(d) for d in _kernels(task)]
        if task == "inset":  # worth it only beside this process compiling the packing kernels
            state.append(_cached(_packing_kernel()))
        if None in state:
            return None
        if task == "inset" and not any(state) and 4 * buildings < PARALLEL_FROM:
            tasks.append(task)
        elif task == "shading" and not all(state):
            tasks.append(task)
    if not tasks:
        return None
    code = f"from pvsite.energy._warmup import _run; _run({tuple(tasks)!r})"
    try:
        process = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    except OSError:
        return None
    helper = Warmup(process, tuple(tasks), () if all(search) else ("search",))
    if "inset" in tasks:
        _compile_packing()
        helper.wait_for("inset")
    return helper


def _compile_packing() -> None:
    """Compile (or load) the packing kernels with the layout's types, on one small polygon."""
    import numpy as np
    import shapely

    from ..geometry._packing import edges_in_row_frame, pack
    from ..geometry.layout import PHASES

    edges = edges_in_row_frame(np.array([shapely.box(0, 0, 10, 6)], dtype=object),
                               np.array([0.0]), np.array([1.0]))
    pack(*edges, np.full(1, 1.7), np.full(1, 2.0), np.full(1, 1.1), PHASES)


def _scene() -> tuple[Any, Any]:
    """Three footprints and their heights [m]: the helper's scene and the search's."""
    import numpy as np
    import shapely

    boxes = np.array([shapely.box(0, 0, 40, 30), shapely.box(0, -40, 40, -32),
                      shapely.box(50, 0, 60, 60)], dtype=object)
    return boxes, np.array([12.0, 30.0, 45.0])


def _compile_search() -> None:
    """Compile (or load) the neighbour search with the shading stage's types: roof pairs."""
    import numpy as np

    from ..geometry.horizons import Skyline

    Skyline(*_scene()).roof_pairs(np.arange(3))


def _run(tasks: tuple[str, ...] = ("shading",)) -> None:
    """The helper's work, task by task, each reported on stdout once cached."""
    for task in tasks:
        if task == "inset":
            _run_inset()
        elif task == "shading":
            _run_shading()
        # the protocol with the estimate that started it (a pipe, never a user's screen)
        sys.stdout.write(task + "\n")
        sys.stdout.flush()


def _run_inset() -> None:
    """The layout's convex inset on one rectangle: the types of the estimate's call."""
    import numpy as np
    import shapely

    from ..geometry.layout import _inset_convex

    _inset_convex(np.array([shapely.box(0, 0, 40, 30)], dtype=object), np.array([1.0]),
                  np.array([2.0]))


def _run_shading() -> None:
    """The shading stage on the roofs of three buildings; its neighbour search as Python.

    The search (milliseconds on three roofs as plain Python) is the estimate's to compile
    (:meth:`Warmup.wait`); the helper compiles the traced losses alone.
    """
    import numpy as np
    import pandas as pd

    from ..geometry import horizons
    from ..inputs.datasets import shanghai_weather
    from .shading import surface_losses

    for name in ("_pair_search", "_by_observer"):  # this process only, and it exits after
        kernel = getattr(horizons, name)
        setattr(horizons, name, getattr(_dispatcher(kernel), "py_func", kernel))
    weather = shanghai_weather()  # the bundled year: the kernels' types, not its values, count
    boxes, heights = _scene()
    sky = horizons.Skyline(boxes, heights)
    table = pd.DataFrame({"building": np.arange(3), "geometry": boxes,
                          "surface_tilt": [20.0, 0.0, 30.0], "surface_azimuth": [180.0] * 3,
                          "mounting": ["racked", "flush", "racked"],
                          "orientation": ["portrait", "landscape", "portrait"],
                          "capacity_kwp": [50.0, 10.0, 10.0]})
    surface_losses(table, sky, weather, np.ones(3, dtype=bool), keep_horizons=True)
