"""estimate(): every building out, real values, clear errors."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod

import pvsite
from _reference import modelchain_yield
from pvsite.errors import FootprintError


@pytest.fixture(scope="module")
def weather():
    return pvsite.datasets.shanghai_weather()


def rect_wgs84(lon, lat, width_m, depth_m):
    """A width x depth rectangle near (lon, lat), built in UTM 51N and returned in WGS84."""
    pt = gpd.GeoSeries([shapely.Point(lon, lat)], crs=4326).to_crs(32651).iloc[0]
    box = shapely.box(pt.x, pt.y, pt.x + width_m, pt.y + depth_m)
    return gpd.GeoSeries([box], crs=32651).to_crs(4326).iloc[0]


def test_roof_area_equals_geodesic_area(weather):
    geoms = [rect_wgs84(121.47, 31.23, 40, 20), rect_wgs84(121.30, 31.05, 85, 33.3)]
    b = gpd.GeoDataFrame({"height": [15.0, 20.0]}, geometry=geoms, crs=4326)
    r = pvsite.estimate(b, weather)
    geod = Geod(ellps="WGS84")
    ref = [abs(geod.geometry_area_perimeter(g)[0]) for g in geoms]
    # UTM's scale factor 121 deg E (1.5 deg from the central meridian) changes areas < 0.05 %
    np.testing.assert_allclose(r["roof_area_m2"], ref, rtol=5e-4)


def test_every_building_comes_out_with_status_and_reason(weather):
    good = rect_wgs84(121.47, 31.23, 40, 20)
    bowtie = shapely.Polygon([(121.47, 31.23), (121.4705, 31.2303), (121.4705, 31.23),
                              (121.47, 31.2303)])
    b = gpd.GeoDataFrame(
        {"name": list("abcdefg")},
        geometry=[good, None, shapely.Polygon(), shapely.Point(121.47, 31.23), bowtie,
                  shapely.LineString([(121.47, 31.23), (121.48, 31.24)]),
                  rect_wgs84(121.47, 31.2305, 3, 3)],
        crs=4326, index=[10, 11, 12, 13, 14, 15, 16])
    r = pvsite.estimate(b, weather)
    assert list(r.index) == list(b.index)
    assert list(r["name"]) == list("abcdefg")
    status = dict(zip(r["name"], r["status"], strict=True))
    reason = dict(zip(r["name"], r["reason"], strict=True))
    assert status["a"] == "ok"
    assert status["b"] == status["c"] == status["d"] == status["f"] == "invalid"
    assert reason["b"] == "no geometry" and reason["c"] == "empty geometry"
    assert "not a polygon" in reason["d"]
    assert "make_valid" in reason["e"]
    assert status["g"] == "unsuitable" and "too small" in reason["g"]
    assert (r.loc[r["status"] != "ok", "capacity_kwp"] == 0).all()
    assert (r["capacity_kwp"] >= 0).all() and (r["annual_kwh"] >= 0).all()


def test_annual_kwh_equals_capacity_times_modelchain_yield(weather):
    b = gpd.GeoDataFrame({"height": [12.0]}, geometry=[rect_wgs84(121.47, 31.23, 40, 20)],
                         crs=4326)
    r = pvsite.estimate(b, weather)
    tilt = r.attrs["flat_roof_tilt"]
    ref = modelchain_yield(weather, tilt, 180.0, "racked")
    assert r["specific_yield_kwh_per_kwp"].iloc[0] == pytest.approx(ref, rel=0.005)
    assert r["annual_kwh"].iloc[0] == pytest.approx(r["capacity_kwp"].iloc[0] * ref, rel=0.005)
    # savings follow the cited factors
    kwh = r["annual_kwh"].iloc[0]
    assert r["co2_avoided_t"].iloc[0] == pytest.approx(kwh * 0.42 / 1000)
    assert r["coal_saved_tce"].iloc[0] == pytest.approx(kwh * 0.1229 / 1000)


def test_heights_fall_back_and_are_flagged(weather):
    g = [rect_wgs84(121.47, 31.23 + 0.001 * i, 30, 15) for i in range(3)]
    b = gpd.GeoDataFrame({"height": [18.0, np.nan, np.nan],
                          "building:levels": [np.nan, 5, np.nan]}, geometry=g, crs=4326)
    r = pvsite.estimate(b, weather)
    assert list(r["height_m"]) == [18.0, 15.0, 12.0]
    assert list(r["height_source"]) == ["height", "levels", "default"]
    assert "height unknown" in r["reason"].iloc[2]


def test_district_from_bundled_boundaries(weather):
    # People's Square is in Huangpu; Songjiang University Town in Songjiang
    g = [rect_wgs84(121.4737, 31.2304, 30, 15), rect_wgs84(121.2140, 31.0500, 30, 15)]
    r = pvsite.estimate(gpd.GeoDataFrame(geometry=g, crs=4326), weather)
    assert list(r["adcode"]) == ["310101", "310117"]


def test_missing_crs_is_refused_with_advice(weather):
    b = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)])
    with pytest.raises(FootprintError, match="set_crs"):
        pvsite.estimate(b, weather)
    with pytest.raises(FootprintError, match="GeoDataFrame"):
        pvsite.estimate(pd.DataFrame({"a": [1]}), weather)


def test_bundled_demo_runs_and_labels_its_data(weather):
    b = pvsite.datasets.shanghai_buildings()
    r = pvsite.estimate(b, weather)
    assert len(r) == len(b) and (r.index == b.index).all()
    assert r.attrs["data_labels"] == "generated, synthetic"
    for col in pvsite.OUTPUT_COLUMNS:
        assert col in r, col
    ok = r[r["status"] == "ok"]
    # unshaded, kWh/kWp of every roof lies between the flat-roof and optimal-tilt yields of the
    # year; shading only lowers it, by the reported loss
    lo = pvsite.specific_yield(weather, 0, 180, mounting="flush")
    hi = pvsite.specific_yield(weather, *pvsite.optimal_tilt(weather))
    unshaded = ok["specific_yield_kwh_per_kwp"] / (1 - ok["shading_loss"])
    assert unshaded.min() >= 0.8 * lo and unshaded.max() <= hi * 1.001
    assert 0 < ok["shading_loss"].mean() < 0.3 and ok["shading_loss"].max() < 1
    # Share of roof area under modules. NREL (Gagnon et al. 2016, NREL/TP-6A20-65298) also
    # puts tilted rows on flat roofs at a fixed ground coverage ratio, but no readable copy of
    # the report was found here, so its ratios are NOT compared yet (left for a later
    # session). What pvsite's quarter comes from: the IFC edge band takes 10-20 % of a school
    # block, obstructions 20-35 % of what is left, and the gaps between rows tilted at 28 deg
    # that must not shade each other from 9:00 to 15:00 on the winter solstice at 31 N leave
    # a ground coverage ratio of about 0.5 (GB 50797-2012 spacing): 0.85 x 0.75 x 0.5 = 0.32,
    # less the part rows of whole modules cannot fill.
    flat = ok[ok["roof_type"] == "flat"]
    share = (flat["n_modules"] * pvsite.Assumptions().module_area_m2).sum() / flat[
        "roof_area_m2"].sum()
    assert 0.2 < share < 0.4


def test_implausible_heights_and_far_weather_are_flagged(weather):
    from pvsite.errors import PvsiteWarning

    g = [rect_wgs84(121.47, 31.23 + 0.001 * i, 30, 15) for i in range(3)]
    b = gpd.GeoDataFrame({"height": [0.0, 9999.0, 20.0], "building:levels": [4, np.nan, -2]},
                         geometry=g, crs=4326)
    r = pvsite.estimate(b, weather)
    assert list(r["height_source"]) == ["levels", "default", "height"]
    assert "implausible height 0.0 m ignored" in r["reason"].iloc[0]
    assert "implausible height 9999.0 m" in r["reason"].iloc[1]
    assert r["status"].iloc[1] == "ok"  # still estimated, with the default height
    far = gpd.GeoDataFrame(geometry=[rect_wgs84(116.40, 39.90, 30, 15)], crs=4326)  # Beijing
    with pytest.warns(PvsiteWarning, match="km from the weather"):
        pvsite.estimate(far, weather, districts=False)


def test_a_point_footprint_is_invalid_but_keeps_its_district(weather):
    b = gpd.GeoDataFrame(geometry=[shapely.Point(121.4737, 31.2304)], crs=4326)
    r = pvsite.estimate(b, weather)
    assert r["status"].iloc[0] == "invalid" and r["adcode"].iloc[0] == "310101"
