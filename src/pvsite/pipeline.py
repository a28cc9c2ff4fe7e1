"""``estimate``: footprints and a weather year in, one row per building out.

The stages, each a module: validation (here), :mod:`pvsite.roofs` (metric CRS, heights, roof
planes), :mod:`pvsite.institutions` (type, district), :mod:`pvsite.layout` (setback, module
packing, kWp), :mod:`pvsite.energy` (pvlib yield per orientation class),
:mod:`pvsite.savings` (CO2, standard coal).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._validate import clean_geometries, find_overlaps
from .assumptions import Assumptions
from .errors import FootprintError, PvsiteWarning

__all__ = ["OUTPUT_COLUMNS", "estimate"]

#: Columns ``estimate`` adds, with their units (also the data dictionary of the exports).
OUTPUT_COLUMNS: dict[str, str] = {
    "institution_type": "government, university, school, hospital, other_public or not_public",
    "district": "district name (Chinese), from the bundled boundaries or the input",
    "district_en": "district name (English)",
    "adcode": "administrative code of the district",
    "height_m": "building height [m]",
    "height_source": "where height_m came from: height, levels or default",
    "roof_type": "flat, or the pitched roof:shape (gabled, hipped, skillion, ...)",
    "roof_area_m2": "roof surface area [m^2] (sloped area for pitched roofs)",
    "usable_area_m2": "area left for modules after setbacks, narrow strips and obstructions [m^2]",
    "surface_tilt": "module tilt of the main roof plane [deg from horizontal]",
    "surface_azimuth": "direction the modules of the main plane face [deg clockwise from north]",
    "n_planes": "roof planes with modules",
    "n_modules": "modules that fit [-]",
    "capacity_kwp": "DC capacity at STC [kWp]",
    "gcr": "ground coverage ratio: module area over usable area [-]",
    "specific_yield_kwh_per_kwp": "annual AC energy per kWp [kWh/kWp]",
    "shading_loss": "share of the unshaded annual energy lost to shading by neighbours [0-1]",
    "horizon_deg": "horizon elevation in 72 sectors of 5 deg from north [deg] (if kept)",
    "annual_kwh": "annual AC energy [kWh]",
    "co2_avoided_t": "CO2 avoided per year [t], grid emission factor of the assumptions",
    "coal_saved_tce": "standard coal saved per year, calorific-equivalent method [tce]",
    "coal_saved_tce_consumption": "standard coal saved per year, coal-consumption method [tce]",
    "status": "ok, unsuitable or invalid",
    "reason": "why the building is unsuitable or invalid, or what was assumed; '' if nothing",
}

#: A roof larger than this is flagged as implausible (the largest single buildings on Earth
#: cover about 0.4-0.9 km^2) [m^2].
MAX_ROOF_AREA_M2 = 500_000.0
#: Buildings farther than this from the weather's site get a warning [km].
MAX_WEATHER_DISTANCE_KM = 150.0
#: Roofs whose horizons are computed at once (bounds memory: 50,000 x 360 sectors ~ 140 MB).
CHUNK = 50_000


def _check_weather_distance(metric: Any, weather: pd.DataFrame) -> None:
    """Warn when the buildings lie far from where the weather was measured."""
    import warnings

    import shapely

    geoms = metric.geometry.to_numpy()
    ok = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    if not ok.any():
        return
    x0, y0, x1, y1 = shapely.total_bounds(geoms[ok])
    import geopandas as gpd

    centre = gpd.GeoSeries([shapely.Point((x0 + x1) / 2, (y0 + y1) / 2)],
                           crs=metric.crs).to_crs(4326).iloc[0]
    from pyproj import Geod

    _, _, d = Geod(ellps="WGS84").inv(centre.x, centre.y, weather.attrs["longitude"],
                                      weather.attrs["latitude"])
    if d / 1000 > MAX_WEATHER_DISTANCE_KM:
        warnings.warn(
            f"the buildings are {d / 1000:,.0f} km from the weather's site "
            f"({weather.attrs['latitude']:.2f}, {weather.attrs['longitude']:.2f}); use weather "
            "measured near them (or check the footprints' CRS: GCJ-02 or swapped coordinates?).",
            PvsiteWarning, stacklevel=3)


def _in_raster_crs(geoms: Any, dsm: Any) -> np.ndarray:
    """Footprints as shapely geometries in the CRS of a raster."""
    import rasterio

    with rasterio.open(dsm) as src:
        crs = src.crs
    return (geoms.to_crs(crs) if crs is not None and geoms.crs != crs else geoms).to_numpy()


def _progress_bar(show: bool) -> Any:
    """tqdm.auto's bar when one is shown (it warns in Jupyter without ipywidgets), else tqdm's."""
    if show:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm


#: ``attrs`` key under which a dask task passes the labels of rows it had to renumber.
_LABELS = "_pvsite_labels"


def _join(*parts: str) -> str:
    return "; ".join(p for p in parts if p)


def estimate(
    buildings: Any,
    weather: pd.DataFrame,
    *,
    assumptions: Assumptions | None = None,
    districts: Any = None,
    sites: Any = None,
    dsm: Any = None,
    shading: bool = True,
    keep_horizons: bool | None = None,
    progress: bool | None = None,
    planes: bool = False,
) -> Any:
    """Estimate kWp, annual kWh and savings for every building.

    Parameters
    ----------
    buildings : GeoDataFrame or dask_geopandas.GeoDataFrame
        Footprints with a CRS (any; areas are computed in the local UTM zone); a dask-geopandas
        frame is estimated partition by partition with a halo of neighbours
        (:mod:`pvsite.distributed`) and returned lazily. Optional columns:
        ``height`` [m], ``building:levels``, ``roof:shape``, ``roof:angle`` [deg],
        ``institution_type`` (or OSM tags ``amenity``, ``office``, ``building``...),
        ``institution_id``, ``district``.
    weather : DataFrame
        A typical year from :func:`pvsite.read_weather` or
        :func:`pvsite.datasets.shanghai_weather`.
    assumptions : Assumptions, optional
        Module, losses, setbacks, obstruction shares, emission factors (defaults cited in
        :class:`pvsite.Assumptions`).
    districts : GeoDataFrame or False, optional
        District polygons with a ``district`` column; default the bundled 16 Shanghai districts.
        ``False`` keeps the input's ``district`` column (or none).
    sites : GeoDataFrame, optional
        Institution site polygons (campuses, hospital grounds): buildings without an
        ``institution_id`` take the id, name and type of the site containing them
        (:func:`pvsite.group_institutions`; ``read_osm(path, layer="sites")`` reads them).
    dsm : str or Path, optional
        A digital surface model (GeoTIFF of heights [m], projected CRS): roofs it covers get
        their planes, tilts and azimuths from it (:func:`pvsite.roofs.planes_from_dsm`);
        the others from their footprint and ``roof:shape``. With ``shading``, it also gives
        each roof a horizon of terrain and trees (:func:`pvsite.shading.dsm_horizons`), of
        which the higher one with the neighbours' horizon counts.
    shading : bool, default True
        Shade roofs by their neighbours (:mod:`pvsite.shading`); ``False`` for a quick look.
    keep_horizons : bool, optional
        Add each roof's horizon profile (72 sectors of 5 deg, [deg]) as a column
        ``horizon_deg``, for :func:`pvsite.plot_horizon`; default: for up to 100,000 buildings.
    progress : bool, optional
        Show a progress bar (tqdm); default: only for 20,000 buildings or more.
    planes : bool, default False
        Also return the table of roof planes (one row per plane: ``building`` label,
        ``plane``, ``roof_type``, ``surface_tilt``, ``surface_azimuth``, ``mounting``,
        ``plane_area_m2``, ``usable_area_m2``, ``n_modules``, ``rows``, ``orientation``,
        ``capacity_kwp``, ``specific_yield_kwh_per_kwp``, ``shading_loss``, ``annual_kwh``
        and the plane's outline in the local UTM CRS), as ``(result, planes)``; on a dask
        frame, two lazy frames (:func:`pvsite.distributed.estimate_dask`).

    Returns
    -------
    GeoDataFrame
        One row per input building, same index and order, input columns kept, plus the
        columns of :data:`OUTPUT_COLUMNS`. Rows that could not be used have ``status``
        'invalid' (bad geometry, or a duplicate of another footprint) or 'unsuitable' (too
        small, north facing...) and zero capacity, with the reason. ``.attrs`` carries the
        labels of the data ('synthetic', 'generated'), the weather source, the flat-roof tilt
        used and the assumptions.

    Raises
    ------
    FootprintError
        ``buildings`` is not a GeoDataFrame or has no CRS.

    Examples
    --------
    >>> import pvsite
    >>> b = pvsite.datasets.shanghai_buildings().head(50)
    >>> r = pvsite.estimate(b, pvsite.datasets.shanghai_weather())
    >>> len(r) == 50 and bool((r.index == b.index).all())
    True
    """
    import geopandas as gpd
    import shapely

    from . import datasets, energy, institutions, layout, roofs
    from .distributed import estimate_dask, is_dask
    from .savings import savings

    if is_dask(buildings):
        return estimate_dask(buildings, weather, assumptions=assumptions, districts=districts,
                             sites=sites, dsm=dsm, shading=shading,
                             keep_horizons=keep_horizons, planes=planes)
    a = assumptions or Assumptions()
    if not isinstance(buildings, gpd.GeoDataFrame):
        raise FootprintError(f"buildings must be a GeoDataFrame, not {type(buildings).__name__}; "
                             "read them with pvsite.read_footprints(path).")
    energy.check_weather(weather)
    # how reasons name other buildings: their labels (a dask task passes the partitions' own)
    label = np.asarray(buildings.attrs.get(_LABELS, buildings.index.to_numpy()), dtype=object)
    if sites is not None:
        buildings = institutions.group_institutions(buildings, sites)
    n = len(buildings)
    show = progress if progress is not None else n >= 20_000
    tqdm = _progress_bar(show)
    bar = tqdm(total=7, desc="pvsite estimate", disable=not show, leave=False)

    # 1. geometry and CRS
    metric_in = roofs.to_metric(buildings)
    geoms, invalid, note = clean_geometries(metric_in.geometry.to_numpy())
    metric = gpd.GeoDataFrame(metric_in.drop(columns=metric_in.geometry.name),
                              geometry=gpd.GeoSeries(geoms, crs=metric_in.crs,
                                                     index=metric_in.index))
    bar.update()

    # the same building twice (or a part inside its outline): the smaller copy is set aside
    dup_of, dup_share, overlaps, overlap_share = find_overlaps(geoms, ~invalid)
    dup = dup_of >= 0
    note[dup] = [f"duplicate of building {label[k]}: the footprints share {s:.0%} of the "
                 "smaller one" for k, s in zip(dup_of[dup], dup_share[dup], strict=True)]
    _check_weather_distance(metric, weather)
    # a point on each footprint: the district join and the roofs' horizons share them (an
    # invalid footprint with a place, a point, a line or a duplicate, still gets its district)
    located = ~invalid | (note == "not a polygon (a point or line has no roof)")
    invalid |= dup
    points = np.full(n, None, dtype=object)
    points[located] = shapely.point_on_surface(geoms[located])

    # 2. attributes: heights, types, districts
    heights = roofs.building_height(metric, assumptions=a)
    itype = institutions.institution_type(metric)
    if districts is False:
        dist = pd.DataFrame({"district": metric["district"] if "district" in metric
                             else pd.Series(np.nan, index=metric.index, dtype=object)})
    else:
        dist = institutions.assign_district(
            metric, datasets.shanghai_districts() if districts is None else districts,
            points=points)
        if "district" in metric:  # a given district wins over the spatial join
            given = metric["district"].notna()
            dist.loc[given, "district"] = metric.loc[given, "district"]
    bar.update()

    # 3. roofs and planes
    rtype = roofs.roof_type(metric)
    ok = ~invalid
    planes_df = roofs.roof_planes(metric[ok], roof_types=rtype[ok])
    planes_df["building"] = np.flatnonzero(ok)[planes_df["building"].to_numpy()]
    if dsm is not None:  # planes measured on a surface model replace those of the footprint
        measured = roofs.planes_from_dsm(metric[ok], dsm, flat_slope=a.flat_roof_max_slope)
        measured["building"] = np.flatnonzero(ok)[measured["building"].to_numpy()]
        covered = np.unique(measured["building"].to_numpy())
        planes_df = pd.concat([planes_df[~planes_df["building"].isin(covered)], measured],
                              ignore_index=True).sort_values(["building", "plane"],
                                                             kind="stable").reset_index(drop=True)
        pitched = measured.groupby("building")["roof_type"].agg(
            lambda t: "dsm" if (t != "flat").any() else "flat")
        rtype.iloc[pitched.index.to_numpy()] = pitched.to_numpy()
    bar.update()

    # 4. layout
    lat = float(weather.attrs["latitude"])
    flat_tilt = (a.flat_roof_tilt if a.flat_roof_tilt is not None
                 else round(energy.optimal_tilt(weather, assumptions=a)[0]))
    b_of_plane = planes_df["building"].to_numpy()
    # one minimum rotated rectangle per building: the setback rule and the row alignment
    rect = shapely.minimum_rotated_rectangle(np.where(invalid, None, metric.geometry.to_numpy()))
    setback = layout.edge_setback(None, assumptions=a, rectangles=rect)[b_of_plane]
    turn = layout.row_alignment(None, a.row_alignment_max_deg, rectangles=rect)[b_of_plane]
    # a type missing from the assumptions' shares takes that of other public buildings
    fallback = a.obstruction_share.get("other_public", max(a.obstruction_share.values()))
    share = itype.map(dict(a.obstruction_share)).fillna(fallback).to_numpy()[b_of_plane]
    laid = layout.layout_planes(planes_df, latitude=lat, flat_tilt=flat_tilt,
                                obstruction_share=share, setback=setback, row_turn=turn,
                                assumptions=a)
    equator = 180.0 if lat >= 0 else 0.0
    off_south = np.abs((laid["surface_azimuth"].to_numpy() - equator + 180) % 360 - 180)
    north = (laid["roof_type"] != "flat").to_numpy() & (off_south > 90)
    unsplit = (laid["roof_type"] != "flat").to_numpy() & laid["plane_azimuth"].isna().to_numpy()
    drop = north | unsplit
    for col in ("n_modules", "capacity_kwp", "usable_area_m2"):
        laid.loc[drop, col] = 0
    bar.update()

    # 5. energy: one pvlib run per orientation class, shared by all roofs
    laid["specific_yield"] = 0.0
    for mounting in ("racked", "flush"):
        sel = (laid["mounting"] == mounting).to_numpy() & ~drop
        if sel.any():
            laid.loc[sel, "specific_yield"] = energy.specific_yield(
                weather, laid.loc[sel, "surface_tilt"].to_numpy(dtype=float),
                laid.loc[sel, "surface_azimuth"].to_numpy(dtype=float),
                mounting=mounting, assumptions=a)
    bar.update()

    # 6. shading by neighbours: horizon of each roof, loss per plane
    laid["shading_loss"] = 0.0
    horizons = None
    keep = keep_horizons if keep_horizons is not None else n <= 100_000
    if shading:
        from .shading import Skyline, coarsen, shading_loss

        sky = Skyline(np.where(invalid, None, metric.geometry.to_numpy()),
                      heights["height_m"].to_numpy(), points=points)
        horizons = np.zeros((n, 72), dtype=np.float32) if keep else None
        plane_loss = np.zeros(len(laid))
        mounting_arr = laid["mounting"].to_numpy()
        tilt_arr = laid["surface_tilt"].to_numpy(dtype=float)
        az_arr = laid["surface_azimuth"].to_numpy(dtype=float)
        in_dsm_crs = _in_raster_crs(metric.geometry, dsm) if dsm is not None else None
        chunk_bar = tqdm(sky.chunks(CHUNK), desc="shading", disable=not show, leave=False)
        for chunk in chunk_bar:  # spatially compact chunks bound the memory of a city
            prof = sky.profiles(chunk)
            if in_dsm_crs is not None:  # terrain and trees: the higher of two horizons
                from .shading import dsm_horizons

                prof = np.maximum(prof, dsm_horizons(in_dsm_crs[chunk], None, dsm))
            if horizons is not None:
                horizons[chunk] = coarsen(prof)
            local = np.full(n, -1)
            local[chunk] = np.arange(chunk.size)
            rows = np.flatnonzero((local[b_of_plane] >= 0) & ~drop)
            for mounting in ("racked", "flush"):
                sel = rows[mounting_arr[rows] == mounting]
                if sel.size:
                    plane_loss[sel] = shading_loss(
                        weather, tilt_arr[sel], az_arr[sel], prof[local[b_of_plane[sel]]],
                        mounting=mounting, assumptions=a)
        laid["shading_loss"] = plane_loss
    laid["unshaded_kwh"] = laid["capacity_kwp"] * laid["specific_yield"]
    laid["annual_kwh"] = laid["unshaded_kwh"] * (1 - laid["shading_loss"])
    bar.update()

    # 7. per building
    g = laid.groupby("building", sort=True)
    pos = np.arange(n)
    sums = g[["plane_area_m2", "usable_area_m2", "n_modules", "capacity_kwp", "unshaded_kwh",
              "annual_kwh"]].sum().reindex(pos, fill_value=0.0)
    n_planes = (laid.assign(used=laid["n_modules"] > 0).groupby("building")["used"].sum()
                .reindex(pos, fill_value=0))
    main = (laid.sort_values(["building", "capacity_kwp", "plane_area_m2"],
                             ascending=[True, False, False])
            .drop_duplicates("building").set_index("building").reindex(pos))
    all_north = (pd.Series(north, index=b_of_plane).groupby(level=0).all()
                 .reindex(pos, fill_value=False).to_numpy())
    any_unsplit = (pd.Series(unsplit, index=b_of_plane).groupby(level=0).any()
                   .reindex(pos, fill_value=False).to_numpy())

    out = buildings.copy()
    out["institution_type"] = itype.to_numpy()
    for col in ("district", "district_en", "adcode"):
        out[col] = dist[col].to_numpy() if col in dist else None
    out["height_m"] = heights["height_m"].to_numpy()
    out["height_source"] = heights["height_source"].to_numpy()
    out["roof_type"] = rtype.to_numpy()
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
        sy = sums["annual_kwh"].to_numpy() / sums["capacity_kwp"].to_numpy()
        lost = 1 - sums["annual_kwh"].to_numpy() / sums["unshaded_kwh"].to_numpy()
    out["specific_yield_kwh_per_kwp"] = np.where(out["capacity_kwp"] > 0, sy, np.nan)
    out["shading_loss"] = np.where(sums["unshaded_kwh"].to_numpy() > 0, lost, 0.0)
    out["annual_kwh"] = sums["annual_kwh"].to_numpy()
    sv = savings(out["annual_kwh"], assumptions=a)
    for col in sv:
        out[col] = sv[col].to_numpy()

    status = np.where(invalid, "invalid", "ok").astype(object)
    reason = note.copy()
    small = ~invalid & (out["usable_area_m2"].to_numpy() < a.min_usable_area_m2) & ~all_north
    none_fit = ~invalid & ~small & (out["n_modules"].to_numpy() == 0)
    for mask, why in ((all_north, "all roof planes face away from the equator"),
                      (any_unsplit & ~all_north, "roof shape pvsite cannot split into planes"),
                      (small, f"too small: usable area under {a.min_usable_area_m2:g} m2"),
                      (none_fit & ~all_north & ~any_unsplit, "no module fits the usable area")):
        hit = mask & (status == "ok")
        status[hit] = "unsuitable"
        reason[hit] = [_join(r, why) for r in reason[hit]]
    noted = (heights["height_note"] != "").to_numpy() & ~invalid
    reason[noted] = [_join(r, h) for r, h in zip(reason[noted],
                                                  heights["height_note"].to_numpy()[noted],
                                                  strict=True)]
    huge = ~invalid & (out["roof_area_m2"].to_numpy() > MAX_ROOF_AREA_M2)
    reason[huge] = [_join(r, "implausibly large footprint: check units and CRS")
                    for r in reason[huge]]
    crossed = (overlaps >= 0) & ~invalid
    reason[crossed] = [_join(r, f"overlaps building {label[k]} ({s:.0%} of the smaller "
                               "footprint): that roof area may be counted twice")
                       for r, k, s in zip(reason[crossed], overlaps[crossed],
                                          overlap_share[crossed], strict=True)]
    defaulted = (out["height_source"] == "default").to_numpy() & ~invalid
    reason[defaulted] = [_join(r, f"height unknown: {a.default_height_m:g} m assumed")
                         for r in reason[defaulted]]
    unusable = status != "ok"
    for col in ("n_modules", "capacity_kwp", "annual_kwh", "co2_avoided_t", "coal_saved_tce",
                "coal_saved_tce_consumption"):
        out.loc[unusable, col] = 0
    out.loc[unusable, "shading_loss"] = 0.0
    out["status"] = status
    out["reason"] = reason
    if horizons is not None:
        out["horizon_deg"] = list(np.round(horizons, 1))
    bar.update()
    bar.close()

    labels = sorted({str(x) for x in (buildings.attrs.get("label"), weather.attrs.get("label"))
                     if x})
    out.attrs = {
        "title": "pvsite estimate",
        "data_labels": ", ".join(labels),
        "buildings_source": str(buildings.attrs.get("title", buildings.attrs.get("source", ""))),
        "weather_source": str(weather.attrs.get("source", "")),
        "flat_roof_tilt": float(flat_tilt),
        "shading": "neighbouring buildings" if shading else "not modelled",
        "target_kw": a.target_kw,
    }
    if not planes:
        return out
    laid["building"] = buildings.index.to_numpy()[b_of_plane]
    laid["specific_yield_kwh_per_kwp"] = laid.pop("specific_yield") * (1 - laid["shading_loss"])
    laid.loc[drop, ["specific_yield_kwh_per_kwp", "annual_kwh"]] = 0.0
    plane_table = gpd.GeoDataFrame(
        laid.drop(columns=["unshaded_kwh", "plane_tilt", "plane_azimuth"]),
        geometry="geometry", crs=metric.crs)
    return out, plane_table
