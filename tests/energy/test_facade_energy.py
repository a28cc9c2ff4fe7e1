"""Facade energy: BIPV yield against ModelChain, shading against a brute force on the wall."""

import geopandas as gpd
import numpy as np
import pvlib
import pytest
import shapely

import pvsite
from _reference import modelchain_yield
from pvsite import Assumptions

X, Y = 500_000.0, 3_450_000.0  # EPSG:32651, near its central meridian: true metres
BLOCK = shapely.box(X, Y, X + 40, Y + 20)  # 40 m x 20 m, 20 m high
TOWER = shapely.box(X, Y - 40, X + 40, Y - 20)  # 60 m high, 20 m south of the block


def run(geoms, heights, weather, **kwargs):
    b = gpd.GeoDataFrame({"height": heights}, geometry=geoms, crs="EPSG:32651")
    return pvsite.estimate(b, weather, districts=False, facades=True, planes=True, **kwargs)


def brute_wall_loss(weather, wall_x, wall_y, z0, z1, prisms, *, spacing=2.0):
    """Loss of a south-facing wall from x0..x1 at y, z0..z1 high, by brute force: a grid of
    points 5 cm in front of it, hourly 3-D rays to the sun against the prisms (the wall's own
    building among them), the sky view factor of the vertical plane per point, pvlib's chain
    per point (tests/_brute_shading.py's primitives, written apart from pvsite's kernels)."""
    import _brute_shading as bf

    a = Assumptions()
    xs = np.arange(wall_x[0] + spacing / 2, wall_x[1], spacing)
    zs = np.arange(z0 + spacing / 2, z1, spacing)
    gx, gz = np.meshgrid(xs, zs)
    pts = np.column_stack([gx.ravel(), np.full(gx.size, wall_y - 0.05), gz.ravel()])
    prisms = bf.as_prisms(prisms)
    c = bf.hourly_components(weather, 90.0, 180.0, a.albedo)
    day = (c["beam"] + c["circumsolar"] + c["sky"] + c["ground"]) > 0
    c = c[day]
    iam = pvlib.iam.physical(c["aoi"].to_numpy())
    beam, circ = c["beam"].to_numpy(), c["circumsolar"].to_numpy()
    sky, ground = c["sky"].to_numpy(), c["ground"].to_numpy()
    temp, wind = c["temp_air"].to_numpy(), c["wind_speed"].to_numpy()
    ac_open = bf._ac(beam, circ, sky, ground, iam, temp, wind, a, "bipv").sum()
    svf = bf.sky_view_factor(pts, prisms, 90.0, 180.0)
    sunlit = beam + circ > 0
    lit = np.ones((len(pts), len(c)))
    lit[:, sunlit] = ~bf.sun_blocked(pts, c["sun_azimuth"].to_numpy()[sunlit],
                                     c["sun_elevation"].to_numpy()[sunlit], prisms)
    ac = bf._ac(beam * lit, circ * lit, sky * svf[:, None], ground, iam, temp, wind, a, "bipv")
    return float(1 - ac.sum(axis=1).mean() / ac_open)


def test_a_lone_building_south_facade_yields_as_modelchain(shanghai_weather):
    result, surfaces = run([BLOCK], [20.0], shanghai_weather)
    walls = surfaces[surfaces["surface"] == "facade"]
    walls = walls.set_index(walls["surface_azimuth"].round())
    assert sorted(walls.index) == [0.0, 90.0, 180.0, 270.0]
    south = walls.loc[180.0]
    # pvlib ModelChain at tilt 90 facing south with the insulated-back SAPM parameters
    ref = modelchain_yield(shanghai_weather, 90.0, 180.0, mounting="bipv")
    assert south["specific_yield_kwh_per_kwp"] == pytest.approx(ref, rel=0.005)
    a = Assumptions()
    assert south["usable_area_m2"] == pytest.approx(40 * (20 - a.storey_height_m) * 0.3)
    assert result.iloc[0]["facade_capacity_kwp"] == pytest.approx(
        south["capacity_kwp"] + walls.loc[[90.0, 0.0, 270.0], "capacity_kwp"].sum())


