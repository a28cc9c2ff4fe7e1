"""Shared fixtures: the bundled Shanghai year, pvlib's TMY3 sample and the real files of ../shared.

``../shared/data`` (real TMYx weather years and the unsimplified district boundaries, see its
README.md) sits beside the repository and is not shipped; tests that need it ask for the
``shared_data`` or ``shared_file`` fixture and are skipped, with the reason, where it is missing.
"""

from pathlib import Path

import pvlib
import pytest
from hypothesis import HealthCheck, settings

import pvsite

#: ``../shared/data`` relative to the repository root.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
#: pvlib's bundled NSRDB TMY3 sample: Greensboro, NC (USAF 723170).
TMY3_SAMPLE = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
#: The two Climate.OneBuilding TMYx years of Shanghai Hongqiao in ../shared/data/weather.
TMYX_FILES = ("Shanghai-Hongqiao_1956_2023_TMYx.epw", "CHN_SH_Shanghai.epw")


def _skip_shared(what: Path) -> None:
    pytest.skip(f"../shared/data not present: {what} is missing (real Shanghai data for "
                "cross-checks, kept beside the repository and not shipped)")


@pytest.fixture(scope="session")
def shanghai_weather():
    """The bundled generated Shanghai year, as pvsite.datasets.shanghai_weather() reads it.

    Session-scoped: tests must not modify it in place (take ``.copy()`` first).
    """
    return pvsite.datasets.shanghai_weather()


@pytest.fixture(scope="session")
def tmy3_weather():
    """pvlib's TMY3 sample (Greensboro, NC) read with pvsite.read_weather."""
    return pvsite.read_weather(TMY3_SAMPLE)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of ../shared/data; skips the test where it does not exist."""
    if not SHARED_DATA.is_dir():
        _skip_shared(SHARED_DATA)
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_file(shared_data):
    """``shared_file('weather/x.epw')``: that file of ../shared/data, or skip the test."""

    def get(relpath: str) -> Path:
        path = shared_data / relpath
        if not path.is_file():
            _skip_shared(path)
        return path

    return get


@pytest.fixture(scope="session")
def tmyx_weather(shared_file):
    """Both TMYx years of ../shared/data read with pvsite.read_weather, by file name."""
    return {name: pvsite.read_weather(shared_file(f"weather/{name}")) for name in TMYX_FILES}


settings.register_profile("fuzz", max_examples=10000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True, scope="session")
def _own_disk_cache(tmp_path_factory):
    """Each test session keeps the yield grid's disk cache in a folder of its own."""
    import os

    folder = tmp_path_factory.mktemp("pvsite-cache")
    old = os.environ.get("PVSITE_CACHE_DIR")
    os.environ["PVSITE_CACHE_DIR"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("PVSITE_CACHE_DIR", None)
    else:
        os.environ["PVSITE_CACHE_DIR"] = old
