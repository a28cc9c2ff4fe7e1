"""Horizons from neighbours and the energy they cost, against hand geometry and brute force."""

import math

import numpy as np
import pvlib
import pytest
import shapely

import pvsite
from pvsite import energy
from pvsite.energy.shading import shading_loss
from pvsite.geometry.horizons import horizon_profiles, sky_view_factor

ROOF = shapely.box(-10, 0, 10, 20)  # 20 m x 20 m, 10 m high; observer at its centre (0, 10)


@pytest.fixture(scope="module")
def weather():
    return pvsite.datasets.shanghai_weather()


def sector_of(azimuth_deg):
    return int(azimuth_deg)  # 360 sectors of 1 deg


def test_horizon_angles_match_atan_of_height_over_distance():
    # towers due south, east and north-west at known distances from the roof's centre (0, 10)
    south = shapely.box(-2, -32, 2, -30)  # nearest face 40 m away, 60 m taller
    east = shapely.box(50, 8, 52, 12)  # 50 m away, 30 m taller
    nw = shapely.Polygon([(-40, 50), (-38, 52), (-40, 54), (-42, 52)])
    h = horizon_profiles([ROOF, south, east, nw], [10.0, 70.0, 40.0, 25.0])
    assert h[0, sector_of(180)] == pytest.approx(math.degrees(math.atan(60 / 40)), abs=0.05)
    assert h[0, sector_of(90)] == pytest.approx(math.degrees(math.atan(30 / 50)), abs=0.05)
    # the diamond's nearest corner is at (-38, 52): distance hypot(38, 42), azimuth 317.9 deg
    d = math.hypot(38, 42)
    assert h[0, sector_of(317.9)] == pytest.approx(math.degrees(math.atan(15 / d)), abs=0.3)
    # nothing in the other sectors, and lower buildings see no horizon from the roof
    assert h[0, sector_of(0)] == 0 and h[0, sector_of(270)] == 0
    assert h[1].max() == 0


def test_isolated_building_loses_nothing(weather):
    h = horizon_profiles([ROOF], [10.0])
    assert h.max() == 0
    assert shading_loss(weather, [28.0], [180.0], h)[0] == 0


def test_sky_view_factor_of_an_open_plane_is_one_plus_cos_over_two():
    for tilt in (0, 30, 60, 90):
        assert sky_view_factor(np.zeros((1, 72)), tilt, 180)[0] == pytest.approx(
            (1 + math.cos(math.radians(tilt))) / 2, abs=1e-3)  # 72-sector sum
    # a uniform horizon of 30 deg around a horizontal plane leaves cos^2(30) = 0.75
    assert sky_view_factor(np.full((1, 72), 30.0), 0, 180)[0] == pytest.approx(0.75)


