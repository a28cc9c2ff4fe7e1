"""read_osm: small OpenStreetMap extracts written here, as .osm XML and as .osm.pbf.

The references are the extracts themselves: the node coordinates are read back from the XML
text with the standard library and the footprint areas worked out from them by hand (shoelace
formula in UTM 51N, and pyproj's geodesic area); tags and names are those written below.
"""

import math
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer

import pvsite
from pvsite import osm
from pvsite.errors import FootprintError

# A school campus (way 10, no building tag) in Huangpu, Shanghai, with one building inside it
# (way 11); a hospital building (way 12); a plain building with height, levels and a gabled
# roof (way 13, a trapezoid); a government office as a multipolygon relation with a courtyard
# (relation 20: outer way 17, inner way 18); and a road (way 19), which is not an area.
EXTRACT = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="pvsite tests">
  <node id="1" version="1" lat="31.2300000" lon="121.4700000"/>
  <node id="2" version="1" lat="31.2300000" lon="121.4720000"/>
  <node id="3" version="1" lat="31.2315000" lon="121.4720000"/>
  <node id="4" version="1" lat="31.2315000" lon="121.4700000"/>
  <node id="5" version="1" lat="31.2303000" lon="121.4705000"/>
  <node id="6" version="1" lat="31.2303000" lon="121.4711000"/>
  <node id="7" version="1" lat="31.2306000" lon="121.4711000"/>
  <node id="8" version="1" lat="31.2306000" lon="121.4705000"/>
  <node id="9" version="1" lat="31.2300000" lon="121.4730000"/>
  <node id="10" version="1" lat="31.2300000" lon="121.4736000"/>
  <node id="11" version="1" lat="31.2304000" lon="121.4736000"/>
  <node id="12" version="1" lat="31.2304000" lon="121.4730000"/>
  <node id="13" version="1" lat="31.2300000" lon="121.4745000"/>
  <node id="14" version="1" lat="31.2300000" lon="121.4751000"/>
  <node id="15" version="1" lat="31.2303000" lon="121.4750000"/>
  <node id="16" version="1" lat="31.2303000" lon="121.4746000"/>
  <node id="17" version="1" lat="31.2300000" lon="121.4760000"/>
  <node id="18" version="1" lat="31.2300000" lon="121.4770000"/>
  <node id="19" version="1" lat="31.2308000" lon="121.4770000"/>
  <node id="20" version="1" lat="31.2308000" lon="121.4760000"/>
  <node id="21" version="1" lat="31.2303000" lon="121.4763000"/>
  <node id="22" version="1" lat="31.2303000" lon="121.4767000"/>
  <node id="23" version="1" lat="31.2305000" lon="121.4767000"/>
  <node id="24" version="1" lat="31.2305000" lon="121.4763000"/>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="amenity" v="school"/>
    <tag k="name" v="格致中学"/>
  </way>
  <way id="11" version="1">
    <nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>
    <tag k="building" v="yes"/>
    <tag k="height" v="12;15"/>
    <tag k="building:levels" v="4"/>
  </way>
  <way id="12" version="1">
    <nd ref="9"/><nd ref="10"/><nd ref="11"/><nd ref="12"/><nd ref="9"/>
    <tag k="building" v="hospital"/>
    <tag k="name" v="Test Hospital"/>
    <tag k="height" v="40 ft"/>
  </way>
  <way id="13" version="1">
    <nd ref="13"/><nd ref="14"/><nd ref="15"/><nd ref="16"/><nd ref="13"/>
    <tag k="building" v="yes"/>
    <tag k="height" v="15 m"/>
    <tag k="building:levels" v="5"/>
    <tag k="roof:shape" v="gabled"/>
    <tag k="roof:angle" v="30"/>
  </way>
  <way id="17" version="1">
    <nd ref="17"/><nd ref="18"/><nd ref="19"/><nd ref="20"/><nd ref="17"/>
  </way>
  <way id="18" version="1">
    <nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="24"/><nd ref="21"/>
  </way>
  <way id="19" version="1">
    <nd ref="1"/><nd ref="9"/><nd ref="13"/>
    <tag k="highway" v="service"/>
  </way>
  <relation id="20" version="1">
    <member type="way" ref="17" role="outer"/>
    <member type="way" ref="18" role="inner"/>
    <tag k="type" v="multipolygon"/>
    <tag k="building" v="yes"/>
    <tag k="office" v="government"/>
    <tag k="name" v="Test District Government"/>
  </relation>
