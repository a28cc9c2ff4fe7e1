"""pvsite: rooftop solar potential and siting for public institutions."""
from importlib.metadata import PackageNotFoundError, version

from . import datasets
from .assumptions import Assumptions
from .energy import optimal_tilt, specific_yield
from .errors import FootprintError, PvsiteError, PvsiteWarning, WeatherDataError
from .export import to_csv, to_geojson, to_geopackage, to_geoparquet
from .io import read_footprints, read_weather

try:
    __version__ = version("pvsite")
except PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "Assumptions",
    "FootprintError",
    "PvsiteError",
    "PvsiteWarning",
    "WeatherDataError",
    "datasets",
    "optimal_tilt",
    "read_footprints",
    "read_weather",
    "specific_yield",
    "to_csv",
    "to_geojson",
    "to_geopackage",
    "to_geoparquet",
]
