"""estimate(..., parking=...): car parks in the same result, roll-ups and shortfall by surface."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import pvsite

X, Y = 500_000.0, 3_450_000.0  # EPSG:32651


@pytest.fixture(scope="module")
def scene(shanghai_weather):
    # two school buildings and a hospital, with a surface car park of each institution and an
    # underground one
    b = gpd.GeoDataFrame(
        {"institution_type": ["school", "school", "hospital"], "height": [12.0, 15.0, 20.0],
         "institution_id": ["s", "s", "h"], "district": ["A", "A", "B"]},
        geometry=[shapely.box(X, Y, X + 40, Y + 20), shapely.box(X + 60, Y, X + 100, Y + 25),
                  shapely.box(X + 300, Y, X + 340, Y + 30)], crs="EPSG:32651")
    p = gpd.GeoDataFrame(
        {"parking": ["surface", "surface", "underground"],
         "institution_type": ["school", "hospital", "school"],
         "institution_id": ["s", "h", "s"], "district": ["A", "B", "A"]},
        geometry=[shapely.box(X, Y - 60, X + 50, Y - 30),
                  shapely.box(X + 300, Y - 80, X + 360, Y - 40),
                  shapely.box(X + 120, Y, X + 150, Y + 30)],
        index=[10, 11, 12], crs="EPSG:32651")
    plain = pvsite.estimate(b, shanghai_weather, districts=False, facades=True)
    both, planes = pvsite.estimate(b, shanghai_weather, districts=False, facades=True,
                                   parking=p, planes=True)
    lots = pvsite.carports(p, shanghai_weather, buildings=b, districts=False)
    return plain, both, planes, lots


def test_car_parks_are_rows_of_their_own_and_roofs_unchanged(scene):
    plain, both, planes, lots = scene
    assert len(both) == 6 and both["site_kind"].tolist() == ["building"] * 3 + ["car_park"] * 3
    roofs = both[both["site_kind"] == "building"]
    pd.testing.assert_frame_equal(pd.DataFrame(roofs[plain.columns]), pd.DataFrame(plain))
    cars = both[both["site_kind"] == "car_park"]
    assert cars.index.tolist() == [10, 11, 12]
    assert cars["status"].tolist() == lots["status"].tolist() == ["ok", "ok", "unsuitable"]
    assert cars["reason"].iloc[2].startswith("underground")
    np.testing.assert_allclose(cars["carport_capacity_kwp"], lots["capacity_kwp"])
    np.testing.assert_allclose(cars["carport_annual_kwh"], lots["annual_kwh"])
    assert (cars["capacity_kwp"] == 0).all() and (roofs["carport_capacity_kwp"] == 0).all()
    assert (planes["surface"] == "carport").sum() == lots["n_canopies"].sum()