</osm>
"""

OSM_IDS = ["way/11", "way/12", "way/13", "relation/20"]  # ways first, then relations
TYPES = ["school", "hospital", "not_public", "government"]


def write_extract(folder, text, fmt):
    """Write ``text`` as ``x.osm``; for 'pbf' convert it to ``x.osm.pbf`` with pyosmium."""
    xml = folder / "x.osm"
    xml.write_text(text, encoding="utf-8")
    if fmt == "osm":
        return xml
    osmium = pytest.importorskip(
        "osmium", reason="pyosmium (pip install osmium, in the 'test' extra) writes the .pbf")
    pbf = folder / "x.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))
    try:
        for obj in osmium.FileProcessor(str(xml)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
            else:
                writer.add_relation(obj)
    finally:
        writer.close()
    xml.unlink()  # only the .pbf is left to read
    return pbf


@pytest.fixture(params=["osm", "pbf"])
def extract(request, tmp_path):
    return write_extract(tmp_path, EXTRACT, request.param)


@pytest.fixture
def buildings(extract):
    return osm.read_osm(extract)


def rings_by_hand():
    """Rings of each building, as (lon, lat) lists, read from the XML text itself."""
    root = ET.fromstring(EXTRACT.encode("utf-8"))
    nodes = {n.get("id"): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    ways = {w.get("id"): [nodes[nd.get("ref")] for nd in w.iter("nd")] for w in root.iter("way")}
    return {"way/11": (ways["11"], []), "way/12": (ways["12"], []), "way/13": (ways["13"], []),
            "relation/20": (ways["17"], [ways["18"]])}


def listed(values):
    """Values as a list, with None for missing (pandas may hold missing text as NaN)."""
    return [None if pd.isna(v) else v for v in values]


def shoelace(xy):
    x, y = (np.asarray(xy, dtype=float) - xy[0]).T  # from the first vertex: no cancellation
    return 0.5 * abs(float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])))


# ---------------------------------------------------------------------------------------------
# read_osm on the extract


def test_buildings_ids_types_sites_and_institutions(buildings):
    assert buildings.crs.to_epsg() == 4326
    assert list(buildings.index) == [0, 1, 2, 3]
    assert buildings["osm_id"].tolist() == OSM_IDS
    assert buildings["institution_type"].tolist() == TYPES
    # only way 11 lies in the campus; the others are institutions by their own tags, or none
    assert listed(buildings["site_id"]) == ["way/10", None, None, None]
    assert listed(buildings["site_name"]) == ["格致中学", None, None, None]
    assert listed(buildings["site_type"]) == ["school", None, None, None]
    assert listed(buildings["institution_id"]) == ["way/10", "way/12", None, "relation/20"]
    assert listed(buildings["institution_name"]) == [
        "格致中学", "Test Hospital", None, "Test District Government"]
    assert list(buildings.columns) == [*osm.BUILDING_COLUMNS, "geometry"]
    assert buildings.attrs["source"] == str(buildings.attrs["source"])
    assert "OpenStreetMap contributors" in buildings.attrs["attribution"]


@pytest.mark.parametrize("layer", osm.LAYERS)
def test_every_layer_is_labelled_credited_and_licensed(extract, layer):
    # the keys and values pvsite.datasets.shanghai_campuses sets on the bundled extracts
    attrs = osm.read_osm(extract, layer=layer).attrs
    assert attrs["label"] == "OpenStreetMap"
    assert attrs["attribution"] == osm.ATTRIBUTION
    assert attrs["attribution"].startswith("(c) OpenStreetMap contributors")
    assert attrs["licence"] == "ODbL 1.0"
    assert attrs["source"] == str(extract)


def test_tags_and_heights_in_metres(buildings):
    b = buildings.set_index("osm_id")
    assert b.loc["way/11", "height"] == 12.0  # "12;15": the first value
    assert b.loc["way/12", "height"] == pytest.approx(40 * 0.3048)  # "40 ft" = 12.192 m
    assert b.loc["way/13", "height"] == 15.0  # "15 m"
    assert np.isnan(b.loc["relation/20", "height"])
    assert b["building:levels"].tolist()[:3] == [4.0, pytest.approx(np.nan, nan_ok=True), 5.0]
    assert b.loc["way/13", "roof:shape"] == "gabled"
    assert b.loc["way/13", "roof:angle"] == 30.0
    assert b["building"].tolist() == ["yes", "hospital", "yes", "yes"]
    assert b.loc["relation/20", "office"] == "government"
    assert pd.isna(b.loc["way/11", "amenity"])  # the campus's tag stays on the campus


def test_footprint_areas_equal_the_hand_computed_ones(buildings):
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32651", always_xy=True)
    geod = Geod(ellps="WGS84")
    utm = buildings.set_index("osm_id").to_crs(32651).geometry
    wgs = buildings.set_index("osm_id").geometry
    for osm_id, (outer, inners) in rings_by_hand().items():
        rings = [outer, *inners]
        utm_rings = [to_utm.transform(*zip(*r, strict=True)) for r in rings]
        planar = [shoelace(list(zip(*xy, strict=True))) for xy in utm_rings]
        by_hand = planar[0] - sum(planar[1:])
        assert utm[osm_id].area == pytest.approx(by_hand, rel=1e-9), osm_id
        geodesic = [abs(geod.polygon_area_perimeter(*zip(*r, strict=True))[0]) for r in rings]
        assert wgs[osm_id].area > 0
        assert utm[osm_id].area == pytest.approx(geodesic[0] - sum(geodesic[1:]), rel=0.005)
    # the relation keeps its courtyard as a hole; the ways are single polygons
    assert utm["relation/20"].geom_type == "Polygon"
    assert len(utm["relation/20"].interiors) == 1
    # way 11 spans 0.0006 deg of longitude and 0.0003 deg of latitude: about 57 m x 33 m
    assert 1800 < utm["way/11"].area < 2000


def test_sites_layer(extract):
    sites = osm.read_osm(extract, layer="sites")
    assert sites["site_id"].tolist() == ["way/10"]
    assert sites["site_name"].tolist() == ["格致中学"]
    assert sites["site_type"].tolist() == ["school"]
    assert sites["amenity"].tolist() == ["school"]
    assert list(sites.columns) == [*osm.SITE_COLUMNS, "geometry"]
    campus = sites.to_crs(32651).geometry.iloc[0]
    # 0.002 deg of longitude x 0.0015 deg of latitude at 31.23 N: about 190 m x 166 m
    assert campus.area == pytest.approx(190.4 * 166.3, rel=0.01)


def test_estimate_keeps_each_building_and_its_type(buildings, shanghai_weather):
    result = pvsite.estimate(buildings, shanghai_weather)
    assert result["osm_id"].tolist() == OSM_IDS
    assert result["institution_type"].tolist() == TYPES
    assert (result["district_en"] == "Huangpu District").all()
    assert result.loc[2, "height_m"] == 15.0
    assert result.loc[2, "roof_type"] == "gabled"
    by_inst = pvsite.rollup(result, by="institution")
    assert {"way/10", "way/12", "relation/20"} <= set(by_inst.index.astype(str))


# ---------------------------------------------------------------------------------------------
# the tag rules on a second extract


RULES_EXTRACT = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="pvsite tests">
  {nodes}
  <way id="1" version="1">{big}<tag k="landuse" v="education"/><tag k="name" v="Edu"/></way>
  <way id="2" version="1">{mid}<tag k="amenity" v="university"/><tag k="name" v="Uni"/></way>
  <way id="3" version="1">{small}<tag k="building" v="yes"/></way>
  <way id="4" version="1">{east}<tag k="healthcare" v="hospital"/><tag k="name" v="H"/></way>
  <way id="5" version="1">{east_b}<tag k="building" v="yes"/><tag k="height" v="9 m"/></way>
  <way id="6" version="1">{west}<tag k="building" v="office"/><tag k="government" v="tax"/>
    <tag k="name" v="Tax office"/></way>
  <way id="7" version="1">{north}<tag k="building" v="no"/><tag k="amenity" v="library"/>
    <tag k="name" v="Library"/></way>
  <way id="8" version="1">{north_b}<tag k="building" v="school"/></way>
</osm>
"""


