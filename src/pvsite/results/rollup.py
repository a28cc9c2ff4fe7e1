"""Totals of a result by institution, institution type, district or the whole city."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..assumptions import Assumptions
from ..errors import ArgumentError
from .savings import savings

__all__ = ["COLUMNS", "GROUPINGS", "PUBLIC_ONLY", "READS", "SURFACES", "combine_rollups",
           "count_surfaces", "rollup"]

#: Kinds of PV surface that roll-ups and the shortfall can count, each with its capacity and
#: energy columns in the result and what adds them.
SURFACES: dict[str, tuple[str, str, str]] = {
    "roof": ("capacity_kwp", "annual_kwh", "pvsite.estimate(buildings, weather)"),
    "facade": ("facade_capacity_kwp", "facade_annual_kwh",
               "pvsite.estimate(buildings, weather, facades=True)"),
    "carport": ("carport_capacity_kwp", "carport_annual_kwh",
                "pvsite.estimate(buildings, weather, parking=car_parks)"),
}


def count_surfaces(result: Any, surfaces: Any) -> tuple[str, ...]:
    """``surfaces`` checked against :data:`SURFACES` and the result's columns, as a tuple.

    Raises
    ------
    ArgumentError
        An unknown kind, none at all, or a kind whose columns the result lacks (the message
        says which call adds them).
    """
    kinds = surface_kinds(surfaces)
    for k in kinds:
        if SURFACES[k][0] not in result.columns:
            raise ArgumentError(f"surfaces={surfaces!r} counts {k}s but the result has no "
                             f"{SURFACES[k][0]}: pass the result of {SURFACES[k][2]}.")
    return kinds


def surface_kinds(surfaces: Any) -> tuple[str, ...]:
    """``surfaces`` (one kind or several) as a tuple of known kinds, each once, in order.

    Raises
    ------
    ArgumentError
        An unknown kind, or none at all.
    """
    kinds = (surfaces,) if isinstance(surfaces, str) else tuple(surfaces)
    wrong = [k for k in kinds if k not in SURFACES]
    if wrong or not kinds:
        raise ArgumentError(f"surfaces={surfaces!r}; use some of {list(SURFACES)}.")
    return tuple(dict.fromkeys(kinds))

#: What ``rollup`` can group by, and the columns that name each group.
GROUPINGS = {
    "institution": ["institution_id"],
    "institution_type": ["institution_type"],
    "district": ["district"],
    "district_type": ["district", "institution_type"],
    "city": [],
}
_SUMS = ["roof_area_m2", "usable_area_m2", "n_modules", "capacity_kwp", "annual_kwh",
         "co2_avoided_t", "coal_saved_tce", "coal_saved_tce_consumption"]
#: Columns of a result that a roll-up of its roofs reads, besides the grouping's (a result
#: too large for memory is read with these only: :func:`combine_rollups`).
READS = ["status", "institution_type", "site_kind", *_SUMS]

#: Columns of a :func:`rollup` table after its keys, with unit and meaning (``pvsite run``
#: writes them to ``districts.csv`` and ``institution_types.csv``).
COLUMNS: dict[str, str] = {
    "buildings": "buildings in the group, public or not [-]",
    "suitable": "buildings with status 'ok' and at least one module, public or not [-]",
    "roof_area_m2": "roof surface area [m^2]",
    "usable_area_m2": "area left for modules [m^2]",
    "n_modules": "modules that fit [-]",
    "capacity_kwp": "DC capacity at STC [kWp] (every building, public or not)",
    "annual_kwh": "annual AC energy [kWh]",
    "co2_avoided_t": "CO2 avoided per year [t]",
    "coal_saved_tce": "standard coal saved per year, calorific-equivalent method [tce]",
    "coal_saved_tce_consumption": "standard coal saved per year, coal-consumption method [tce]",
    "specific_yield_kwh_per_kwp": "annual_kwh / capacity_kwp [kWh/kWp]",
    "public_buildings": "buildings of public institutions (institution_type not "
                        "'not_public') [-]",
    "public_capacity_kwp": "DC capacity of the public institutions' roofs with status 'ok' "
                           "[kWp] (what counts toward the target)",
    "public_annual_kwh": "annual AC energy of those roofs [kWh]",
    "share_of_target": "public_capacity_kwp / the capacity target [-]; empty for "
                       "not_public groups, to which no target applies",
}
#: The columns above that count only public institutions (the target's scope).
PUBLIC_ONLY = ("public_buildings", "public_capacity_kwp", "public_annual_kwh",
               "share_of_target")


def rollup(result: Any, by: str = "district", *, target_kw: float | None = None,
           surfaces: Any = ("roof",), assumptions: Assumptions | None = None) -> pd.DataFrame:
    """Sum a result of :func:`pvsite.estimate` by group.

    Parameters
    ----------
    result : DataFrame or GeoDataFrame
        From :func:`pvsite.estimate`.
    by : {'institution', 'institution_type', 'district', 'district_type', 'city'}
        The grouping.
    target_kw : float, optional
        Capacity target [kW] for the ``share_of_target`` column; default
        ``Assumptions().target_kw`` (50,000 kW).
    surfaces : sequence of {'roof', 'facade', 'carport'}, default ('roof',)
        Which kinds of PV surface ``capacity_kwp``, ``annual_kwh``, the savings, the specific
        yield and the public columns count (:data:`SURFACES`): by default the roofs alone, as
        without facades or car parks. With more kinds, ``{kind}_capacity_kwp`` and
        ``{kind}_annual_kwh`` keep each kind apart after the totals (a facade counts where its
        wall is usable, a carport where its car park is ``ok``: both are zero elsewhere), and
        with carports the car parks are counted in ``car_parks``; areas, ``n_modules``,
        ``buildings`` and ``suitable`` stay the roofs'. ``.attrs['surfaces']`` says which.
    assumptions : Assumptions, optional
        Emission and standard-coal factors for the savings of facades and carports.

    Returns
    -------
    DataFrame
        One row per group: ``buildings``, ``suitable`` (status 'ok' with modules),
        ``roof_area_m2``, ``usable_area_m2`` [m^2], ``n_modules``, ``capacity_kwp`` [kWp],
        ``annual_kwh`` [kWh], ``co2_avoided_t`` [t], ``coal_saved_tce`` and
        ``coal_saved_tce_consumption`` [tce], ``specific_yield_kwh_per_kwp`` [kWh/kWp] (all of
        these over every building, public or not); then public institutions only:
        ``public_buildings``, ``public_capacity_kwp`` [kWp] and ``public_annual_kwh`` [kWh] of
        their ``ok`` roofs, and ``share_of_target`` (public capacity over the target) [-],
        empty (NaN) for ``not_public`` groups, to which no target applies. Buildings without
        a group value (no district, no institution) form a group labelled ``'(none)'``.
        ``institution`` adds the institution's name, type and district.

    Examples
    --------
    >>> import pvsite
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(40),
    ...                     pvsite.datasets.shanghai_weather())
    >>> city = rollup(r, "city")
    >>> int(city["buildings"].iloc[0])
    40
    """
    if by not in GROUPINGS:
        raise ArgumentError(f"by={by!r}; use one of {list(GROUPINGS)}.")
    target = Assumptions().target_kw if target_kw is None else float(target_kw)
    if not math.isfinite(target) or target < 0:
        raise ArgumentError(f"target_kw={target_kw}; give the capacity target as a number of kW "
                         "of at least 0.")
    kinds = count_surfaces(result, surfaces)
    keys = GROUPINGS[by]
    geometry = getattr(getattr(result, "geometry", None), "name", None)
    df = pd.DataFrame(result.drop(columns=geometry) if geometry else result).copy()
    lot = (df["site_kind"] == "car_park") if "site_kind" in df else pd.Series(False, df.index)
    if "carport" not in kinds:
        df, lot = df[~lot], lot[~lot]
    df["suitable"] = (df["status"] == "ok") & (df["capacity_kwp"] > 0) & ~lot
    df["buildings"] = (~lot).astype(int)
    public = df["institution_type"].notna() & (df["institution_type"] != "not_public")
    df["public_buildings"] = (public & ~lot).astype(int)
    public_ok = public & (df["status"] == "ok")
    extra = _combine(df, kinds, public, public_ok, assumptions)
    if kinds == ("roof",):
        df["public_capacity_kwp"] = df["capacity_kwp"].where(public_ok, 0.0)
        df["public_annual_kwh"] = df["annual_kwh"].where(public_ok, 0.0)
    if not keys:
        df["city"] = "city"
        keys = ["city"]
    for k in keys:  # a missing key column (no institution_id): one '(none)' group
        df[k] = df[k].astype(object).where(df[k].notna(), "(none)") if k in df else "(none)"
    table = df.groupby(keys, sort=True)[["buildings", "suitable", *_SUMS, "public_buildings",
                                         "public_capacity_kwp", "public_annual_kwh",
                                         *extra]].sum()
    if by == "institution":
        first = df.groupby(keys)[[c for c in ("institution_name", "institution_type",
                                              "district") if c in df]].first()
        table = first.join(table)
    return _ratios(table, target, kinds, extra)


#: Columns of a roll-up computed from its sums (not added up when roll-ups are combined).
_RATIOS = ("specific_yield_kwh_per_kwp", "share_of_target")


def _ratios(table: pd.DataFrame, target: float, kinds: tuple[str, ...],
            extra: list[str]) -> pd.DataFrame:
    """The specific yield and share of target of a table of sums, the columns in order."""
    table["specific_yield_kwh_per_kwp"] = (table["annual_kwh"]
                                           / table["capacity_kwp"].where(table["capacity_kwp"] > 0))
    share = table["public_capacity_kwp"] / target if target > 0 else float("nan")
    table["share_of_target"] = share
    if "institution_type" in table.columns or "institution_type" in table.index.names:
        kind = (table["institution_type"] if "institution_type" in table.columns
                else table.index.get_level_values("institution_type").to_series(
                    index=table.index))
        table.loc[(kind == "not_public").to_numpy(), "share_of_target"] = float("nan")
    table = table[[c for c in table.columns if c not in COLUMNS and c not in extra]
                  + list(COLUMNS) + extra]
    table["suitable"] = table["suitable"].astype(int)
    table.attrs["surfaces"] = kinds
    return table


def combine_rollups(tables: Any, *, target_kw: float | None = None) -> pd.DataFrame:
    """The roll-up of a whole result from the roll-ups of its parts (rows split in any way).

    What a result too large for memory is rolled up by: :func:`rollup` each chunk of rows
    (the same ``by`` other than ``'institution'``, whose name and type columns are not
    sums, and the same ``surfaces``), then combine. Counts, areas, capacities, energies
    and savings are added group by group; the specific yield and share of target are
    computed again from the sums, so the result equals ``rollup`` on all the rows.

    Parameters
    ----------
    tables : iterable of DataFrame
        Roll-ups of disjoint parts of one result.
    target_kw : float, optional
        Capacity target [kW] for ``share_of_target``; default ``Assumptions().target_kw``.

    Returns
    -------
    DataFrame
        As :func:`rollup` gives it.

    Examples
    --------
    >>> import pvsite
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(40),
    ...                     pvsite.datasets.shanghai_weather())
    >>> whole = rollup(r, "institution_type")
    >>> parts = combine_rollups([rollup(r.iloc[:15], "institution_type"),
    ...                          rollup(r.iloc[15:], "institution_type")])
    >>> bool((parts["capacity_kwp"] - whole["capacity_kwp"]).abs().max() < 1e-9)
    True
    """
    tables = list(tables)
    if not tables:
        raise ArgumentError("combine_rollups needs at least one roll-up.")
    if any(not pd.api.types.is_numeric_dtype(t[c]) for t in tables for c in t.columns):
        raise ArgumentError("combine_rollups adds sums: roll-ups by 'institution' carry names "
                            "and types; combine those by district or institution_type.")
    target = Assumptions().target_kw if target_kw is None else float(target_kw)
    kinds = tables[0].attrs.get("surfaces", ("roof",))
    both = pd.concat([t.drop(columns=list(_RATIOS)) for t in tables])
    levels = list(range(both.index.nlevels))
    table = both.groupby(level=levels if len(levels) > 1 else 0, sort=True).sum()
    table.index.names = tables[0].index.names
    extra = [c for c in table.columns if c not in COLUMNS]
    return _ratios(table, target, tuple(kinds), extra)


def _combine(df: pd.DataFrame, kinds: tuple[str, ...], public: pd.Series, public_ok: pd.Series,
             assumptions: Assumptions | None) -> list[str]:
    """Totals over ``kinds`` in place of the roofs' (in ``df``); the per-kind columns added."""
    if kinds == ("roof",):
        return []
    extra: list[str] = []
    cap = pd.Series(0.0, index=df.index)
    kwh = cap.copy()
    pub_cap, pub_kwh = cap.copy(), cap.copy()
    for k in kinds:
        c, e = (df[col].fillna(0.0).astype(float) for col in SURFACES[k][:2])
        df[f"{k}_capacity_kwp"], df[f"{k}_annual_kwh"] = c, e
        extra += [f"{k}_capacity_kwp", f"{k}_annual_kwh"]
        cap, kwh = cap + c, kwh + e
        counted = public_ok if k == "roof" else public  # walls and car parks: zero if unusable
        pub_cap, pub_kwh = pub_cap + c.where(counted, 0.0), pub_kwh + e.where(counted, 0.0)
    roof_kwh = df["annual_kwh"] if "roof" in kinds else 0.0
    sv = savings(kwh - roof_kwh, assumptions=assumptions)
    for col in ("co2_avoided_t", "coal_saved_tce", "coal_saved_tce_consumption"):
        df[col] = (df[col] if "roof" in kinds else 0.0) + sv[col].to_numpy()
    df["capacity_kwp"], df["annual_kwh"] = cap, kwh
    df["public_capacity_kwp"], df["public_annual_kwh"] = pub_cap, pub_kwh
    if "carport" in kinds:
        df["car_parks"] = (df["site_kind"] == "car_park").astype(int)
        extra.append("car_parks")
    return extra
