"""Self-consumption, storage and flexible load per institution (the 光储直柔 building).

Hour by hour, each institution's PV generation (:func:`pvsite.energy.hourly.hourly`) meets its
load (:func:`pvsite.results.loads.load_profile`, modelled or metered). A **flexible share** of
each day's load is moved into that day's PV surplus hours: at most that share of the day's load,
and no more than the day's PV surplus (generation above load) or its deficit, taken from the
hours where load exceeds PV in proportion to their deficit and added to the surplus hours in
proportion to their surplus (the day's total load is unchanged; a day without surplus keeps
its load). A **battery** then follows a
rule, vectorised over institutions (compiled with numba, parallel over institutions):

- PV surplus (generation above load) charges it, up to its power and its upper state of charge;
  what it cannot take is exported;
- when load exceeds PV it discharges, down to its lower state of charge and up to its power
  (``rule='load'``, the default: self-consumption first); with ``rule='peak'`` only in the
  tariff's peak and critical-peak hours, where a kWh is worth most; the rest is imported.

Against the linear-programming optimum with the same battery and the same actions
(``tests/_lp_reference.py``, one week of bundled institutions), ``rule='load'`` reaches the
optimum of imports (the least imported energy) to within rounding, and ``rule='peak'`` 77-100 %
of the optimum's bill saving (in four weeks of the year; ``rule='load'`` 25-74 %).

The battery never charges from the grid. Charge and discharge each cost the square root of the
round-trip efficiency; the state of charge starts the year at its lower limit. Per hour,
``generation + imported + discharged = load + exported + charged``, and over the year
``charged x eta_c - discharged / eta_d`` is the change of state of charge (the losses).

Definitions: ``self_consumed_kwh`` is the PV energy not exported (used on site directly or
through the battery, its losses included); ``self_consumption_ratio`` = self-consumed /
generation; ``self_sufficiency`` = (load - imported) / load. The bill is energy only, under the
Shanghai time-of-use tariff of :mod:`pvsite.results.tariff` (no capacity charges), and exports
are paid at the coal benchmark price; ``bill_savings_yuan`` compares it with the bill of the same
(unshifted) load with no PV. ``payback_years`` is simple (undiscounted): investment (PV at
``capex_yuan_per_wp`` plus ``site_cost_yuan`` per building with PV, battery at
``battery_price_yuan_per_kwh``) over the yearly savings less PV operation and maintenance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numba import prange

from .._diskcache import PARALLEL_FROM, kernel
from ..assumptions import Assumptions
from ..energy.hourly import groups_of, hourly_array
from ..errors import ArgumentError
from .loads import check_metered, load_array
from .tariff import PERIODS, periods, prices

__all__ = ["COLUMNS", "DISPATCH", "battery_sweep", "direct_use", "dispatch",
           "self_consumption"]

#: Dispatch rules: discharge whenever load exceeds PV, or only in peak and critical-peak hours.
DISPATCH = ("load", "peak")

#: Columns of :func:`self_consumption`, with units.
COLUMNS: dict[str, str] = {
    "capacity_kwp": "PV capacity of the group [kWp]",
    "generation_kwh": "PV AC energy in the year [kWh]",
    "load_kwh": "electricity used in the year [kWh]",
    "self_consumed_kwh": "PV energy not exported: used directly or through the battery [kWh]",
    "exported_kwh": "PV energy fed into the grid [kWh]",
    "imported_kwh": "energy bought from the grid [kWh]",
    "self_consumption_ratio": "self_consumed_kwh / generation_kwh [-]",
    "self_sufficiency": "(load_kwh - imported_kwh) / load_kwh [-]",
    "battery_kwh": "nominal battery capacity [kWh]",
    "battery_kw": "battery power [kW]",
    "battery_cycles": "discharged energy over the usable capacity: full cycles a year [-]",
    "battery_losses_kwh": "energy lost in charge and discharge [kWh]",
    "bill_savings_yuan": "energy bill without PV less the bill with PV, battery and export "
                         "[yuan/a]",
    "payback_years": "investment over yearly savings less PV O&M, undiscounted [a]",
}
_SUMS = ("generation", "load", "direct", "charged", "discharged", "exported", "imported",
         "bill_base", "bill_with", "soc_end")


@kernel(parallel_from=PARALLEL_FROM)
def _dispatch(gen, load, price, export_price, can_discharge, day_start, flex, cap, power,
              eta_c, eta_d, soc_min, soc_max, write, flows):  # pragma: no cover - compiled
    """Rule-based dispatch of every group (rows) over the hours (columns); see the module."""
    groups, hours = gen.shape
    sums = np.zeros((groups, 10))
    for g in prange(groups):
        lo, hi = soc_min * cap[g], soc_max * cap[g]
        soc = lo
        acc = np.zeros(10)
        for d in range(day_start.size - 1):
            s, e = day_start[d], day_start[d + 1]
            moved = 0.0  # flexible load moved from deficit hours into surplus hours
            day_surplus = 0.0
            day_deficit = 0.0
            if flex > 0:
                day_load = 0.0
                for h in range(s, e):
                    day_load += load[g, h]
                    day_surplus += max(gen[g, h] - load[g, h], 0.0)
                    day_deficit += max(load[g, h] - gen[g, h], 0.0)
                moved = min(flex * day_load, day_surplus, day_deficit)
            for h in range(s, e):
                p = float(gen[g, h])
                lo_h = float(load[g, h])
                acc[7] += lo_h * price[h]
                if moved > 0:
                    if p > lo_h:
                        lo_h += moved * (p - lo_h) / day_surplus
                    else:
                        lo_h -= moved * (lo_h - p) / day_deficit
                direct = min(p, lo_h)
                surplus = p - direct
                deficit = lo_h - direct
                c = 0.0
                dis = 0.0
                if surplus > 0 and cap[g] > 0:
                    c = max(min(surplus, power[g], (hi - soc) / eta_c), 0.0)
                    soc += c * eta_c
                if deficit > 0 and cap[g] > 0 and can_discharge[h]:
                    dis = max(min(deficit, power[g], (soc - lo) * eta_d), 0.0)
                    soc -= dis / eta_d
                exp = surplus - c
                imp = deficit - dis
                acc[0] += p
                acc[1] += lo_h
                acc[2] += direct
                acc[3] += c
                acc[4] += dis
                acc[5] += exp
                acc[6] += imp
                acc[8] += imp * price[h] - exp * export_price
                if write:
                    flows[0, g, h] = lo_h
                    flows[1, g, h] = c
                    flows[2, g, h] = dis
                    flows[3, g, h] = exp
                    flows[4, g, h] = imp
                    flows[5, g, h] = soc
        acc[9] = soc - lo
        sums[g] = acc
    return sums


def _day_starts(index: pd.DatetimeIndex) -> np.ndarray:
    """Position of the first hour of each local day of a sorted index, and the end."""
    day = np.asarray(index.tz_localize(None).normalize().asi8 if index.tz is not None
                     else index.normalize().asi8)
    starts = np.flatnonzero(np.r_[True, day[1:] != day[:-1]])
    return np.r_[starts, day.size].astype(np.int64)


def dispatch(generation: Any, load: Any, index: pd.DatetimeIndex, *, battery_kwh: Any = 0.0,
             battery_kw: Any = 0.0, flexible_share: float = 0.0, rule: str = "load",
             hourly: bool = False, assumptions: Assumptions | None = None) -> dict[str, Any]:
    """Run the rule-based dispatch on arrays of hourly generation and load.

    Parameters
    ----------
    generation, load : array-like, shape (groups, hours) or (hours,)
        Hourly PV AC energy and load [kWh].
    index : DatetimeIndex
        The hours, local time (days for the flexible load, tariff periods and prices).
    battery_kwh, battery_kw : float or array-like of shape (groups,)
        Nominal capacity [kWh] and power [kW] of each group's battery.
    flexible_share : float
        Share of each day's load that may move into that day's PV surplus hours (see the
        module) [0-1].
    rule : {'load', 'peak'}
        Discharge whenever load exceeds PV, or only then in peak and critical-peak hours.
    hourly : bool
        Also return the hourly flows.
    assumptions : Assumptions, optional
        Battery efficiency and state-of-charge limits, tariff and export price.

    Returns
    -------
    dict
        Yearly sums per group [kWh, yuan], arrays of shape (groups,): ``generation``,
        ``load`` (after the shift), ``direct``, ``charged``, ``discharged``, ``exported``,
        ``imported``, ``bill_base`` (unshifted load, no PV), ``bill_with``, ``soc_end`` (the
        state of charge gained over the year); with ``hourly=True`` also ``hourly_load``,
        ``hourly_charged``, ``hourly_discharged``, ``hourly_exported``, ``hourly_imported``,
        ``hourly_soc`` (groups, hours).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> idx = pd.date_range("2023-06-01 00:30", periods=48, freq="h", tz="Asia/Shanghai")
    >>> gen = np.tile(np.r_[np.zeros(8), np.full(8, 10.0), np.zeros(8)], 2)
    >>> out = dispatch(gen, np.full(48, 3.0), idx, battery_kwh=20.0, battery_kw=10.0)
    >>> round(float(out["imported"][0]), 2)  # 96 kWh of deficit less 2 x 17 kWh x sqrt(0.9)
    63.74
    """
    a = assumptions or Assumptions()
    if rule not in DISPATCH:
        raise ArgumentError(f"rule={rule!r}; use one of {list(DISPATCH)}.")
    if not 0 <= flexible_share <= 1:
        raise ArgumentError(f"flexible_share={flexible_share!r}; give a share of the load, 0-1.")
    gen = np.atleast_2d(np.asarray(generation, dtype=np.float32))
    lo = np.atleast_2d(np.asarray(load, dtype=np.float32))
    if gen.shape != lo.shape or gen.shape[1] != len(index):
        raise ArgumentError(f"generation {gen.shape} and load {lo.shape} must both be (groups, "
                         f"{len(index)} hours).")
    groups = gen.shape[0]
    cap = np.broadcast_to(np.asarray(battery_kwh, dtype=float), (groups,)).copy()
    power = np.broadcast_to(np.asarray(battery_kw, dtype=float), (groups,)).copy()
    eta = np.sqrt(a.battery_round_trip_efficiency)
    code = periods(index, a.tariff)
    can = (code >= PERIODS.index("peak")) if rule == "peak" else np.ones(len(index), bool)
    price = prices(index, assumptions=a).to_numpy()
    flows = (np.zeros((6, groups, gen.shape[1])) if hourly else np.zeros((6, 1, 1)))
    sums = _dispatch(np.ascontiguousarray(gen), np.ascontiguousarray(lo), price,
                     float(a.export_price_yuan_per_kwh), can, _day_starts(index),
                     float(flexible_share), cap, power, eta, eta, float(a.battery_soc_min),
                     float(a.battery_soc_max), hourly, flows)
    out: dict[str, Any] = {k: sums[:, i] for i, k in enumerate(_SUMS)}
    if hourly:
        for i, k in enumerate(("load", "charged", "discharged", "exported", "imported", "soc")):
            out[f"hourly_{k}"] = flows[i]
    return out


def _inputs(result: Any, weather: pd.DataFrame, load: Any, by: str, planes: Any,
            a: Assumptions) -> tuple[np.ndarray, np.ndarray, pd.Index, np.ndarray, np.ndarray]:
    """Hourly generation and load (groups, hours), labels, kWp and buildings with PV per group."""
    gen, labels, _ = hourly_array(result, weather, planes=planes, by=by, assumptions=a)
    if load is None:
        lo_arr, _ = load_array(result, weather, by=by, assumptions=a)
    else:
        lo = check_metered(load, weather, groups=labels)[list(labels)]
        lo_arr = np.ascontiguousarray(lo.to_numpy(dtype=np.float32).T)
    codes, _ = groups_of(result, by)
    ok = ((result["status"] == "ok").to_numpy() if "status" in result
          else np.ones(len(result), bool))
    kwp_b = np.where(ok, result["capacity_kwp"].to_numpy(dtype=float), 0.0)
    inside = codes >= 0
    kwp = np.bincount(codes[inside], weights=kwp_b[inside], minlength=len(labels))
    sites = np.bincount(codes[inside], weights=(kwp_b[inside] > 0).astype(float),
                        minlength=len(labels))
    return gen, lo_arr, labels, kwp, sites


def _table(sums: dict[str, Any], labels: pd.Index, kwp: np.ndarray, sites: np.ndarray,
           battery_kwh: np.ndarray, battery_kw: np.ndarray, a: Assumptions) -> pd.DataFrame:
    usable = battery_kwh * (a.battery_soc_max - a.battery_soc_min)
    eta = np.sqrt(a.battery_round_trip_efficiency)
    savings = sums["bill_base"] - sums["bill_with"]
    invest = (kwp * 1000 * a.capex_yuan_per_wp + sites * a.site_cost_yuan
              + battery_kwh * a.battery_price_yuan_per_kwh)
    net = savings - kwp * 1000 * a.opex_yuan_per_wp_year
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "capacity_kwp": kwp,
            "generation_kwh": sums["generation"],
            "load_kwh": sums["load"],
            "self_consumed_kwh": sums["generation"] - sums["exported"],
            "exported_kwh": sums["exported"],
            "imported_kwh": sums["imported"],
            "self_consumption_ratio": np.where(sums["generation"] > 0, 1 - sums["exported"]
                                               / sums["generation"], np.nan),
            "self_sufficiency": np.where(sums["load"] > 0, 1 - sums["imported"] / sums["load"],
                                         np.nan),
            "battery_kwh": battery_kwh,
            "battery_kw": battery_kw,
            "battery_cycles": np.where(usable > 0, sums["discharged"] / usable, 0.0),
            "battery_losses_kwh": sums["charged"] * (1 - eta) + sums["discharged"] * (1 / eta - 1),
            "bill_savings_yuan": savings,
            "payback_years": np.where((net > 0) & (invest > 0), invest / net,
                                      np.where(invest > 0, np.inf, 0.0)),
        }, index=labels)
    return out


def self_consumption(
    result: Any,
    weather: pd.DataFrame,
    load: pd.DataFrame | None = None,
    *,
    battery_kwh_per_kwp: float = 0.0,
    battery_kw_per_kwh: float = 0.5,
    flexible_share: float = 0.0,
    by: str = "institution",
    planes: Any = None,
    rule: str = "load",
    assumptions: Assumptions | None = None,
) -> pd.DataFrame:
    """Self-consumption, export, import, battery use and bill savings of each institution.

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate`.
    weather : DataFrame
        The weather year of the estimate.
    load : DataFrame, optional
        Metered hourly load per group [kWh] (:func:`pvsite.results.loads.check_metered`);
        default the modelled load of :func:`pvsite.results.loads.load_profile`.
    battery_kwh_per_kwp : float
        Battery capacity per kWp of PV [kWh/kWp].
    battery_kw_per_kwh : float
        Battery power per kWh of capacity [kW/kWh] (0.5: a 2-hour battery).
    flexible_share : float
        Share of each day's load that may move into the day's PV surplus hours [0-1].
    by : {'institution', 'building', 'district'}
    planes : DataFrame, optional
        The surface table of the same estimate (see :func:`pvsite.energy.hourly.hourly`).
    rule : {'load', 'peak'}
        Battery discharge rule (see the module).
    assumptions : Assumptions, optional
        Tariff, export price, battery efficiency, limits and price, PV costs.

    Returns
    -------
    DataFrame
        One row per group, the columns of :data:`COLUMNS`.

    Examples
    --------
    >>> import pvsite
    >>> w = pvsite.datasets.shanghai_weather()
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(30), w)
    >>> sc = self_consumption(r, w, battery_kwh_per_kwp=0.5)
    >>> bool((sc["self_consumed_kwh"] <= sc["generation_kwh"] + 1e-6).all())
    True
    """
    a = assumptions or Assumptions()
    gen, lo, labels, kwp, sites = _inputs(result, weather, load, by, planes, a)
    cap = kwp * battery_kwh_per_kwp
    power = cap * battery_kw_per_kwh
    sums = dispatch(gen, lo, weather.index, battery_kwh=cap, battery_kw=power,
                    flexible_share=flexible_share, rule=rule, assumptions=a)
    return _table(sums, labels, kwp, sites, cap, power, a)


def battery_sweep(
    result: Any,
    weather: pd.DataFrame,
    load: pd.DataFrame | None = None,
    *,
    sizes: Any = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0),
    battery_kw_per_kwh: float = 0.5,
    flexible_share: float = 0.0,
    by: str = "institution",
    planes: Any = None,
    rule: str = "load",
    assumptions: Assumptions | None = None,
) -> pd.DataFrame:
    """Self-consumption and payback against battery size, for all groups together.

    The hourly generation and load are computed once and dispatched for each size.

    Parameters
    ----------
    sizes : sequence of float
        Battery capacities per kWp of PV [kWh/kWp].
    result, weather, load, battery_kw_per_kwh, flexible_share, by, planes, rule, assumptions
        As :func:`self_consumption`.

    Returns
    -------
    DataFrame
        One row per size (index ``battery_kwh_per_kwp``): ``battery_kwh``,
        ``generation_kwh``, ``load_kwh``, ``self_consumed_kwh``, ``exported_kwh``,
        ``imported_kwh``, ``bill_savings_yuan`` (sums over groups), ``self_consumption_ratio``,
        ``self_sufficiency``, ``payback_years`` (of the totals) and
        ``median_payback_years`` (over groups with PV).
    """
    a = assumptions or Assumptions()
    gen, lo, labels, kwp, sites = _inputs(result, weather, load, by, planes, a)
    rows = []
    for size in sizes:
        cap = kwp * float(size)
        power = cap * battery_kw_per_kwh
        sums = dispatch(gen, lo, weather.index, battery_kwh=cap, battery_kw=power,
                        flexible_share=flexible_share, rule=rule, assumptions=a)
        t = _table(sums, labels, kwp, sites, cap, power, a)
        tot = t[["battery_kwh", "generation_kwh", "load_kwh", "self_consumed_kwh",
                 "exported_kwh", "imported_kwh", "bill_savings_yuan"]].sum()
        invest = (kwp.sum() * 1000 * a.capex_yuan_per_wp + sites.sum() * a.site_cost_yuan
                  + cap.sum() * a.battery_price_yuan_per_kwh)
        net = tot["bill_savings_yuan"] - kwp.sum() * 1000 * a.opex_yuan_per_wp_year
        with_pv = t["capacity_kwp"] > 0
        rows.append({"battery_kwh_per_kwp": float(size), **tot.to_dict(),
                     "self_consumption_ratio": tot["self_consumed_kwh"] / tot["generation_kwh"]
                     if tot["generation_kwh"] > 0 else np.nan,
                     "self_sufficiency": 1 - tot["imported_kwh"] / tot["load_kwh"]
                     if tot["load_kwh"] > 0 else np.nan,
                     "payback_years": invest / net if net > 0 else np.inf,
                     "median_payback_years": float(t.loc[with_pv, "payback_years"].median())
                     if with_pv.any() else np.nan})
    return pd.DataFrame(rows).set_index("battery_kwh_per_kwp")


def direct_use(generation: Any, load: Any) -> tuple[np.ndarray, np.ndarray]:
    """Energy a load takes straight from PV, hour by hour, without storage.

    Parameters
    ----------
    generation, load : array-like, (sites, hours)
        Hourly PV energy and demand [kWh].

    Returns
    -------
    (ndarray, ndarray)
        Per site: the energy used directly, the sum over hours of the smaller of the two
        [kWh], and that as a share of the PV energy [0-1] (0 without PV).

    Examples
    --------
    >>> used, share = direct_use([[2.0, 2.0, 0.0]], [[1.0, 3.0, 3.0]])
    >>> float(used[0]), float(share[0])
    (3.0, 0.75)
    """
    gen = np.asarray(generation, dtype=float)
    used = np.minimum(gen, np.asarray(load, dtype=float)).sum(axis=1)
    total = gen.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, used / total, 0.0)
    return used, share
