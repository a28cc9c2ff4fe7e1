"""The range of the potential: P10-P90 bands per district or type, with the target marked."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .plot import _axes, _data_note, _has_cjk, _readable, _short_district, _strip_cjk, cjk_font

__all__ = ["plot_uncertainty"]

_QUANTITIES = {"capacity_kwp": ("capacity", "MWp", 1e3), "annual_kwh": ("energy", "GWh/yr", 1e6)}


def plot_uncertainty(report: Any, ax: Any = None, *, level: str = "district",
                     quantity: str = "capacity_kwp", result: Any = None) -> Any:
    """P50 and the P10-P90 band of the potential per district (or type), against the target.

    Parameters
    ----------
    report : ShortfallReport
        From ``pvsite.shortfall(result, uncertainty=N)``.
    ax : matplotlib Axes, optional
    level : {'district', 'institution_type'}
        One bar per district (with its share of the target marked) or per institution type.
    quantity : {'capacity_kwp', 'annual_kwh'}
        Capacity [MWp] or annual energy [GWh/yr].
    result : GeoDataFrame, optional
        The estimate, for the districts' English names where no Chinese font is installed.

    Returns
    -------
    matplotlib Axes
        Horizontal bars at the P50 (``gid='band'``) with P10-P90 error bars, a dot at the
        deterministic value, and for capacity per district each district's target
        (``report.table['target_kw']``) as a black tick (``gid='target'``); the title gives
        the city's range and ``p_reachable``.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pvsite
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(40),
    ...                     pvsite.datasets.shanghai_weather())
    >>> ax = plot_uncertainty(pvsite.shortfall(r, target_kw=500, uncertainty=50))
    >>> sorted({p.get_gid() for p in ax.patches})
    ['band']
    >>> plt.close("all")
    """
    table = getattr(report, "uncertainty", None)
    if not isinstance(table, pd.DataFrame):
        raise TypeError("plot_uncertainty needs a report with a range: pass "
                        "pvsite.shortfall(result, uncertainty=200).")
    if level not in ("district", "institution_type"):
        raise ValueError(f"level={level!r}; use 'district' or 'institution_type'.")
    if quantity not in _QUANTITIES:
        raise ValueError(f"quantity={quantity!r}; use one of {list(_QUANTITIES)}.")
    name, unit, scale = _QUANTITIES[quantity]
    rows = table[(table["level"] == level) & (table["quantity"] == quantity)]
    rows = rows.sort_values("p50", kind="stable")
    ax = _axes(ax, figsize=(8, max(3.0, 0.35 * len(rows) + 1.5)))
    y = np.arange(len(rows))
    p10, p50, p90 = (rows[c].to_numpy(dtype=float) / scale for c in ("p10", "p50", "p90"))
    bars = ax.barh(y, p50, color="#4c9f70", alpha=0.6, xerr=[p50 - p10, p90 - p50],
                   error_kw={"ecolor": "0.2", "capsize": 3, "lw": 1.2},
                   label=f"P50, with P10-P90 band [{unit}]")
    for patch in bars:
        patch.set_gid("band")
    ax.plot(rows["deterministic"].to_numpy(dtype=float) / scale, y, "o", color="0.1", ms=3,
            label="deterministic", gid="deterministic")
    if level == "district" and quantity == "capacity_kwp":
        target = report.table["target_kw"].reindex(rows["key"]).fillna(0.0).to_numpy() / scale
        ax.plot(target, y, "|", color="black", ms=14, mew=2, gid="target",
                label="district's share of the target [MW]")
    english = {}
    if result is not None and {"district", "district_en"} <= set(getattr(result, "columns", ())):
        english = dict(zip(result["district"], result["district_en"], strict=False))
    keys = list(rows["key"])
    labels = _readable(keys, [_short_district(english.get(k, k)) for k in keys])
    font = cjk_font()
    if font is None:
        labels = [_strip_cjk(t) if _has_cjk(t) else t for t in labels]
    ax.set_yticks(y, labels)
    if font is not None and any(_has_cjk(t) for t in labels):
        for tick in ax.get_yticklabels():
            tick.set_family([font, "DejaVu Sans"])
    ax.set_xlabel(f"{name} of the eligible roofs [{unit}]")
    city = table[(table["level"] == "city") & (table["quantity"] == quantity)].iloc[0]
    reach = ("" if report.p_reachable is None
             else f"; target reachable in {report.p_reachable:.0%} of draws")
    ax.set_title(f"City {city['p10'] / scale:,.1f} / {city['p50'] / scale:,.1f} / "
                 f"{city['p90'] / scale:,.1f} {unit} (P10 / P50 / P90, "
                 f"{table.attrs.get('n_draws', '?')} draws){reach}"
                 f"{_data_note(str(getattr(report, 'labels', '')))}", fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return ax
