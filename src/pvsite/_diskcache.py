"""A cache on disk for what is slow to compute and the same in every process: the yield grid.

Files live in the user's cache folder (``platformdirs.user_cache_dir('pvsite')``, e.g.
``~/.cache/pvsite`` on Linux), or in the folder named by the environment variable
``PVSITE_CACHE_DIR``; ``PVSITE_CACHE_DIR=off`` turns the disk cache off. Each entry is one
``.npz`` file named by a hash of its key (the weather's values, the mounting and the
assumptions' energy fields: :func:`pvsite.energy.chain.energy_key`), written to a temporary
file and renamed into place, so concurrent processes never read half a file. A cache that
cannot be written (a read-only home) is skipped: the value is computed as if it were not
there. :func:`clear` empties it.

The compiled kernels (numba) are cached too: :func:`kernel` is ``numba.njit(cache=True)``, and
where pvsite's own folder is not writable (a read-only site-packages) numba's cache directory is
set to ``numba/`` in the user cache folder, unless ``NUMBA_CACHE_DIR`` names one. Kernels
compile lazily, on the first call with a given type signature; a kernel that runs in parallel
has a serial twin used below ``parallel_from`` items, so small inputs never pay for compiling
the parallel variant (numba's parallel compilation costs several seconds a kernel).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["PARALLEL_FROM", "cache_dir", "clear", "kernel", "load", "numba_cache_cold", "save"]

#: Environment variable naming the cache folder ("off" disables the disk cache).
CACHE_ENV = "PVSITE_CACHE_DIR"
#: Bumped when the layout of the cached arrays changes, so old files are not read.
VERSION = 1


def cache_dir() -> Path | None:
    """The cache folder, or None when the disk cache is off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in ("", "off", "0", "none") else Path(value)
    import platformdirs

    return Path(platformdirs.user_cache_dir("pvsite"))


def _path(kind: str, key: Any) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    digest = hashlib.sha1(repr((VERSION, kind, key)).encode(), usedforsecurity=False)
    return folder / kind / f"{digest.hexdigest()}.npz"


