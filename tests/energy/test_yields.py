"""specific_yield and optimal_tilt against pvlib's own ModelChain, built here.

pvsite runs pvlib's chain vectorised on a tilt x azimuth grid and interpolates; the reference
below runs pvlib.modelchain.ModelChain at the exact orientation, one system at a time, with
nothing taken from pvsite but the Assumptions' numbers.
"""

import numpy as np
import pandas as pd
import pvlib
import pytest
from pvlib.location import Location
from pvlib.modelchain import ModelChain
from pvlib.pvsystem import PVSystem
from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS

import pvsite
from pvsite import Assumptions
from pvsite.errors import WeatherDataError

A = Assumptions()
_LOSS_ITEMS = ("soiling", "shading", "snow", "mismatch", "wiring", "connections", "lid",
               "nameplate_rating", "age", "availability")


def modelchain_ac(weather, tilt, azimuth, mounting, a=A):
    """Hourly AC power [W] of a 1 kWp array from pvlib ModelChain."""
    sapm = TEMPERATURE_MODEL_PARAMETERS["sapm"]
    temp = sapm[a.temperature_model_racked if mounting == "racked" else a.temperature_model_flush]
    # every PVWatts loss item 0 except one, so pvwatts_losses() is exactly a.system_losses
    losses = {k: 0.0 for k in _LOSS_ITEMS} | {"soiling": a.system_losses}
    system = PVSystem(
        surface_tilt=tilt, surface_azimuth=azimuth, albedo=a.albedo,
        module_parameters={"pdc0": 1000.0, "gamma_pdc": a.gamma_pdc},
        # PVWatts: DC/AC ratio = array DC / inverter AC; pvlib.inverter.pvwatts's pdc0 is the
        # inverter's DC input limit = AC rating / eta
        inverter_parameters={"pdc0": 1000.0 / (a.dc_ac_ratio * a.inverter_efficiency),
                             "eta_inv_nom": a.inverter_efficiency},
        temperature_model_parameters=temp, losses_parameters=losses)
    location = Location(weather.attrs["latitude"], weather.attrs["longitude"],
                        altitude=weather.attrs["altitude"])
    mc = ModelChain(system, location, aoi_model="physical", spectral_model="no_loss",
                    transposition_model="perez", losses_model="pvwatts", dc_model="pvwatts",
                    ac_model="pvwatts", temperature_model="sapm")
    mc.run_model(weather)  # read_weather labels the middle of each hour: pass it as it is
    return mc.results.ac


def modelchain_yield(weather, tilt, azimuth, mounting, a=A):
    """Annual AC energy per kWp [kWh/kWp] from pvlib ModelChain (hourly data)."""
    return float(modelchain_ac(weather, tilt, azimuth, mounting, a).sum()) / 1000.0


def test_reference_losses_are_the_assumed_ones():
    losses = {k: 0.0 for k in _LOSS_ITEMS} | {"soiling": A.system_losses}
    assert pvlib.pvsystem.pvwatts_losses(**losses) == pytest.approx(A.system_losses, abs=1e-12)


# ---------------------------------------------------------------------------------------------
# against ModelChain at random orientations

_rng = np.random.default_rng(20240601)
ORIENTATIONS = [(0.0, 180.0)] + [
    (round(float(t), 2), round(float(z), 2))
    for t, z in zip(_rng.uniform(0, 60, 12), _rng.uniform(90, 270, 12), strict=True)]
WEATHERS = ["shanghai_weather", "tmy3_weather"]
MOUNTINGS = ["racked", "flush"]


@pytest.fixture(scope="module")
def pvsite_yields(request):
    """pvsite's yields at all ORIENTATIONS, one vectorised call per weather and mounting."""
    cache = {}

    def get(weather_name, mounting):
        if (weather_name, mounting) not in cache:
            weather = request.getfixturevalue(weather_name)
            tilts, azimuths = np.array(ORIENTATIONS).T
            cache[weather_name, mounting] = pvsite.specific_yield(weather, tilts, azimuths,
                                                                  mounting=mounting)
        return cache[weather_name, mounting]

    return get


