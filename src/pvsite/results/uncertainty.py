"""A range for the potential: P10/P50/P90 over draws of the weakest assumptions.

:func:`drawn_range` re-runs the cheap end of the chain on the per-building result, without
running :func:`pvsite.estimate` again, for ``n_draws`` draws of the ranges in
:class:`pvsite.Assumptions` (``obstruction_share_range``, ``weather_year_range``,
``default_height_shading_range``), all draws at once as arrays of draws x buildings:

- obstructions: the layout packs modules on the set-back roof and keeps
  ``floor(packed * (1 - share))`` of them (:func:`pvsite.geometry.layout.layout_planes`), so
  a roof's packed count is recovered as ``(n_modules + 0.5) / (1 - share)`` and its modules
  under a drawn share are ``floor(packed * (1 - drawn share))``; its usable area scales with
  ``1 - share`` and a roof whose usable area falls under ``min_usable_area_m2`` drops out.
  Roofs that are ``unsuitable`` at the deterministic shares stay out (their module count is
  not kept), so a draw with smaller shares is slightly low;
- weather year: every roof's energy times one factor per draw;
- default heights: the shading loss of roofs whose height is a default times one factor per
  draw (capped at a loss of 1); the energy scales with ``1 - loss``.

The flat-roof tilt is NOT drawn: a tilt changes the row pitch and so the packing, which only
the layout can recount (``Assumptions(flat_roof_tilt=...)`` and a second ``estimate``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..errors import ArgumentError

__all__ = ["UNCERTAINTY_COLUMNS", "drawn_range"]

#: Columns of ``ShortfallReport.uncertainty`` (one row per level, key and quantity).
UNCERTAINTY_COLUMNS: dict[str, str] = {
    "level": "'city', 'district' or 'institution_type'",
    "key": "the district or institution type ('city' on the city's rows)",
    "quantity": "'capacity_kwp' (technical potential of the eligible roofs [kWp]) or "
                "'annual_kwh' (their annual AC energy [kWh]), as ShortfallReport.potential_kw",
    "deterministic": "the value at the assumptions themselves, without drawing [kWp or kWh]",
    "p10": "10th percentile over the draws [kWp or kWh]",
    "p50": "median over the draws [kWp or kWh]",
    "p90": "90th percentile over the draws [kWp or kWh]",
}

#: Most draws x buildings held in memory at once (float64: about 32 MB per array).
_CELLS = 4_000_000


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float],
                 size: Any) -> np.ndarray:
    lo, hi = (float(b) for b in bounds)
    return np.exp(rng.uniform(np.log(lo), np.log(hi), size=size))


def _factors(n_draws: int, types: list[str], a: Assumptions,
             seed: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Obstruction factors (draws x types), weather and height factors (draws), in that order."""
    rng = np.random.default_rng(seed)
    obstruction = _log_uniform(rng, a.obstruction_share_range, (n_draws, len(types)))
    low, high = (float(b) for b in a.weather_year_range)
    weather = rng.uniform(low, high, size=n_draws)
    height = _log_uniform(rng, a.default_height_shading_range, n_draws)
    return obstruction, weather, height


def _add_fixed(sums: dict, other: pd.DataFrame, f_weather: np.ndarray, dist_keys: np.ndarray,
               type_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Add surfaces that are not drawn to every draw's sums (in place); the groups' keys."""
    for lvl, keys in (("district", dist_keys), ("institution_type", type_keys)):
        wider = np.union1d(keys, other[lvl].to_numpy(dtype=str))
        at = np.searchsorted(wider, keys)
        for q in ("capacity_kwp", "annual_kwh"):
            grown = np.zeros((sums[q][lvl].shape[0], wider.size))
            grown[:, at] = sums[q][lvl]
            sums[q][lvl] = grown
        if lvl == "district":
            dist_keys = wider
        else:
            type_keys = wider
    for q in ("capacity_kwp", "annual_kwh"):
        scale = f_weather[:, None] if q == "annual_kwh" else 1.0
        sums[q]["city"] += other[q].sum() * scale
        for lvl, keys in (("district", dist_keys), ("institution_type", type_keys)):
            per = other.groupby(lvl)[q].sum().reindex(keys, fill_value=0.0).to_numpy()
            sums[q][lvl] += per[None, :] * scale
    return dist_keys, type_keys


def _group_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum of each row of ``values`` (draws x buildings) over the buildings of each group."""
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes, minlength=n_groups)
    out = np.zeros((values.shape[0], n_groups))
    present = counts > 0
    if present.any():
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[present]
        out[:, present] = np.add.reduceat(values[:, order], starts, axis=1)
    return out