def _brute_force_kwh(weather, observer, box_lo, box_hi, tilt=28.0, azimuth=180.0):
    """Annual kWh/kWp with pvlib's chain hour by hour, beam masked by a ray-vs-box test.

    Sky diffuse is scaled by the isotropic sky view factor found by integrating over a fine grid
    of sky directions, each tested against the box: independent of pvsite's sector tables and of
    the closed form of Dozier & Frew.
    """
    a = pvsite.Assumptions()
    loc = pvlib.location.Location(weather.attrs["latitude"], weather.attrs["longitude"],
                                  altitude=weather.attrs["altitude"])
    sp = loc.get_solarposition(weather.index, temperature=weather["temp_air"])
    zen, saz = sp["apparent_zenith"], sp["azimuth"]
    irr = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth, zen, saz, weather["dni"], weather["ghi"], weather["dhi"],
        dni_extra=pvlib.irradiance.get_extra_radiation(weather.index),
        airmass=pvlib.atmosphere.get_relative_airmass(zen), albedo=a.albedo, model="perez")

    def blocked(el, az):
        d = np.stack([np.cos(el) * np.sin(az), np.cos(el) * np.cos(az), np.sin(el)], -1)
        with np.errstate(divide="ignore", invalid="ignore"):
            t1, t2 = (box_lo - observer) / d, (box_hi - observer) / d
        tmin = np.nanmax(np.minimum(t1, t2), axis=-1)
        tmax = np.nanmin(np.maximum(t1, t2), axis=-1)
        return tmax >= np.maximum(tmin, 0)

    el, az = np.radians(sp["apparent_elevation"].to_numpy()), np.radians(saz.to_numpy())
    beam = np.where(blocked(el, az) & (el > 0), 0.0, irr["poa_direct"].fillna(0).to_numpy())
    # sky view factor by integration over the sky, weighted by cos(incidence)
    e_grid, a_grid = np.meshgrid(np.radians(np.arange(0.125, 90, 0.25)),
                                 np.radians(np.arange(0.25, 360, 0.5)), indexing="ij")
    n = np.array([math.sin(math.radians(tilt)) * math.sin(math.radians(azimuth)),
                  math.sin(math.radians(tilt)) * math.cos(math.radians(azimuth)),
                  math.cos(math.radians(tilt))])
    d = np.stack([np.cos(e_grid) * np.sin(a_grid), np.cos(e_grid) * np.cos(a_grid),
                  np.sin(e_grid)], -1)
    w = np.clip(d @ n, 0, None) * np.cos(e_grid)
    ratio = (w * ~blocked(e_grid, a_grid)).sum() / w.sum()
    sky = irr["poa_sky_diffuse"].fillna(0).to_numpy() * ratio
    ground = irr["poa_ground_diffuse"].fillna(0).to_numpy()
    aoi = pvlib.irradiance.aoi(tilt, azimuth, zen, saz)
    effective = beam * pvlib.iam.physical(aoi) + sky + ground
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"][a.temperature_model_racked]
    t_cell = pvlib.temperature.sapm_cell(beam + sky + ground, weather["temp_air"],
                                         weather["wind_speed"], **params)
    pdc = pvlib.pvsystem.pvwatts_dc(effective, t_cell, 1000.0, a.gamma_pdc)
    pdc = np.nan_to_num(np.asarray(pdc)) * (1 - a.system_losses / 100)
    ac = pvlib.inverter.pvwatts(pdc, 1000 / (a.dc_ac_ratio * a.inverter_efficiency),
                                a.inverter_efficiency)
    return float(np.sum(ac)) / 1000


@pytest.mark.parametrize("where,lo,hi,min_loss,max_loss", [
    # a 100 m tower, 60 m wide, 30 m south of the roof's edge: most winter beam is lost
    ("south", (-30, -50, 0), (30, -30, 100), 0.25, 0.6),
    # the same tower to the north costs only a little sky diffuse
    ("north", (-30, 50, 0), (30, 70, 100), 0.0, 0.05),
])
def test_tower_loss_equals_brute_force_hourly_computation(weather, where, lo, hi, min_loss,
                                                          max_loss):
    tower = shapely.box(lo[0], lo[1], hi[0], hi[1])
    h = horizon_profiles([ROOF, tower], [10.0, float(hi[2])])
    loss = shading_loss(weather, [28.0], [180.0], h[:1])[0]
    unshaded = energy.hourly_chain(weather, [28.0], [180.0])["ac"].sum() / 1000
    reference = _brute_force_kwh(weather, np.array([0.0, 10.0, 10.0]), np.array(lo, float),
                                 np.array(hi, float))
    assert unshaded * (1 - loss) == pytest.approx(reference, rel=0.01), where
    assert min_loss <= loss <= max_loss


def test_south_tower_takes_most_winter_beam(weather):
    tower = shapely.box(-30, -50, 30, -30)
    h = horizon_profiles([ROOF, tower], [10.0, 100.0])
    sp = energy.solar_position(weather)
    winter = (weather.index.month.isin([12, 1])) & (sp["apparent_elevation"] > 0)
    sun_sector = sp["azimuth"][winter].astype(int).to_numpy()  # 1-degree sectors
    below = sp["apparent_elevation"][winter].to_numpy() < h[0, sun_sector]
    beam = weather["dni"][winter].to_numpy()
    assert beam[below].sum() / beam.sum() > 0.5  # "most": 59 % of Dec-Jan DNI hours


