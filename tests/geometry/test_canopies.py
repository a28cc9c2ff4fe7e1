"""Rows of spaces and canopies on car parks, against layouts worked out by hand."""

import numpy as np
import pandas as pd
import pytest
import shapely

from pvsite import Assumptions
from pvsite.geometry.carports import canopies, carport_surfaces, parking_status

X, Y = 500_000.0, 3_450_000.0
A = Assumptions()


def test_a_50_by_30_car_park_holds_three_rows_of_twenty_spaces():
    # across the 30 m: row (5.3) + aisle (6.0) + row (5.3) = 16.6 m; a second pair would need
    # 33.2 m, but one more row with its own aisle (11.3 m) fits: rows at 0, 11.3 and 22.6 m.
    # Along the 50 m: floor(50 / 2.4) = 20 spaces a row.
    c = canopies([shapely.box(X, Y, X + 50, Y + 30)], latitude=31.2)
    assert c["n_spaces"].tolist() == [20, 20, 20]
    starts = sorted(g.bounds[1] - Y for g in c["geometry"])
    np.testing.assert_allclose(starts, [0.0, 11.3, 22.6])
    for g in c["geometry"]:  # each canopy covers its run of spaces: 48 m x 5.3 m
        assert shapely.area(g) == pytest.approx(48.0 * 5.3)
    assert set(c["plane_azimuth"]) == {180.0}  # rows run east-west: canopies face south


def test_modules_on_a_canopy_by_hand():
    # a 48 m x 5.3 m canopy at 7 deg: 5.3 / cos(7) = 5.34 m of slope. Portrait (2.278 m up
    # the slope): 2 modules x floor(48 / 1.134) = 42 -> 84; landscape: 4 x 21 = 84.
    s = carport_surfaces([shapely.box(X, Y, X + 50, Y + 30)], np.array([True]), latitude=31.2)
    assert s["n_modules"].tolist() == [84, 84, 84]
    assert (s["mounting"] == "racked").all() and (s["surface"] == "carport").all()
    np.testing.assert_allclose(s["capacity_kwp"], 84 * A.module_power_w / 1000)


def test_a_rotated_car_park_keeps_its_spaces():
    lot = shapely.affinity.rotate(shapely.box(X, Y, X + 50, Y + 30), 30, origin="centroid")
    c = canopies([lot], latitude=31.2)
    assert c["n_spaces"].sum() == 60
    # rows along the 30 deg turned long side: their fronts face 30 deg off south
    assert set(np.round(c["plane_azimuth"])) == {150.0}


def test_underground_multi_storey_and_street_parking_are_no_sites():
    p = pd.DataFrame({"parking": ["surface", "underground", "multi-storey", None, "street_side"],
                      "building": [None, None, None, None, None]})
    site, reason = parking_status(p)
    assert site.tolist() == [True, False, False, True, False]
    assert reason[1].startswith("underground") and reason[2].startswith("multi-storey")
    assert "not mapped" in reason[3]
    garage = pd.DataFrame({"parking": [None], "building": ["parking"]})
    assert parking_status(garage)[0].tolist() == [False]