@pytest.mark.parametrize("weather_name", WEATHERS)
@pytest.mark.parametrize("mounting", MOUNTINGS)
@pytest.mark.parametrize(("tilt", "azimuth"), ORIENTATIONS, ids=[f"{t}-{z}" for t, z in
                                                                 ORIENTATIONS])
def test_specific_yield_equals_modelchain(request, pvsite_yields, weather_name, mounting, tilt,
                                          azimuth):
    weather = request.getfixturevalue(weather_name)
    got = pvsite_yields(weather_name, mounting)[ORIENTATIONS.index((tilt, azimuth))]
    expected = modelchain_yield(weather, tilt, azimuth, mounting)
    assert got == pytest.approx(expected, rel=5e-3)


@pytest.mark.parametrize("weather_name", WEATHERS)
@pytest.mark.parametrize("mounting", MOUNTINGS)
def test_hourly_chain_is_modelchain_hour_by_hour(weather_name, mounting, request):
    """The chain runs on the lit hours only: every hour, dark ones too, is still ModelChain's."""
    weather = request.getfixturevalue(weather_name)
    tilts, azimuths = [0.0, 25.0, 90.0], [180.0, 200.0, 95.0]
    got = pvsite.energy.chain.hourly_chain(weather, tilts, azimuths, mounting=mounting)["ac"]
    for row, (t, z) in zip(got, zip(tilts, azimuths, strict=True), strict=True):
        ref = modelchain_ac(weather, t, z, mounting).fillna(0.0).to_numpy()
        np.testing.assert_allclose(row, ref, rtol=1e-9, atol=1e-9)
    dark = ((weather[["ghi", "dni", "dhi"]] <= 0).all(axis=1)).to_numpy()
    assert 0.3 < dark.mean() < 0.7 and (got[:, dark] == 0).all()


def test_monthly_yield_equals_modelchain_months(shanghai_weather):
    ac = modelchain_ac(shanghai_weather, 25.0, 200.0, "racked")
    expected = ac.groupby(ac.index.month).sum().to_numpy() / 1000.0
    got = pvsite.specific_yield(shanghai_weather, 25.0, 200.0, monthly=True)
    np.testing.assert_allclose(got.loc[0].to_numpy(), expected, rtol=1e-2)


def test_monthly_sums_to_annual(shanghai_weather):
    tilts, azimuths = [0.0, 17.3, 42.0], [180.0, 133.0, 251.5]
    monthly = pvsite.specific_yield(shanghai_weather, tilts, azimuths, monthly=True)
    annual = pvsite.specific_yield(shanghai_weather, tilts, azimuths)
    assert list(monthly.columns) == list(range(1, 13))
    assert len(monthly) == 3
    np.testing.assert_allclose(monthly.sum(axis=1).to_numpy(), annual, rtol=1e-6)


def test_scalar_in_float_out_and_array_shape_kept(shanghai_weather):
    assert isinstance(pvsite.specific_yield(shanghai_weather, 20, 180), float)
    assert pvsite.specific_yield(shanghai_weather, np.full((2, 3), 20.0), 180).shape == (2, 3)


# ---------------------------------------------------------------------------------------------
# the half hour matters


@pytest.fixture(scope="module")
def clear_sky_mid_hour():
    """A clear-sky year at 31 N on its time zone's meridian (120 E, UTC+8), at mid-hour.

    The sun is then symmetric about 12:00 (up to the equation of time, which averages out
    over the year), so east and west roofs must yield the same.
    """
    tz = "Etc/GMT-8"
    times = pd.date_range("2023-01-01 00:30", periods=8760, freq="h", tz=tz)
    cs = Location(31.0, 120.0, tz=tz).get_clearsky(times, model="ineichen")
    return cs.assign(temp_air=20.0, wind_speed=1.0)  # constant: no afternoon heat


def test_east_and_west_roofs_equal_on_symmetric_sky(clear_sky_mid_hour):
    w = pvsite.read_weather(clear_sky_mid_hour, time_label="middle", latitude=31.0,
                            longitude=120.0)
    east, west = pvsite.specific_yield(w, 30.0, [90.0, 270.0])
    assert east == pytest.approx(west, rel=5e-3)


