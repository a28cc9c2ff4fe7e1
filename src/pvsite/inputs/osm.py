"""Buildings and institution sites from OpenStreetMap: a local extract, or an online download.

:func:`read_osm` reads an ``.osm`` (XML) or ``.osm.pbf`` extract offline, through GDAL's OSM
driver (pyogrio). :func:`fetch_osm` is the ONLINE alternative: it fetches the same data for
a place name through osmnx, so it needs internet access and ``pip install osmnx``; nothing in
pvsite's tests or in ``pvsite run`` calls it (:func:`pvsite.download_osm` also saves it).

OpenStreetMap data are (c) OpenStreetMap contributors, available under the Open Database
Licence 1.0 (ODbL); whatever is made from them must say so. Both functions put that
attribution in ``.attrs['attribution']``, the licence in ``.attrs['licence']`` and
``'OpenStreetMap'`` in ``.attrs['label']``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..crs import present
from ..errors import FootprintError
from .sites import containing_site
from .tags import OSM_TYPE_RULES, SITE_TYPE_RULES, first_number, institution_type, parse_height

__all__ = ["ATTRIBUTION", "fetch_osm", "is_extract", "parse_height", "read_osm"]

#: OSM tags read from an extract.
TAGS = ("building", "name", "height", "building:levels", "roof:shape", "roof:angle", "amenity",
        "office", "healthcare", "government", "landuse", "parking", "capacity", "access",
        "operator")
#: Columns of the buildings :func:`read_osm` returns (and ``geometry``).
BUILDING_COLUMNS = ("osm_id", "building", "name", "height", "building:levels", "roof:shape",
                    "roof:angle", "amenity", "office", "healthcare", "government", "site_id",
                    "site_name", "site_type", "institution_id", "institution_name",
                    "institution_type")
#: Columns of the institution sites ``read_osm(path, layer='sites')`` returns (and ``geometry``).
SITE_COLUMNS = ("site_id", "site_name", "site_type", "amenity", "office", "healthcare",
                "government", "landuse")
#: Columns of the car parks ``read_osm(path, layer='parking')`` returns (and ``geometry``).
PARKING_COLUMNS = ("osm_id", "name", "parking", "capacity", "access", "operator", "building")
#: File name endings read as OpenStreetMap extracts (any case).
EXTRACT_SUFFIXES = (".osm", ".osm.pbf", ".pbf")
#: What :func:`read_osm` can return.
LAYERS = ("buildings", "sites", "parking")
ATTRIBUTION = "(c) OpenStreetMap contributors, ODbL 1.0 (https://www.openstreetmap.org/copyright)"
#: ``.attrs['label']`` of what :func:`read_osm` and :func:`fetch_osm` return (as
#: :func:`pvsite.datasets.shanghai_campuses`): real data, as mapped.
LABEL = "OpenStreetMap"
#: ``.attrs['licence']``: the Open Database Licence, https://www.openstreetmap.org/copyright
LICENCE = "ODbL 1.0"

#: Keys that make a closed way an area: GDAL's default list plus ``healthcare`` and
#: ``government``, so that a hospital or government compound tagged only with those is a site.
_AREA_KEYS = ("aeroway", "amenity", "boundary", "building", "craft", "geological", "historic",
              "landuse", "leisure", "military", "natural", "office", "place", "shop", "sport",
              "tourism", "healthcare", "government", "highway=platform",
              "public_transport=platform")


def _text(values: Any) -> np.ndarray:
    """Tag values as an object array of str, None where missing."""
    out = np.array(values, dtype=object)
    out[pd.isna(out)] = None
    return out


# --------------------------------------------------------------------------------------------
# reading


def _osmconf() -> str:
    """A GDAL OSM driver configuration that makes :data:`TAGS` columns of 'multipolygons'."""
    other = "".join(f"[{layer}]\nosm_id=yes\nattributes=name\n\n"
                    for layer in ("points", "lines", "multilinestrings", "other_relations"))
    return (f"[general]\nclosed_ways_are_polygons={','.join(_AREA_KEYS)}\n\n{other}"
            f"[multipolygons]\nosm_id=yes\nattributes={','.join(TAGS)}\nother_tags=no\n")


def _read_gdal(path: Path) -> Any:
    """Closed ways and multipolygon relations of an extract: ``osm_id``, :data:`TAGS`."""
    import geopandas as gpd
    import pyogrio

    with tempfile.TemporaryDirectory(prefix="pvsite-osm-") as tmp:
        conf = Path(tmp) / "osmconf.ini"
        conf.write_text(_osmconf(), encoding="utf-8")
        df = pyogrio.read_dataframe(path, layer="multipolygons", CONFIG_FILE=str(conf))
    # GDAL writes ':' in field names as '_'; relations carry osm_id, closed ways osm_way_id
    df = df.rename(columns={tag.replace(":", "_"): tag for tag in TAGS})
    relation = "relation/" + df["osm_id"].astype("string")
    osm_id = relation.fillna("way/" + df["osm_way_id"].astype("string")).astype(object)
    data = {"osm_id": osm_id.to_numpy()}
    data.update({tag: (df[tag] if tag in df else pd.Series(np.nan, index=df.index, dtype=object))
                 .astype(object).to_numpy() for tag in TAGS})
    return gpd.GeoDataFrame(data, geometry=df.geometry.to_numpy(), crs=df.crs or "EPSG:4326")


def _from_osmnx(features: Any) -> Any:
    """Turn osmnx ``features_from_*`` output into the table :func:`_assemble` takes."""
    import geopandas as gpd

    idx = features.index
    if isinstance(idx, pd.MultiIndex):  # (element, id): ('way', 123)
        osm_id = (idx.get_level_values(0).astype(str) + "/"
                  + idx.get_level_values(1).astype(str)).to_numpy(dtype=object)
    else:
        osm_id = idx.astype(str).to_numpy(dtype=object)
    data = {"osm_id": osm_id}
    data.update({tag: (features[tag].astype(object).to_numpy() if tag in features.columns
                       else np.full(len(features), np.nan, dtype=object)) for tag in TAGS})
    table = gpd.GeoDataFrame(data, geometry=features.geometry.to_numpy(), crs=features.crs)
    return table.to_crs("EPSG:4326")


def _areas(table: Any) -> tuple[Any, np.ndarray]:
    """The polygonal areas of a table, in a stable order (ways, then relations, each by id)."""
    import shapely

    geoms = table.geometry.to_numpy()
    keep = present(geoms)
    keep[keep] = np.isin(shapely.get_type_id(geoms[keep]), [3, 6])  # Polygon, MultiPolygon
    table = table[keep]
    kind_num = pd.Series(table["osm_id"].to_numpy(dtype=str)).str.split("/", n=1, expand=True)
    rank = (kind_num[0] != "way").to_numpy(dtype=int) if len(table) else np.zeros(0, int)
    num = pd.to_numeric(kind_num[1], errors="coerce").to_numpy() if len(table) else rank
    table = table.iloc[np.lexsort((num, rank))].reset_index(drop=True)
    geoms = np.array(table.geometry.to_numpy(), dtype=object)
    single = (shapely.get_type_id(geoms) == 6) & (shapely.get_num_geometries(geoms) == 1)
    geoms[single] = shapely.get_geometry(geoms[single], 0)
    return table, geoms


def _parking(table: Any) -> Any:
    """The car parks of a table of OSM areas (``amenity=parking``), with their tags."""
    import geopandas as gpd

    table, geoms = _areas(table)
    amenity = table["amenity"].astype("string").str.strip().str.lower()
    is_parking = (amenity == "parking").fillna(False).to_numpy(bool)
    data = {"osm_id": table["osm_id"].to_numpy()[is_parking]}
    data.update({tag: _text(table[tag])[is_parking] for tag in PARKING_COLUMNS[1:]
                 if tag != "capacity"})
    data["capacity"] = first_number(table["capacity"].astype(object)).to_numpy()[is_parking]
    return gpd.GeoDataFrame({c: data[c] for c in PARKING_COLUMNS}, geometry=geoms[is_parking],
                            crs=table.crs)


def _assemble(table: Any) -> tuple[Any, Any]:
    """Split a table of OSM areas into buildings (joined to their sites) and institution sites."""
    import geopandas as gpd

    table, geoms = _areas(table)
    crs = table.crs

    btag = table["building"].astype("string").str.strip().str.lower()
    is_building = (btag.notna() & (btag != "") & (btag != "no")).fillna(False).to_numpy(bool)
    tags = pd.DataFrame(table[list(TAGS)])
    stype = institution_type(tags, rules=SITE_TYPE_RULES).to_numpy()
    is_site = ~is_building & (stype != "not_public")

    sites = gpd.GeoDataFrame(
        {"site_id": _text(table["osm_id"])[is_site],
         "site_name": _text(table["name"])[is_site],
         "site_type": _text(stype)[is_site],
         **{tag: _text(table[tag])[is_site] for tag in SITE_COLUMNS[3:]}},
        geometry=geoms[is_site], crs=crs)

    b = tags[is_building].reset_index(drop=True)
    columns: dict[str, Any] = {"osm_id": table["osm_id"].to_numpy()[is_building]}
    columns.update({tag: _text(b[tag]) for tag in BUILDING_COLUMNS[1:11]})
    columns["height"] = parse_height(b["height"]).to_numpy()
    levels = first_number(b["building:levels"])
    columns["building:levels"] = levels.where(levels >= 0).to_numpy()
    columns["roof:angle"] = first_number(b["roof:angle"]).to_numpy()
    buildings = gpd.GeoDataFrame(columns, geometry=geoms[is_building], crs=crs)

    pos = containing_site(buildings, sites) if len(buildings) else np.zeros(0, dtype=np.int64)
    inside = pos >= 0
    at = np.where(inside, pos, 0)

    def from_site(col: str) -> np.ndarray:
        out = np.full(len(buildings), None, dtype=object)
        out[inside] = sites[col].to_numpy(dtype=object)[at[inside]]
        return out

    own = institution_type(b, rules=OSM_TYPE_RULES).to_numpy(dtype=object)
    own_public = ~inside & (own != "not_public")
    site_id, site_name, site_type = from_site("site_id"), from_site("site_name"), from_site(
        "site_type")
    buildings["site_id"] = site_id
    buildings["site_name"] = site_name
    buildings["site_type"] = site_type
    buildings["institution_id"] = np.where(
        inside, site_id, np.where(own_public, columns["osm_id"], None)).astype(object)
    buildings["institution_name"] = np.where(
        inside, site_name, np.where(own_public, columns["name"], None)).astype(object)
    buildings["institution_type"] = np.where(inside, site_type, own).astype(object)
    buildings = buildings[[*BUILDING_COLUMNS, buildings.geometry.name]]
    return buildings, sites


def is_extract(path: str | Path) -> bool:
    """Whether a file is named like an OpenStreetMap extract (:data:`EXTRACT_SUFFIXES`).

    Examples
    --------
    >>> is_extract("campus.OSM.PBF"), is_extract("roofs.gpkg")
    (True, False)
    """
    return Path(path).name.lower().endswith(EXTRACT_SUFFIXES)


def read_osm(path: str | Path, *, layer: str = "buildings") -> Any:
    """Read building footprints and institution sites from an OpenStreetMap extract.

    Offline: the extract (``.osm`` XML or ``.osm.pbf``, e.g. cut from a Geofabrik or BBBike
    download with osmium) is read through GDAL's OSM driver.

    Buildings are the closed ways and multipolygon relations with a ``building`` tag (other
    than ``building=no``). Institution *sites* are those without a ``building`` tag whose tags
    match :data:`pvsite.inputs.tags.SITE_TYPE_RULES` (first match wins):

    ======================================================  ==============
    site tags                                               ``site_type``
    ======================================================  ==============
    ``amenity=hospital``, ``healthcare=hospital``           hospital
    ``amenity=university`` or ``college``                   university
    ``amenity=school`` or ``kindergarten``                  school
    ``office=government``, ``amenity=townhall`` or          government
    ``courthouse``, ``government=*``
    ``amenity=library``, ``community_centre``, ``police``,  other_public
    ``fire_station``, ``social_facility``, ``arts_centre``,
    ``clinic``
    ``landuse=education``                                   school
    ======================================================  ==============

    A building belongs to the site that contains a point on its surface (the smallest one
    where sites nest; tested in the local UTM zone). Its institution is then:

    * inside a site: the site (``institution_id`` = ``site_id``, its name and type), whatever
      the building's own tags say (a ``building=hospital`` on a university campus counts for
      the university);
    * else, where its own tags match :data:`pvsite.inputs.tags.OSM_TYPE_RULES` (the rules
      above, plus ``building=hospital``, ``university``, ``college``, ``school``,
      ``kindergarten`` -> their type, ``building=government`` or ``public`` -> government,
      ``building=civic`` -> other_public): the building itself (``institution_id`` =
      its ``osm_id``, its ``name``, that type);
    * else no institution (ids and names missing) and ``institution_type`` 'not_public'.

    Parameters
    ----------
    path : str or Path
        An ``.osm`` or ``.osm.pbf`` file.
    layer : {'buildings', 'sites', 'parking'}
        What to return: the buildings (default), the institution site polygons, or the car
        parks (areas tagged ``amenity=parking``, with ``parking`` (surface, underground,
        multi-storey...), ``capacity`` [spaces] as a number, ``access``, ``operator``,
        ``building``: for :func:`pvsite.carports`).

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, ways then relations, each by OSM id, on a fresh RangeIndex.
        Buildings have the columns :data:`BUILDING_COLUMNS`: ``osm_id`` (``'way/123'`` or
        ``'relation/45'``); the tags ``building``, ``name``, ``roof:shape``,
        ``amenity``, ``office``, ``healthcare``, ``government`` as text (missing where the
        tag is absent); ``height`` [m] (parsed by :func:`parse_height`),
        ``building:levels`` [storeys] and ``roof:angle`` [deg] as numbers; ``site_id``,
        ``site_name``, ``site_type`` of the containing site; ``institution_id``,
        ``institution_name``, ``institution_type`` as above. Sites have
        :data:`SITE_COLUMNS`. Single-part multipolygons are returned as polygons.
        ``.attrs`` holds ``label`` (:data:`LABEL`), ``source`` (the path), ``attribution``
        (:data:`ATTRIBUTION`) and ``licence`` (:data:`LICENCE`).

    Raises
    ------
    ValueError
        ``layer`` is not one of :data:`LAYERS`.
    FootprintError
        Missing file, or not readable as an OSM extract.

    Examples
    --------
    >>> import pathlib, shutil, tempfile
    >>> corners = [(31.23, 121.47), (31.23, 121.4705), (31.2304, 121.4705), (31.2304, 121.47)]
    >>> nodes = "".join(f'<node id="{i}" lat="{la}" lon="{lo}"/>'
    ...                 for i, (la, lo) in enumerate(corners, start=1))
    >>> refs = "".join(f'<nd ref="{i}"/>' for i in (1, 2, 3, 4, 1))
    >>> way = f'<way id="9">{refs}<tag k="building" v="school"/><tag k="height" v="40 ft"/></way>'
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "x.osm").write_text(f'<osm version="0.6">{nodes}{way}</osm>')
    >>> b = read_osm(folder / "x.osm")
    >>> row = b.iloc[0]
    >>> row["osm_id"], float(row["height"]), row["institution_id"], row["institution_type"]
    ('way/9', 12.192, 'way/9', 'school')
    >>> b.attrs["label"], b.attrs["licence"]
    ('OpenStreetMap', 'ODbL 1.0')
    >>> shutil.rmtree(folder)
    """
    if layer not in LAYERS:
        raise ValueError(f"layer={layer!r}; read_osm returns one of {list(LAYERS)}.")
    path = Path(path)
    if not path.exists():
        raise FootprintError(f"{path}: no such file.")
    with path.open("rb") as f:
        head = f.read(1024)
    # what GDAL's OSM driver looks for: a PBF header block, or an <osm> XML element
    if b"OSMHeader" not in head[:64] and b"<osm" not in head:
        raise FootprintError(
            f"{path}: not an OpenStreetMap extract (neither .osm XML nor .osm.pbf). read_osm "
            "reads those two; other vector formats go through pvsite.read_footprints.")
    try:
        table = _read_gdal(path)
    except Exception as exc:
        raise FootprintError(
            f"{path}: could not be read as an OpenStreetMap extract ({type(exc).__name__}: "
            f"{exc}). read_osm reads .osm (XML) and .osm.pbf files; other vector formats go "
            "through pvsite.read_footprints.") from exc
    if layer == "parking":
        out = _parking(table)
    else:
        buildings, sites = _assemble(table)
        out = buildings if layer == "buildings" else sites
    out.attrs.update(label=LABEL, source=str(path), attribution=ATTRIBUTION, licence=LICENCE)
    return out


# --------------------------------------------------------------------------------------------
# ONLINE download (optional; never used by the tests or by `pvsite run`)


def _download_tags() -> dict[str, Any]:
    """The osmnx ``tags`` query: every building, and every tag of the institution rules."""
    tags: dict[str, Any] = {"building": True}
    for column, values, _ in (*OSM_TYPE_RULES, *SITE_TYPE_RULES):
        if column == "building":
            continue
        if "*" in values:
            tags[column] = True
        elif tags.get(column) is not True:
            tags[column] = sorted(set(tags.get(column, [])) | values)
    return tags


def fetch_osm(place: str | dict[str, Any]) -> tuple[Any, Any]:
    """ONLINE: the buildings and institution sites of a place, from OpenStreetMap via osmnx.

    Needs internet access and osmnx (``pip install osmnx``), which pvsite does not install.
    The query (osmnx ``features_from_place``) asks for every building and every tag of
    :data:`pvsite.inputs.tags.OSM_TYPE_RULES` and ``SITE_TYPE_RULES``; the result is
    assembled exactly as :func:`read_osm` does it. Writes nothing:
    :func:`pvsite.download_osm` also saves the result.

    Parameters
    ----------
    place : str or dict
        A place osmnx can geocode, e.g. ``"Huangpu District, Shanghai, China"``.

    Returns
    -------
    (GeoDataFrame, GeoDataFrame)
        The buildings and the sites, as :func:`read_osm` returns them, with ``label``,
        ``source``, ``attribution`` and ``licence`` in ``.attrs``.

    Raises
    ------
    ImportError
        osmnx is not installed.
    """
    try:
        import osmnx
    except ImportError as exc:
        raise ImportError(
            "downloading OpenStreetMap data needs osmnx, which pvsite does not install: "
            "pip install osmnx (and internet access). Offline, read an .osm/.osm.pbf extract "
            "with pvsite.read_osm.") from exc
    features = osmnx.features_from_place(place, tags=_download_tags())
    buildings, sites = _assemble(_from_osmnx(features))
    for frame in (buildings, sites):
        frame.attrs.update(label=LABEL, source=f"OpenStreetMap via osmnx: {place}",
                           attribution=ATTRIBUTION, licence=LICENCE)
    return buildings, sites
