"""Cost of each roof's system: investment, levelised cost of energy, simple payback."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions

__all__ = ["economics", "lcoe_factor"]


def lcoe_factor(discount_rate: float, lifetime_years: int, degradation: float) -> float:
    """Discounted energy over the lifetime per kWh of first-year energy [-].

    ``sum_{t=1..N} (1 - d)^(t-1) / (1 + r)^t``.

    Examples
    --------
    >>> round(lcoe_factor(0.0, 25, 0.0), 6)
    25.0
    """
    t = np.arange(1, int(lifetime_years) + 1)
    return float(np.sum((1 - degradation) ** (t - 1) / (1 + discount_rate) ** t))


def economics(result: Any, *, assumptions: Assumptions | None = None) -> pd.DataFrame:
    """Investment, LCOE and simple payback of every roof's system.

    Parameters
    ----------
    result : DataFrame
        From :func:`pvsite.estimate` (``capacity_kwp``, ``annual_kwh``). Rows with
        ``surface == 'carport'`` (a plan's) cost ``carport_capex_yuan_per_wp`` and
        ``charger_capex_yuan`` per ``n_chargers``, as :func:`pvsite.carports`; facades cost
        what roofs do (no citable BIPV figure was found).
    assumptions : Assumptions, optional
        ``capex_yuan_per_wp``, ``site_cost_yuan``, ``opex_yuan_per_wp_year``,
        ``electricity_price_yuan_per_kwh``, ``discount_rate``, ``lifetime_years``,
        ``degradation_per_year`` (defaults and sources in :class:`pvsite.Assumptions`).

    Returns
    -------
    DataFrame
        ``capex_yuan`` [yuan], ``opex_yuan_per_year`` [yuan/a], ``lcoe_yuan_per_kwh``
        [yuan/kWh] (discounted cost over discounted energy) and ``payback_years`` [a]
        (investment over first-year savings less O&M; infinite where they do not pay), on the
        result's index; NaN where there is no system.

    Examples
    --------
    >>> r = pd.DataFrame({"capacity_kwp": [100.0], "annual_kwh": [110_000.0]})
    >>> e = economics(r, assumptions=Assumptions(capex_yuan_per_wp=3.0, site_cost_yuan=0,
    ...     opex_yuan_per_wp_year=0.05, discount_rate=0.0, lifetime_years=25,
    ...     degradation_per_year=0.0, electricity_price_yuan_per_kwh=0.8))
    >>> round(float(e["lcoe_yuan_per_kwh"].iloc[0]), 4), round(float(e["payback_years"].iloc[0]), 2)
    (0.1545, 3.61)
    """
    a = assumptions or Assumptions()
    kwp = np.asarray(result["capacity_kwp"], dtype=float)
    kwh = np.asarray(result["annual_kwh"], dtype=float)
    has = kwp > 0
    capex = np.where(has, kwp * 1000 * a.capex_yuan_per_wp + a.site_cost_yuan, np.nan)
    if "surface" in getattr(result, "columns", ()):  # a carport: canopy and chargers
        canopy = np.asarray(result["surface"] == "carport") & has
        chargers = (np.nan_to_num(np.asarray(result["n_chargers"], dtype=float))
                    if "n_chargers" in result.columns else np.zeros(len(kwp)))
        capex = np.where(canopy, kwp * 1000 * a.carport_capex_yuan_per_wp
                         + chargers * a.charger_capex_yuan, capex)
    opex = np.where(has, kwp * 1000 * a.opex_yuan_per_wp_year, np.nan)
    energy_factor = lcoe_factor(a.discount_rate, a.lifetime_years, a.degradation_per_year)
    cost_factor = lcoe_factor(a.discount_rate, a.lifetime_years, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        lcoe = (capex + opex * cost_factor) / (kwh * energy_factor)
        net = kwh * a.electricity_price_yuan_per_kwh - opex
        payback = np.where(net > 0, capex / net, np.inf)
    return pd.DataFrame({
        "capex_yuan": capex, "opex_yuan_per_year": opex,
        "lcoe_yuan_per_kwh": np.where(has & (kwh > 0), lcoe, np.nan),
        "payback_years": np.where(has, payback, np.nan),
    }, index=result.index)
