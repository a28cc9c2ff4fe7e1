"""How far a set of buildings is from a capacity target, and which roofs close the gap."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..errors import ArgumentError
from .economics import economics
from .rollup import SURFACES, count_surfaces
from .savings import savings
from .schema import OUTPUT_COLUMNS
from .uncertainty import drawn_range

__all__ = ["PLAN_COLUMNS", "POLICIES", "PRIORITY", "TABLE_COLUMNS", "ShortfallReport",
           "plan_frame", "shortfall"]
__all__ += ["MAX_OUTSIDE_SHARE", "heights_line", "unmapped_line"]

#: Ranking policies of the siting plan.
POLICIES = ("priority", "fewest_sites", "yield", "cost")
#: Order of institution types under the 'priority' policy: the 2022 Shanghai plan asks schools
#: and hospitals to lead ("学校、医院带头"), with party and government offices, universities
#: and large hospitals among the first; other public buildings follow.
PRIORITY = ("school", "hospital", "government", "university", "other_public")

#: Share of the eligible capacity outside every district above which :func:`shortfall` refuses
#: to split the default (Shanghai) target without ``target_kw`` or ``district_targets_kw``,
#: and warns with a target given. A pvsite assumption: a few buildings across a border are
#: normal; most of them mean buildings of another city, or the wrong district layer.
MAX_OUTSIDE_SHARE = 0.5
#: Columns of ``ShortfallReport.table`` (one row per district), with unit and meaning.
TABLE_COLUMNS: dict[str, str] = {
    "installed_kw": "capacity already installed [kW] (a city total given as one number is "
                    "not shared out: 0 here)",
    "potential_kw": "technical potential of the eligible roofs (public institutions, status "
                    "ok, after uptake and min_system_kwp) [kWp]",
    "planned_kw": "capacity of the plan's roofs in the district [kWp]",
    "target_kw": "the district's target [kW]: given (district targets), or the city target "
                 "shared out by technical potential",
    "gap_kw": "target_kw - planned_kw, never below 0 [kW]",
}
#: Columns of ``ShortfallReport.plan`` (one row per planned roof, in plan order).
PLAN_COLUMNS: dict[str, str] = {
    "rank": "position in the plan, 1 first [-]",
    "building": "the building's index in the result (buildings.csv)",
    "building_id": "the input's building id",
    "institution_id": "the input's institution id",
    "institution_name": "the input's institution name",
    "institution_type": "government, university, school, hospital or other_public",
    "district": "district name as in the boundaries",
    "capacity_kwp": OUTPUT_COLUMNS["capacity_kwp"],
    "cumulative_kwp": "capacity of this roof and every roof ranked before it [kWp]",
    **{c: OUTPUT_COLUMNS[c] for c in ("annual_kwh", "specific_yield_kwh_per_kwp",
                                      "co2_avoided_t", "coal_saved_tce")},
    "capex_yuan": "investment in the roof's system [yuan] (illustrative cost assumptions of "
                  "pvsite.Assumptions)",
    "lcoe_yuan_per_kwh": "levelised cost of energy: discounted cost over discounted energy "
                         "[yuan/kWh]",
    "payback_years": "simple payback: investment over first-year savings less O&M [a]; inf "
                     "where it does not pay",
}


def _kw_value(name: str, value: Any) -> float:
    """``value`` as a number of kW, at least 0; else a one-line ValueError saying so."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ArgumentError(f"{name}={value!r}; give a number of kW.") from None
    if not math.isfinite(v) or v < 0:
        raise ArgumentError(f"{name}={value!r}; give a finite number of kW of at least 0.")
    return v


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
    uncertainty : DataFrame or None
        With ``shortfall(..., uncertainty=N)``: P10/P50/P90 of the eligible surfaces' capacity
        [kWp] and annual energy [kWh] (the roofs drawn; facades and carports counted as they
        are, their energy times the weather factor) for the city, each district and each type
        over N draws of the uncertain assumptions (columns
        :data:`pvsite.results.uncertainty.UNCERTAINTY_COLUMNS`); else None.
    p_reachable : float or None
        With ``uncertainty=N``: the share of draws whose plan reaches the target [0-1].
    unmapped : GeoDataFrame or None
        With ``sites=``: the sites mapped without buildings (:func:`pvsite.unmapped_sites`),
        each with ``capacity_kwp_low`` and ``capacity_kwp_high``; never counted in the
        potential or the plan.
    heights_defaulted : float
        Share of the result's buildings whose height is a default (no height, no storeys)
        [0-1].
    attribution : str
        The result's data attribution (OpenStreetMap's, for OSM data), for maps of the report.
    uptake : float
        Share of each roof's technical potential assumed built [0-1] (``notes`` say so when
        below 1).
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
    uncertainty: pd.DataFrame | None = None
    p_reachable: float | None = None
    unmapped: Any = None
    heights_defaulted: float = 0.0
    attribution: str = ""
    surfaces: tuple[str, ...] = ("roof",)
    uptake: float = 1.0

    def summary(self) -> str:
        """A few lines of plain text: target, potential, plan, gap and short districts."""
        what = "roofs" if self.surfaces == ("roof",) else "surfaces"
        lines = [
            f"Target {self.target_kw / 1000:,.1f} MW ({self.target_reading}); installed "
            f"{self.installed_kw / 1000:,.1f} MW; technical potential of eligible {what} "
            f"{self.potential_kw / 1000:,.1f} MWp.",
            f"Plan ({self.policy}): {len(self.plan):,} {what}, "
            f"{self.planned_kw / 1000:,.1f} MWp, "
            f"{self.plan['annual_kwh'].sum() / 1e6:,.1f} GWh/yr."
            if len(self.plan) else f"Plan: no eligible {what[:-1]}.",
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
                         f"{self.gap_kw / 1000:,.1f} MW even with every suitable "
                         f"{what[:-1]}. "
                         f"Shortest districts: {names}.")
        if self.uncertainty is not None:
            lines.append(_range_line(self.uncertainty, self.p_reachable))
        if self.unmapped is not None and len(self.unmapped):
            lines.append(unmapped_line(self.unmapped))
        if self.heights_defaulted > 0:
            lines.append(heights_line(self.heights_defaulted))
        if self.labels:
            lines.append(f"Data: {self.labels}.")
        lines.extend(self.notes)
        lines.append("Surfaces counted: " + ", ".join(f"{k}s" for k in self.surfaces)
                     + (" (facades and carports not counted)." if self.surfaces == ("roof",)
                        else "."))
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
                + (f"<details><summary>range (P10/P50/P90)</summary>"
                   f"{self.uncertainty.to_html(float_format=lambda v: f'{v:,.1f}')}</details>"
                   if self.uncertainty is not None else "")
                + "</div>")


