"""Exceptions and warnings raised by pvsite.

Every error pvsite raises derives from :class:`PvsiteError` and also from the built-in
exception a caller would catch without knowing pvsite (``ValueError``, ``OSError``), as
rasterio does with ``RasterioIOError(RasterioError, OSError)``.
"""

from __future__ import annotations

__all__ = [
    "ArgumentError",
    "FootprintError",
    "LoadDataError",
    "PvsiteError",
    "PvsiteWarning",
    "WeatherDataError",
]


class PvsiteError(Exception):
    """Base class of every error raised by pvsite."""


class ArgumentError(PvsiteError, ValueError):
    """An argument out of its range: a negative or non-finite target, an unknown policy.

    Also a ``ValueError``, so callers that catch that keep working; the message says what
    to pass instead.
    """


class FootprintError(PvsiteError, ValueError):
    """Building footprints that cannot be used (missing CRS, unreadable file, no geometry)."""


class WeatherDataError(PvsiteError, ValueError):
    """Weather data that cannot be used (missing columns, gaps, impossible values)."""


class LoadDataError(PvsiteError, ValueError):
    """A metered load that cannot be used (wrong length, units, gaps or negative values)."""


class PvsiteWarning(UserWarning):
    """Something the user should know about the inputs or the method, which did not stop the run."""
