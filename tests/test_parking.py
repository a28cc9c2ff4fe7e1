"""pvsite.carports: open car parks through the whole chain, against independent references."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

import pvsite
from _reference import modelchain_yield
from pvsite import Assumptions

X, Y = 500_000.0, 3_450_000.0  # EPSG:32651 near its central meridian: true metres
LOT = shapely.box(X, Y, X + 50, Y + 30)


def lots(*geoms, **cols):
    return gpd.GeoDataFrame(cols or {"parking": ["surface"] * len(geoms)},
                            geometry=list(geoms), crs="EPSG:32651")


@pytest.fixture(scope="module")
def open_lot(shanghai_weather):
    return pvsite.carports(lots(LOT), shanghai_weather, districts=False)


def test_spaces_canopies_and_kwp_per_space(open_lot):
    row = open_lot.iloc[0]
    assert row["status"] == "ok" and row["n_spaces"] == 60 and row["n_canopies"] == 3
    assert row["canopy_area_m2"] == pytest.approx(3 * 48 * 5.3)
    # kWp per space against built Chinese PV carports (vendor and news pages, secondary;
    # ../shared/FACTS.md): Beijing Yizhuang 882 x 265 Wp over about 118 cars = 1.98 kWp a
    # space; Ankang 99 kW over 20 cars = 4.95 kWp a space. Ours: 252 x 580 W / 60 = 2.44.
    per_space = row["capacity_kwp"] / row["n_spaces"]
    assert 882 * 0.265 / 118 <= per_space <= 99 / 20


def test_specific_yield_equals_modelchain_at_the_canopy_tilt(open_lot, shanghai_weather):
    a = Assumptions()
    ref = modelchain_yield(shanghai_weather, a.carport_tilt, 180.0, mounting="racked")
    assert open_lot.iloc[0]["specific_yield_kwh_per_kwp"] == pytest.approx(ref, rel=0.005)


def test_chargers_and_their_demand(open_lot):
    a = Assumptions()
    row = open_lot.iloc[0]
    assert row["n_chargers"] == 6  # one per 10 of the 60 spaces
    assert row["charging_kwh"] == pytest.approx(6 * a.charging_sessions_per_day
                                                * a.charging_kwh_per_session * 365)
    assert 0 < row["solar_share_of_charging"] <= 1
    assert row["capex_yuan"] == pytest.approx(row["capacity_kwp"] * 1000
                                              * a.carport_capex_yuan_per_wp + 6 * 8000)


def test_every_car_park_comes_back_with_a_status(shanghai_weather):
    p = lots(LOT, shapely.box(X + 100, Y, X + 150, Y + 30), shapely.box(X + 200, Y, X + 210,
                                                                          Y + 10), None,
             parking=["surface", "underground", "surface", "surface"])
    c = pvsite.carports(p, shanghai_weather, districts=False)
    assert c["status"].tolist() == ["ok", "unsuitable", "unsuitable", "invalid"]
    assert c.loc[1, "reason"].startswith("underground car park")
    assert "too small" in c.loc[2, "reason"]
    assert (c.loc[1:, "capacity_kwp"] == 0).all()


def test_a_mapped_capacity_is_the_number_of_spaces(shanghai_weather):
    c = pvsite.carports(lots(LOT, parking=["surface"], capacity=[55]), shanghai_weather,
                        districts=False)
    assert c.iloc[0]["n_spaces"] == 55 and c.iloc[0]["spaces_source"] == "capacity"
    assert "the layout fits 60" in c.iloc[0]["reason"]


def test_a_building_to_the_south_shades_the_canopies(shanghai_weather, open_lot):
    """A 40 m building 10 m south of the car park: the loss against the brute force of
    tests/_brute_shading.py (points x hours x prisms) on the canopies' outlines."""
    from _brute_shading import whole_roof_loss

    tower = shapely.box(X, Y - 30, X + 50, Y - 10)  # 50 m x 20 m, 40 m high, 10 m south
    b = gpd.GeoDataFrame({"height": [40.0]}, geometry=[tower], crs="EPSG:32651")
    c, canopies = pvsite.carports(lots(LOT), shanghai_weather, buildings=b, districts=False,
                                  planes=True)
    assert c.iloc[0]["annual_kwh"] < open_lot.iloc[0]["annual_kwh"]
    a = Assumptions()
    brute = np.average(
        [whole_roof_loss(g, [(tower, 40.0)], shanghai_weather, tilt=a.carport_tilt,
                         azimuth=180.0, roof_height=a.carport_height_m, spacing=2.0)
         for g in canopies["geometry"]])
    assert c.iloc[0]["shading_loss"] == pytest.approx(brute, abs=0.02)


def test_canopies_keep_off_a_building_standing_on_the_car_park(shanghai_weather, open_lot):
    """A car park drawn around a 12 m building (a yard mapped as one parking area): no canopy
    runs into the building, the reason says so, and the canopies' loss matches the brute
    force of tests/_brute_shading.py against that building."""
    from _brute_shading import whole_roof_loss

    hall = shapely.box(X + 5, Y + 9, X + 25, Y + 21)
    b = gpd.GeoDataFrame({"height": [12.0]}, geometry=[hall], crs="EPSG:32651")
    c, canopies = pvsite.carports(lots(LOT), shanghai_weather, buildings=b, districts=False,
                                  planes=True)
    row = c.iloc[0]
    assert row["status"] == "ok" and "kept off 240 m^2 of buildings" in row["reason"]
    assert shapely.area(shapely.intersection(canopies["geometry"].to_numpy(), hall)).max() < 1e-6
    assert 0 < row["capacity_kwp"] < open_lot.iloc[0]["capacity_kwp"]
    a = Assumptions()
    brute = np.average(
        [whole_roof_loss(g, [(hall, 12.0)], shanghai_weather, tilt=a.carport_tilt,
                         azimuth=180.0, roof_height=a.carport_height_m, spacing=1.0)
         for g in canopies["geometry"]], weights=canopies["capacity_kwp"])
    assert brute > 0.05
    assert row["shading_loss"] == pytest.approx(brute, abs=0.02)
