"""Totals of a result by institution, institution type, district or the whole city."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..assumptions import Assumptions

__all__ = ["COLUMNS", "GROUPINGS", "rollup"]

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
    "buildings": "buildings in the group [-]",
    "suitable": "buildings with status 'ok' and at least one module [-]",
    "roof_area_m2": "roof surface area [m^2]",
    "usable_area_m2": "area left for modules [m^2]",
    "n_modules": "modules that fit [-]",
    "capacity_kwp": "DC capacity at STC [kWp] (every building, public or not)",
    "annual_kwh": "annual AC energy [kWh]",
    "co2_avoided_t": "CO2 avoided per year [t]",
    "coal_saved_tce": "standard coal saved per year, calorific-equivalent method [tce]",
    "coal_saved_tce_consumption": "standard coal saved per year, coal-consumption method [tce]",
    "specific_yield_kwh_per_kwp": "annual_kwh / capacity_kwp [kWh/kWp]",
    "share_of_target": "capacity_kwp / the capacity target [-]",
}


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
        ``coal_saved_tce_consumption`` [tce], ``specific_yield_kwh_per_kwp`` [kWh/kWp] and
        ``share_of_target`` (capacity over the target) [-]. Buildings without a group value
        (no district, no institution) form a group labelled ``'(none)'``. ``institution``
        adds the institution's name, type and district.

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
        raise ValueError(f"by={by!r}; use one of {list(GROUPINGS)}.")
    target = Assumptions().target_kw if target_kw is None else float(target_kw)
    keys = GROUPINGS[by]
    geometry = getattr(getattr(result, "geometry", None), "name", None)
    df = pd.DataFrame(result.drop(columns=geometry) if geometry else result).copy()
    df["suitable"] = (df["status"] == "ok") & (df["capacity_kwp"] > 0)
    df["buildings"] = 1
    if not keys:
        df["city"] = "city"
        keys = ["city"]
    for k in keys:
        df[k] = df[k].astype(object).where(df[k].notna(), "(none)")
    table = df.groupby(keys, sort=True)[["buildings", "suitable", *_SUMS]].sum()
    if by == "institution":
        first = df.groupby(keys)[[c for c in ("institution_name", "institution_type",
                                              "district") if c in df]].first()
        table = first.join(table)
    table["specific_yield_kwh_per_kwp"] = (table["annual_kwh"]
                                           / table["capacity_kwp"].where(table["capacity_kwp"] > 0))
    table["share_of_target"] = table["capacity_kwp"] / target if target > 0 else float("nan")
    table["suitable"] = table["suitable"].astype(int)
    return table
