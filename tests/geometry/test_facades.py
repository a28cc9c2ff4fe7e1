"""Facades from footprints, against walls worked out by hand."""

import geopandas as gpd
import numpy as np
import pytest
import shapely

from pvsite import Assumptions
from pvsite.geometry.facades import facade_surfaces, wall_edges

X, Y = 500_000.0, 3_450_000.0
A = Assumptions()


def facades(*boxes, height=20.0, itype="school"):
    g = gpd.GeoDataFrame(geometry=list(boxes), crs="EPSG:32651")
    n = len(boxes)
    return facade_surfaces(g, np.ones(n, dtype=bool), np.full(n, height), np.full(n, itype))


def test_a_lone_building_has_four_facades_facing_out():
    f = facades(shapely.box(X, Y, X + 40, Y + 20))  # 40 m east-west, 20 m north-south, 20 m
    by_facing = f.set_index(f["surface_azimuth"].round())
    assert sorted(by_facing.index) == [0.0, 90.0, 180.0, 270.0]
    assert (f["surface_tilt"] == 90).all() and (f["surface"] == "facade").all()
    # the south wall: 40 m long, 20 m - 3 m of ground floor = 17 m above it: 680 m2,
    # of which the usable share (0.3 by default) takes 204 m2, at 150 W/m2: 30.6 kWp
    south = by_facing.loc[180.0]
    assert south["plane_area_m2"] == pytest.approx(40 * (20 - A.storey_height_m))
    assert south["usable_area_m2"] == pytest.approx(680 * A.facade_usable_share["school"])
    assert south["capacity_kwp"] == pytest.approx(204 * A.bipv_power_w_per_m2 / 1000)
    assert by_facing.loc[90.0, "plane_area_m2"] == pytest.approx(20 * 17)


def test_two_footprints_sharing_a_wall_have_no_facade_on_it():
    f = facades(shapely.box(X, Y, X + 40, Y + 20), shapely.box(X + 40, Y, X + 60, Y + 20))
    west_block, east_block = (f[f["building"] == i] for i in (0, 1))
    assert 90.0 not in set(west_block["surface_azimuth"].round())  # its east wall is shared
    assert 270.0 not in set(east_block["surface_azimuth"].round())
    assert len(f) == 6


def test_a_gap_between_buildings_keeps_both_walls():
    f = facades(shapely.box(X, Y, X + 40, Y + 20), shapely.box(X + 45, Y, X + 60, Y + 20))
    assert len(f) == 8


def test_courtyard_walls_face_into_the_courtyard():
    ring = shapely.box(X, Y, X + 60, Y + 60).difference(shapely.box(X + 12, Y + 12, X + 48,
                                                                    Y + 48))
    w = wall_edges([ring])
    assert len(w) == 8
    inner = w[(w[["x1", "x2"]].to_numpy() > X + 1).all(axis=1)
              & (w[["x1", "x2"]].to_numpy() < X + 59).all(axis=1)
              & (w[["y1", "y2"]].to_numpy() > Y + 1).all(axis=1)
              & (w[["y1", "y2"]].to_numpy() < Y + 59).all(axis=1)]
    # the court's south side (y = Y + 12) faces north, into the court
    south_side = inner[np.isclose(inner["y1"], Y + 12) & np.isclose(inner["y2"], Y + 12)]
    assert south_side["azimuth"].round().tolist() == [0.0]


def test_a_one_storey_building_has_no_facade_above_its_ground_floor():
    assert len(facades(shapely.box(X, Y, X + 40, Y + 20), height=3.0)) == 0