def rules_extract():
    """Nested education sites, a site tagged only healthcare=hospital, a government=* office,
    and a library whose outline says building=no (a site, not a building)."""
    boxes = {"big": (0, 0, 100, 100), "mid": (10, 10, 60, 60), "small": (20, 20, 30, 30),
             "east": (200, 0, 260, 60), "east_b": (210, 10, 230, 30), "west": (-100, 0, -80, 20),
             "north": (0, 200, 50, 250), "north_b": (10, 210, 20, 220)}
    nodes, ways, i = [], {}, 0
    for key, (x0, y0, x1, y1) in boxes.items():
        refs = []
        for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1)):
            i += 1
            lat, lon = 31.23 + y * 1e-5, 121.47 + x * 1e-5
            nodes.append(f'<node id="{i}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
            refs.append(i)
        ways[key] = "".join(f'<nd ref="{r}"/>' for r in [*refs, refs[0]])
    return RULES_EXTRACT.format(nodes="\n  ".join(nodes), **ways)


@pytest.mark.parametrize("fmt", ["osm", "pbf"])
def test_nested_sites_healthcare_government_and_building_no(tmp_path, fmt):
    path = write_extract(tmp_path, rules_extract(), fmt)
    b = osm.read_osm(path).set_index("osm_id")
    sites = osm.read_osm(path, layer="sites").set_index("site_id")
    assert sites["site_type"].to_dict() == {"way/1": "school", "way/2": "university",
                                            "way/4": "hospital", "way/7": "other_public"}
    assert list(b.index) == ["way/3", "way/5", "way/6", "way/8"]
    # way 3 lies in both education sites: the smaller, the university, wins
    assert b.loc["way/3", ["site_id", "institution_type", "institution_name"]].tolist() == [
        "way/2", "university", "Uni"]
    # healthcare=hospital alone makes way 4 an area and a hospital site
    assert b.loc["way/5", ["institution_id", "institution_type"]].tolist() == ["way/4",
                                                                             "hospital"]
    assert b.loc["way/5", "height"] == 9.0
    # government=* on the building itself
    assert listed(b.loc["way/6", ["site_id", "institution_id", "institution_type"]]) == [
        None, "way/6", "government"]
    # the site's type wins over the building's own building=school
    assert b.loc["way/8", ["institution_id", "institution_type"]].tolist() == ["way/7",
                                                                             "other_public"]


# ---------------------------------------------------------------------------------------------
# parse_height, errors, the osmnx path (without network)


@pytest.mark.parametrize(("text", "metres"), [
    ("12", 12.0), ("12 m", 12.0), ("12m", 12.0), ("12.5 metres", 12.5), ("7 meters", 7.0),
    ("12;15", 12.0), ("12,5", 12.5), ("40 ft", 12.192), ("40'", 12.192), ("10 feet", 3.048),
    ("40'6\"", 40 * 0.3048 + 6 * 0.0254), (" 3 M ", 3.0),
    ("tall", np.nan), ("-3", np.nan), ("0", np.nan), ("", np.nan), (None, np.nan),
    ("12 storeys", np.nan),
])
def test_parse_height(text, metres):
    got = osm.parse_height(pd.Series([text], dtype=object)).iloc[0]
    if math.isnan(metres):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(metres, rel=1e-12)


def test_parse_height_keeps_numbers_and_index():
    s = pd.Series([12.0, 0.0, np.nan], index=["a", "b", "c"])
    out = osm.parse_height(s)
    assert list(out.index) == ["a", "b", "c"]
    assert out.iloc[0] == 12.0 and np.isnan(out.iloc[1]) and np.isnan(out.iloc[2])


def test_bad_layer_missing_file_and_not_an_extract(tmp_path):
    with pytest.raises(ValueError, match=r"'buildings', 'sites'"):
        osm.read_osm(tmp_path / "x.osm", layer="roofs")
    with pytest.raises(FootprintError, match="no such file"):
        osm.read_osm(tmp_path / "missing.osm")
    other = tmp_path / "b.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs=4326).to_file(other)
    with pytest.raises(FootprintError, match="not an OpenStreetMap extract"):
        osm.read_osm(other)


def test_empty_extract(tmp_path):
    path = tmp_path / "empty.osm"
    path.write_text('<?xml version="1.0"?><osm version="0.6"></osm>', encoding="utf-8")
    b = osm.read_osm(path)
    assert len(b) == 0 and list(b.columns) == [*osm.BUILDING_COLUMNS, "geometry"]


def test_osmnx_shaped_features_assemble_like_an_extract(buildings):
    # what osmnx.features_from_place returns: a (element, id) MultiIndex, tags as columns,
    # Polygons, plus nodes as Points; built here from the rings of the XML, without network
    rings = rings_by_hand()
    root = ET.fromstring(EXTRACT.encode("utf-8"))
    nodes = {n.get("id"): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    campus = [nodes[str(i)] for i in (1, 2, 3, 4, 1)]
    rows = [
        (("node", 99), {"amenity": "school", "name": "a point"}, shapely.Point(121.47, 31.23)),
        (("way", 10), {"amenity": "school", "name": "格致中学"}, shapely.Polygon(campus)),
        (("way", 11), {"building": "yes", "height": "12;15", "building:levels": "4"},
         shapely.Polygon(rings["way/11"][0])),
        (("way", 12), {"building": "hospital", "name": "Test Hospital", "height": "40 ft"},
         shapely.Polygon(rings["way/12"][0])),
        (("way", 13), {"building": "yes", "height": "15 m", "building:levels": "5",
                       "roof:shape": "gabled", "roof:angle": "30"},
         shapely.Polygon(rings["way/13"][0])),
        (("relation", 20), {"building": "yes", "office": "government", "type": "multipolygon",
                            "name": "Test District Government"},
         shapely.Polygon(*rings["relation/20"])),
    ]
    index = pd.MultiIndex.from_tuples([r[0] for r in rows], names=["element", "id"])
    features = gpd.GeoDataFrame(pd.DataFrame([r[1] for r in rows], index=index),
                                geometry=[r[2] for r in rows], crs="EPSG:4326")
    b, sites = osm._assemble(osm._from_osmnx(features))
    assert sites["site_id"].tolist() == ["way/10"]
    cols = ["osm_id", "institution_id", "institution_type", "site_name", "height"]
    pd.testing.assert_frame_equal(b[cols].astype(object), buildings[cols].astype(object))
    assert shapely.equals(b.geometry.to_numpy(), buildings.geometry.to_numpy()).all()


def test_download_query_covers_every_rule():
    tags = osm._download_tags()
    assert tags["building"] is True and tags["government"] is True
    assert tags["landuse"] == ["education"] and tags["healthcare"] == ["hospital"]
    assert {"school", "university", "hospital", "townhall", "kindergarten"} <= set(
        tags["amenity"])


def test_read_footprints_hands_an_extract_to_read_osm(extract, buildings):
    via_footprints = pvsite.read_footprints(extract)
    assert list(via_footprints["osm_id"]) == list(buildings["osm_id"])
    assert list(via_footprints["institution_type"]) == list(buildings["institution_type"])