def test_estimate_applies_shading_and_can_skip_it(weather):
    import geopandas as gpd

    b = gpd.GeoDataFrame({"height": [10.0, 100.0]},
                         geometry=[shapely.box(350_000, 3_450_000, 350_020, 3_450_020),
                                   shapely.box(349_980, 3_449_950, 350_040, 3_449_970)],
                         crs=32651)
    shaded = pvsite.estimate(b, weather, districts=False)
    quick = pvsite.estimate(b, weather, districts=False, shading=False)
    assert shaded["shading_loss"].iloc[0] > 0.2
    assert shaded["shading_loss"].iloc[1] == 0
    assert shaded["annual_kwh"].iloc[0] == pytest.approx(
        quick["annual_kwh"].iloc[0] * (1 - shaded["shading_loss"].iloc[0]), rel=1e-9)
    assert (quick["shading_loss"] == 0).all()
    assert len(shaded["horizon_deg"].iloc[0]) == 72


def test_neighbour_search_keeps_every_pair_that_matters_in_any_chunking():
    """The grid search's culling is exact: chunks of 300 roofs, or all at once, give the same
    horizons as testing every building within MAX_DISTANCE against every roof."""
    from pvsite.crs import to_metric
    from pvsite.geometry import horizons as shading
    from pvsite.geometry.roofs import building_height
    from pvsite.inputs._synth import synthetic_city

    m = to_metric(synthetic_city(1500, seed=3))
    h = building_height(m)["height_m"].to_numpy(dtype=float)
    sky = shading.Skyline(m.geometry.to_numpy(), h)
    whole = sky.profiles()
    parts = np.zeros_like(whole)
    for c in sky.chunks(300):
        parts[c] = sky.profiles(c)
    n = sky.n
    # each roof against every other building whose bounding circle comes within MAX_DISTANCE
    gap = np.hypot(sky.cx[None, :] - sky.x[:, None], sky.cy[None, :] - sky.y[:, None])
    near = (gap - sky.half_diag[None, :] <= shading.MAX_DISTANCE) & ~np.eye(n, dtype=bool)
    every = np.nonzero(near)[1].astype(np.int64)
    ptr = np.concatenate([[0], np.cumsum(near.sum(axis=1))]).astype(np.int64)
    # in index order, not nearest first: the kernel's culling must not depend on the order
    brute = shading._horizons(sky.x, sky.y, np.arange(n + 1), sky.h, np.full(n, np.nan),
                              np.arange(n), ptr, every, *sky.edges, sky.h, sky.cx, sky.cy,
                              sky.half_diag, shading.SECTORS, 1, sky.tan_min,
                              shading._ray_tables(shading.SECTORS, 1))
    brute[~sky.ok] = 0
    assert (whole > 0).any()
    np.testing.assert_array_equal(whole, brute)
    np.testing.assert_array_equal(parts, brute)


