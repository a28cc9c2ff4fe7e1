"""``estimate``: footprints and a weather year in, one row per building out.

A short chain of named steps, each a function of its stage (the way pvlib's
``ModelChain.run_model`` reads): check the footprints (:mod:`pvsite.geometry._validate`),
describe each building (:mod:`pvsite.geometry.roofs`, :mod:`pvsite.geometry.institutions`),
build the table of PV surfaces and lay modules on it (:mod:`pvsite.geometry.surfaces`), give each
surface its yield (:mod:`pvsite.energy.yields`) and its shading loss
(:mod:`pvsite.geometry.horizons`, :mod:`pvsite.energy.shading`), and view the surfaces per
building (:mod:`pvsite.results.buildings`). A dask frame runs the same chain per partition
(:mod:`pvsite.distributed`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._diskcache import PARALLEL_FROM
from .assumptions import Assumptions
from .distributed import HALO_FLAG, LABELS, estimate_dask, is_dask
from .energy import _warmup
from .energy.facades import facade_energy
from .energy.shading import surface_losses
from .energy.yields import optimal_tilt, surface_yield
from .errors import FootprintError
from .geometry import institutions, roofs, surfaces
from .geometry._validate import prepare_footprints
from .geometry.facades import facade_surfaces
from .geometry.horizons import Skyline
from .inputs.footprints import protect_output_names
from .inputs.weather import check_site_distance, check_weather
from .parking import carports, with_car_parks
from .results.buildings import (
    facade_columns,
    per_building,
    point_view,
    result_attrs,
    surface_view,
)
from .results.schema import OUTPUT_COLUMNS

__all__ = ["OUTPUT_COLUMNS", "estimate"]


def _progress_bar(show: bool) -> Any:
    """tqdm.auto's bar when one is shown (it warns in Jupyter without ipywidgets), else tqdm's."""
    if show:
        from tqdm.auto import tqdm
    else:
        from tqdm import tqdm
    return tqdm


def _in_raster_crs(geoms: Any, dsm: Any) -> np.ndarray:
    """Footprints as shapely geometries in the CRS of a raster."""
    import rasterio

    with rasterio.open(dsm) as src:
        crs = src.crs
    return (geoms.to_crs(crs) if crs is not None and geoms.crs != crs else geoms).to_numpy()


def _halo_rows(buildings: Any) -> np.ndarray:
    """Rows flagged :data:`pvsite.distributed.HALO_FLAG`: obstacles only, dropped after.

    A distributed task or a streamed tile estimates its chunk with the neighbours that can
    shade it; those need their footprints and heights in the skyline (and as party walls),
    not roofs, facades, layouts or shading of their own, which were most of a halo's cost.
    """
    if HALO_FLAG not in buildings.columns:
        return np.zeros(len(buildings), dtype=bool)
    return buildings[HALO_FLAG].to_numpy(dtype=bool)


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
    shading_points: bool = False,
    facades: bool = False,
    parking: Any = None,
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
        their planes, tilts and azimuths from it (:func:`pvsite.geometry.roofs.planes_from_dsm`);
        the others from their footprint and ``roof:shape``. With ``shading``, it also gives
        each roof a horizon of terrain and trees (:func:`pvsite.geometry.horizons.dsm_horizons`), of
        which the higher one with the neighbours' horizon counts.
    shading : bool, default True
        Shade roofs by their neighbours (:mod:`pvsite.geometry.horizons`,
        :mod:`pvsite.energy.shading`); ``False`` for a quick look.
    keep_horizons : bool, optional
        Add each roof's horizon profile (72 sectors of 5 deg, [deg]) as a column
        ``horizon_deg``, for :func:`pvsite.plot_horizon`; default: for up to 100,000 buildings.
    progress : bool, optional
        Show a progress bar (tqdm); default: only for 20,000 buildings or more.
    planes : bool, default False
        Also return the table of PV surfaces (one row per surface: ``building`` label,
        ``surface`` kind, ``plane``, ``roof_type``, ``surface_tilt``, ``surface_azimuth``,
        ``mounting``,
        ``plane_area_m2``, ``usable_area_m2``, ``n_modules``, ``rows``, ``orientation``,
        ``capacity_kwp``, ``specific_yield_kwh_per_kwp``, ``shading_loss``, ``annual_kwh``
        and the plane's outline in the local UTM CRS), as ``(result, planes)``; on a dask
        frame, two lazy frames (:func:`pvsite.distributed.estimate_dask`).
    facades : bool, default False
        Also estimate building-integrated PV on the exterior walls (:mod:`pvsite.geometry.
        facades`, :mod:`pvsite.energy.facades`): the columns of
        :data:`pvsite.results.schema.FACADE_COLUMNS` (``facade_capacity_kwp``,
        ``facade_annual_kwh``...) join the result; the roof columns stay as they are, and
        with ``planes=True`` the facades are rows of the surface table
        (``surface == 'facade'``).
    parking : GeoDataFrame, optional
        Car parks (``read_osm(path, layer="parking")``): PV carports with chargers on each
        (:func:`pvsite.carports`, with these buildings around them, the same sites, districts
        and assumptions) come back in the same result as rows of their own after the
        buildings' (``site_kind == 'car_park'``, :func:`pvsite.parking.with_car_parks`): their
        kWp and kWh in ``carport_capacity_kwp``, ``carport_annual_kwh``..., their roof columns
        zero, so every building's row is as it is without ``parking``; with ``planes=True``
        their canopies are rows of the surface table (``surface == 'carport'``).
    shading_points : bool, default False
        Also return the observer points the shading loss was averaged over (only on roofs a
        neighbour can reach; :func:`pvsite.energy.shading.surface_losses`), as a
        GeoDataFrame of points in the local UTM CRS with ``building`` (label), ``plane``,
        ``z`` (observer height [m]), ``weight`` (share of the surface's modules [0-1]) and
        ``shading_loss`` [0-1], after the other outputs: ``(result, points)`` or ``(result,
        planes, points)``; for :func:`pvsite.plot_roof_shading`. Not on dask frames.

    Returns
    -------
    GeoDataFrame
        One row per input building, same index and order, input columns kept, plus the
        columns of :data:`pvsite.results.schema.OUTPUT_COLUMNS`. Rows that could not be used
        have ``status`` 'invalid' (bad geometry, or a duplicate of another footprint) or
        'unsuitable' (too small, north facing...) and zero capacity, with the reason.
        ``.attrs`` carries the labels of the data ('synthetic', 'generated'), the weather
        source, the flat-roof tilt used and the assumptions.

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
    if is_dask(buildings):
        if parking is not None:
            raise FootprintError("parking= needs a GeoDataFrame of buildings, not a dask "
                                 "frame; run pvsite.carports(parking, weather) on its own.")
        if shading_points:
            raise FootprintError("shading_points=True needs a GeoDataFrame, not a dask frame; "
                                 "compute the partition of interest first.")
        return estimate_dask(buildings, weather, estimate, assumptions=assumptions,
                             districts=districts, sites=sites, dsm=dsm, shading=shading,
                             keep_horizons=keep_horizons, planes=planes, facades=facades)
    import geopandas as gpd

    a = assumptions or Assumptions()
    if not isinstance(buildings, gpd.GeoDataFrame):
        raise FootprintError(f"buildings must be a GeoDataFrame, not {type(buildings).__name__}; "
                             "read them with pvsite.read_footprints(path).")
    check_weather(weather)
    # input columns named like outputs are kept under input_<name>, with a warning
    buildings = protect_output_names(buildings, reserved=OUTPUT_COLUMNS)
    if sites is not None:
        buildings = institutions.group_institutions(buildings, sites)
    n = len(buildings)
    show = progress if progress is not None else n >= 20_000
    tqdm = _progress_bar(show)
    bar = tqdm(total=6, desc="pvsite estimate", disable=not show, leave=False)

    # 1. footprints in a metric CRS, repaired, duplicates set aside
    fp = prepare_footprints(buildings, buildings.attrs.get(LABELS, buildings.index.to_numpy()),
                            assumptions=a)
    check_site_distance(fp.metric, weather)
    # on an empty numba cache, a helper process compiles the inset and shading kernels while
    # this one compiles the packing kernels
    helper = _warmup.start(shading=shading, buildings=n) if n < PARALLEL_FROM else None
    bar.update()
    # 2. what each building is: height, type, district, roof type
    attrs = roofs.building_height(fp.metric, assumptions=a).reset_index(drop=True)
    attrs["institution_type"] = institutions.institution_type(fp.metric).to_numpy()
    dist = institutions.districts_of(fp.metric, districts, points=fp.points)
    for col in dist:  # positions, not labels: an input index may repeat
        attrs[col] = dist[col].to_numpy()
    bar.update()
    # 3. the surface table: roof planes, then modules laid on them
    # a halo's rows (a task's or a tile's neighbours) shade the chunk but get no surfaces
    halo = _halo_rows(buildings)
    table, rtype = surfaces.roof_surfaces(fp.metric, ~fp.invalid & ~halo,
                                          roofs.roof_type(fp.metric),
                                          dsm=dsm, flat_slope=a.flat_roof_max_slope)
    attrs["roof_type"] = rtype.to_numpy()
    flat_tilt = (a.flat_roof_tilt if a.flat_roof_tilt is not None
                 else round(optimal_tilt(weather, assumptions=a)[0]))
    table = surfaces.lay_out(table, fp.metric, fp.invalid, attrs["institution_type"],
                             latitude=float(weather.attrs["latitude"]), flat_tilt=flat_tilt,
                             assumptions=a)
    used = ~(table["faces_away"] | table["unsplit"]).to_numpy()
    bar.update()
    # 4. energy: one pvlib run per orientation class, shared by all surfaces
    table["specific_yield"] = surface_yield(table, weather, used, assumptions=a)
    bar.update()
    # 5. shading by neighbours (and a surface model): each owner's horizon, loss per surface
    keep = keep_horizons if keep_horizons is not None else n <= 100_000
    horizons = points = None
    table["shading_loss"] = 0.0
    if helper is not None:
        helper.wait()
    if shading:
        geoms = np.where(fp.invalid, None, fp.metric.geometry.to_numpy())
        sky = Skyline(geoms, attrs["height_m"].to_numpy(), points=fp.points)
        table["shading_loss"], horizons, points = surface_losses(
            table, sky, weather, used, dsm=dsm, keep_horizons=keep, points=shading_points,
            dsm_footprints=_in_raster_crs(fp.metric.geometry, dsm) if dsm is not None else None,
            progress=lambda it: tqdm(it, desc="shading", disable=not show, leave=False),
            assumptions=a)
    table["unshaded_kwh"] = table["capacity_kwp"] * table["specific_yield"]
    table["annual_kwh"] = table["unshaded_kwh"] * (1 - table["shading_loss"])
    if facades:  # walls: more rows of the surface table, through the same energy
        walls = facade_energy(facade_surfaces(
            fp.metric, ~fp.invalid, attrs["height_m"].to_numpy(),
            attrs["institution_type"].to_numpy(), owners=~halo, assumptions=a), weather,
            sky if shading else None, assumptions=a)
    bar.update()
    # 6. the per-building view
    out = per_building(buildings, table, fp, attrs, horizons=horizons, assumptions=a)
    if facades:
        out = facade_columns(out, walls, fp)
    out.attrs = result_attrs(buildings, weather, flat_tilt=flat_tilt, shading=shading,
                             assumptions=a)
    bar.update()
    bar.close()
    every = pd.concat([table, walls], ignore_index=True) if facades else table
    extra: tuple[Any, ...] = ((surface_view(every, buildings.index, fp.metric.crs),)
                              if planes else ())
    if parking is not None:  # car parks: rows of their own, the buildings' rows untouched
        lots = carports(parking, weather, buildings=buildings, sites=sites,
                        districts=districts, assumptions=a, planes=planes)
        out = with_car_parks(out, lots[0] if planes else lots)
        if planes:
            extra = (pd.concat([extra[0], lots[1].to_crs(extra[0].crs)], ignore_index=True),
                     *extra[1:])
    if shading_points:
        extra += (point_view(points, table, buildings.index, fp.metric.crs),)
    return (out, *extra) if extra else out
