"""Ranked candidates for the plan's pilot projects: PV carports, building-integrated PV.

The 2022 Shanghai public-institution plan asks for 10 "distributed PV + charging post"
carport projects and 15 building-integrated PV pilots by 2023. :func:`pilots` ranks the usable
candidates of one kind, public institutions only, by annual energy, optionally spread over
districts so that each district gets its turn.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import ArgumentError

__all__ = ["PILOT_KINDS", "pilots"]

#: Kinds of pilot, the columns a candidate table must have for each, and how many the 2022
#: plan asks for by 2023.
PILOT_KINDS: dict[str, tuple[tuple[str, ...], int]] = {
    "carport": (("capacity_kwp", "annual_kwh", "n_spaces", "n_chargers",
                 "specific_yield_kwh_per_kwp", "shading_loss", "capex_yuan", "reason"), 10),
    "facade": (("facade_capacity_kwp", "facade_annual_kwh", "facade_area_m2",
                "facade_specific_yield_kwh_per_kwp", "facade_shading_loss", "facade_reason"),
               15),
}


def pilots(result: Any, *, kind: str = "carport", n: int | None = None, spread: bool = False,
           public_only: bool = True) -> pd.DataFrame:
    """The ``n`` best candidates of one kind of pilot project, ranked.

    Parameters
    ----------
    result : DataFrame
        Candidates: for ``kind='carport'`` the table of :func:`pvsite.carports` (or a result
        of ``estimate(..., parking=...)``, whose car park rows are taken); for
        ``'facade'`` a result with facade columns (``estimate(..., facades=True)``).
    kind : {'carport', 'facade'}
        Which pilots.
    n : int, optional
        How many; default the plan's number (10 carports, 15 facades).
    spread : bool, default False
        Take the districts in turn (each district's best, then each one's second...), so
        that the pilots are spread over the city.
    public_only : bool, default True
        Only candidates of public institutions (``institution_type`` other than
        'not_public').

    Returns
    -------
    DataFrame
        The pilots in rank order (``rank`` from 1), with the candidate's institution,
        district and the columns of its kind; fewer than ``n`` rows where fewer candidates
        are usable.

    Raises
    ------
    ValueError
        ``kind`` unknown, or ``result`` lacks the columns of that kind (the message says
        what to pass).

    Examples
    --------
    >>> import geopandas as gpd, shapely, pvsite
    >>> lots = gpd.GeoDataFrame({"institution_type": ["school", "hospital"]},
    ...     geometry=[shapely.box(500000, 3450000, 500050, 3450030),
    ...               shapely.box(500100, 3450000, 500180, 3450040)], crs="EPSG:32651")
    >>> c = pvsite.carports(lots, pvsite.datasets.shanghai_weather(), districts=False)
    >>> pvsite.pilots(c, kind="carport")["institution_type"].tolist()
    ['hospital', 'school']
    """
    if kind not in PILOT_KINDS:
        raise ArgumentError(f"kind={kind!r}; use one of {sorted(PILOT_KINDS)}.")
    columns, default_n = PILOT_KINDS[kind]
    if kind == "carport" and "site_kind" in result and "carport_capacity_kwp" in result:
        # the car parks' rows of estimate(..., parking=...), under the carports' names
        lots = result[result["site_kind"] == "car_park"].drop(
            columns=[c for c in ("capacity_kwp", "annual_kwh", "n_modules",
                                 "specific_yield_kwh_per_kwp", "shading_loss",
                                 "co2_avoided_t") if c in result])
        result = lots.rename(columns=lambda c: c.removeprefix("carport_"))
    missing = [c for c in columns[:2] if c not in result.columns]
    if missing:
        how = ("pvsite.carports(parking, weather, ...)" if kind == "carport"
               else "pvsite.estimate(buildings, weather, facades=True)")
        raise ArgumentError(f"pilots(kind={kind!r}) needs the columns {missing}: pass the result "
                         f"of {how}.")
    energy = columns[1]
    ok = (result["status"] == "ok") if "status" in result else pd.Series(True, result.index)
    ok &= result[energy] > 0
    if public_only and "institution_type" in result:
        ok &= result["institution_type"].fillna("not_public") != "not_public"
    cand = pd.DataFrame(result[ok]).sort_values(energy, ascending=False, kind="stable")
    if spread and "district" in cand and len(cand):
        turn = cand.groupby(cand["district"].fillna("(none)"), sort=False).cumcount()
        cand = cand.assign(_turn=turn.to_numpy()).sort_values(
            ["_turn", energy], ascending=[True, False], kind="stable").drop(columns="_turn")
    cand = cand.head(default_n if n is None else int(n))
    keep = [c for c in ("institution_id", "institution_name", "institution_type", "district",
                        "district_en", *columns) if c in cand]
    out = cand[keep].copy()
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