def _range_line(table: pd.DataFrame, p_reachable: float | None) -> str:
    """One line: the city's P10-P50-P90 of capacity and energy, and p(reachable)."""
    city = table[table["level"] == "city"].set_index("quantity")
    kw, kwh = city.loc["capacity_kwp"], city.loc["annual_kwh"]
    p = "" if p_reachable is None else f"; target reachable in {p_reachable:.0%} of draws"
    return (f"Range over {table.attrs.get('n_draws', '?')} draws of the uncertain assumptions "
            f"(P10 / P50 / P90): {kw['p10'] / 1000:,.1f} / {kw['p50'] / 1000:,.1f} / "
            f"{kw['p90'] / 1000:,.1f} MWp, {kwh['p10'] / 1e6:,.1f} / {kwh['p50'] / 1e6:,.1f} / "
            f"{kwh['p90'] / 1e6:,.1f} GWh/yr{p}.")


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
    uncertainty: int = 0,
    seed: int | None = 0,
    sites: Any = None,
    surfaces: Any = ("roof",),
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
        Cost assumptions for the plan's economics and the 'cost' policy, and
        ``max_default_height_share``; with
        ``uncertainty``, also the obstruction shares given to :func:`pvsite.estimate` and the
        ranges to draw (``obstruction_share_range``, ``weather_year_range``,
        ``default_height_shading_range``).
    uncertainty : int, default 0
        Number of draws of the uncertain assumptions (0: none). The report then carries
        ``uncertainty`` (P10/P50/P90 per city, district and type) and ``p_reachable``, from
        :func:`pvsite.results.uncertainty.drawn_range` on the eligible roofs with the same
        policy, uptake and exclusions, the other ``surfaces`` counted added to every draw.
    seed : int or None, default 0
        Seed of the draws (:func:`numpy.random.default_rng`).
    sites : GeoDataFrame, optional
        The institution sites given to :func:`pvsite.estimate`: those mapped without
        buildings go to ``report.unmapped`` with a capacity range
        (:func:`pvsite.unmapped_sites`) and a line of the summary, never into the plan.
    surfaces : sequence of {'roof', 'facade', 'carport'}, default ('roof',)
        Which kinds of PV surface count toward the target (:data:`pvsite.results.rollup.
        SURFACES`): by default the roofs alone, as before facades and car parks. With more,
        each building's facades (``estimate(..., facades=True)``: its usable walls, one
        candidate per building) and each ``ok`` car park's canopies (``estimate(...,
        parking=...)``) are candidates beside the roofs, ranked by the same policy, and the
        plan has a ``surface`` column; the economics use the roofs' cost assumptions for every
        kind. ``installed_kw`` per building and ``min_system_kwp`` apply to roofs only.

    Returns
    -------
    ShortfallReport

    Raises
    ------
    ArgumentError
        On a bad argument; and when ``target_kw`` and ``district_targets_kw`` are both left
        out while more than :data:`MAX_OUTSIDE_SHARE` of the eligible capacity lies outside
        every district: Shanghai's default target is not split over other places unasked.

    Warns
    -----
    PvsiteWarning
        When more than ``assumptions.max_default_height_share`` of the buildings have a
        default height (the summary says the share either way); and when more than
        :data:`MAX_OUTSIDE_SHARE` of the eligible capacity lies outside every district
        (buildings of another city: pass ``districts=`` to :func:`pvsite.estimate`).

    Examples
    --------
    >>> import pvsite
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(60),
    ...                     pvsite.datasets.shanghai_weather())
    >>> rep = shortfall(r, target_kw=500)
    >>> bool(rep.plan["cumulative_kwp"].iloc[-1] >= 500) or not rep.reachable
    True
    """
    if isinstance(getattr(result, "index", None), pd.MultiIndex):
        raise ArgumentError(f"shortfall needs one label per building; this result has a "
                         f"MultiIndex {list(result.index.names)}: call "
                         "result.reset_index() first (the levels become columns).")
    if policy not in POLICIES:
        raise ArgumentError(f"policy={policy!r}; use one of {list(POLICIES)}.")
    if not 0 <= uptake <= 1:  # also refuses NaN
        raise ArgumentError(f"uptake={uptake}; it is a share between 0 and 1.")
    if not (isinstance(uncertainty, (int, np.integer)) and not isinstance(uncertainty, bool)
            and uncertainty >= 0):
        raise ArgumentError(f"uncertainty={uncertainty!r}; give a whole number of draws (0: none).")
    target = Assumptions().target_kw if target_kw is None else _kw_value("target_kw", target_kw)
    _kw_value("min_system_kwp", min_system_kwp)
    if isinstance(installed_kw, (Mapping, pd.Series)):
        for k, v in dict(installed_kw).items():
            _kw_value(f"installed_kw[{k!r}]", v if pd.notna(v) else 0.0)
    else:
        _kw_value("installed_kw", installed_kw)
    for k, v in dict(district_targets_kw or {}).items():
        _kw_value(f"district_targets_kw[{k!r}]", v)
    missing = [c for c in ("status", "capacity_kwp", "institution_type", "district")
               if c not in getattr(result, "columns", ())]
    if missing:
        raise ArgumentError(f"shortfall needs the result of pvsite.estimate (one row per "
                         f"building); this table lacks {missing}.")
    kinds = count_surfaces(result, surfaces)
    df = pd.DataFrame(result.drop(columns=result.geometry.name)
                      if hasattr(result, "geometry") else result).copy()
    if "site_kind" in df and "carport" not in kinds:  # car parks only where counted
        df = df[df["site_kind"] != "car_park"]
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
    if kinds != ("roof",):
        cand = _other_surfaces(cand if "roof" in kinds else cand.iloc[:0], df, kinds,
                               excluded_types, uptake, min_system_kwp, assumptions)
    eco = economics(cand, assumptions=assumptions)  # by position: a label may repeat by kind
    cand = cand.assign(**{c: eco[c].to_numpy() for c in eco})
    potential = float(cand["capacity_kwp"].sum())
    need = max(target - (0.0 if target_is_new else installed), 0.0)
    others = cand[cand["surface"] != "roof"] if "surface" in cand else None
    drawn, p_reachable = (drawn_range(df[eligible] if "roof" in kinds else df.iloc[:0],
                                      n_draws=int(uncertainty), need_kw=need, uptake=uptake,
                                      min_system_kwp=min_system_kwp, seed=seed,
                                      assumptions=assumptions, fixed=others)
                          if uncertainty else (None, None))
    outside = float(cand.loc[cand["district"] == "(none)", "capacity_kwp"].sum())
    mostly_outside = potential > 0 and outside / potential > MAX_OUTSIDE_SHARE
    if mostly_outside and target_kw is None and district_targets_kw is None:
        raise ArgumentError(
            f"{outside / potential:.0%} of the eligible capacity lies outside every district: "
            f"the default target ({target / 1000:,.0f} MW, Shanghai's) is not shared over "
            "'(none)'; give target_kw= (or district_targets_kw=), and districts= to "
            "pvsite.estimate for another city (pvsite run --target-kw, --district-targets, "
            "--districts).")
    if mostly_outside and district_targets_kw is None:
        import warnings

        from ..errors import PvsiteWarning

        warnings.warn(
            f"{outside / potential:.0%} of the eligible capacity lies outside every district "
            "('(none)' in the table): for another city pass districts= (its district polygons) "
            "to pvsite.estimate, and its own target_kw=.", PvsiteWarning, stacklevel=2)

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
    keep = [c for c in ("rank", "surface", "building_id", "institution_id", "institution_name",
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
        # no eligible roof anywhere: share evenly, but never to buildings outside every district
        weight = table["potential_kw"] if potential > 0 else pd.Series(
            (table.index != "(none)").astype(float), index=table.index)
        if not weight.sum():
            weight = pd.Series(1.0, index=table.index)
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
    a = assumptions or Assumptions()
    # of the buildings: a car park has no height
    houses = df[df["site_kind"] != "car_park"] if "site_kind" in df else df
    defaulted = (float((houses["height_source"] == "default").mean())
                 if "height_source" in houses and len(houses) else 0.0)
    if defaulted > a.max_default_height_share:
        import warnings

        from ..errors import PvsiteWarning

        warnings.warn(heights_line(defaulted) + f" (more than "
                      f"{a.max_default_height_share:.0%}, Assumptions.max_default_height_share)",
                      PvsiteWarning, stacklevel=2)
    unmapped = None
    if sites is not None:
        from .unmapped import unmapped_sites

        unmapped = unmapped_sites(result, sites)
    if uptake < 1:
        notes.append(f"Uptake {uptake:.0%} of each roof's technical potential.")
    return ShortfallReport(
        target_kw=target, installed_kw=installed, potential_kw=potential, planned_kw=planned,
        gap_kw=gap, reachable=reachable, table=table, by_type=by_type,
        plan=plan.reset_index(names="building"), policy=policy,
        target_reading=("new capacity (installed not counted)" if target_is_new
                        else "total installed capacity"),
        labels=str(result.attrs.get("data_labels", "")), notes=notes,
        district_targets=targets_from, uncertainty=drawn, p_reachable=p_reachable,
        unmapped=unmapped, heights_defaulted=defaulted,
        attribution=str(result.attrs.get("attribution", "") or ""), surfaces=kinds,
        uptake=float(uptake))


def unmapped_line(unmapped: Any) -> str:
    """The summary's line on sites mapped without buildings (:func:`pvsite.unmapped_sites`)."""
    return (f"{len(unmapped):,} sites mapped without buildings: "
            f"{unmapped['capacity_kwp_low'].sum() / 1000:,.1f}-"
            f"{unmapped['capacity_kwp_high'].sum() / 1000:,.1f} MWp not counted (a range from "
            "the building coverage of mapped sites; pvsite.unmapped_sites).")


