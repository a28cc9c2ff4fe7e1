"""ONLINE: download OpenStreetMap buildings and sites for a place, and save them.

The one function of pvsite that goes online (through osmnx, which pvsite does not install);
nothing in the tests or in ``pvsite run`` calls it. Reading is :func:`pvsite.inputs.osm.fetch_osm`,
writing :func:`pvsite.output.export.write_layers`: this module only chains the two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .inputs.osm import fetch_osm
from .output.export import write_layers

__all__ = ["download_osm"]


def download_osm(place: str | dict[str, Any], *, path: str | Path) -> Any:
    """ONLINE: download the buildings and institution sites of a place from OpenStreetMap.

    Needs internet access and osmnx (``pip install osmnx``); :func:`pvsite.read_osm` on a
    downloaded extract is the offline way. The query and the assembly are those of
    :func:`pvsite.inputs.osm.fetch_osm`.

    Parameters
    ----------
    place : str or dict
        A place osmnx can geocode, e.g. ``"Huangpu District, Shanghai, China"``. Large areas
        take long and may be refused by the Overpass server; download a district at a time.
    path : str or Path
        GeoPackage to write (atomically), with layers ``buildings`` and ``sites``; read it
        back with ``pvsite.read_footprints(path, layer="buildings")``.

    Returns
    -------
    GeoDataFrame
        The buildings, as :func:`pvsite.read_osm` returns them.

    Raises
    ------
    ImportError
        osmnx is not installed.

    Examples
    --------
    >>> b = download_osm("Huangpu District, Shanghai, China",
    ...                  path="huangpu.gpkg")  # doctest: +SKIP
    """
    buildings, sites = fetch_osm(place)
    write_layers({"buildings": buildings, "sites": sites}, path)
    return buildings
