"""Shapely's vectorised calls on long arrays, cut into parts that run on threads at once.

Shapely 2 lets go of Python's global lock while GEOS works through an array, so the parts of
one long array are computed on all cores at the same time. Each element is computed as it
would be alone, so the joined parts are the array one call gives. pvsite measurement, this
2-core machine, the 100,000 footprints of ``synthetic_city(100000)``: a mitred inward buffer
0.41 s in one call, 0.19 s in two parts; ``minimum_rotated_rectangle`` 0.21 / 0.14 s;
``orient_polygons`` 0.059 / 0.029 s; ``is_valid`` 0.066 / 0.036 s; the same arrays.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["SPLIT_FROM", "get_parts", "split"]

#: Elements from which an array is cut into parts (pvsite assumption: below, handing the parts
#: to threads costs about what it saves).
SPLIT_FROM = 20_000

_POOL: ThreadPoolExecutor | None = None
_LOCK = threading.Lock()


def _workers() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(_workers(), thread_name_prefix="pvsite-geos")
        return _POOL


def _forget_pool() -> None:
    """A forked child starts without its parent's threads: it makes its own pool."""
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _bounds(n: int) -> list[tuple[int, int]] | None:
    """The parts of an array of ``n`` elements, or None where it stays whole."""
    parts = min(_workers(), max(n // (SPLIT_FROM // 2), 1))
    if n < SPLIT_FROM or parts < 2 or threading.current_thread().name.startswith("pvsite-geos"):
        return None
    cut = np.linspace(0, n, parts + 1).astype(int)
    return list(zip(cut[:-1].tolist(), cut[1:].tolist(), strict=True))


def _part(value: Any, n: int, s: int, e: int) -> Any:
    """An argument's part: arrays of one value per element are cut, others passed whole."""
    if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == n:
        return value[s:e]
    return value


def split(func: Callable[..., Any], geoms: Any, *args: Any, **kwargs: Any) -> Any:
    """``func(geoms, *args, **kwargs)`` for an element-wise shapely function, in parts.

    ``geoms``: an array of geometries; arguments that are arrays of the same length (one value
    per geometry, such as a buffer distance per footprint) are cut with it.
    """
    geoms = np.asarray(geoms, dtype=object)
    n = geoms.shape[0] if geoms.ndim else 0
    bounds = _bounds(n)
    if bounds is None:
        return func(geoms, *args, **kwargs)

    def run(se: tuple[int, int]) -> Any:
        s, e = se
        return func(geoms[s:e], *(_part(v, n, s, e) for v in args),
                    **{k: _part(v, n, s, e) for k, v in kwargs.items()})

    return np.concatenate(list(_pool().map(run, bounds)))


def get_parts(geoms: Any) -> tuple[np.ndarray, np.ndarray]:
    """``shapely.get_parts(geoms, return_index=True)``, in parts: the same parts and index."""
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    bounds = _bounds(geoms.shape[0] if geoms.ndim else 0)
    if bounds is None:
        return shapely.get_parts(geoms, return_index=True)

    def run(se: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        s, e = se
        parts, index = shapely.get_parts(geoms[s:e], return_index=True)
        return parts, index + s

    done = list(_pool().map(run, bounds))
    return np.concatenate([d[0] for d in done]), np.concatenate([d[1] for d in done])