def heights_line(share: float) -> str:
    """The summary's line on defaulted heights, with what to do about them."""
    return (f"Heights defaulted for {share:.0%} of the buildings (no height, no storeys): "
            "shading between them is guessed; give a height or storeys column "
            "(read_footprints(height=..., levels=...), pvsite run --height-column/"
            "--levels-column).")


def _other_surfaces(roofs: pd.DataFrame, df: pd.DataFrame, kinds: tuple[str, ...],
                    excluded_types: Sequence[str], uptake: float, min_system_kwp: float,
                    assumptions: Assumptions | None) -> pd.DataFrame:
    """The roofs' candidates with a ``surface`` column, and the other kinds' (as the roofs).

    Each kind after ``uptake``, none under ``min_system_kwp``.
    """
    parts = [roofs.assign(surface="roof")]
    allowed = ~df["institution_type"].isin(list(excluded_types)) & (df["status"] != "invalid")
    for k in kinds:
        if k == "roof":
            continue
        cap, kwh = SURFACES[k][:2]
        ok = allowed & (df[cap].fillna(0.0) > 0)
        if k == "carport":
            ok &= df["status"] == "ok"
        part = df[ok].copy()
        part["capacity_kwp"] = part[cap] * uptake
        part["annual_kwh"] = part[kwh] * uptake
        part = part[part["capacity_kwp"] >= max(min_system_kwp, 1e-9)]
        part["specific_yield_kwh_per_kwp"] = part[f"{k}_specific_yield_kwh_per_kwp"]
        sv = savings(part["annual_kwh"], assumptions=assumptions)
        for col in ("co2_avoided_t", "coal_saved_tce"):
            part[col] = sv[col].to_numpy()
        parts.append(part.assign(surface=k))
    return pd.concat(parts)