def drawn_range(eligible: pd.DataFrame, *, n_draws: int, need_kw: float, uptake: float = 1.0,
                min_system_kwp: float = 0.0, seed: int | None = 0,
                assumptions: Assumptions | None = None,
                fixed: pd.DataFrame | None = None) -> tuple[pd.DataFrame, float]:
    """P10/P50/P90 of the eligible roofs' potential, and the share of draws that reach a need.

    Parameters
    ----------
    eligible : DataFrame
        The roofs that may count toward the target (status ok, type not excluded, nothing
        installed), one row per building, as :func:`pvsite.shortfall` selects them before
        ``uptake``: ``capacity_kwp``, ``n_modules``, ``usable_area_m2``, ``annual_kwh``,
        ``shading_loss``, ``height_source``, ``institution_type``, ``district``.
    n_draws : int
        Number of draws (at least 1).
    need_kw : float
        Capacity the plan must reach [kW] (the target, less what is installed where that
        counts).
    uptake : float
        Share of each roof's potential assumed built [0-1], as in :func:`pvsite.shortfall`.
    min_system_kwp : float
        Roofs whose drawn capacity after uptake is smaller are left out [kWp].
    seed : int or None
        Seed of :func:`numpy.random.default_rng`: the same seed gives the same answer.
    assumptions : Assumptions, optional
        Those given to :func:`pvsite.estimate` (its ``obstruction_share`` is undone and
        redrawn), with the ranges to draw from.
    fixed : DataFrame, optional
        Other surfaces the plan counts (facades, carports: ``capacity_kwp`` and
        ``annual_kwh`` after uptake, ``district``, ``institution_type``). Their obstruction
        and height ranges are not drawn: each draw adds their capacity as it is and their
        energy times the draw's weather-year factor.

    Returns
    -------
    (DataFrame, float)
        The range (columns :data:`UNCERTAINTY_COLUMNS`; rows for the city, then each
        district, then each institution type, capacity then energy), and ``p_reachable``:
        the share of draws whose potential reaches ``need_kw`` [0-1]. With every range at
        (1, 1) each draw equals the deterministic answer.

    Examples
    --------
    >>> import pandas as pd
    >>> roofs = pd.DataFrame({"capacity_kwp": [58.0, 116.0], "n_modules": [100, 200],
    ...     "usable_area_m2": [400.0, 800.0], "annual_kwh": [69_600.0, 139_200.0],
    ...     "shading_loss": [0.0, 0.1], "height_source": ["height", "default"],
    ...     "institution_type": ["school", "hospital"], "district": ["A", "B"]})
    >>> table, p = drawn_range(roofs, n_draws=50, need_kw=100.0)
    >>> city = table[(table["level"] == "city") & (table["quantity"] == "capacity_kwp")]
    >>> bool((city["p10"] <= city["p50"]).all() and (city["p50"] <= city["p90"]).all()), p
    (True, 1.0)
    """
    if int(n_draws) != n_draws or n_draws < 1:
        raise ArgumentError(f"uncertainty={n_draws!r}; give a whole number of draws of at least 1.")
    n_draws = int(n_draws)
    a = assumptions or Assumptions()
    e = eligible
    itype = e["institution_type"].astype(object).fillna("other_public")
    district = e["district"].astype(object).fillna("(none)")
    types = list(a.obstruction_share) + sorted(set(itype) - set(a.obstruction_share))
    fallback = a.obstruction_share.get("other_public", max(a.obstruction_share.values()))
    share0 = itype.map(lambda t: a.obstruction_share.get(t, fallback)).to_numpy(dtype=float)
    type_of = itype.map({t: i for i, t in enumerate(types)}).to_numpy()
    capacity = e["capacity_kwp"].to_numpy(dtype=float)
    modules = e["n_modules"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        kwp_per_module = np.where(modules > 0, capacity / modules, 0.0)
        kwh_per_kwp = np.where(capacity > 0, e["annual_kwh"].to_numpy(dtype=float) / capacity,
                               0.0)
    usable = e["usable_area_m2"].to_numpy(dtype=float)
    loss = np.nan_to_num(e["shading_loss"].to_numpy(dtype=float))
    defaulted = (e["height_source"] == "default").to_numpy() if "height_source" in e else \
        np.zeros(len(e), dtype=bool)
    keep0 = 1.0 - share0
    packed = (modules + 0.5) / keep0
    floor_kwp = max(float(min_system_kwp), 1e-9)

    f_obs, f_weather, f_height = _factors(n_draws, types, a, seed)
    dist_keys, dist_codes = np.unique(district.to_numpy(dtype=str), return_inverse=True)
    type_keys, type_codes = np.unique(itype.to_numpy(dtype=str), return_inverse=True)
    n = len(e)
    sums = {q: {lvl: np.zeros((n_draws, g)) for lvl, g in
                (("city", 1), ("district", len(dist_keys)), ("institution_type",
                                                             len(type_keys)))}
            for q in ("capacity_kwp", "annual_kwh")}
    step = max(1, _CELLS // max(n, 1))
    for lo in range(0, n_draws, step):
        hi = min(lo + step, n_draws)
        keep = 1.0 - np.clip(share0 * f_obs[lo:hi][:, type_of], 0.0, 0.95)
        n_mod = np.floor(packed * keep + 1e-9)
        n_mod[usable * (keep / keep0) < a.min_usable_area_m2] = 0.0
        kwp = n_mod * kwp_per_module * uptake
        kwp[kwp < floor_kwp] = 0.0
        drawn_loss = np.where(defaulted, np.minimum(loss * f_height[lo:hi, None], 1.0), loss)
        with np.errstate(invalid="ignore", divide="ignore"):
            sun = np.where(loss < 1.0, (1.0 - drawn_loss) / (1.0 - loss), 1.0)
        kwh = kwp * kwh_per_kwp * sun * f_weather[lo:hi, None]
        for q, v in (("capacity_kwp", kwp), ("annual_kwh", kwh)):
            sums[q]["city"][lo:hi, 0] = v.sum(axis=1)
            sums[q]["district"][lo:hi] = _group_sums(v, dist_codes, len(dist_keys))
            sums[q]["institution_type"][lo:hi] = _group_sums(v, type_codes, len(type_keys))

    # the deterministic answer, the way shortfall computes its potential
    det = pd.DataFrame({"capacity_kwp": capacity * uptake,
                        "annual_kwh": e["annual_kwh"].to_numpy(dtype=float) * uptake,
                        "district": district.to_numpy(dtype=str),
                        "institution_type": itype.to_numpy(dtype=str)})
    det = det[det["capacity_kwp"] >= floor_kwp]
    if fixed is not None and len(fixed):
        other = pd.DataFrame({
            "capacity_kwp": fixed["capacity_kwp"].to_numpy(dtype=float),
            "annual_kwh": fixed["annual_kwh"].to_numpy(dtype=float),
            "district": fixed["district"].astype(object).fillna("(none)").to_numpy(dtype=str),
            "institution_type": fixed["institution_type"].astype(object)
            .fillna("other_public").to_numpy(dtype=str)})
        dist_keys, type_keys = _add_fixed(sums, other, f_weather, dist_keys, type_keys)
        det = pd.concat([det, other], ignore_index=True)
    rows = []
    for lvl, keys in (("city", np.array(["city"])), ("district", dist_keys),
                      ("institution_type", type_keys)):
        for q in ("capacity_kwp", "annual_kwh"):
            ref = (pd.Series([det[q].sum()], index=keys) if lvl == "city"
                   else det.groupby(lvl)[q].sum().reindex(keys, fill_value=0.0))
            p10, p50, p90 = np.quantile(sums[q][lvl], [0.1, 0.5, 0.9], axis=0)
            rows.append(pd.DataFrame({"level": lvl, "key": keys, "quantity": q,
                                      "deterministic": ref.to_numpy(dtype=float),
                                      "p10": p10, "p50": p50, "p90": p90}))
    table = pd.concat(rows, ignore_index=True)
    table["key"] = table["key"].astype(object)
    table.attrs.update({"n_draws": n_draws, "seed": seed,
                        "obstruction_share_range": tuple(a.obstruction_share_range),
                        "weather_year_range": tuple(a.weather_year_range),
                        "default_height_shading_range": tuple(a.default_height_shading_range)})
    reached = sums["capacity_kwp"]["city"][:, 0] >= need_kw - 1e-6
    return table, float(reached.mean())