def test_mislabelled_half_hour_breaks_east_west_symmetry(clear_sky_mid_hour):
    # The same mid-hour data declared hour-ending: pvsite puts each hour 30 min earlier, where
    # the sun is further east, so the east roof gains and the west roof loses.
    w = pvsite.read_weather(clear_sky_mid_hour, time_label="end", latitude=31.0,
                            longitude=120.0)
    east, west = pvsite.specific_yield(w, 30.0, [90.0, 270.0])
    assert east / west - 1 > 0.01


# ---------------------------------------------------------------------------------------------
# optimal orientation and plausibility


@pytest.fixture(scope="module")
def shanghai_optimum(shanghai_weather):
    return pvsite.optimal_tilt(shanghai_weather)


def test_optimal_tilt_for_shanghai(shanghai_weather, shanghai_optimum):
    tilt, azimuth = shanghai_optimum
    assert 15 <= tilt <= 35
    assert 170 <= azimuth <= 190
    best = pvsite.specific_yield(shanghai_weather, tilt, azimuth)
    around = pvsite.specific_yield(shanghai_weather, [tilt - 5, tilt + 5, tilt, tilt],
                                   [azimuth, azimuth, azimuth - 10, azimuth + 10])
    assert (best >= around).all()
    # and ModelChain agrees that 5 deg either side is worse
    ref = [modelchain_yield(shanghai_weather, t, azimuth, "racked") for t in
           (tilt - 5, tilt, tilt + 5)]
    assert ref[1] > ref[0] and ref[1] > ref[2]


def test_optimal_tilt_with_fixed_azimuth(shanghai_weather):
    tilt, azimuth = pvsite.optimal_tilt(shanghai_weather, surface_azimuth=135.0)
    assert azimuth == 135.0
    best = pvsite.specific_yield(shanghai_weather, tilt, 135.0)
    assert best >= pvsite.specific_yield(shanghai_weather, [tilt - 3, tilt + 3], 135.0).max()


def test_shanghai_yield_in_published_range(shanghai_weather, shanghai_optimum):
    # Compared with ../shared/FACTS.md: the TMYx Hongqiao years give about 1,270-1,290 kWh/kWp
    # at 23-30 deg south with this same ModelChain, but their ERA5 radiation reads high over
    # hazy eastern China. The bundled year is built on NASA SSE climatology of 1,391 kWh/m2 a
    # (against 1,471-1,481 for TMYx), so it should come out about 5-7 % lower: ~1,190-1,210.
    # 1,050-1,350 kWh/kWp brackets that with room for the method.
    y = pvsite.specific_yield(shanghai_weather, *shanghai_optimum)
    assert 1050 <= y <= 1350


@pytest.mark.parametrize("name", ["Shanghai-Hongqiao_1956_2023_TMYx.epw", "CHN_SH_Shanghai.epw"])
def test_generated_year_yields_less_than_tmyx(shanghai_weather, shanghai_optimum, tmyx_weather,
                                              name):
    # Generated (NASA SSE, 1,391 kWh/m2) over TMYx (ERA5, 1,471-1,481 kWh/m2): less sun, and
    # more of it diffuse (0.48 against 0.40), which a tilted plane collects less of, so the
    # ratio sits a little below the GHI ratio of ~0.94 and well above 0.85.
    tmyx = tmyx_weather[name]
    generated = pvsite.specific_yield(shanghai_weather, *shanghai_optimum)
    reference = pvsite.specific_yield(tmyx, *pvsite.optimal_tilt(tmyx))
    assert 0.85 <= generated / reference <= 1.0


# ---------------------------------------------------------------------------------------------
# bad inputs


@pytest.mark.parametrize("tilt", [95.0, -1.0, np.nan])
def test_tilt_out_of_range(shanghai_weather, tilt):
    with pytest.raises(ValueError, match="surface_tilt"):
        pvsite.specific_yield(shanghai_weather, tilt, 180.0)


