"""``carports``: open car parks in, PV canopies with chargers out, one row per car park.

The same stages as :func:`pvsite.estimate`, chained for the other kind of public land the 2022
Shanghai plan names (分布式光伏+充电桩: PV carports with charging points, 10 projects by 2023):
check the car parks (:mod:`pvsite.geometry._validate`), say which are carport sites
(:func:`pvsite.geometry.carports.parking_status`), lay out rows of spaces and canopies and
pack modules on them (:func:`pvsite.geometry.carports.carport_surfaces`: rows of the surface
table with ``surface == 'carport'``), give each canopy its yield (:mod:`pvsite.energy.yields`)
and its shading by the buildings around (:mod:`pvsite.geometry.horizons`,
:mod:`pvsite.energy.shading`), and view the canopies per car park, with chargers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .assumptions import Assumptions
from .crs import present
from .energy.hourly import hourly_array
from .energy.shading import surface_losses
from .energy.yields import surface_yield
from .errors import FootprintError
from .geometry import institutions
from .geometry._validate import prepare_footprints
from .geometry.carports import carport_surfaces, parking_status
from .geometry.horizons import Skyline
from .geometry.roofs import building_height
from .inputs.weather import check_weather
from .results.buildings import yield_and_loss
from .results.loads import charging_profile
from .results.savings import savings
from .results.storage import direct_use

__all__ = ["CARPORT_COLUMNS", "CARPORT_RESULT_COLUMNS", "carports", "with_car_parks"]

#: Columns ``carports`` adds to the car parks, with their units.
CARPORT_COLUMNS: dict[str, str] = {
    "institution_id": "institution (site) the car park lies in, if any",
    "institution_name": "name of that institution",
    "institution_type": "type of that institution (not_public where none)",
    "district": "district name (Chinese), from the bundled boundaries",
    "district_en": "district name (English)",
    "n_spaces": "parking spaces [-]: the map's capacity where given, else the layout's",
    "spaces_source": "capacity (from the map) or layout",
    "canopy_area_m2": "area the canopies cover, horizontal [m^2]",
    "n_canopies": "canopies (one per run of spaces in a row) [-]",
    "n_modules": "modules on the canopies [-]",
    "capacity_kwp": "DC capacity at STC [kWp]",
    "specific_yield_kwh_per_kwp": "annual AC energy per kWp, after shading [kWh/kWp]",
    "shading_loss": "share of the unshaded annual energy lost to the buildings around [0-1]",
    "annual_kwh": "annual AC energy [kWh]",
    "co2_avoided_t": "CO2 avoided per year [t]",
    "n_chargers": "charging points [-], one per spaces_per_charger spaces",
    "charger_kw": "their total power [kW]",
    "charging_kwh": "annual charging demand at the assumed sessions [kWh]",
    "charging_covered_kwh": "charging demand the canopy covers hour by hour, straight from "
                            "its PV, without storage [kWh]",
    "solar_share_of_charging": "charging_covered_kwh / charging_kwh [0-1]",
    "self_consumption_share": "charging_covered_kwh / annual_kwh: the canopy's energy the "
                              "chargers use directly [0-1]",
    "capex_yuan": "investment: canopy PV and chargers [yuan]",
    "status": "ok, unsuitable or invalid",
    "reason": "why the car park is unsuitable or invalid, or what was assumed",
}


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def carports(
    parking: Any,
    weather: pd.DataFrame,
    *,
    buildings: Any = None,
    sites: Any = None,
    districts: Any = None,
    assumptions: Assumptions | None = None,
    planes: bool = False,
) -> Any:
    """PV canopies with chargers on every open car park: spaces, kWp, kWh, chargers, cost.

    Parameters
    ----------
    parking : GeoDataFrame
        Car park polygons with a CRS: ``read_osm(path, layer="parking")`` (``parking``,
        ``capacity``, ``access``, ``name``), or any polygon layer (``read_footprints``).
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    buildings : GeoDataFrame, optional
        The buildings around, with ``height`` or ``building:levels``: they shade the
        canopies (the canopies also shade each other a little, as 3 m high prisms).
    sites : GeoDataFrame, optional
        Institution sites (``read_osm(path, layer="sites")``): each car park takes the
        institution whose site contains it (:func:`pvsite.group_institutions`).
    districts : GeoDataFrame or False, optional
        As for :func:`pvsite.estimate`.
    assumptions : Assumptions, optional
        Space size, aisle, canopy tilt and height, chargers and costs (the "Carports"
        fields of :class:`pvsite.Assumptions`, each with its source or labelled as a pvsite
        assumption).
    planes : bool, default False
        Also return the canopies: the surface table's rows of ``surface == 'carport'``.

    Returns
    -------
    GeoDataFrame
        One row per input car park, same index and order, its columns kept, plus
        :data:`CARPORT_COLUMNS`. Underground, multi-storey and street-side car parks are
        ``unsuitable`` with the reason, as are those with fewer than
        ``min_carport_spaces`` spaces; broken geometries ``invalid``.

    Examples
    --------
    >>> import geopandas as gpd, shapely, pvsite
    >>> lots = [shapely.box(500000, 3450000, 500050, 3450030),  # 50 m x 30 m
    ...         shapely.box(500100, 3450000, 500150, 3450030)]
    >>> lot = gpd.GeoDataFrame({"parking": ["surface", "underground"]}, geometry=lots,
    ...                        crs="EPSG:32651")
    >>> c = pvsite.carports(lot, pvsite.datasets.shanghai_weather(), districts=False)
    >>> c["n_spaces"].tolist(), c["status"].tolist()
    ([60, 0], ['ok', 'unsuitable'])
    """
    import geopandas as gpd

    a = assumptions or Assumptions()
    if not isinstance(parking, gpd.GeoDataFrame):
        raise FootprintError(f"parking must be a GeoDataFrame, not {type(parking).__name__}; "
                             "read it with pvsite.read_osm(path, layer='parking').")
    check_weather(weather)
    lat = float(weather.attrs["latitude"])
    if sites is not None:
        parking = institutions.group_institutions(parking, sites)
    # 1. car parks in a metric CRS, repaired; which are carport sites
    fp = prepare_footprints(parking, parking.index.to_numpy(), noun="car park")
    site, note = parking_status(parking)
    site &= ~fp.invalid
    dist = institutions.districts_of(fp.metric, districts, points=fp.points)
    # 2. canopies over rows of spaces, modules on them, off the buildings standing on a lot
    near = heights = None
    keep_out = None
    if buildings is not None and len(buildings):
        near = buildings.to_crs(fp.metric.crs)
        heights = building_height(near, assumptions=a)["height_m"]
        keep_out, note = _buildings_on(fp.metric.geometry.to_numpy(), near.geometry.to_numpy(),
                                       site, note)
    table = carport_surfaces(fp.metric.geometry.to_numpy(), site, latitude=lat, assumptions=a,
                             keep_out=keep_out)
    used = np.ones(len(table), dtype=bool)
    # 3. energy, and shading by the buildings around
    table["specific_yield"] = surface_yield(table, weather, used, assumptions=a)
    table["shading_loss"] = 0.0
    owner = table["building"].to_numpy()
    if len(table) and near is not None:
        # every canopy a prism of its own, seen from points spread over it (the roofs'
        # machinery) against the buildings around and the other canopies
        roofs = np.where(present(near.geometry.to_numpy()), near.geometry.to_numpy(), None)
        sky = Skyline(np.concatenate([roofs, table["geometry"].to_numpy()]),
                      np.concatenate([heights, np.full(len(table), a.carport_height_m)]))
        own = table.assign(building=len(roofs) + np.arange(len(table)))
        table["shading_loss"] = surface_losses(own, sky, weather, used, keep_horizons=False,
                                               assumptions=a)[0]
    table["annual_kwh"] = table["capacity_kwp"] * table["specific_yield"] * (
        1 - table["shading_loss"])
    table["unshaded_kwh"] = table["capacity_kwp"] * table["specific_yield"]
    # 4. per car park
    out = _per_car_park(parking, table, fp, site, note, dist, a)
    out = _charging_match(out, table, weather, a)
    if not planes:
        return out
    view = table.copy()
    view["building"] = parking.index.to_numpy()[owner]
    view["specific_yield_kwh_per_kwp"] = view.pop("specific_yield") * (1 - view["shading_loss"])
    return out, gpd.GeoDataFrame(view.drop(columns=["faces_away", "unsplit", "unshaded_kwh"]),
                                 geometry="geometry", crs=fp.metric.crs)


def _buildings_on(lots: np.ndarray, footprints: np.ndarray, site: np.ndarray,
                  note: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per car park, the buildings standing on it (None where none), and the notes saying so.

    A car park mapped around buildings (a campus's yard drawn as one parking area) would
    otherwise carry canopies through them: in the Tongji extract, a canopy ran 255 m^2 into a
    12 m building, and its one observer point inside that building's shadow read 60 % loss.
    """
    import shapely

    keep_out = np.full(lots.size, None, dtype=object)
    note = np.asarray(note, dtype=object).copy()
    there = present(lots) & np.asarray(site, dtype=bool)
    fps = np.asarray(footprints, dtype=object)
    has = np.flatnonzero(present(fps))
    if not there.any() or not has.size:
        return keep_out, note
    tree = shapely.STRtree(fps[has])
    lot_i, fp_i = tree.query(lots[there], predicate="intersects")
    lot_i = np.flatnonzero(there)[lot_i]
    for i in np.unique(lot_i):
        on = shapely.union_all(shapely.make_valid(fps[has[fp_i[lot_i == i]]]))
        covered = float(shapely.area(shapely.intersection(lots[i], on)))
        if covered < 1.0:
            continue
        keep_out[i] = on
        note[i] = _join(note[i], f"canopies kept off {covered:,.0f} m^2 of buildings mapped "
                                 "on the car park")
    return keep_out, note


