"""How far a set of buildings is from a capacity target, and which roofs close the gap."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from .economics import economics

__all__ = ["POLICIES", "PRIORITY", "ShortfallReport", "shortfall"]

#: Ranking policies of the siting plan.
POLICIES = ("priority", "fewest_sites", "yield", "cost")
#: Order of institution types under the 'priority' policy: the 2022 Shanghai plan asks schools
#: and hospitals to lead ("学校、医院带头"), with party and government offices, universities
#: and large hospitals among the first; other public buildings follow.
PRIORITY = ("school", "hospital", "government", "university", "other_public")


@dataclass
class ShortfallReport:
    """The gap to a capacity target and the ranked plan that closes it (all in kW / kWp).

    Attributes
    ----------
    target_kw, installed_kw, potential_kw, planned_kw, gap_kw : float
        Target; capacity already installed; technical potential of the eligible roofs; capacity
        of the plan; target - installed - planned, never below 0 [kW].
    reachable : bool
        Whether installed capacity plus the whole potential reaches the target.
    table : DataFrame
        Per district: installed, potential, planned, target share and gap [kW].
    by_type : DataFrame
        Per institution type: potential and planned [kW], buildings planned.
    plan : DataFrame
        The ranked roofs that reach the target and no more, with ``capacity_kwp`` and
        ``cumulative_kwp``.
    policy, target_reading : str
        The ranking policy used, and how the target was read (new capacity, or total installed).
    district_targets : str
        Where the districts' targets came from: ``'given'`` (``district_targets_kw``) or
        ``'shared'`` (the city target shared out by technical potential).
    """

    target_kw: float
    installed_kw: float
    potential_kw: float
    planned_kw: float
    gap_kw: float
    reachable: bool
    table: pd.DataFrame
    by_type: pd.DataFrame
    plan: pd.DataFrame
    policy: str
    target_reading: str
    labels: str = ""
    notes: list[str] = field(default_factory=list)
    district_targets: str = "shared"

    def summary(self) -> str:
        """A few lines of plain text: target, potential, plan, gap and short districts."""
        lines = [
            f"Target {self.target_kw / 1000:,.1f} MW ({self.target_reading}); installed "
            f"{self.installed_kw / 1000:,.1f} MW; technical potential of eligible roofs "
            f"{self.potential_kw / 1000:,.1f} MWp.",
            f"Plan ({self.policy}): {len(self.plan):,} roofs, {self.planned_kw / 1000:,.1f} MWp, "
            f"{self.plan['annual_kwh'].sum() / 1e6:,.1f} GWh/yr."
            if len(self.plan) else "Plan: no eligible roof.",
        ]
        if len(self.plan) and "capex_yuan" in self.plan:
            kwh = self.plan["annual_kwh"].sum()
            lcoe = (self.plan["lcoe_yuan_per_kwh"] * self.plan["annual_kwh"]).sum() / kwh \
                if kwh > 0 else float("nan")
            lines.append(f"Investment about {self.plan['capex_yuan'].sum() / 1e6:,.0f} million "
                         f"yuan; energy-weighted LCOE {lcoe:.2f} yuan/kWh (cost assumptions of "
                         "pvsite.Assumptions).")
        if self.reachable:
            lines.append(f"The target is reached: gap {self.gap_kw / 1000:,.1f} MW.")
        else:
            short = self.table[self.table["gap_kw"] > 0].sort_values("gap_kw", ascending=False)
            names = ", ".join(f"{d} ({g / 1000:,.1f} MW)" for d, g in
                              short["gap_kw"].head(5).items())
            lines.append(f"NOT reachable with these buildings: short by "
                         f"{self.gap_kw / 1000:,.1f} MW even with every suitable roof. "
                         f"Shortest districts: {names}.")
        if self.labels:
            lines.append(f"Data: {self.labels}.")
        lines.extend(self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<ShortfallReport\n{self.summary()}\n>"

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.summary().splitlines())
        return (f"<div><strong>pvsite shortfall</strong><ul>{items}</ul>"
                f"<details><summary>by district</summary>"
                f"{self.table.to_html(float_format=lambda v: f'{v:,.1f}')}</details>"
                f"<details><summary>by institution type</summary>"
                f"{self.by_type.to_html(float_format=lambda v: f'{v:,.1f}')}</details>"
                f"<details><summary>plan, first 20 roofs</summary>"
                f"{self.plan.head(20).to_html(float_format=lambda v: f'{v:,.1f}')}</details>"
                "</div>")


def shortfall(
    result: Any,
    target_kw: float | None = None,
    installed_kw: float | Mapping[str, float] | pd.Series = 0.0,
    *,
    policy: str = "priority",
    target_is_new: bool = True,
    uptake: float = 1.0,
    excluded_types: Sequence[str] = ("not_public",),
    min_system_kwp: float = 0.0,
    district_targets_kw: Mapping[str, float] | None = None,
    assumptions: Assumptions | None = None,
) -> ShortfallReport:
    """Gap between a capacity target and what the buildings can host, with a ranked plan.

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate`.
    target_kw : float, optional
        The target [kW]; default ``Assumptions().target_kw`` (50,000 kW, the 2022 Shanghai
        public-institution plan).
    installed_kw : float, mapping or Series
        Capacity already installed [kW]: one number for the city, a mapping of district to kW,
        or a Series on the result's index (per building; those roofs are then left out of the
        plan).
    policy : {'priority', 'fewest_sites', 'yield', 'cost'}
        Ranking: institution type in :data:`PRIORITY` order then specific yield; largest
        systems first (fewest sites); highest specific yield first; or lowest levelised cost
        of energy first (:func:`pvsite.economics`, with ``assumptions``' cost fields). The plan
        always carries ``lcoe_yuan_per_kwh``, ``capex_yuan`` and ``payback_years``.
    target_is_new : bool, default True
        The plan says both "新增装机容量5万千瓦" (50 MW *new*) and "装机峰值功率达5万千瓦" (50 MW
        *installed*): with True, installed capacity does not count toward the target (the gap
        is target - planned); with False it does (target - installed - planned).
    uptake : float, default 1.0
        Share of each roof's technical potential assumed built [0-1].
    excluded_types : sequence of str
        Institution types that cannot count toward the target (default ``not_public``).
    min_system_kwp : float
        Roofs with less capacity are left out [kWp].
    district_targets_kw : mapping, optional
        A target per district [kW]; default: the city target shared out by technical potential.
    assumptions : Assumptions, optional
        Cost assumptions for the plan's economics and the 'cost' policy.

    Returns
    -------
    ShortfallReport

    Examples
    --------
    >>> import pvsite
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(60),
    ...                     pvsite.datasets.shanghai_weather())
    >>> rep = shortfall(r, target_kw=500)
    >>> bool(rep.plan["cumulative_kwp"].iloc[-1] >= 500) or not rep.reachable
    True
    """
    if policy not in POLICIES:
        raise ValueError(f"policy={policy!r}; use one of {list(POLICIES)}.")
    if not 0 <= uptake <= 1:
        raise ValueError(f"uptake={uptake}; it is a share between 0 and 1.")
    target = Assumptions().target_kw if target_kw is None else float(target_kw)
    df = pd.DataFrame(result.drop(columns=result.geometry.name)
                      if hasattr(result, "geometry") else result).copy()
    df["district"] = df["district"].astype(object).where(df["district"].notna(), "(none)")

    # installed capacity: per building, per district or one number
    per_building = isinstance(installed_kw, pd.Series) and installed_kw.index.equals(df.index)
    if per_building:
        inst_b = pd.Series(installed_kw, index=df.index).fillna(0.0).astype(float)
        inst_d = inst_b.groupby(df["district"]).sum()
    elif isinstance(installed_kw, (Mapping, pd.Series)):
        inst_d = pd.Series(dict(installed_kw), dtype=float)
        inst_b = pd.Series(0.0, index=df.index)
    else:
        inst_d = pd.Series(dtype=float)
        inst_b = pd.Series(0.0, index=df.index)
    installed = float(inst_d.sum()) if len(inst_d) else float(installed_kw)  # type: ignore[arg-type]

    eligible = ((df["status"] == "ok") & (df["capacity_kwp"] > 0)
                & ~df["institution_type"].isin(list(excluded_types)) & (inst_b <= 0))
    cand = df[eligible].copy()
    cand["capacity_kwp"] = cand["capacity_kwp"] * uptake
    cand["annual_kwh"] = cand["annual_kwh"] * uptake
    cand = cand[cand["capacity_kwp"] >= max(min_system_kwp, 1e-9)]
    cand = cand.join(economics(cand, assumptions=assumptions))
    potential = float(cand["capacity_kwp"].sum())
    need = max(target - (0.0 if target_is_new else installed), 0.0)

    if policy == "priority":
        rank = cand["institution_type"].map({t: i for i, t in enumerate(PRIORITY)}).fillna(
            len(PRIORITY))
        cand = cand.assign(_r=rank).sort_values(
            ["_r", "specific_yield_kwh_per_kwp", "capacity_kwp"],
            ascending=[True, False, False], kind="stable").drop(columns="_r")
    elif policy == "fewest_sites":
        cand = cand.sort_values(["capacity_kwp", "specific_yield_kwh_per_kwp"],
                                ascending=[False, False], kind="stable")
    elif policy == "yield":
        cand = cand.sort_values(["specific_yield_kwh_per_kwp", "capacity_kwp"],
                                ascending=[False, False], kind="stable")
    else:
        cand = cand.sort_values(["lcoe_yuan_per_kwh", "capacity_kwp"], ascending=[True, False],
                                kind="stable")
    cumulative = cand["capacity_kwp"].cumsum()
    # roofs before the cumulative sum reaches the need, plus the one that crosses it
    n_take = int(np.searchsorted(cumulative.to_numpy(), need - 1e-9) + 1) if need > 0 else 0
    plan = cand.iloc[:min(n_take, len(cand))].copy()
    plan["rank"] = np.arange(1, len(plan) + 1)
    plan["cumulative_kwp"] = plan["capacity_kwp"].cumsum()
    keep = [c for c in ("rank", "building_id", "institution_id", "institution_name",
                        "institution_type", "district", "capacity_kwp", "cumulative_kwp",
                        "annual_kwh", "specific_yield_kwh_per_kwp", "co2_avoided_t",
                        "coal_saved_tce", "capex_yuan", "lcoe_yuan_per_kwh", "payback_years")
            if c in plan]
    plan = plan[keep]
    planned = float(plan["capacity_kwp"].sum())
    gap = max(need - planned, 0.0)
    reachable = potential >= need - 1e-6

    # per district
    pot_d = cand.groupby("district")["capacity_kwp"].sum()
    plan_d = plan.groupby("district")["capacity_kwp"].sum()
    districts = sorted(set(df["district"]) | set(inst_d.index))
    table = pd.DataFrame(index=pd.Index(districts, name="district"))
    table["installed_kw"] = inst_d.reindex(districts).fillna(0.0)
    table["potential_kw"] = pot_d.reindex(districts).fillna(0.0)
    table["planned_kw"] = plan_d.reindex(districts).fillna(0.0)
    if district_targets_kw is not None:
        table["target_kw"] = pd.Series(dict(district_targets_kw), dtype=float).reindex(
            districts).fillna(0.0)
        reading, targets_from = "district targets given", "given"
    else:
        weight = table["potential_kw"] if potential > 0 else pd.Series(1.0, index=table.index)
        table["target_kw"] = need * weight / weight.sum() if len(table) else 0.0
        reading, targets_from = "city target shared out by technical potential", "shared"
    counted = table["planned_kw"] + (0.0 if target_is_new else table["installed_kw"])
    table["gap_kw"] = (table["target_kw"] - counted).clip(lower=0.0)
    by_type = pd.DataFrame({
        "potential_kw": cand.groupby("institution_type")["capacity_kwp"].sum(),
        "planned_kw": plan.groupby("institution_type")["capacity_kwp"].sum(),
        "buildings_planned": plan.groupby("institution_type").size(),
    }).fillna(0.0)
    notes = [f"District targets: {reading}."]
    if uptake < 1:
        notes.append(f"Uptake {uptake:.0%} of each roof's technical potential.")
    return ShortfallReport(
        target_kw=target, installed_kw=installed, potential_kw=potential, planned_kw=planned,
        gap_kw=gap, reachable=reachable, table=table, by_type=by_type,
        plan=plan.reset_index(names="building"), policy=policy,
        target_reading=("new capacity (installed not counted)" if target_is_new
                        else "total installed capacity"),
        labels=str(result.attrs.get("data_labels", "")), notes=notes,
        district_targets=targets_from)
