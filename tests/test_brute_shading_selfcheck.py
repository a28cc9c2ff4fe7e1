"""Self-checks of the brute-force shading reference (tests/_brute_shading.py).

Each check is against a case worked out by hand or in closed form, so that the reference can
later be trusted as an oracle for pvsite's own multi-point shading model.
"""

import math

import numpy as np
import pytest
from shapely.geometry import Polygon, box

from _brute_shading import (
    observer_points,
    rays_blocked,
    sky_grid,
    sky_view_factor,
    sun_blocked,
    unshaded_ac,
    whole_roof_loss,
)
from _reference import modelchain_yield

# --- the ray test ----------------------------------------------------------------------------

BLOCK = [(box(10, -5, 20, 5), 10.0)]  # x 10..20, y -5..5, 10 m tall


@pytest.mark.parametrize(("origin", "az", "el", "expected"), [
    ((0, 0, 0), 90, 0, True),      # straight at the west wall
    ((0, 0, 0), 90, 40, True),     # z = 10 tan 40 = 8.4 m at the wall: below the top
    ((0, 0, 0), 90, 50, False),    # z = 11.9 m at the wall, and over the top
    ((0, 0, 0), 270, 10, False),   # looking away
    ((0, 0, 0), 45, 0, False),     # passes north of the block (y = 10..20 at x = 10..20)
    ((0, 0, 0), 70, 0, True),      # y = 3.6 at x = 10: the west wall
    ((0, 0, 0), 60, 0, False),     # y = 5.8 at x = 10: north of the block all along
    ((15, 20, 0), 180, 30, True),  # the north wall, 15 m away: z = 8.7 m
    ((0, 0, 15), 90, -30, True),   # from above, down onto the west wall (z = 9.2 m)
    ((0, 0, 15), 90, -10, False),  # from above, over the block (z = 13.2 m .. 11.5 m)
    ((15, 0, 11), 0, 30, False),   # from above the top, upward
])
def test_ray_hit_and_miss(origin, az, el, expected):
    assert bool(rays_blocked(*origin, az, el, BLOCK)) is expected


def test_ray_meets_the_top_face_only():
    # from 20 m above x = 15 - 1.75, steeply down: lands on the top, never crosses a wall
    # between 0 and 10 m (it would reach x = 20 at z < 0)
    args = (13.25 - 1.75, 0.0, 30.0, 90.0, -85.0, BLOCK)
    assert bool(rays_blocked(*args)) is True
    assert bool(rays_blocked(*args, top=False)) is False


def test_ray_against_a_non_convex_prism():
    # a U open to the north: the notch (x 10..20, y 10..30) is empty
    u = [(Polygon([(0, 0), (30, 0), (30, 30), (20, 30), (20, 10), (10, 10), (10, 30),
                   (0, 30)]), 10.0)]
    # down the notch, low: hits the notch's back wall at y = 10 (40 m away)
    assert bool(rays_blocked(15, 50, 0, 180, 10, u)) is True    # z = 7.1 m there
    assert bool(rays_blocked(15, 50, 5, 180, 10, u)) is False   # z = 12.1 m: over the U
    # across the notch from inside it: hits an arm
    assert bool(rays_blocked(15, 20, 0, 90, 20, u)) is True
    # vectorised over a grid of azimuths from inside the notch, at z = 5, elevation 5 deg:
    # only the open north (the notch mouth is 10 m away, +/- 5 m wide) is free
    az = np.arange(0.5, 360, 1.0)
    hit = rays_blocked(15, 20, 5, az, 5.0, u)
    half = math.degrees(math.atan(5 / 10))
    free = (az < half) | (az > 360 - half)
    assert np.array_equal(~hit, free)