def _charging_match(out: Any, table: pd.DataFrame, weather: pd.DataFrame,
                    a: Assumptions) -> Any:
    """Hour by hour, the charging demand each canopy covers (no storage), and the shares.

    The canopies' hourly energy from the one pvlib chain (:func:`pvsite.energy.hourly.
    hourly_array`, each canopy's shape scaled to its shaded ``annual_kwh``), the chargers'
    from :func:`pvsite.results.loads.charging_profile` (a labelled workplace profile).
    """
    owners = pd.DataFrame({"status": out["status"].to_numpy()})  # positions, as in the table
    pv = hourly_array(owners, weather, planes=table, by="building", assumptions=a)[0]
    demand = charging_profile(out["charging_kwh"].to_numpy(), weather.index)
    covered, used = direct_use(pv, demand)
    charging = out["charging_kwh"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(charging > 0, covered / charging, 0.0)
    at = list(out.columns).index("charging_kwh") + 1
    out.insert(at, "charging_covered_kwh", covered)
    out.insert(at + 1, "solar_share_of_charging", share)
    out.insert(at + 2, "self_consumption_share", used)
    return out


def _per_car_park(parking: Any, table: pd.DataFrame, fp: Any, site: np.ndarray,
                  note: np.ndarray, dist: pd.DataFrame, a: Assumptions) -> Any:
    """Sum each car park's canopies; spaces, chargers, cost, status and reason."""
    import shapely

    n = len(parking)
    pos = np.arange(n)
    g = table.groupby("building")
    sums = g[["n_spaces", "n_modules", "capacity_kwp", "annual_kwh", "unshaded_kwh"]].sum(
        ).reindex(pos, fill_value=0)
    canopy_area = (pd.Series(shapely.area(table["geometry"].to_numpy()) if len(table) else [],
                             index=table["building"].to_numpy(), dtype=float)
                   .groupby(level=0).sum().reindex(pos, fill_value=0.0))
    out = parking.copy()
    if "institution_type" in out:
        itype = institutions.institution_type(out).to_numpy()
    else:
        itype = np.full(n, "not_public", dtype=object)
    for col in ("institution_id", "institution_name"):
        out[col] = out[col].to_numpy() if col in out else None
    out["institution_type"] = itype
    for col in ("district", "district_en"):
        out[col] = dist[col].to_numpy() if col in dist else None
    laid_out = sums["n_spaces"].to_numpy().astype(int)
    mapped = (pd.to_numeric(parking["capacity"], errors="coerce").to_numpy(dtype=float)
              if "capacity" in parking else np.full(n, np.nan))
    given = np.isfinite(mapped) & (mapped > 0)
    spaces = np.where(given, np.nan_to_num(mapped), laid_out).astype(int)
    out["n_spaces"] = spaces
    out["spaces_source"] = np.where(given, "capacity", "layout")
    out["canopy_area_m2"] = canopy_area.to_numpy()
    out["n_canopies"] = table.groupby("building").size().reindex(pos, fill_value=0).to_numpy()
    out["n_modules"] = sums["n_modules"].to_numpy().astype(int)
    out["capacity_kwp"] = sums["capacity_kwp"].to_numpy()
    out["specific_yield_kwh_per_kwp"], out["shading_loss"] = yield_and_loss(sums)
    out["annual_kwh"] = sums["annual_kwh"].to_numpy()
    out["co2_avoided_t"] = savings(out["annual_kwh"], assumptions=a)["co2_avoided_t"].to_numpy()
    status = np.where(fp.invalid, "invalid", np.where(site, "ok", "unsuitable")).astype(object)
    reason = np.array([_join(x, y) for x, y in zip(fp.note, note, strict=True)], dtype=object)
    few = (status == "ok") & (spaces < a.min_carport_spaces)
    status[few] = "unsuitable"
    reason[few] = [_join(r, f"too small: {s} spaces, under {a.min_carport_spaces}")
                   for r, s in zip(reason[few], spaces[few], strict=True)]
    differ = (status == "ok") & given & (spaces != laid_out)
    reason[differ] = [_join(r, f"the map gives {s} spaces, the layout fits {k}: the canopies "
                            "cover the layout's") for r, s, k in
                      zip(reason[differ], spaces[differ], laid_out[differ], strict=True)]
    ok = status == "ok"
    chargers = np.where(ok, np.ceil(spaces / a.spaces_per_charger), 0).astype(int)
    out["n_chargers"] = chargers
    out["charger_kw"] = chargers * a.charger_kw
    out["charging_kwh"] = chargers * a.charging_sessions_per_day * a.charging_kwh_per_session * 365
    out["capex_yuan"] = (out["capacity_kwp"] * 1000 * a.carport_capex_yuan_per_wp
                         + chargers * a.charger_capex_yuan)
    for col in ("n_modules", "capacity_kwp", "annual_kwh", "co2_avoided_t", "capex_yuan"):
        out.loc[~ok, col] = 0
    out.loc[~ok, "shading_loss"] = 0.0
    out["status"] = status
    out["reason"] = reason
    out.attrs = {"title": "pvsite carports", **{k: v for k, v in parking.attrs.items()
                                                 if k in ("attribution", "label", "source")}}
    return out


#: Columns the car parks' own figures take in ``estimate(..., parking=...)``: the carport
#: table's columns that a building's row also has get a ``carport_`` prefix, so that the roof
#: columns (``capacity_kwp``, ``annual_kwh``...) keep counting roofs only.
CARPORT_RESULT_COLUMNS: dict[str, str] = {
    "site_kind": "building or car_park: what the row is",
    **{f"carport_{c}": CARPORT_COLUMNS[c] for c in
       ("n_modules", "capacity_kwp", "specific_yield_kwh_per_kwp", "shading_loss",
        "annual_kwh", "co2_avoided_t", "capex_yuan")},
    **{c: CARPORT_COLUMNS[c] for c in
       ("n_spaces", "spaces_source", "canopy_area_m2", "n_canopies", "n_chargers",
        "charger_kw", "charging_kwh", "charging_covered_kwh", "solar_share_of_charging",
        "self_consumption_share")},
}
_PREFIXED = ("n_modules", "capacity_kwp", "specific_yield_kwh_per_kwp", "shading_loss",
             "annual_kwh", "co2_avoided_t", "capex_yuan")


def with_car_parks(result: Any, lots: Any) -> Any:
    """The per-building result with one more row per car park (``site_kind == 'car_park'``).

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate` (one row per building).
    lots : GeoDataFrame
        From :func:`carports` on the same weather and assumptions.

    Returns
    -------
    GeoDataFrame
        ``result``'s rows unchanged (their roof and facade columns as they were) with
        ``site_kind = 'building'`` and zero carport figures, then one row per car park, with
        the car park's label as index, its outline in the result's CRS, its input columns
        that the buildings also have (``campus``, ``name``...), its institution,
        district, ``status`` and ``reason``, the columns of :data:`CARPORT_RESULT_COLUMNS`,
        and zero roof (and facade) capacity and energy. ``(site_kind, label)`` names a row:
        a car park's label may repeat a building's.
    """
    import geopandas as gpd

    out = result.copy()
    out["site_kind"] = "building"
    lots = lots.to_crs(result.crs) if result.crs is not None else lots
    rows = pd.DataFrame(index=lots.index)
    for c in _PREFIXED:
        rows[f"carport_{c}"] = lots[c].to_numpy()
    for c in CARPORT_RESULT_COLUMNS:
        if c in lots and c not in _PREFIXED:
            rows[c] = lots[c].to_numpy()
    for c in rows:  # buildings carry no carport
        out[c] = np.nan if rows[c].dtype == object or "yield" in c else 0
    out["spaces_source"] = None
    rows["site_kind"] = "car_park"
    for c in ("institution_id", "institution_name", "institution_type", "district",
              "district_en", "status", "reason"):
        if c in out or lots[c].notna().any():  # no empty column the buildings lacked
            rows[c] = lots[c].to_numpy()
    zero = [c for c in ("roof_area_m2", "usable_area_m2", "n_planes", "n_modules",
                        "capacity_kwp", "annual_kwh", "co2_avoided_t", "coal_saved_tce",
                        "coal_saved_tce_consumption", "shading_loss", "n_facades",
                        "facade_area_m2", "facade_capacity_kwp", "facade_annual_kwh")
            if c in out]
    rows[zero] = 0
    for c in lots.columns:  # the car parks' own input columns the buildings share (campus...)
        if c in out and c not in CARPORT_COLUMNS and c not in rows and c != lots.geometry.name:
            rows[c] = lots[c].to_numpy()
    rows[out.geometry.name] = lots.geometry.to_numpy()
    both = pd.concat([pd.DataFrame(out), rows[[c for c in rows if c in out] + [
        c for c in rows if c not in out]]])
    for c in zero + ["carport_n_modules", "n_spaces", "n_canopies", "n_chargers"]:
        both[c] = both[c].fillna(0).astype(out[c].dtype if c in out else "int64")
    for c in out.columns:  # text columns stay as they were (concat turns them into object)
        if c != out.geometry.name and both[c].dtype != out[c].dtype and isinstance(
                out[c].dtype, pd.StringDtype):
            both[c] = both[c].astype(out[c].dtype)
    merged = gpd.GeoDataFrame(both, geometry=out.geometry.name, crs=result.crs)
    merged.attrs = dict(result.attrs)
    return merged
