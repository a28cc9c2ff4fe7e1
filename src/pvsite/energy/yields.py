"""Annual and monthly PV yield per kWp, interpolated on a grid of orientation classes.

Orientation classes: pvlib's chain (:mod:`pvsite.energy.chain`) runs on a grid of tilts
(``TILT_STEP`` = 5 deg, 0-90) and azimuths (``AZIMUTH_STEP`` = 10 deg, all round), vectorised
over the grid, and annual and monthly sums are interpolated for any orientation with a bicubic
spline (periodic in azimuth). Against running the chain at the exact orientation, the
interpolation error is below 0.05 % for tilts 0-60 deg and azimuths 90-270 deg on the bundled
Shanghai year (``tests/energy/test_yields.py`` checks 0.5 % against pvlib's ModelChain at
random orientations). The grid is computed once per weather year, mounting and energy
assumptions, kept in the energy cache and, for the next process, on disk
(:mod:`pvsite._diskcache`: ``PVSITE_CACHE_DIR=off`` turns that off).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _diskcache
from ..assumptions import Assumptions
from ..inputs.weather import check_weather
from .chain import CACHE, MOUNTINGS, energy_key, hourly_chain

__all__ = ["MOUNTINGS", "YieldGrid", "adopt_grids", "grid_tables", "optimal_tilt",
           "specific_yield", "surface_yield", "yield_grid"]

TILT_STEP = 5.0
AZIMUTH_STEP = 10.0
_PAD = 3  # azimuth grid points repeated on each side for a periodic spline


@dataclass(frozen=True)
class YieldGrid:
    """Annual and monthly AC yield per kWp on a tilt x azimuth grid, with spline interpolants."""

    tilts: np.ndarray  # [deg]
    azimuths: np.ndarray  # [deg], padded beyond 0..360 for periodicity
    annual: np.ndarray  # [kWh/kWp], shape (tilts, azimuths)
    monthly: np.ndarray  # [kWh/kWp], shape (12, tilts, azimuths)
    splines: tuple[Any, ...]  # annual spline, then 12 monthly

    def __call__(self, tilt: np.ndarray, azimuth: np.ndarray, spline: int = 0) -> np.ndarray:
        """Interpolated yield [kWh/kWp] at flat arrays of tilt and azimuth [deg]."""
        return np.asarray(self.splines[spline](tilt, np.mod(azimuth, 360.0), grid=False))

    def on_axes(self, tilts: np.ndarray, azimuths: np.ndarray, spline: int = 0) -> np.ndarray:
        """Yield [kWh/kWp] at every pair of tilts x azimuths [deg], shape (tilts, azimuths).

        The same values as ``__call__`` on the pairs, twelve times faster (one basis
        evaluation per axis value instead of per pair). Tilts increase; azimuths increase but
        may wrap past 360.
        """
        azimuths = np.mod(azimuths, 360.0)
        pieces = np.split(azimuths, np.flatnonzero(np.diff(azimuths) < 0) + 1)
        return np.concatenate([self.splines[spline](tilts, p, grid=True) for p in pieces],
                              axis=1)


def yield_grid(weather: pd.DataFrame, *, mounting: str = "racked",
               assumptions: Assumptions | None = None) -> YieldGrid:
    """The cached grid of annual and monthly yield for one weather year and mounting."""
    a = assumptions or Assumptions()
    check_weather(weather)
    key = energy_key(weather, mounting, a)
    cached = CACHE.get("yield_grid", key)
    if cached is not None:
        return cached
    tilts, azimuths = _axes()
    # the grid is the same in every process for the same weather and assumptions: on disk
    stored = _diskcache.load("yield_grid", (key, TILT_STEP, AZIMUTH_STEP))
    if stored is not None:
        monthly = stored["monthly"]
    else:
        tt, zz = np.meshgrid(tilts, azimuths, indexing="ij")
        power = hourly_chain(weather, tt.ravel(), zz.ravel(), mounting=mounting,
                             assumptions=a)["ac"]
        hours = _hours_per_step(weather)
        month = weather.index.month.to_numpy()
        monthly = (np.stack([power[:, month == m].sum(axis=1) for m in range(1, 13)])
                   * hours / 1000).reshape(12, tilts.size, azimuths.size)
        _diskcache.save("yield_grid", (key, TILT_STEP, AZIMUTH_STEP), {"monthly": monthly})
    grid = _grid_from(monthly)
    CACHE.put("yield_grid", key, grid)
    return grid


def _axes() -> tuple[np.ndarray, np.ndarray]:
    return (np.arange(0.0, 90.0 + TILT_STEP / 2, TILT_STEP),
            np.arange(0.0, 360.0, AZIMUTH_STEP))


def _grid_from(monthly: np.ndarray) -> YieldGrid:
    """The grid and its splines from the monthly sums [kWh/kWp] on the tilt x azimuth axes."""
    from scipy.interpolate import RectBivariateSpline

    tilts, azimuths = _axes()
    annual = monthly.sum(axis=0)
    az_pad = np.concatenate([azimuths[-_PAD:] - 360, azimuths, azimuths[:_PAD] + 360])

    def pad(z: np.ndarray) -> np.ndarray:
        return np.concatenate([z[:, -_PAD:], z, z[:, :_PAD]], axis=1)

    splines = tuple(RectBivariateSpline(tilts, az_pad, pad(z), kx=3, ky=3)
                    for z in (annual, *monthly))
    return YieldGrid(tilts, az_pad, annual, monthly, splines)


def grid_tables(weather: pd.DataFrame, mountings: tuple[str, ...] = ("racked", "flush"), *,
                assumptions: Assumptions | None = None) -> dict[tuple[Any, ...], np.ndarray]:
    """The yield grids of these mountings as plain arrays, to hand to other processes.

    What a Dask task receives instead of computing the grid itself: computed once (or read
    from the disk cache) where this runs, then given to :func:`adopt_grids` in every worker.

    Returns
    -------
    dict
        ``energy_key(weather, mounting, assumptions)`` -> monthly yield [kWh/kWp], shape
        (12, tilts, azimuths).
    """
    a = assumptions or Assumptions()
    return {energy_key(weather, m, a): yield_grid(weather, mounting=m, assumptions=a).monthly
            for m in mountings}


def adopt_grids(tables: dict[tuple[Any, ...], np.ndarray]) -> int:
    """Put grids from :func:`grid_tables` into this process's cache; returns how many were new.

    Examples
    --------
    >>> import pvsite
    >>> w = pvsite.datasets.shanghai_weather()
    >>> tables = grid_tables(w, ("racked",))
    >>> CACHE.clear(); adopt_grids(tables)
    1
    >>> bool(yield_grid(w).monthly is tables[next(iter(tables))])
    True
    """
    new = 0
    for key, monthly in tables.items():
        if CACHE.get("yield_grid", key) is None:
            CACHE.put("yield_grid", key, _grid_from(np.asarray(monthly)))
            new += 1
    return new


def _hours_per_step(weather: pd.DataFrame) -> float:
    idx = weather.index
    return float(np.median((idx[1:] - idx[:-1]) / pd.Timedelta(hours=1)))


def specific_yield(
    weather: pd.DataFrame,
    surface_tilt: Any,
    surface_azimuth: Any,
    *,
    mounting: str = "racked",
    assumptions: Assumptions | None = None,
    monthly: bool = False,
) -> Any:
    """AC energy per kWp of DC capacity in the weather's year, for any orientation.

    Parameters
    ----------
    weather : DataFrame
        From :func:`pvsite.read_weather` or :func:`pvsite.datasets.shanghai_weather`; the site is
        in its ``.attrs``.
    surface_tilt : float or array-like
        Module tilt from horizontal [deg], 0-90.
    surface_azimuth : float or array-like
        Direction the modules face, clockwise from north [deg] (180 = south).
    mounting : {'racked', 'flush'}
        Open-rack rows (flat roofs) or modules flush on a pitched roof: sets the cell
        temperature model.
    assumptions : Assumptions, optional
        System losses, DC/AC ratio, inverter efficiency, temperature coefficient, albedo.
    monthly : bool, default False
        Return a table of monthly yields instead of annual ones.

    Returns
    -------
    float, ndarray or DataFrame
        Annual specific yield [kWh/kWp] in the broadcast shape of the inputs (a float for
        scalars); with ``monthly=True`` a DataFrame with one row per orientation (flattened)
        and columns 1..12 [kWh/kWp].

    Examples
    --------
    >>> import pvsite
    >>> w = pvsite.datasets.shanghai_weather()
    >>> y = pvsite.specific_yield(w, [0, 20, 90], 180)
    >>> bool(y[1] > y[0] > y[2])
    True
    """
    grid = yield_grid(weather, mounting=mounting, assumptions=assumptions)
    tilt, azim = np.broadcast_arrays(np.asarray(surface_tilt, dtype=float),
                                     np.asarray(surface_azimuth, dtype=float))
    if np.any(~np.isfinite(tilt)) or np.any((tilt < 0) | (tilt > 90)):
        raise ValueError("surface_tilt must be finite and within 0..90 degrees.")
    if np.any(~np.isfinite(azim)):
        raise ValueError("surface_azimuth must be finite [deg clockwise from north].")
    t, z = tilt.ravel(), azim.ravel()
    if monthly:
        table = np.column_stack([grid(t, z, m) for m in range(1, 13)])
        return pd.DataFrame(table, columns=pd.RangeIndex(1, 13, name="month"))
    values = grid(t, z).reshape(tilt.shape)
    return float(values) if values.ndim == 0 else values


def optimal_tilt(
    weather: pd.DataFrame,
    *,
    mounting: str = "racked",
    surface_azimuth: float | None = None,
    assumptions: Assumptions | None = None,
) -> tuple[float, float]:
    """Tilt and azimuth that maximise annual specific yield at the weather's site.

    The azimuth is searched within 90 deg of the equator: 90-270 deg north of it (facing
    south), 270-90 deg south of it (facing north: Sydney's optimum faces north).

    Parameters
    ----------
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    mounting : {'racked', 'flush'}
        Cell temperature model to use.
    surface_azimuth : float, optional
        Fix the azimuth [deg] and optimise the tilt only.
    assumptions : Assumptions, optional
        As for :func:`specific_yield`.

    Returns
    -------
    (float, float)
        Optimal tilt and azimuth [deg clockwise from north, 0-360], to 0.1 deg.

    Examples
    --------
    >>> import pvsite
    >>> tilt, azimuth = pvsite.optimal_tilt(pvsite.datasets.shanghai_weather())
    >>> 15 < tilt < 30 and 160 < azimuth < 200
    True
    """
    a = assumptions or Assumptions()
    # 901 x 1,801 spline values (0.04 s on the axes, 0.5 s as pairs): once per grid, azimuth
    key = (*energy_key(weather, mounting, a),
           None if surface_azimuth is None else float(surface_azimuth))
    cached = CACHE.get("optimal_tilt", key)
    if cached is not None:
        return cached
    grid = yield_grid(weather, mounting=mounting, assumptions=a)
    tilts = np.arange(0.0, 90.05, 0.1)
    if surface_azimuth is not None:
        azims = np.array([float(surface_azimuth)])
    else:  # within 90 deg of the equator: south north of it, north south of it
        equator = 180.0 if float(weather.attrs["latitude"]) >= 0 else 0.0
        azims = np.round(equator + np.arange(-90.0, 90.05, 0.1), 1) % 360.0
    i, j = np.unravel_index(int(np.argmax(grid.on_axes(tilts, azims))), (tilts.size, azims.size))
    best = round(float(tilts[i]), 1), round(float(azims[j]), 1)
    CACHE.put("optimal_tilt", key, best)
    return best


def surface_yield(surfaces: pd.DataFrame, weather: pd.DataFrame, used: np.ndarray, *,
                  assumptions: Assumptions | None = None) -> np.ndarray:
    """Unshaded specific yield [kWh/kWp] of each surface in use, 0 for the others.

    Parameters
    ----------
    surfaces : DataFrame
        The surface table after layout (``surface_tilt``, ``surface_azimuth``, ``mounting``).
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    used : ndarray of bool
        Surfaces that carry modules.
    assumptions : Assumptions, optional
    """
    out = np.zeros(len(surfaces))
    for mounting in MOUNTINGS:
        sel = (surfaces["mounting"] == mounting).to_numpy() & used
        if sel.any():
            out[sel] = specific_yield(
                weather, surfaces["surface_tilt"].to_numpy(dtype=float)[sel],
                surfaces["surface_azimuth"].to_numpy(dtype=float)[sel], mounting=mounting,
                assumptions=assumptions)
    return out