def test_points_one_above_the_other_traced_together_equal_each_traced_alone():
    # a wall's points at one place share each ray's meeting with an edge (one column); their
    # horizons must be those of the points one by one, in front of walls and on open roofs
    from pvsite.geometry import horizons as hz

    rng = np.random.default_rng(7)
    boxes = [shapely.box(x, y, x + w, y + d) for x, y, w, d in
             rng.uniform([0, 0, 8, 8], [300, 300, 40, 40], (60, 4))]
    sky = hz.Skyline(boxes, rng.uniform(6, 90, 60))
    owners = np.flatnonzero(sky.ok)
    # four places around each building, facing out, each at five heights from 1 m up
    side = np.array([[0.5, 1.2, 0.0], [1.2, 0.5, 90.0], [0.5, -0.2, 180.0], [-0.2, 0.5, 270.0]])
    b = np.array([sky.geoms[o].bounds for o in owners])
    place = np.repeat(np.arange(owners.size), 4)
    s = np.tile(np.arange(4), owners.size)
    px = b[place, 0] + side[s, 0] * (b[place, 2] - b[place, 0])
    py = b[place, 1] + side[s, 1] * (b[place, 3] - b[place, 1])
    face = np.where(s % 2 == 0, side[s, 2], np.nan)  # half as walls, half open all round
    up = 5
    x, y, f, g = (np.repeat(v, up) for v in (px, py, face, place))
    z = np.tile(np.linspace(1.0, 60.0, up), px.size)
    pairs = sky.roof_pairs(owners, z=np.ones(owners.size))
    together = sky.point_profiles(x, y, z, g, pairs, face=f)
    alone = hz._horizons(x, y, np.arange(x.size + 1), z, f, g.astype(np.int64), *pairs[:2],
                         *sky.edges, sky.h, sky.cx, sky.cy, sky.half_diag, hz.SECTORS, 1,
                         sky.tan_min, hz._ray_tables(hz.SECTORS, 1))
    assert (together > 0).mean() > 0.1
    np.testing.assert_array_equal(together, alone)
    # a wall hides only the sectors behind it: the others as seen with no wall at all
    centre = np.radians(np.arange(hz.SECTORS) + 0.5)
    wall = ~np.isnan(f)
    behind = (np.sin(centre)[None, :] * np.sin(np.radians(f[wall]))[:, None]
              + np.cos(centre)[None, :] * np.cos(np.radians(f[wall]))[:, None]
              < -np.sin(np.radians(hz.FACE_MARGIN)))
    open_ = sky.point_profiles(x, y, z, g, pairs)[wall]
    assert (open_[behind] > 0).any() and (together[wall][behind] == 0).all()
    np.testing.assert_array_equal(together[wall][~behind], open_[~behind])


def test_losses_where_traced_equal_losses_of_the_stored_horizons(weather):
    # the shading stage uses each point's horizon inside the tracing kernel and never holds
    # the points x sectors array; the losses must be those of the horizons traced first and
    # then costed (point_profiles, then shading_loss), with walls, mixed mountings, a
    # surface-model horizon on top and the display horizon
    from pvsite.energy import shading
    from pvsite.geometry import horizons as hz

    rng = np.random.default_rng(11)
    boxes = [shapely.box(x, y, x + w, y + d) for x, y, w, d in
             rng.uniform([0, 0, 8, 8], [300, 300, 40, 40], (50, 4))]
    sky = hz.Skyline(boxes, rng.uniform(6, 90, 50))
    owners = np.flatnonzero(sky.ok)
    pairs = sky.roof_pairs(owners)
    b = np.array([sky.geoms[o].bounds for o in owners])
    g = np.repeat(np.arange(owners.size), 3)
    x = b[g, 0] + rng.uniform(0.1, 0.9, g.size) * (b[g, 2] - b[g, 0])
    y = b[g, 1] + rng.uniform(0.1, 0.9, g.size) * (b[g, 3] - b[g, 1])
    z = sky.h[owners][g] + rng.uniform(0, 1.5, g.size)
    tilt = rng.uniform(0, 40, g.size)
    azim = rng.uniform(0, 360, g.size)
    mounting = np.where(rng.random(g.size) < 0.5, "racked", "flush")
    extra = np.where(rng.random((owners.size, hz.SECTORS)) < 0.2,
                     rng.uniform(0, 30, (owners.size, hz.SECTORS)), 0.0)
    rows = np.arange(g.size)
    for dsm, walls in ((None, False), (extra, False), (None, True)):
        t = np.full(g.size, 90.0) if walls else tilt
        ctx = (sky, pairs, dsm, weather, t, azim, mounting, None)
        got, coarse = shading._point_losses(ctx, x, y, z, g, rows, True, walls=walls)
        prof = sky.point_profiles(x, y, z, g, pairs, face=azim if walls else None)
        if dsm is not None:
            prof = np.maximum(prof, dsm[g])
        want = np.zeros(g.size)
        for m in ("racked", "flush"):
            at = mounting == m
            want[at] = shading_loss(weather, t[at], azim[at], prof[at], mounting=m)
        assert (want > 0).mean() > 0.2
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
        np.testing.assert_array_equal(coarse, hz.coarsen(prof).astype(np.float32))
