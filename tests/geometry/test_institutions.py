"""institution_type, group_institutions and assign_district on hand-made cases.

Geometry is in UTM 51N (EPSG:32651) metres, so each answer can be read off the coordinates.
"""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import box

import pvsite
from pvsite.errors import FootprintError, PvsiteWarning
from pvsite.geometry.institutions import (
    OSM_TYPE_RULES,
    SITE_TYPE_RULES,
    assign_district,
    group_institutions,
    institution_type,
)

UTM = "EPSG:32651"  # Shanghai's UTM zone


def listed(values):
    """Values as a list, with None for missing."""
    return [None if pd.isna(v) else v for v in values]


# ---------------------------------------------------------------------------------------------
# institution_type


@pytest.mark.parametrize(("given", "expected"), [
    ("government", "government"), ("University", "university"), (" School ", "school"),
    ("gov", "government"), ("party", "government"), ("townhall", "government"),
    ("college", "university"), ("higher_education", "university"),
    ("kindergarten", "school"), ("primary_school", "school"), ("clinic", "other_public"),
    ("public", "other_public"), ("private", "not_public"), ("residential", "not_public"),
    ("not_public", "not_public"),
])
def test_given_types_and_aliases(given, expected):
    assert institution_type(pd.DataFrame({"institution_type": [given]})).tolist() == [expected]


def test_a_given_type_wins_over_osm_tags_and_unknown_ones_fall_back_to_them():
    df = pd.DataFrame({
        "institution_type": ["school", None, "temple", np.nan, None],
        "amenity": ["hospital", "hospital", "university", None, None],
        "building": [None, None, None, "civic", "apartments"],
    })
    with pytest.warns(PvsiteWarning, match="'temple'"):  # an unknown value is said aloud
        got = institution_type(df).tolist()
    assert got == [
        "school",        # given
        "hospital",      # nothing given: amenity=hospital
        "university",    # 'temple' is no type pvsite knows: the tags decide
        "other_public",  # building=civic
        "not_public",    # nothing public anywhere
    ]


def test_osm_rules_apply_in_order():
    df = pd.DataFrame({
        "amenity": ["school", "HOSPITAL", None, "townhall", None, None, "school", "library"],
        "building": ["hospital", "school", "public", None, None, None, "university", None],
        "office": [None, None, None, None, "government", None, None, None],
        "government": [None, None, None, None, None, "tax", None, None],
        "healthcare": [None] * 8,
    })
    assert institution_type(df).tolist() == [
        "hospital",      # building=hospital comes before amenity=school
        "hospital",      # amenity=hospital, case-insensitive
        "government",    # building=public
        "government",    # amenity=townhall
        "government",    # office=government
        "government",    # government=* (any value)
        "university",    # building=university comes before amenity=school
        "other_public",  # amenity=library
    ]


def test_government_wildcard_does_not_match_no_or_empty():
    df = pd.DataFrame({"government": ["no", "", None, "ministry"]})
    assert institution_type(df).tolist() == ["not_public"] * 3 + ["government"]


def test_site_rules_ignore_building_tags_and_read_landuse():
    df = pd.DataFrame({"building": ["school", None, None],
                       "landuse": [None, "education", "education"],
                       "amenity": [None, None, "university"]})
    assert institution_type(df, rules=SITE_TYPE_RULES).tolist() == [
        "not_public", "school", "university"]
    assert all(rule[0] != "building" for rule in SITE_TYPE_RULES)
    assert set(SITE_TYPE_RULES) - set(OSM_TYPE_RULES) == {
        ("landuse", frozenset({"education"}), "school")}


def test_no_columns_means_not_public():
    gdf = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)] * 2, crs=UTM)
    assert institution_type(gdf).tolist() == ["not_public", "not_public"]


# ---------------------------------------------------------------------------------------------
# group_institutions


