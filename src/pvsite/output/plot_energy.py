"""Charts of hourly energy: a typical day per month, and the battery sizing sweep.

Each function takes ``ax=None``, returns the Axes, imports matplotlib lazily and never shows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["plot_battery_sweep", "plot_typical_days", "typical_days"]

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def typical_days(hourly: Any) -> pd.DataFrame:
    """Mean hourly value by month and hour of day: 12 x 24 [the input's unit per hour].

    Parameters
    ----------
    hourly : Series
        Hourly values on a DatetimeIndex (local time).

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2023-01-01 00:30", periods=8760, freq="h", tz="Asia/Shanghai")
    >>> typical_days(pd.Series(1.0, index=idx)).shape
    (12, 24)
    """
    s = pd.Series(np.asarray(hourly, dtype=float), index=hourly.index)
    table = s.groupby([s.index.month, s.index.hour]).mean().unstack()
    return table.reindex(index=range(1, 13), columns=range(24))


def plot_typical_days(generation: Any, load: Any, ax: Any = None, *, battery: Any = None,
                      title: str | None = None) -> Any:
    """A typical (mean) day of each month side by side: generation, load and battery.

    Parameters
    ----------
    generation, load : Series
        Hourly PV energy and load of one group [kWh] (a column of
        :func:`pvsite.energy.hourly.hourly` and of :func:`pvsite.results.loads.load_profile`).
    ax : matplotlib Axes, optional
    battery : DataFrame or dict, optional
        Hourly ``charged`` and ``discharged`` [kWh] on the same hours (from
        :func:`pvsite.results.storage.dispatch` with ``hourly=True``), drawn as bars below
        and above zero.
    title : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pandas as pd
    >>> idx = pd.date_range("2023-01-01 00:30", periods=8760, freq="h", tz="Asia/Shanghai")
    >>> ax = plot_typical_days(pd.Series(1.0, index=idx), pd.Series(2.0, index=idx))
    >>> ax.get_ylabel()
    'energy per hour [kWh]'
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(12, 4))
    x = np.arange(12 * 24)
    gen = typical_days(generation).to_numpy().ravel()
    lo = typical_days(load).to_numpy().ravel()
    ax.fill_between(x, 0, gen, step="mid", color="#f2b01e", alpha=0.6, label="PV generation")
    ax.step(x, lo, where="mid", color="#333333", lw=1.2, label="load")
    if battery is not None:
        idx = generation.index
        dis = typical_days(pd.Series(np.asarray(battery["discharged"]), index=idx))
        chg = typical_days(pd.Series(np.asarray(battery["charged"]), index=idx))
        ax.bar(x, dis.to_numpy().ravel(), width=1.0, color="#2a9d8f", label="battery discharge")
        ax.bar(x, -chg.to_numpy().ravel(), width=1.0, color="#8ecae6", label="battery charge")
        ax.axhline(0, color="#999999", lw=0.6)
    for m in range(1, 12):
        ax.axvline(m * 24 - 0.5, color="#cccccc", lw=0.6)
    ax.set_xticks(np.arange(12) * 24 + 11.5, _MONTHS)
    ax.set_xlim(-0.5, 12 * 24 - 0.5)
    ax.set_xlabel("typical day of each month (hours 0-23)")
    ax.set_ylabel("energy per hour [kWh]")
    ax.legend(loc="upper left", fontsize="small", ncol=4)
    if title:
        ax.set_title(title)
    return ax


def plot_battery_sweep(sweep: pd.DataFrame, ax: Any = None, *, title: str | None = None
                       ) -> Any:
    """Self-consumption, self-sufficiency and payback against battery size.

    Parameters
    ----------
    sweep : DataFrame
        From :func:`pvsite.results.storage.battery_sweep` (index ``battery_kwh_per_kwp``).
    ax : matplotlib Axes, optional
    title : str, optional

    Returns
    -------
    matplotlib Axes
        The shares' axes; payback is drawn on a twin axis (``ax.right_ax``).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    size = sweep.index.to_numpy(dtype=float)
    ax.plot(size, sweep["self_consumption_ratio"], "o-", color="#f2b01e",
            label="self-consumption ratio")
    ax.plot(size, sweep["self_sufficiency"], "s-", color="#2a9d8f", label="self-sufficiency")
    ax.set_xlabel("battery capacity per kWp of PV [kWh/kWp]")
    ax.set_ylabel("share [-]")
    ax.set_ylim(0, 1.05)
    right = ax.twinx()
    payback = sweep["payback_years"].replace(np.inf, np.nan)
    right.plot(size, payback, "d--", color="#6d597a", label="simple payback")
    right.set_ylabel("simple payback [years]")
    right.set_ylim(bottom=0)
    handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    ax.legend(handles=handles, loc="lower right", fontsize="small")
    ax.right_ax = right
    if title:
        ax.set_title(title)
    return ax