@pytest.mark.slow
def test_a_tower_to_the_south_takes_a_third_of_the_south_facade(shanghai_weather):
    _, surfaces = run([BLOCK, TOWER], [20.0, 60.0], shanghai_weather)
    facade = surfaces[(surfaces["surface"] == "facade") & (surfaces["building"] == 0)]
    south = facade[facade["surface_azimuth"].round() == 180.0].iloc[0]
    assert south["shading_loss"] >= 1 / 3
    a = Assumptions()
    brute = brute_wall_loss(shanghai_weather, (X, X + 40), Y, a.storey_height_m, 20.0,
                            [(TOWER, 60.0), (BLOCK, 20.0)])
    assert south["shading_loss"] == pytest.approx(brute, abs=0.02)


@pytest.mark.parametrize(("wall_height", "block", "block_height"), [
    (24.0, shapely.box(X - 10, Y - 20, X + 50, Y - 8), 10.0),  # a low block close by
    (60.0, shapely.box(X - 10, Y - 30, X + 50, Y - 15), 25.0),  # a tall wall, a lower block
])
def test_a_neighbour_lower_than_every_roof_still_shades_the_wall(shanghai_weather, wall_height,
                                                               block, block_height):
    # the neighbour is the lowest building of the scene: no roof can see it, but the wall's
    # lower points can
    wall = shapely.box(X, Y, X + 40, Y + 20)
    _, surfaces = run([wall, block], [wall_height, block_height], shanghai_weather)
    facade = surfaces[(surfaces["surface"] == "facade") & (surfaces["building"] == 0)]
    south = facade[facade["surface_azimuth"].round() == 180.0].iloc[0]
    a = Assumptions()
    brute = brute_wall_loss(shanghai_weather, (X, X + 40), Y, a.storey_height_m, wall_height,
                            [(block, block_height), (wall, wall_height)])
    assert brute > 0.05
    assert south["shading_loss"] == pytest.approx(brute, abs=0.02)


def test_the_far_side_of_a_courtyard_shades_its_inner_wall(shanghai_weather):
    # a 24 m ring, 60 m outside, 36 m court: the court's north wall faces south across it
    # and the ring's own south wing shades it (the building is its own walls' obstacle).
    # Measured when written: 25.5 % refined against 28.5 % by brute force; on a 2 m x 1 m
    # grid pvsite gives 26.4 %, so 2 of the 3 points are the method's, not the grid's
    ring = shapely.Polygon(shapely.box(X, Y, X + 60, Y + 60).exterior.coords,
                           [shapely.box(X + 12, Y + 12, X + 48, Y + 48).exterior.coords])
    _, surfaces = run([ring], [24.0], shanghai_weather)
    walls = surfaces[(surfaces["surface"] == "facade")
                     & (surfaces["surface_azimuth"].round() == 180.0)]
    inner = walls[walls.geometry.centroid.y > Y + 40].iloc[0]
    outer = walls[walls.geometry.centroid.y < Y + 1].iloc[0]
    assert outer["shading_loss"] == 0.0  # nothing stands south of the ring
    a = Assumptions()
    brute = brute_wall_loss(shanghai_weather, (X + 12, X + 48), Y + 48, a.storey_height_m,
                            24.0, [(ring, 24.0)])
    assert brute > 0.2
    assert inner["shading_loss"] == pytest.approx(brute, abs=0.035)


def test_facades_leave_every_roof_column_as_it_was(shanghai_weather):
    b = pvsite.datasets.shanghai_buildings().head(120)
    without = pvsite.estimate(b, shanghai_weather)
    with_ = pvsite.estimate(b, shanghai_weather, facades=True)
    for col in without.columns:
        if col == "horizon_deg":
            assert all(np.array_equal(x, y)
                       for x, y in zip(without[col], with_[col], strict=True))
        elif col != "geometry":
            assert without[col].equals(with_[col]), col
    assert (with_["facade_capacity_kwp"] >= 0).all()
    assert with_.loc[with_["status"] == "invalid", "facade_capacity_kwp"].eq(0).all()