def test_ray_from_a_courtyard_hits_the_inner_walls():
    ring = [(Polygon(box(0, 0, 60, 60).exterior.coords,
                     [box(12, 12, 48, 48).exterior.coords]), 24.0)]
    az = np.arange(0.5, 360, 3.0)
    assert rays_blocked(30, 30, 0, az, 10.0, ring).all()     # tan 10 * 25.5 m < 24 m
    assert not rays_blocked(30, 30, 0, az, 60.0, ring).any()  # over the ring (z > 31 m)


# --- sun blocking by a wall due south --------------------------------------------------------

def _south_wall_analytic(az, el, d, width, h):
    """Front face y = -d, |x| <= width/2, height h above the point at the origin."""
    c = np.cos(np.radians(az))
    with np.errstate(divide="ignore"):
        t = np.where(c < 0, d / -c, np.inf)
    x = t * np.sin(np.radians(az))
    return (np.abs(x) <= width / 2) & (np.tan(np.radians(el)) * t <= h)


def test_tall_wall_due_south_blocks_the_sun_exactly_where_expected():
    d, width, h = 10.0, 30.0, 20.0
    wall = [(box(-width / 2, -d - 1, width / 2, -d), h)]
    az, el = (g.ravel() for g in np.meshgrid(np.arange(0.3, 360, 0.7), np.arange(0.2, 90, 0.7)))
    got = sun_blocked([[0.0, 0.0, 0.0]], az, el, wall)[0]
    assert np.array_equal(got, _south_wall_analytic(az, el, d, width, h))
    # due south: blocked exactly below atan(h / d); only within atan(width / 2 / d) of south
    due_s = np.isclose(az, 180.0, atol=0.35)
    assert np.array_equal(got[due_s], el[due_s] < math.degrees(math.atan(h / d)))
    assert not got[np.abs(az - 180) > math.degrees(math.atan(width / 2 / d))].any()


def test_south_wall_with_the_real_sun(shanghai_weather):
    import pvlib

    w = shanghai_weather
    loc = pvlib.location.Location(w.attrs["latitude"], w.attrs["longitude"])
    sp = loc.get_solarposition(w.index, temperature=w["temp_air"])
    up = sp["apparent_elevation"].to_numpy() > 0
    az, el = sp["azimuth"].to_numpy()[up], sp["apparent_elevation"].to_numpy()[up]
    d, width, h = 10.0, 30.0, 20.0
    got = sun_blocked([[0.0, 0.0, 3.0]], az, el, [(box(-15, -11, 15, -10), h + 3.0)])[0]
    assert np.array_equal(got, _south_wall_analytic(az, el, d, width, h))
    assert 100 < got.sum() < up.sum()
    assert (el[got] < math.degrees(math.atan(h / d))).all()
    assert (np.abs(az[got] - 180) <= math.degrees(math.atan(width / 2 / d))).all()


# --- sky view factor -------------------------------------------------------------------------

@pytest.mark.parametrize("tilt", [0.0, 25.0, 60.0, 90.0])
def test_open_sky_integral_is_the_isotropic_view_factor(tilt):
    _, _, w = sky_grid(tilt, 180.0)
    assert w.sum() / math.pi == pytest.approx((1 + math.cos(math.radians(tilt))) / 2, abs=1e-4)


def test_lone_point_and_low_neighbour_see_the_whole_sky():
    assert sky_view_factor([[0.0, 0.0, 12.0]], [], 0.0, 180.0)[0] == 1.0
    low = [(box(10, -5, 20, 5), 11.0)]  # lower than the point: never above the horizon
    assert sky_view_factor([[0.0, 0.0, 12.0]], low, 25.0, 180.0)[0] == 1.0


