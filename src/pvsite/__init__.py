"""pvsite: rooftop solar potential and siting for public institutions.

Footprints and a typical weather year go in; kWp, kWh/yr, CO2 and standard coal saved come out
for every building, with roll-ups by district and institution type and a ranked plan against
a capacity target (by default Shanghai's 50 MW for public institutions).
"""

from importlib.metadata import PackageNotFoundError, version

from . import datasets, osm
from ._synth import synthetic_city
from .assumptions import Assumptions
from .coords import from_wgs84, to_wgs84
from .economics import economics
from .energy import optimal_tilt, specific_yield
from .errors import FootprintError, PvsiteError, PvsiteWarning, WeatherDataError
from .export import to_csv, to_geojson, to_geopackage, to_geoparquet
from .institutions import assign_district, group_institutions, institution_type
from .io import read_footprints, read_weather
from .layout import row_spacing
from .osm import download_osm, read_osm
from .pipeline import OUTPUT_COLUMNS, estimate
from .plot import plot_districts, plot_horizon, plot_shortfall, plot_siting_map
from .rollup import rollup
from .savings import savings
from .shading import horizon_profiles, shading_loss, sky_view_factor
from .shortfall import ShortfallReport, shortfall

try:
    __version__ = version("pvsite")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "OUTPUT_COLUMNS",
    "Assumptions",
    "FootprintError",
    "PvsiteError",
    "PvsiteWarning",
    "ShortfallReport",
    "WeatherDataError",
    "assign_district",
    "datasets",
    "download_osm",
    "economics",
    "estimate",
    "from_wgs84",
    "group_institutions",
    "horizon_profiles",
    "institution_type",
    "osm",
    "optimal_tilt",
    "plot_districts",
    "plot_horizon",
    "plot_shortfall",
    "plot_siting_map",
    "read_footprints",
    "read_osm",
    "read_weather",
    "rollup",
    "row_spacing",
    "savings",
    "shading_loss",
    "shortfall",
    "sky_view_factor",
    "specific_yield",
    "synthetic_city",
    "to_csv",
    "to_geojson",
    "to_geopackage",
    "to_geoparquet",
    "to_wgs84",
]