def plan_frame(report: ShortfallReport, result: Any) -> Any:
    """The plan's roofs with their footprints, indexed by ``building``, for GeoJSON/GeoPackage.

    Parameters
    ----------
    report : ShortfallReport
        From :func:`shortfall` on ``result``.
    result : GeoDataFrame
        From :func:`pvsite.estimate` (with car park rows when the plan counts carports):
        its geometry is joined on the plan's ``building``, a carport's on its car park.

    Returns
    -------
    GeoDataFrame
        The columns of ``report.plan`` (:data:`PLAN_COLUMNS`, ``rank`` first) with the
        footprints, in plan order, in the result's CRS.

    Examples
    --------
    >>> import pvsite
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(30),
    ...                     pvsite.datasets.shanghai_weather())
    >>> g = plan_frame(shortfall(r, target_kw=300), r)
    >>> list(g.index) == list(shortfall(r, target_kw=300).plan["building"])
    True
    """
    import geopandas as gpd

    plan = report.plan.set_index("building")
    if "site_kind" in result.columns:  # car parks' labels may repeat buildings': look each up
        lot = result["site_kind"].to_numpy() == "car_park"
        on_lot = (plan["surface"].to_numpy() == "carport" if "surface" in plan.columns
                  else np.zeros(len(plan), dtype=bool))
        geometry = np.where(on_lot, result.geometry[lot].reindex(plan.index).to_numpy(),
                            result.geometry[~lot].reindex(plan.index).to_numpy())
    else:
        geometry = result.geometry.reindex(plan.index).to_numpy()
    out = gpd.GeoDataFrame(plan, geometry=geometry, crs=result.crs)
    out.attrs.update({k: v for k, v in result.attrs.items() if isinstance(v, str)})
    return out
