"""Shanghai's time-of-use electricity tariff as data: periods by month and hour, and prices.

From the Shanghai Development and Reform Commission's notice 沪发改价管〔2022〕50号 on improving
the time-of-use tariff (in force from 2023-01-01; read through a third party's copy, see
/work/shared/FACTS.md):

- **two-part tariff** (两部制, large industrial and commercial users): in January, July, August,
  September and December the peak price is the flat price +80 % and the valley price -60 %;
  in the other months +60 % and -50 %. The critical peak (尖峰) is the peak price x 1.25, in
  July and August from 12 to 14 h and in January and December from 19 to 21 h. Summer hours
  (July-September): peak 8-15 h and 18-21 h, valley 22-6 h, flat the rest. The hours of the
  other months (peak 8-11 h and 18-21 h, valley 22-6 h, flat the rest) are pvsite's reading of
  the notice, not checked in FACTS.md: check them against the notice before relying on them.
- **single-part tariff** (单一制, general industrial and commercial): peak 6-22 h at the flat
  price, valley 22-6 h at -45 %.

Absolute prices were not found: the flat price is
:attr:`pvsite.Assumptions.tariff_flat_yuan_per_kwh` (a labelled pvsite assumption), and export
is paid at the coal benchmark :attr:`pvsite.Assumptions.export_price_yuan_per_kwh` (0.4155
yuan/kWh). Capacity (demand) charges of the two-part tariff are not modelled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..errors import ArgumentError

__all__ = ["PERIODS", "TARIFFS", "multipliers", "period_table", "periods", "prices"]

#: Period codes, in the order of :func:`period_table`'s values.
PERIODS = ("valley", "flat", "peak", "critical_peak")
_V, _F, _P, _C = range(4)
#: Months with the larger peak/valley spread and with a critical peak (two-part tariff).
_HIGH_MONTHS = (1, 7, 8, 9, 12)
_CRITICAL = {7: (12, 14), 8: (12, 14), 1: (19, 21), 12: (19, 21)}
#: The tariffs :func:`period_table` knows.
TARIFFS = ("two_part", "single_part")


def _hours(*spans: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(24, dtype=bool)
    for start, end in spans:
        mask[start:end] = True
    return mask


def period_table(tariff: str = "two_part") -> pd.DataFrame:
    """Time-of-use period of each hour of the day, by month.

    Parameters
    ----------
    tariff : {'two_part', 'single_part'}

    Returns
    -------
    DataFrame
        12 rows (months 1-12) x 24 columns (the hour starting at 0..23 h), values the period
        names of :data:`PERIODS`.

    Examples
    --------
    >>> t = period_table("two_part")
    >>> t.loc[7, 13], t.loc[7, 9], t.loc[7, 16], t.loc[7, 23]
    ('critical_peak', 'peak', 'flat', 'valley')
    """
    codes = _codes(tariff)
    return pd.DataFrame(np.asarray(PERIODS, dtype=object)[codes], index=pd.RangeIndex(1, 13,
                        name="month"), columns=pd.RangeIndex(24, name="hour"))


def _codes(tariff: str) -> np.ndarray:
    if tariff not in TARIFFS:
        raise ArgumentError(f"tariff={tariff!r}; use one of {list(TARIFFS)}.")
    table = np.full((12, 24), _F, dtype=np.int8)
    valley = _hours((0, 6), (22, 24))
    if tariff == "single_part":
        table[:, valley] = _V
        table[:, ~valley] = _P
        return table
    for month in range(1, 13):
        row = table[month - 1]
        row[valley] = _V
        summer = month in (7, 8, 9)
        row[_hours((8, 15), (18, 21)) if summer else _hours((8, 11), (18, 21))] = _P
        if month in _CRITICAL:
            row[_hours(_CRITICAL[month])] = _C
    return table


def multipliers(tariff: str = "two_part") -> pd.DataFrame:
    """Price of each period as a multiple of the flat price, by month (12 x 4, PERIODS)."""
    if tariff not in TARIFFS:
        raise ArgumentError(f"tariff={tariff!r}; use one of {list(TARIFFS)}.")
    m = np.ones((12, 4))
    for month in range(1, 13):
        if tariff == "single_part":
            m[month - 1] = (0.55, 1.0, 1.0, 1.0)
        else:
            peak, valley = (1.8, 0.4) if month in _HIGH_MONTHS else (1.6, 0.5)
            m[month - 1] = (valley, 1.0, peak, peak * 1.25)
    return pd.DataFrame(m, index=pd.RangeIndex(1, 13, name="month"), columns=list(PERIODS))


def periods(index: pd.DatetimeIndex, tariff: str = "two_part") -> np.ndarray:
    """Period code (position in :data:`PERIODS`) of every hour of a (local time) index."""
    codes = _codes(tariff)
    return codes[np.asarray(index.month) - 1, np.asarray(index.hour)]


def prices(index: pd.DatetimeIndex, *, assumptions: Assumptions | None = None) -> pd.Series:
    """Import price of every hour [yuan/kWh] under the assumptions' tariff.

    Parameters
    ----------
    index : DatetimeIndex
        Hours in local time (a weather year's index).
    assumptions : Assumptions, optional
        ``tariff`` and ``tariff_flat_yuan_per_kwh``.

    Returns
    -------
    Series
        On ``index`` [yuan/kWh].

    Examples
    --------
    >>> import pandas as pd
    >>> hours = pd.date_range("2023-07-01 13:30", periods=1, freq="h", tz="Asia/Shanghai")
    >>> round(float(prices(hours).iloc[0]), 4)  # critical peak: 0.7 x 1.8 x 1.25
    1.575
    """
    a = assumptions or Assumptions()
    m = multipliers(a.tariff).to_numpy()
    code = periods(index, a.tariff)
    return pd.Series(m[np.asarray(index.month) - 1, code] * a.tariff_flat_yuan_per_kwh,
                     index=index, name="price_yuan_per_kwh")