def load(kind: str, key: Any) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``key``, or None (not there, unreadable, or cache off)."""
    path = _path(kind, key)
    if path is None or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError):  # a damaged file: compute again (and overwrite it)
        return None


def save(kind: str, key: Any, arrays: dict[str, np.ndarray]) -> Path | None:
    """Store arrays under ``key`` atomically; None where the cache is off or not writable."""
    path = _path(kind, key)
    if path is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".npz", dir=path.parent)
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, path)
    except OSError:
        return None
    return path


def clear(kind: str | None = None) -> int:
    """Remove the cached files (of one kind, or all); returns how many were removed."""
    folder = cache_dir()
    if folder is None or not folder.is_dir():
        return 0
    removed = 0
    for f in (folder / kind if kind else folder).rglob("*.npz"):
        f.unlink(missing_ok=True)
        removed += 1
    return removed


_PACKAGE = Path(__file__).resolve().parent
#: Items (points, polygons, surfaces) from which a kernel runs its parallel variant; below, its
#: serial twin (pvsite assumption: on 2 cores, 10,000 points' horizons take well under a
#: second serially, less than compiling the parallel variant costs).
PARALLEL_FROM = 10_000


def _numba_cache_dir() -> Path | None:
    """Set numba's cache folder to the user cache where pvsite's folder is read-only.

    Returns the folder numba caches pvsite's kernels in, or None when they go beside the
    sources (``__pycache__``). ``NUMBA_CACHE_DIR``, when set, is kept.
    """
    from numba.core import config as _config

    config: Any = _config  # CACHE_DIR is set at numba's import, unknown to its stubs

    if config.CACHE_DIR:
        return Path(config.CACHE_DIR)
    pycache = _PACKAGE / "geometry" / "__pycache__"
    if os.access(pycache if pycache.is_dir() else pycache.parent, os.W_OK):
        return None
    import platformdirs

    folder = Path(platformdirs.user_cache_dir("pvsite")) / "numba"
    config.CACHE_DIR = str(folder)  # read by numba when a cached kernel is defined
    return folder


def numba_cache_cold() -> bool:
    """Whether no compiled pvsite kernel is cached yet (the first call will compile)."""
    folder = _numba_cache_dir()
    places = [folder] if folder is not None else [
        _PACKAGE / sub / "__pycache__" for sub in ("geometry", "energy", "results")]
    return not any(any(p.glob("**/*.nbi")) for p in places if p.is_dir())


@contextmanager
def _opt_level(level: int | None) -> Iterator[None]:
    """Compile what is compiled inside at LLVM level ``level``, then restore numba's own.

    None, or ``NUMBA_OPT`` set in the environment (which numba and pvsite then both follow),
    leaves numba's level (3 by default) alone.
    """
    from numba.core import config as _config

    config: Any = _config
    if level is None or "NUMBA_OPT" in os.environ:
        yield
        return
    before = config.OPT
    config.OPT = type(before)(level)  # read by numba's pass builder at each compilation
    try:
        yield
    finally:
        config.OPT = before


def _first_call(dispatcher: Any, args: tuple[Any, ...], level: int | None) -> Any:
    """Call a numba dispatcher; its first call (compiling or loading) at LLVM level ``level``."""
    if level is None or dispatcher.signatures:
        return dispatcher(*args)
    with _opt_level(level):
        return dispatcher(*args)


class _Entry:
    """A kernel called from Python, compiled at its own LLVM level."""

    def __init__(self, dispatcher: Any, level: int) -> None:
        self.dispatcher, self.level = dispatcher, level
        self.__doc__, self.__name__ = dispatcher.__doc__, dispatcher.__name__
        self.__wrapped__ = dispatcher.py_func

    def __call__(self, *args: Any) -> Any:
        return _first_call(self.dispatcher, args, self.level)


class _Twin:
    """A parallel kernel and its serial twin, picked by the size of one argument."""

    def __init__(self, func: Callable[..., Any], parallel_from: int, size_arg: int,
                 level: int | None, serial_level: int | None = None) -> None:
        from numba import njit

        serial = types.FunctionType(func.__code__, func.__globals__, func.__name__,
                                    func.__defaults__, func.__closure__)
        # its own name: numba's cache files are named after the function, and its index does
        # not tell a parallel compilation from a serial one
        serial.__qualname__ = func.__qualname__ + "_serial"
        serial.__doc__ = func.__doc__
        self.serial = njit(cache=True)(serial)
        self.parallel = njit(parallel=True, cache=True)(func)
        self.parallel_from, self.size_arg, self.level = parallel_from, size_arg, level
        self.serial_level = level if serial_level is None else serial_level
        self.__doc__, self.__name__ = func.__doc__, func.__name__
        self.__wrapped__ = func

    def __call__(self, *args: Any) -> Any:
        if len(args[self.size_arg]) >= self.parallel_from:
            return _first_call(self.parallel, args, self.level)
        return _first_call(self.serial, args, self.serial_level)


def kernel(func: Callable[..., Any] | None = None, *, parallel_from: int | None = None,
           size_arg: int = 0, opt: int | None = None, serial_opt: int | None = None) -> Any:
    """``numba.njit(cache=True)``, with numba's cache in a writable place.

    With ``parallel_from``, the kernel (whose loops use ``prange``) is compiled twice on
    demand: ``parallel=True`` for calls whose argument ``size_arg`` has at least
    ``parallel_from`` items, serial below. Such a kernel is called from Python only, as is one
    given ``opt``: an LLVM optimisation level (0-3) for it and the kernels it calls, in place
    of numba's 3, for a kernel whose compilation costs far more than level 3 saves when it
    runs (see :data:`pvsite.geometry._packing.PACK_OPT`); ``serial_opt``: such a level for
    the serial twin alone, which small inputs run, on a first call's path (see
    :data:`pvsite.energy.shading.SMALL_OPT`).
    """
    def wrap(f: Callable[..., Any]) -> Any:
        _numba_cache_dir()
        if parallel_from is None:
            from numba import njit

            compiled = njit(cache=True)(f)
            return compiled if opt is None else _Entry(compiled, opt)
        return _Twin(f, parallel_from, size_arg, opt, serial_opt)

    return wrap if func is None else wrap(func)
