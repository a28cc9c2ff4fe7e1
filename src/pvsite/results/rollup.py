"""Totals of a result by institution, institution type, district or the whole city."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from ..assumptions import Assumptions
from ..errors import ArgumentError

__all__ = ["COLUMNS", "GROUPINGS", "PUBLIC_ONLY", "rollup"]

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


def rollup(result: Any, by: str = "district", *, target_kw: float | None = None) -> pd.DataFrame:
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
    keys = GROUPINGS[by]
    geometry = getattr(getattr(result, "geometry", None), "name", None)
    df = pd.DataFrame(result.drop(columns=geometry) if geometry else result).copy()
    df["suitable"] = (df["status"] == "ok") & (df["capacity_kwp"] > 0)
    df["buildings"] = 1
    public = df["institution_type"].notna() & (df["institution_type"] != "not_public")
    df["public_buildings"] = public.astype(int)
    public_ok = public & (df["status"] == "ok")
    df["public_capacity_kwp"] = df["capacity_kwp"].where(public_ok, 0.0)
    df["public_annual_kwh"] = df["annual_kwh"].where(public_ok, 0.0)
    if not keys:
        df["city"] = "city"
        keys = ["city"]
    for k in keys:  # a missing key column (no institution_id): one '(none)' group
        df[k] = df[k].astype(object).where(df[k].notna(), "(none)") if k in df else "(none)"
    table = df.groupby(keys, sort=True)[["buildings", "suitable", *_SUMS, "public_buildings",
                                         "public_capacity_kwp", "public_annual_kwh"]].sum()
    if by == "institution":
        first = df.groupby(keys)[[c for c in ("institution_name", "institution_type",
                                              "district") if c in df]].first()
        table = first.join(table)
    table["specific_yield_kwh_per_kwp"] = (table["annual_kwh"]
                                           / table["capacity_kwp"].where(table["capacity_kwp"] > 0))
    share = table["public_capacity_kwp"] / target if target > 0 else float("nan")
    table["share_of_target"] = share
    if "institution_type" in table.columns or "institution_type" in table.index.names:
        kind = (table["institution_type"] if "institution_type" in table.columns
                else table.index.get_level_values("institution_type").to_series(
                    index=table.index))
        table.loc[(kind == "not_public").to_numpy(), "share_of_target"] = float("nan")
    table = table[[c for c in table.columns if c not in COLUMNS] + list(COLUMNS)]
    table["suitable"] = table["suitable"].astype(int)
    return table
