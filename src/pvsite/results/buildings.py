"""The per-building view of the surface table: sums, main plane, status and reason.

Where a building is marked ``unsuitable`` or ``invalid``, and why, is decided here
(:func:`status_and_reason`); :func:`per_building` sums each building's surfaces and writes the
columns of :data:`pvsite.results.schema.OUTPUT_COLUMNS`; :func:`surface_view` is the table of
``estimate(..., planes=True)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from .savings import savings

__all__ = ["MAX_ROOF_AREA_M2", "facade_columns", "per_building", "point_view", "result_attrs",
           "status_and_reason", "surface_view", "yield_and_loss"]

#: A roof larger than this is flagged as implausible (the largest single buildings on Earth
#: cover about 0.4-0.9 km^2) [m^2].
MAX_ROOF_AREA_M2 = 500_000.0


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def _append(reason: np.ndarray, mask: np.ndarray, texts: Any) -> None:
    """Append a text (one, or one per selected row) to the reasons of the rows in ``mask``."""
    if isinstance(texts, str):
        texts = [texts] * int(mask.sum())
    reason[mask] = [_join(r, t) for r, t in zip(reason[mask], texts, strict=True)]


def yield_and_loss(sums: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Specific yield [kWh/kWp] and shading loss [0-1] of summed surfaces.

    From ``annual_kwh``, ``capacity_kwp`` and ``unshaded_kwh``: the yield is NaN without
    capacity, the loss 0 without energy.
    """
    annual, kwp = sums["annual_kwh"].to_numpy(), sums["capacity_kwp"].to_numpy()
    unshaded = sums["unshaded_kwh"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        sy, lost = annual / kwp, 1 - annual / unshaded
    return np.where(kwp > 0, sy, np.nan), np.where(unshaded > 0, lost, 0.0)


def status_and_reason(fp: Any, attrs: pd.DataFrame, sums: pd.DataFrame, surfaces: pd.DataFrame,
                      *, assumptions: Assumptions | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``status`` ('ok', 'unsuitable', 'invalid') and ``reason`` of every building.

    Parameters
    ----------
    fp : pvsite.geometry._validate.Footprints
        The checked footprints (``invalid``, ``note``, overlaps, labels).
    attrs : DataFrame
        Per building, positional: ``height_source`` and ``height_note``.
    sums : DataFrame
        Per building, positional: ``usable_area_m2``, ``n_modules``, ``plane_area_m2``.
    surfaces : DataFrame
        The surface table (``building`` positions, ``faces_away``, ``unsplit``).
    assumptions : Assumptions, optional
        ``min_usable_area_m2`` and ``default_height_m``.
    """
    a = assumptions or Assumptions()
    n = len(fp.invalid)
    owner = surfaces["building"].to_numpy()

    def each(col: str, how: str) -> np.ndarray:
        g = pd.Series(surfaces[col].to_numpy(), index=owner).groupby(level=0)
        return (g.all() if how == "all" else g.any()).reindex(np.arange(n), fill_value=False
                                                              ).to_numpy()

    all_away, any_unsplit = each("faces_away", "all"), each("unsplit", "any")
    invalid = fp.invalid
    status = np.where(invalid, "invalid", "ok").astype(object)
    reason = fp.note.copy()
    small = ~invalid & (sums["usable_area_m2"].to_numpy() < a.min_usable_area_m2) & ~all_away
    none_fit = ~invalid & ~small & (sums["n_modules"].to_numpy() == 0)
    for mask, why in ((all_away, "all roof planes face away from the equator"),
                      (any_unsplit & ~all_away, "roof shape pvsite cannot split into planes"),
                      (small, f"too small: usable area under {a.min_usable_area_m2:g} m2"),
                      (none_fit & ~all_away & ~any_unsplit, "no module fits the usable area")):
        hit = mask & (status == "ok")
        status[hit] = "unsuitable"
        _append(reason, hit, why)
    noted = (attrs["height_note"] != "").to_numpy() & ~invalid
    _append(reason, noted, attrs["height_note"].to_numpy()[noted])
    huge = ~invalid & (sums["plane_area_m2"].to_numpy() > MAX_ROOF_AREA_M2)
    _append(reason, huge, "implausibly large footprint: check units and CRS")
    crossed = (fp.overlaps >= 0) & ~invalid
    _append(reason, crossed, [f"overlaps building {fp.labels[k]} ({s:.0%} of the smaller "
                              "footprint): that roof area may be counted twice"
                              for k, s in zip(fp.overlaps[crossed], fp.overlap_share[crossed],
                                              strict=True)])
    if "district_note" in attrs:  # outside every district of the district layer
        away = (attrs["district_note"] != "").to_numpy() & ~invalid
        _append(reason, away, attrs["district_note"].to_numpy()[away])
    defaulted = (attrs["height_source"] == "default").to_numpy() & ~invalid
    _append(reason, defaulted, [f"height unknown: {h:g} m assumed" for h in
                                attrs["height_m"].to_numpy()[defaulted]])
    return status, reason


def per_building(buildings: Any, surfaces: pd.DataFrame, fp: Any, attrs: pd.DataFrame, *,
                 horizons: np.ndarray | None = None,
                 assumptions: Assumptions | None = None) -> Any:
    """One row per input building: its columns, then the sums of its surfaces.

    Parameters
    ----------
    buildings : GeoDataFrame
        The input, whose index, order, geometry and columns the result keeps.
    surfaces : DataFrame
        The surface table with energy (``annual_kwh``, ``unshaded_kwh``...).
    fp : pvsite.geometry._validate.Footprints
        The checked footprints.
    attrs : DataFrame
        Per building (positional): ``institution_type``, ``district``, ``district_en``,
        ``adcode``, ``height_m``, ``height_source``, ``height_note``, ``roof_type``.
    horizons : ndarray, optional
        Each building's horizon (``DISPLAY_SECTORS`` sectors) for ``horizon_deg``.
    assumptions : Assumptions, optional

    Returns
    -------
    GeoDataFrame
        The columns of :data:`pvsite.results.schema.OUTPUT_COLUMNS` after the input's.
    """
    a = assumptions or Assumptions()
    n = len(buildings)
    pos = np.arange(n)
    g = surfaces.groupby("building", sort=True)
    sums = g[["plane_area_m2", "usable_area_m2", "n_modules", "capacity_kwp", "unshaded_kwh",
              "annual_kwh"]].sum().reindex(pos, fill_value=0.0)
    n_planes = (surfaces.assign(used=surfaces["n_modules"] > 0).groupby("building")["used"]
                .sum().reindex(pos, fill_value=0))
    main = (surfaces.sort_values(["building", "capacity_kwp", "plane_area_m2"],
                                 ascending=[True, False, False])
            .drop_duplicates("building").set_index("building").reindex(pos))

    out = buildings.copy()
    for col in ("institution_type", "district", "district_en", "adcode", "height_m",
                "height_source", "roof_type"):
        out[col] = attrs[col].to_numpy() if col in attrs else None
    out["roof_area_m2"] = sums["plane_area_m2"].to_numpy()
    out["usable_area_m2"] = sums["usable_area_m2"].to_numpy()
    out["surface_tilt"] = main["surface_tilt"].to_numpy(dtype=float)
    out["surface_azimuth"] = main["surface_azimuth"].to_numpy(dtype=float)
    out["n_planes"] = n_planes.to_numpy().astype(int)
    out["n_modules"] = sums["n_modules"].to_numpy().astype(int)
    out["capacity_kwp"] = sums["capacity_kwp"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        out["gcr"] = np.where(out["usable_area_m2"] > 0, out["n_modules"] * a.module_area_m2
                              / out["usable_area_m2"], 0.0)
    out["specific_yield_kwh_per_kwp"], out["shading_loss"] = yield_and_loss(sums)
    out["annual_kwh"] = sums["annual_kwh"].to_numpy()
    sv = savings(out["annual_kwh"], assumptions=a)
    for col in sv:
        out[col] = sv[col].to_numpy()
    status, reason = status_and_reason(fp, attrs, sums, surfaces, assumptions=a)
    unusable = status != "ok"
    for col in ("n_modules", "capacity_kwp", "annual_kwh", "co2_avoided_t", "coal_saved_tce",
                "coal_saved_tce_consumption"):
        out.loc[unusable, col] = 0
    out.loc[unusable, "shading_loss"] = 0.0
    out["status"] = status
    out["reason"] = reason
    if horizons is not None:
        out["horizon_deg"] = list(np.round(horizons, 1))
    return out


def facade_columns(out: Any, walls: pd.DataFrame, fp: Any) -> Any:
    """The facade sums of each building after its roof columns (which stay as they are).

    Parameters
    ----------
    out : GeoDataFrame
        The per-building result (:func:`per_building`).
    walls : DataFrame
        Facade rows with energy (:func:`pvsite.energy.facades.facade_energy`).
    fp : pvsite.geometry._validate.Footprints
        The checked footprints (invalid ones get nothing).
    """
    n = len(out)
    pos = np.arange(n)
    good = walls[~walls["low_yield"]] if len(walls) else walls
    g = good.groupby("building")
    sums = g[["usable_area_m2", "capacity_kwp", "annual_kwh", "unshaded_kwh"]].sum().reindex(
        pos, fill_value=0.0)
    low = (walls.loc[walls["low_yield"], "building"].value_counts().reindex(pos, fill_value=0)
           if len(walls) else pd.Series(0, index=pos))
    out = out.copy()
    out["n_facades"] = g.size().reindex(pos, fill_value=0).to_numpy().astype(int)
    out["facade_area_m2"] = sums["usable_area_m2"].to_numpy()
    out["facade_capacity_kwp"] = sums["capacity_kwp"].to_numpy()
    out["facade_annual_kwh"] = sums["annual_kwh"].to_numpy()
    out["facade_specific_yield_kwh_per_kwp"], out["facade_shading_loss"] = yield_and_loss(sums)
    threshold = walls.attrs.get("threshold_kwh_per_kwp", np.nan)
    reason = np.where(low.to_numpy() > 0, [f"{k} walls under {threshold:,.0f} kWh/kWp left out"
                                           for k in low.to_numpy()], "")
    reason = np.where(fp.invalid, "no facade: invalid footprint", reason)
    out["facade_reason"] = reason.astype(object)
    return out


def surface_view(surfaces: pd.DataFrame, index: Any, crs: Any) -> Any:
    """The surface table as ``estimate(..., planes=True)`` returns it.

    Owners named by the input's labels, specific yield after shading, no energy on surfaces
    that carry no modules, internal columns dropped, outlines in ``crs``.
    """
    import geopandas as gpd

    table = surfaces.copy()
    table["building"] = np.asarray(index)[table["building"].to_numpy()]
    table["specific_yield_kwh_per_kwp"] = table.pop("specific_yield") * (
        1 - table["shading_loss"])
    idle = (table["faces_away"].astype(bool) | table["unsplit"].astype(bool)).to_numpy()
    if "low_yield" in table:
        idle = idle | table["low_yield"].fillna(False).to_numpy(dtype=bool)
    table.loc[idle, ["specific_yield_kwh_per_kwp", "annual_kwh"]] = 0.0
    return gpd.GeoDataFrame(
        table.drop(columns=["unshaded_kwh", "plane_tilt", "plane_azimuth", "faces_away",
                            "unsplit"]), geometry="geometry", crs=crs)


def point_view(points: pd.DataFrame | None, surfaces: pd.DataFrame, index: Any, crs: Any) -> Any:
    """The shading observer points as ``estimate(..., shading_points=True)`` returns them.

    One row per point (:func:`pvsite.energy.shading.surface_losses`): ``building`` (the
    input's label), ``plane`` (the surface's plane number), ``z`` (observer height [m]),
    ``weight`` (share of the surface's modules [0-1]), ``shading_loss`` [0-1] and the point in
    ``crs``. Roofs no neighbour reaches have no points (and no loss).
    """
    import geopandas as gpd

    cols = ["building", "plane", "z", "weight", "shading_loss"]
    if points is None or len(points) == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.points_from_xy([], []),
                                crs=crs)
    row = points["row"].to_numpy(dtype=np.int64)
    frame = pd.DataFrame({
        "building": np.asarray(index)[points["building"].to_numpy(dtype=np.int64)],
        "plane": surfaces["plane"].to_numpy()[row],
        "z": points["z"].to_numpy(), "weight": points["weight"].to_numpy(),
        "shading_loss": points["shading_loss"].to_numpy()})
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(points["x"], points["y"]),
                            crs=crs)


def result_attrs(buildings: Any, weather: Any, *, flat_tilt: float, shading: bool,
                 assumptions: Assumptions | None = None) -> dict[str, Any]:
    """What the result says about where its data came from (its ``.attrs``)."""
    a = assumptions or Assumptions()
    labels = sorted({str(x) for x in (buildings.attrs.get("label"), weather.attrs.get("label"))
                     if x})
    return {
        "title": "pvsite estimate",
        "data_labels": ", ".join(labels),
        "buildings_source": str(buildings.attrs.get("title", buildings.attrs.get("source", ""))),
        "weather_source": str(weather.attrs.get("source", "")),
        "flat_roof_tilt": float(flat_tilt),
        "shading": "neighbouring buildings" if shading else "not modelled",
        "target_kw": a.target_kw,
        # the data's attribution (OpenStreetMap's ODbL credit), for every map and export
        **({"attribution": str(buildings.attrs["attribution"])}
           if buildings.attrs.get("attribution") else {}),
    }
