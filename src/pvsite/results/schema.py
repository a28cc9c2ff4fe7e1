"""The output schema in one place: every column pvsite adds, its meaning, unit and dtype.

:data:`OUTPUT_COLUMNS` (per building) and :data:`SURFACE_COLUMNS` (per surface, the table of
``estimate(..., planes=True)``) are the data dictionary of the exports and the CLI; the dtypes
are what :func:`pvsite.estimate` returns, so a lazy (dask) result can state its schema without
running anything (:func:`empty_result`, :func:`empty_surfaces`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FACADE_COLUMNS", "FACADE_DTYPES", "OUTPUT_COLUMNS", "OUTPUT_DTYPES",
           "SURFACE_COLUMNS", "SURFACE_DTYPES",
           "empty_result", "empty_surfaces", "result_order"]

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

#: dtype of each column of :data:`OUTPUT_COLUMNS` ("str": text, missing as NaN).
OUTPUT_DTYPES: dict[str, Any] = {
    **dict.fromkeys(("institution_type", "district", "district_en", "adcode", "height_source",
                     "roof_type", "status", "reason"), "str"),
    **dict.fromkeys(("height_m", "roof_area_m2", "usable_area_m2", "surface_tilt",
                     "surface_azimuth", "capacity_kwp", "gcr", "specific_yield_kwh_per_kwp",
                     "shading_loss", "annual_kwh", "co2_avoided_t", "coal_saved_tce",
                     "coal_saved_tce_consumption"), "float64"),
    **dict.fromkeys(("n_planes", "n_modules"), "int64"),
    "horizon_deg": object,
}

#: Columns ``estimate(..., facades=True)`` adds after :data:`OUTPUT_COLUMNS`, with units.
FACADE_COLUMNS: dict[str, str] = {
    "n_facades": "exterior walls above the threshold, carrying BIPV [-]",
    "facade_area_m2": "usable area of those walls for BIPV modules [m^2]",
    "facade_capacity_kwp": "BIPV capacity on the walls [kWp]",
    "facade_annual_kwh": "annual AC energy of the walls [kWh]",
    "facade_specific_yield_kwh_per_kwp": "annual AC energy per kWp of the walls, after "
                                         "shading [kWh/kWp]",
    "facade_shading_loss": "share of the walls' unshaded energy lost to the neighbours [0-1]",
    "facade_reason": "walls left out (party walls get none; low yield is counted here)",
}
#: dtype of each column of :data:`FACADE_COLUMNS`.
FACADE_DTYPES: dict[str, Any] = {"n_facades": "int64", "facade_area_m2": "float64",
                                 "facade_capacity_kwp": "float64",
                                 "facade_annual_kwh": "float64",
                                 "facade_specific_yield_kwh_per_kwp": "float64",
                                 "facade_shading_loss": "float64", "facade_reason": "str"}

#: Columns of the surface table (``estimate(..., planes=True)``), with their units, in order.
SURFACE_COLUMNS: dict[str, str] = {
    "building": "label of the building (or site) the surface belongs to",
    "surface": "kind of PV surface: roof or facade (and carport in pvsite.carports)",
    "plane": "number of the surface within its building",
    "roof_type": "flat, the pitched roof:shape, or dsm",
    "surface_tilt": "module tilt [deg from horizontal]",
    "mounting": "racked (tilted rows) or flush (on the plane)",
    "plane_area_m2": "surface area [m^2] (sloped area for pitched planes)",
    "surface_azimuth": "direction the modules face [deg clockwise from north]",
    "usable_area_m2": "area left for modules after setbacks, narrow strips and obstructions "
                      "[m^2]",
    "n_modules": "modules that fit [-]",
    "rows": "rows of modules [-]",
    "orientation": "portrait or landscape",
    "row_pitch_m": "distance from one row to the next [m]",
    "gcr": "ground coverage ratio: module area over usable area [-]",
    "capacity_kwp": "DC capacity at STC [kWp]",
    "shading_loss": "share of the unshaded annual energy lost to shading [0-1]",
    "annual_kwh": "annual AC energy [kWh]",
    "specific_yield_kwh_per_kwp": "annual AC energy per kWp, after shading [kWh/kWp]",
}

#: dtype of each column of :data:`SURFACE_COLUMNS` (``building`` takes the input index's).
SURFACE_DTYPES: dict[str, Any] = {
    "building": "int64", "surface": "str", "plane": "int64", "roof_type": "str",
    "surface_tilt": "float64", "mounting": "str", "plane_area_m2": "float64",
    "surface_azimuth": "float64", "usable_area_m2": "float64", "n_modules": "int64",
    "rows": "int64", "orientation": "str", "row_pitch_m": "float64", "gcr": "float64",
    "capacity_kwp": "float64", "shading_loss": "float64", "annual_kwh": "float64",
    "specific_yield_kwh_per_kwp": "float64",
}


def _empty(dtypes: dict[str, Any]) -> dict[str, pd.Series]:
    return {c: pd.Series([], dtype=d) for c, d in dtypes.items()}


def result_order(*, horizons: bool) -> list[str]:
    """The output columns in the order ``estimate`` adds them (``horizon_deg`` last)."""
    order = [c for c in OUTPUT_COLUMNS if c != "horizon_deg"]
    return order + ["horizon_deg"] if horizons else order


def empty_result(like: Any, *, horizons: bool, facades: bool = False) -> Any:
    """An empty per-building result with the input's columns and the output columns.

    Parameters
    ----------
    like : GeoDataFrame
        The input buildings (or an empty frame of them): their columns, dtypes, index type and
        CRS carry over.
    horizons : bool
        Whether the result has ``horizon_deg``.
    facades : bool
        Whether it has the facade columns.
    """
    import geopandas as gpd

    out = gpd.GeoDataFrame(like.iloc[:0].copy())
    for col, series in _empty({c: OUTPUT_DTYPES[c] for c in result_order(horizons=horizons)}
                              ).items():
        out[col] = series.to_numpy()
    for col, series in (_empty(FACADE_DTYPES).items() if facades else ()):
        out[col] = series.to_numpy()
    return out


def empty_surfaces(crs: Any, index_dtype: Any = np.int64) -> Any:
    """An empty surface table (``estimate(..., planes=True)``'s second frame) in ``crs``."""
    import geopandas as gpd

    cols = _empty(SURFACE_DTYPES)
    cols["building"] = pd.Series([], dtype=index_dtype)
    order = list(SURFACE_COLUMNS)
    frame = pd.DataFrame(cols)[order[:3]]
    frame["geometry"] = gpd.GeoSeries([], crs=crs)
    for c in order[3:]:
        frame[c] = cols[c]
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=crs)
