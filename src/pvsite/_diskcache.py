"""A cache on disk for what is slow to compute and the same in every process: the yield grid.

Files live in the user's cache folder (``platformdirs.user_cache_dir('pvsite')``, e.g.
``~/.cache/pvsite`` on Linux), or in the folder named by the environment variable
``PVSITE_CACHE_DIR``; ``PVSITE_CACHE_DIR=off`` turns the disk cache off. Each entry is one
``.npz`` file named by a hash of its key (the weather's values, the mounting and the
assumptions' energy fields: :func:`pvsite.energy.chain.energy_key`), written to a temporary
file and renamed into place, so concurrent processes never read half a file. A cache that
cannot be written (a read-only home) is skipped: the value is computed as if it were not
there. :func:`clear` empties it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["cache_dir", "clear", "load", "save"]

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
