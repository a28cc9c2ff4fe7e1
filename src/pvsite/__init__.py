"""pvsite: rooftop solar potential and siting for public institutions.

Footprints and a typical weather year go in; kWp, kWh/yr, CO2 and standard coal saved come out
for every building, with roll-ups by district and institution type and a ranked plan against
a capacity target (by default Shanghai's 50 MW for public institutions).
"""

from importlib.metadata import PackageNotFoundError, version

from .assumptions import Assumptions
from .distributed import partition_by_place
from .download import download_osm
from .energy.hourly import hourly
from .energy.shading import shading_loss
from .energy.yields import optimal_tilt, specific_yield
from .errors import (
    ArgumentError,
    FootprintError,
    LoadDataError,
    PvsiteError,
    PvsiteWarning,
    WeatherDataError,
)
from .geometry.horizons import horizon_profiles, sky_view_factor
from .geometry.institutions import assign_district, group_institutions, institution_type
from .geometry.layout import row_spacing
from .inputs import datasets, osm
from .inputs._synth import synthetic_city
from .inputs.coords import from_wgs84, to_wgs84
from .inputs.footprints import read_footprints
from .inputs.osm import read_osm
from .inputs.weather import read_weather
from .output.export import to_csv, to_excel, to_geojson, to_geopackage, to_geoparquet
from .output.plot import (
    cjk_font,
    explore,
    plot_districts,
    plot_horizon,
    plot_shortfall,
    plot_siting_map,
    save_figure,
)
from .output.plot_energy import plot_battery_sweep, plot_typical_days
from .output.plot_shading import plot_roof_shading
from .output.plot_uncertainty import plot_uncertainty
from .parking import carports
from .pipeline import OUTPUT_COLUMNS, estimate
from .results.economics import economics
from .results.loads import load_profile
from .results.pilots import pilots
from .results.rollup import rollup
from .results.savings import savings
from .results.shortfall import ShortfallReport, plan_frame, shortfall
from .results.storage import battery_sweep, self_consumption
from .results.unmapped import unmapped_sites
from .streaming import estimate_parquet

try:
    __version__ = version("pvsite")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "ArgumentError",
    "Assumptions",
    "FootprintError",
    "LoadDataError",
    "OUTPUT_COLUMNS",
    "PvsiteError",
    "PvsiteWarning",
    "ShortfallReport",
    "WeatherDataError",
    "assign_district",
    "battery_sweep",
    "carports",
    "cjk_font",
    "datasets",
    "download_osm",
    "economics",
    "estimate",
    "estimate_parquet",
    "explore",
    "from_wgs84",
    "group_institutions",
    "horizon_profiles",
    "hourly",
    "institution_type",
    "load_profile",
    "optimal_tilt",
    "osm",
    "partition_by_place",
    "pilots",
    "plan_frame",
    "plot_battery_sweep",
    "plot_districts",
    "plot_horizon",
    "plot_roof_shading",
    "plot_shortfall",
    "plot_siting_map",
    "plot_typical_days",
    "plot_uncertainty",
    "read_footprints",
    "read_osm",
    "read_weather",
    "rollup",
    "row_spacing",
    "save_figure",
    "savings",
    "self_consumption",
    "shading_loss",
    "shortfall",
    "sky_view_factor",
    "specific_yield",
    "synthetic_city",
    "to_csv",
    "to_excel",
    "to_geojson",
    "to_geopackage",
    "to_geoparquet",
    "to_wgs84",
    "unmapped_sites",
]