@pytest.fixture
def sites():
    # a university campus with a school inside it (nested), and a hospital to the east
    return gpd.GeoDataFrame(
        {"site_id": ["way/1", "way/2", "way/3"],
         "site_name": ["East China University", "Affiliated School", "No. 6 Hospital"],
         "site_type": ["university", "school", "hospital"]},
        geometry=[box(0, 0, 400, 300), box(250, 150, 350, 250), box(1000, 0, 1200, 200)],
        crs=UTM)


@pytest.fixture
def footprints():
    return gpd.GeoDataFrame(
        {"name": ["library", "classroom", "ward", "shop", "lab", "gym"]},
        geometry=[
            box(20, 20, 80, 60),       # in the campus only
            box(260, 160, 300, 200),   # in the campus and the school: the school is smaller
            box(1050, 50, 1100, 90),   # in the hospital
            box(600, 0, 640, 30),      # in no site
            box(380, 100, 460, 110),   # straddles the campus edge; its surface point is outside
            box(350, 20, 420, 80),     # straddles the campus edge; surface point (385, 50) inside
        ],
        crs=UTM, index=[10, 11, 12, 13, 14, 15])


def test_group_by_containing_site(footprints, sites):
    g = group_institutions(footprints, sites)
    assert list(g.index) == [10, 11, 12, 13, 14, 15]
    assert listed(g["institution_id"]) == ["way/1", "way/2", "way/3", None, None, "way/1"]
    assert listed(g["institution_name"]) == [
        "East China University", "Affiliated School", "No. 6 Hospital", None, None,
        "East China University"]
    assert listed(g["institution_type"]) == [
        "university", "school", "hospital", None, None, "university"]
    assert "institution_id" not in footprints  # the input is left alone


def test_sites_in_another_crs(footprints, sites):
    g = group_institutions(footprints.to_crs(4326), sites)
    assert listed(g["institution_id"]) == ["way/1", "way/2", "way/3", None, None, "way/1"]
    g = group_institutions(footprints, sites.to_crs(4326))
    assert listed(g["institution_id"]) == ["way/1", "way/2", "way/3", None, None, "way/1"]


def test_existing_values_are_left_alone(footprints, sites):
    b = footprints.assign(institution_id=[None, "given", None, None, None, None],
                          institution_name=[None, "Given name", None, None, None, None],
                          institution_type=["other_public", None, None, None, None, None])
    g = group_institutions(b, sites)
    assert listed(g["institution_id"]) == ["way/1", "given", "way/3", None, None, "way/1"]
    assert listed(g["institution_name"])[:2] == ["East China University", "Given name"]
    # a given type stays; the building with a given id keeps its (missing) type
    assert listed(g["institution_type"]) == [
        "other_public", None, "hospital", None, None, "university"]


def test_sites_with_plain_columns_and_tags(footprints):
    # user polygons: id from the index, name from 'name', type from OSM tags where any
    sites = gpd.GeoDataFrame({"name": ["Campus", "Compound"], "amenity": ["college", None]},
                             geometry=[box(0, 0, 400, 300), box(1000, 0, 1200, 200)],
                             crs=UTM, index=["c1", "c2"])
    g = group_institutions(footprints, sites)
    assert listed(g["institution_id"]) == ["c1", "c1", "c2", None, None, "c1"]
    assert listed(g["institution_name"]) == ["Campus", "Campus", "Compound", None, None,
                                             "Campus"]
    # 'Compound' has no public tag: its buildings keep no type, left to their own tags
    assert listed(g["institution_type"]) == [
        "university", "university", None, None, None, "university"]


def test_group_by_id_column(footprints, sites):
    b = footprints.assign(campus=["Fudan", "Fudan", None, "Shop 7", None, None],
                          institution_id=[None, None, None, "kept", None, None])
    g = group_institutions(b, id_column="campus")
    assert listed(g["institution_id"]) == ["Fudan", "Fudan", None, "kept", None, None]
    assert listed(g["institution_name"]) == ["Fudan", "Fudan", None, None, None, None]
    assert g["institution_type"].isna().all()
    # with sites as well: the column first, then the sites for the buildings still unassigned
    g = group_institutions(b, sites, id_column="campus")
    assert listed(g["institution_id"]) == ["Fudan", "Fudan", "way/3", "kept", None, "way/1"]