@pytest.mark.parametrize("tilt", [0.0, 25.0])
def test_svf_next_to_a_very_long_wall(tilt):
    """A wall of elevation theta across the plane's facing (2-D, infinitely long).

    For an infinitely long scene the view factor from a strip to the part of its cross-section
    between angles a1 < a2 (from the normal) is (sin a2 - sin a1) / 2. Facing the wall with
    tilt b, the sky spans from the wall top, at -(90 - theta - b), to +90 deg: (1 + cos(theta
    + b)) / 2, against (1 + cos b) / 2 with no wall.
    """
    theta = 45.0  # 10 m higher than the point, 10 m away, 2 km long
    wall = [(box(-1000, -11, 1000, -10), 10.0)]
    got = sky_view_factor([[0.0, 0.0, 0.0]], wall, tilt, 180.0)[0]
    b = math.radians(tilt)
    expected = (1 + math.cos(math.radians(theta) + b)) / (1 + math.cos(b))
    assert got == pytest.approx(expected, abs=1e-3)


def test_svf_half_ring_of_constant_elevation():
    """A horizon at elevation e over half the azimuths: the horizontal plane loses
    (1/pi) * pi * integral_0^e sin cos = sin^2(e) / 2 of its sky, so SVF = 1 - sin^2(e) / 2.
    (An infinitely long straight wall is a different case: see the test above.)"""
    r, e = 50.0, 30.0
    a = np.radians(np.arange(90.0, 270.001, 1.0))
    outer = np.column_stack([(r + 1) * np.sin(a), (r + 1) * np.cos(a)])
    inner = np.column_stack([r * np.sin(a), r * np.cos(a)])[::-1]
    ring = [(Polygon(np.vstack([outer, inner])), r * math.tan(math.radians(e)))]
    got = sky_view_factor([[0.0, 0.0, 0.0]], ring, 0.0, 180.0)[0]
    assert got == pytest.approx(1 - math.sin(math.radians(e)) ** 2 / 2, abs=1e-3)


@pytest.mark.parametrize("tilt", [0.0, 25.0])
def test_svf_of_a_tower_by_its_horizon_profile(tilt):
    """A second, independent route to the same number: the tower's horizon elevation in each
    of 7200 azimuths, from shapely's intersection of a long sight line with the footprint,
    and the elevation integral done in closed form.

    With d = (cos e sin a, cos e cos a, sin e) and the normal at tilt b facing azimuth g, the
    weight n.d cos e integrates over elevation to
    F(E) = sin b cos(a - g) (E/2 + sin 2E / 4) + cos b sin^2 E / 2,
    counted from where n.d turns positive.
    """
    import shapely
    from shapely.geometry import LineString, Point

    tower, h, z = box(50, -35, 70, -15), 60.0, 12.0
    origin = (60.0, 1.0)  # the middle of a roof's south edge, 16 m north of the tower
    az = np.radians(np.arange(0.025, 360, 0.05))
    ends = np.column_stack([origin[0] + 1e4 * np.sin(az), origin[1] + 1e4 * np.cos(az)])
    lines = [LineString([origin, e]) for e in ends]
    d = shapely.distance(Point(origin), shapely.intersection(lines, tower))
    e_h = np.where(np.isnan(d), 0.0, np.arctan2(h - z, np.nan_to_num(d, nan=1.0)))
    b, dg = math.radians(tilt), az - math.pi  # facing south

    def f(e):
        return math.sin(b) * np.cos(dg) * (e / 2 + np.sin(2 * e) / 4) \
            + math.cos(b) * np.sin(e) ** 2 / 2

    e0 = np.clip(np.arctan2(-math.sin(b) * np.cos(dg), math.cos(b)), 0.0, None)
    lost = np.where(e_h > e0, f(e_h) - f(e0), 0.0).sum() * math.radians(0.05)
    expected = 1 - lost / (math.pi * (1 + math.cos(b)) / 2)
    got = sky_view_factor([[*origin, z]], [(tower, h)], tilt, 180.0)[0]
    assert expected < 0.9  # a real obstruction
    assert got == pytest.approx(expected, abs=1e-3)


# --- observers and the whole-roof loss -------------------------------------------------------

