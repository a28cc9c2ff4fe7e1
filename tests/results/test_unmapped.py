"""Sites mapped without buildings: their ranges against coverage worked out by hand."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

import pvsite
from pvsite.results.unmapped import DEFAULT_COVERAGE, unmapped_sites

X, Y = 500_000.0, 3_460_000.0  # EPSG:32651, near its central meridian: true metres


def _scene():
    # three 100 m x 100 m school sites: two with buildings covering 20 % and 30 % of them,
    # one empty; and an empty hospital site of 50 m x 80 m
    sites = gpd.GeoDataFrame(
        {"site_id": ["s1", "s2", "s3", "h1"], "site_type": ["school"] * 3 + ["hospital"]},
        geometry=[shapely.box(X + k * 300, Y, X + k * 300 + 100, Y + 100) for k in range(3)]
        + [shapely.box(X + 900, Y, X + 950, Y + 80)], crs="EPSG:32651")
    buildings = gpd.GeoDataFrame(
        {"institution_type": ["school", "school"], "height": [12.0, 12.0]},
        geometry=[shapely.box(X + 10, Y + 10, X + 50, Y + 60),  # 2,000 m2 of 10,000
                  shapely.box(X + 310, Y + 10, X + 360, Y + 70)],  # 3,000 m2 of 10,000
        crs="EPSG:32651")
    return buildings, sites


def test_ranges_come_from_the_mapped_sites_of_the_type(shanghai_weather):
    buildings, sites = _scene()
    r = pvsite.estimate(buildings, shanghai_weather, sites=sites, shading=False)
    u = unmapped_sites(r, sites, min_sites=2)
    assert list(u["site_id"]) == ["s3", "h1"]
    school = u.set_index("site_id").loc["s3"]
    # quartiles of the two mapped coverages 0.2 and 0.3
    assert school["coverage_low"] == pytest.approx(0.225)
    assert school["coverage_high"] == pytest.approx(0.275)
    kwp_per_m2 = r["capacity_kwp"].sum() / 5000.0  # both mapped buildings' footprints
    assert school["kwp_per_m2"] == pytest.approx(kwp_per_m2)
    assert school["capacity_kwp_low"] == pytest.approx(10_000 * 0.225 * kwp_per_m2)
    assert school["capacity_kwp_high"] == pytest.approx(10_000 * 0.275 * kwp_per_m2)
    # no mapped hospital: the labelled assumption, and the city-wide kWp per m2
    hosp = u.set_index("site_id").loc["h1"]
    assert (hosp["coverage_low"], hosp["coverage_high"]) == DEFAULT_COVERAGE["hospital"]
    assert "pvsite assumption" in hosp["coverage_source"]
    assert hosp["area_m2"] == pytest.approx(4000.0)


def test_fewer_mapped_sites_than_needed_fall_back_to_the_assumption(shanghai_weather):
    buildings, sites = _scene()
    r = pvsite.estimate(buildings, shanghai_weather, sites=sites, shading=False)
    u = unmapped_sites(r, sites)  # min_sites 3: two mapped schools are not enough
    school = u.set_index("site_id").loc["s3"]
    assert (school["coverage_low"], school["coverage_high"]) == DEFAULT_COVERAGE["school"]
    assert "2 mapped school sites" in school["coverage_source"]


@pytest.mark.slow
def test_baoshan_extract_lists_its_empty_schools_hospitals_and_kindergartens(shanghai_weather):
    b, s = pvsite.datasets.shanghai_campuses("shu")
    r = pvsite.estimate(b, shanghai_weather, sites=s)
    u = unmapped_sites(r, s)
    names = set(u["site_name"])
    # the sites mapped as outlines only (read from the extract: no building polygon inside)
    assert {"大场医院", "大场镇祁连卫生服务中心", "祁华幼儿园", "祁连中心小学"} <= names
    assert "上海大学（宝山校区）" not in names  # the campus has its buildings
    assert (u["capacity_kwp_low"] > 0).all()
    assert (u["capacity_kwp_low"] < u["capacity_kwp_high"]).all()
    assert set(u["district"]) == {"宝山区"}
    assert np.isfinite(u["area_m2"]).all()