def test_numeric_id_column(footprints):
    b = footprints.assign(code=[7, 7, 8, 9, 9, 9])
    g = group_institutions(b, id_column="code")
    assert g["institution_id"].tolist() == [7, 7, 8, 9, 9, 9]
    assert g["institution_name"].tolist() == ["7", "7", "8", "9", "9", "9"]


def test_group_institutions_errors(footprints, sites):
    with pytest.raises(ValueError, match="sites= .* or id_column="):
        group_institutions(footprints)
    with pytest.raises(ValueError, match="'campus' is not a column"):
        group_institutions(footprints, id_column="campus")
    with pytest.raises(FootprintError, match="no CRS"):
        group_institutions(footprints, sites.set_crs(None, allow_override=True))
    with pytest.raises(FootprintError, match="no CRS"):
        group_institutions(footprints.set_crs(None, allow_override=True), sites)


def test_missing_geometry_and_empty_sites(footprints, sites):
    b = footprints.copy()
    b.loc[10, "geometry"] = None
    g = group_institutions(b, sites)
    assert listed(g["institution_id"]) == [None, "way/2", "way/3", None, None, "way/1"]
    g = group_institutions(footprints, sites.iloc[:0])
    assert g["institution_id"].isna().all()


# ---------------------------------------------------------------------------------------------
# assign_district


@pytest.fixture
def districts():
    # two districts sharing the border x = 1000; a 200 m gap, then a third from x = 2200
    return gpd.GeoDataFrame(
        {"district": ["西区", "中区", "东区"], "district_en": ["West", "Middle", "East"],
         "adcode": ["1", "2", "3"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(2200, 0, 3000, 1000)],
        crs=UTM)


def test_assign_district_inside_near_and_outside(districts):
    b = gpd.GeoDataFrame(geometry=[
        box(100, 100, 200, 200),     # in West
        box(960, 400, 1100, 440),    # straddles West|Middle; surface point (1030, 420)
        box(2050, 500, 2070, 520),   # in the gap: point 60 m from Middle, 140 m from East
        box(2120, 500, 2150, 520),   # in the gap: point 65 m from East, 135 m from Middle
        box(500, -900, 520, -880),   # point 890 m south of West: nearest within 1 km
        box(500, -1500, 520, -1480),  # point 1490 m south: farther than 1 km
        None,                         # no geometry
    ], crs=UTM, index=list("abcdefg"))
    d = assign_district(b, districts)
    assert list(d.index) == list("abcdefg")
    assert listed(d["district_en"]) == ["West", "Middle", "Middle", "East", "West", None, None]
    assert listed(d["district"]) == ["西区", "中区", "中区", "东区", "西区", None, None]
    assert listed(d["adcode"]) == ["1", "2", "2", "3", "1", None, None]


def test_assign_district_max_distance(districts):
    b = gpd.GeoDataFrame(geometry=[box(500, -900, 520, -880)], crs=UTM)
    assert listed(assign_district(b, districts, max_distance_m=500)["district"]) == [None]
    assert listed(assign_district(b, districts, max_distance_m=2000)["district"]) == ["西区"]


def test_assign_district_with_districts_in_wgs84(districts):
    b = gpd.GeoDataFrame(geometry=[box(100, 100, 200, 200), box(2050, 500, 2070, 520)],
                         crs=UTM)
    d = assign_district(b, districts.to_crs(4326))
    assert listed(d["district_en"]) == ["West", "Middle"]


def test_districts_without_a_district_column_are_refused(shanghai_weather):
    # issue 21: accepted, and every building silently got no district
    b = pvsite.datasets.shanghai_buildings().head(3)
    d = gpd.GeoDataFrame({"NAME": ["嘉定区"]}, geometry=[b.to_crs(32651).union_all().buffer(500)],
                         crs=32651)
    with pytest.raises(FootprintError, match="'district' column.*NAME") as err:
        pvsite.estimate(b, shanghai_weather, districts=d, shading=False)
    assert "\n" not in str(err.value)