def test_observer_grid():
    pts = observer_points(box(0, 0, 10, 6), spacing=2.0)
    assert len(pts) == 15 and pts[:, 0].min() == 1.0 and pts[:, 1].max() == 5.0
    # shrunk to x 1.5..8.5, y 1.5..4.5: x 2.5, 4.5, 6.5 at y 2.5
    assert len(observer_points(box(0, 0, 10, 6), spacing=2.0, setback=1.5)) == 3
    tiny = observer_points(box(0, 0, 1, 1), spacing=2.0)
    assert np.allclose(tiny, [[0.5, 0.5]])


@pytest.mark.parametrize("tilt", [0.0, 25.0])
def test_lone_roof_loses_nothing(shanghai_weather, tilt):
    roof = box(0, 0, 20, 10)
    loss, pts = whole_roof_loss(roof, [], shanghai_weather, tilt=tilt, azimuth=180.0,
                                roof_height=12.0, return_points=True)
    assert loss == pytest.approx(0.0, abs=1e-12)
    assert np.allclose(pts["loss"], 0.0, atol=1e-12) and (pts["svf"] == 1).all()
    low = [(box(0, -30, 20, -10), 12.0), (box(-30, 0, -10, 10), 8.0)]  # not above the roof
    assert whole_roof_loss(roof, low, shanghai_weather, tilt=tilt, azimuth=180.0,
                           roof_height=12.0) == pytest.approx(0.0, abs=1e-12)


def test_observer_inside_a_neighbour_is_refused(shanghai_weather):
    with pytest.raises(ValueError, match="inside a neighbour"):
        whole_roof_loss(box(0, 0, 10, 10), [(box(-5, -5, 15, 15), 30.0)], shanghai_weather,
                        tilt=0.0, azimuth=180.0, roof_height=12.0)


def test_taller_neighbour_costs_more_and_north_costs_less(shanghai_weather):
    roof = box(0, 0, 20, 10)
    kw = {"tilt": 0.0, "azimuth": 180.0, "roof_height": 12.0, "spacing": 5.0}
    south = [whole_roof_loss(roof, [(box(0, -20, 20, -10), h)], shanghai_weather, **kw)
             for h in (20.0, 30.0, 45.0)]
    north = whole_roof_loss(roof, [(box(0, 20, 20, 30), 30.0)], shanghai_weather, **kw)
    assert 0 < south[0] < south[1] < south[2] < 1
    assert 0 < north < south[1]


def test_fully_walled_in_roof_gets_ground_light_only(shanghai_weather):
    # a 1000 m ring 1 m around a 4 x 4 m roof: no sky, no sun; a flat module has no ground
    # view either, so almost nothing is left
    ring = Polygon(box(-11, -11, 15, 15).exterior.coords, [box(-1, -1, 5, 5).exterior.coords])
    loss = whole_roof_loss(box(0, 0, 4, 4), [(ring, 1000.0)], shanghai_weather, tilt=0.0,
                           azimuth=180.0, roof_height=10.0)
    assert loss > 0.995


# --- the energy chain against pvlib's ModelChain ---------------------------------------------

@pytest.mark.parametrize(("tilt", "mounting"), [(0.0, "flush"), (25.0, "racked")])
def test_unshaded_energy_is_pvlib_modelchain(shanghai_weather, tilt, mounting):
    """With the IAM on the beam only the open-sky chain is ModelChain's, to rounding; the
    reference's IAM on the circumsolar part costs a fraction of a percent more."""
    mc = modelchain_yield(shanghai_weather, tilt, 180.0, mounting=mounting)
    kw = {"tilt": tilt, "azimuth": 180.0, "mounting": mounting}
    beam_only = unshaded_ac(shanghai_weather, iam_circumsolar=False, **kw).sum() / 1000
    assert beam_only == pytest.approx(mc, rel=1e-7)
    with_circ = unshaded_ac(shanghai_weather, **kw).sum() / 1000
    assert 0.98 * mc < with_circ < mc