def test_unknown_mounting_lists_the_valid_ones(shanghai_weather):
    with pytest.raises(ValueError) as excinfo:
        pvsite.specific_yield(shanghai_weather, 20.0, 180.0, mounting="roof")
    message = str(excinfo.value)
    assert "'roof'" in message and "'racked'" in message and "'flush'" in message


def test_raw_dataframe_is_refused(shanghai_weather):
    raw = shanghai_weather.copy()
    raw.attrs = {}
    with pytest.raises(WeatherDataError, match="read_weather"):
        pvsite.specific_yield(raw, 20.0, 180.0)


def test_cache_tells_apart_weather_that_differs_only_in_pressure(shanghai_weather):
    # pressure enters solar position (refraction), so a changed pressure is another year
    low = shanghai_weather.copy()
    low["pressure"] = 50_000.0
    low.attrs = dict(shanghai_weather.attrs)
    from pvsite.energy import chain as energy

    assert energy._weather_key(low) != energy._weather_key(shanghai_weather)


# ---------------------------------------------------------------------------------------------
# both hemispheres (issue 21: Sydney gave 4 deg facing east)


def clear_sky_year(latitude, longitude, tz_hours):
    """pvlib's Ineichen clear-sky year at mid-hour on the zone's clock, read by read_weather."""
    tz = f"Etc/GMT{-tz_hours:+d}"
    times = pd.date_range("2023-01-01 00:30", periods=8760, freq="h", tz=tz)
    cs = Location(latitude, longitude, tz=tz).get_clearsky(times, model="ineichen")
    df = cs[["ghi", "dni", "dhi"]].assign(temp_air=20.0, wind_speed=1.0)
    return pvsite.read_weather(df, latitude=latitude, longitude=longitude, tz=tz,
                               time_label="middle")


@pytest.mark.parametrize(("latitude", "longitude", "tz_hours", "equator"), [
    (-33.87, 151.21, 10, 0.0),   # Sydney: the best faces north
    (60.0, 10.75, 1, 180.0),     # near Oslo: the best faces south
])
def test_optimal_tilt_faces_the_equator_in_both_hemispheres(latitude, longitude, tz_hours,
                                                            equator):
    w = clear_sky_year(latitude, longitude, tz_hours)
    tilt, azimuth = pvsite.optimal_tilt(w)
    assert abs((azimuth - equator + 180) % 360 - 180) <= 5
    # brute force with pvlib's ModelChain: equator-facing tilts every 10 deg, and the east
    # facing 4 deg the old search returned at Sydney; pvsite's optimum beats all of them
    found = modelchain_yield(w, tilt, azimuth, "racked")
    grid = [modelchain_yield(w, t, equator, "racked") for t in (20, 30, 40, 50)]
    assert found >= max(grid) * 0.999
    assert found > modelchain_yield(w, 4.0, 90.0, "racked") * 1.05
    assert 20 <= tilt <= 55


@pytest.mark.parametrize(("latitude", "longitude", "tz_hours"), [(31.17, 121.43, 8),
                                                                  (-33.87, 151.21, 10)])
def test_optimal_tilt_is_the_best_of_every_tenth_of_a_degree(latitude, longitude, tz_hours):
    """The search on the spline's axes (azimuths wrapping past 360 south of the equator) finds
    the best of specific_yield at every 0.1 deg pair, read pair by pair; a second call is the
    cached answer."""
    w = clear_sky_year(latitude, longitude, tz_hours)
    tilt, azimuth = pvsite.optimal_tilt(w)
    equator = 180.0 if latitude >= 0 else 0.0
    tt, zz = np.meshgrid(np.arange(0.0, 90.05, 0.1),
                         np.round(equator + np.arange(-90.0, 90.05, 0.1), 1) % 360.0,
                         indexing="ij")
    y = pvsite.specific_yield(w, tt.ravel(), zz.ravel())
    i = int(np.argmax(y))
    assert (tilt, azimuth) == (round(tt.ravel()[i], 1), round(zz.ravel()[i], 1))
    assert pvsite.optimal_tilt(w) == (tilt, azimuth)
