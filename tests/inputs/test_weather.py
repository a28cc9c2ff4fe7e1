"""read_weather: real files in, pvlib's names and the right clock out.

References are the raw files themselves (read here with ``csv``), published totals
(../shared/data/weather/SOURCES.md) and hand-made inputs; never pvsite's own output.
"""

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest

import pvsite
from pvsite.errors import PvsiteWarning, WeatherDataError

WEATHER_COLUMNS = ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
SHANGHAI = {"latitude": 31.2, "longitude": 121.45}
#: pvlib's bundled NSRDB TMY3 sample (Greensboro, NC), as in conftest's tmy3_weather
TMY3_SAMPLE = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"


def plain_frame(weather):
    """The five weather columns as a plain DataFrame: no site, no time convention in attrs."""
    df = weather[WEATHER_COLUMNS].copy()
    df.attrs = {}
    return df


def error_message(excinfo):
    """The message of a WeatherDataError, checking that it is also a ValueError."""
    assert isinstance(excinfo.value, ValueError)
    return str(excinfo.value)


# ---------------------------------------------------------------------------------------------
# weather files


def test_tmy3_sample_columns_rows_and_site(tmy3_weather):
    with open(TMY3_SAMPLE, newline="") as f:
        header = next(csv.reader(f))
    # NSRDB TMY3 first line: USAF, name, state, UTC offset [h], latitude, longitude, elevation
    tz_hours, lat, lon, alt = (float(v) for v in header[3:7])
    assert set(tmy3_weather.columns) == {*WEATHER_COLUMNS, "pressure"}  # pressure [Pa] kept
    assert len(tmy3_weather) == 8760
    assert tmy3_weather.attrs["latitude"] == lat == 36.1
    assert tmy3_weather.attrs["longitude"] == lon == -79.95
    assert tmy3_weather.attrs["altitude"] == alt == 273.0
    assert tmy3_weather.index.tz is not None
    assert tmy3_weather.index[0].utcoffset() == pd.Timedelta(hours=tz_hours)
    assert tmy3_weather.index.is_monotonic_increasing


def test_tmy3_hour_ending_labels_move_to_mid_hour(tmy3_weather):
    with open(TMY3_SAMPLE, newline="") as f:
        rows = csv.reader(f)
        tz_hours = float(next(rows)[3])
        next(rows)  # column names
        first = next(rows)
    date, time = first[0], first[1]  # '01/01/1988', '01:00': the hour 00:00-01:00, by its end
    month, day, _ = (int(v) for v in date.split("/"))
    hour = int(time.split(":")[0])
    # read_weather moves every year to coerce_year (default 2023)
    end = pd.Timestamp(year=2023, month=month, day=day, hour=hour).tz_localize(
        f"Etc/GMT{-int(tz_hours):+d}")
    assert tmy3_weather.index[0] == end - pd.Timedelta(minutes=30)
    assert tmy3_weather.attrs["time_label"] == "middle"
    assert (tmy3_weather.index.minute == 30).all()


def _clear_sky_misfit(weather, offset_min):
    """RMS misfit [W/m^2] between the GHI of clear days and the hour-mean Haurwitz clear sky
    centred ``offset_min`` after each label (each day scaled by its clear-sky index)."""
    loc = pvlib.location.Location(weather.attrs["latitude"], weather.attrs["longitude"])
    centre = weather.index + pd.Timedelta(minutes=offset_min)
    steps = [pd.Timedelta(minutes=m) for m in range(-25, 30, 10)]  # 6 samples per hour
    cs = np.mean([loc.get_clearsky(centre + s, model="haurwitz")["ghi"].to_numpy()
                  for s in steps], axis=0)
    ghi = weather["ghi"].to_numpy()
    day = weather.index.day_of_year.to_numpy()
    k = pd.Series(ghi).groupby(day).sum() / pd.Series(cs).groupby(day).sum()
    k_hour = k.reindex(day).to_numpy()
    sel = (k_hour > 0.75) & (cs > 50)
    return float(np.sqrt(np.mean((ghi[sel] / k_hour[sel] - cs[sel]) ** 2)))


def test_tmy3_labels_fit_the_sun_best_at_mid_hour(tmy3_weather):
    # Independent of any file convention: on clear days the data must line up with the sun
    # where pvsite says the middle of the hour is, not half an hour either side.
    at_label = _clear_sky_misfit(tmy3_weather, 0)
    assert at_label < _clear_sky_misfit(tmy3_weather, -30)
    assert at_label < _clear_sky_misfit(tmy3_weather, 30)


@pytest.mark.parametrize(("name", "ghi_kwh"), [("Shanghai-Hongqiao_1956_2023_TMYx.epw", 1471),
                                               ("CHN_SH_Shanghai.epw", 1481)])
def test_tmyx_epw_annual_ghi_matches_published(shared_file, name, ghi_kwh):
    w = pvsite.read_weather(shared_file(f"weather/{name}"))
    # GHI totals published in ../shared/data/weather/SOURCES.md (sum of hourly Wh/m2 / 1000)
    assert w["ghi"].sum() / 1000 == pytest.approx(ghi_kwh, abs=1.0)
    assert len(w) == 8760
    assert w.index.is_monotonic_increasing and w.index.is_unique
    assert (w.index.minute == 30).all()
    assert w.attrs["latitude"] == 31.198  # header of both files: Hongqiao, 31.198 N
    assert set(w.columns) == {*WEATHER_COLUMNS, "pressure"}


@pytest.mark.parametrize("name", ["Shanghai-Hongqiao_1956_2023_TMYx.epw", "CHN_SH_Shanghai.epw"])
def test_epw_hour_one_is_labelled_half_past_midnight(shared_file, name):
    path = shared_file(f"weather/{name}")
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    first = rows[8]  # 8 header lines, then data: year, month, day, hour (1-24), minute, ...
    month, day, hour = int(first[1]), int(first[2]), int(first[3])
    tz_hours = float(rows[0][8])
    # EnergyPlus Auxiliary Programs, weather format: hour N covers (N-1):00 to N:00 local
    # standard time, so its middle is (N-1):30
    expected = (pd.Timestamp(year=2023, month=month, day=day, hour=hour - 1, minute=30)
                .tz_localize(f"Etc/GMT{-int(tz_hours):+d}"))
    w = pvsite.read_weather(path)
    assert w.index[0] == expected


# ---------------------------------------------------------------------------------------------
# DataFrame input


@pytest.mark.parametrize("missing", ["latitude", "longitude", "time_label"])
def test_dataframe_needs_site_and_time_label(shanghai_weather, missing):
    given = {"latitude": 31.2, "longitude": 121.45, "time_label": "middle"}
    del given[missing]
    with pytest.raises(WeatherDataError) as excinfo:
        pvsite.read_weather(plain_frame(shanghai_weather), **given)
    message = error_message(excinfo)
    assert f"no {missing}" in message
    assert "read_weather(df" in message  # says how to pass it


@pytest.mark.parametrize(("label", "shift_min"), [("start", 30), ("middle", 0), ("end", -30)])
def test_dataframe_time_label_moves_to_mid_hour(shanghai_weather, label, shift_min):
    df = plain_frame(shanghai_weather)
    df.index = df.index - pd.Timedelta(minutes=30)  # on the hour: 00:00, 01:00, ...
    w = pvsite.read_weather(df, time_label=label, **SHANGHAI)
    assert (w.index - df.index == pd.Timedelta(minutes=shift_min)).all()
    np.testing.assert_array_equal(w["ghi"].to_numpy(), df["ghi"].to_numpy())
    assert w.attrs["time_label"] == "middle"


def test_dataframe_with_bad_time_label_lists_the_valid_ones(shanghai_weather):
    with pytest.raises(WeatherDataError) as excinfo:
        pvsite.read_weather(plain_frame(shanghai_weather), time_label="centre", **SHANGHAI)
    message = error_message(excinfo)
    assert "'end'" in message and "'middle'" in message and "'start'" in message


def test_naive_index_takes_tz(shanghai_weather):
    df = plain_frame(shanghai_weather)
    df.index = df.index.tz_localize(None)
    w = pvsite.read_weather(df, time_label="middle", tz="Asia/Shanghai", **SHANGHAI)
    assert w.index[0] == pd.Timestamp("2023-01-01 00:30", tz="Asia/Shanghai")
    with pytest.raises(WeatherDataError, match="tz="):
        pvsite.read_weather(df, time_label="middle", **SHANGHAI)


# ---------------------------------------------------------------------------------------------
# refused and repaired weather


def read_frame(df, **kwargs):
    return pvsite.read_weather(df, time_label="middle", **{**SHANGHAI, **kwargs})


def test_missing_column_is_named(shanghai_weather):
    with pytest.raises(WeatherDataError) as excinfo:
        read_frame(plain_frame(shanghai_weather).drop(columns="dhi"))
    message = error_message(excinfo)
    assert "missing column(s) ['dhi']" in message


def test_wrong_length_is_refused(shanghai_weather):
    with pytest.raises(WeatherDataError) as excinfo:
        read_frame(plain_frame(shanghai_weather).iloc[:8000])
    message = error_message(excinfo)
    assert "8000 rows" in message and "8760" in message


def test_six_hour_gap_is_refused_naming_the_column(shanghai_weather):
    df = plain_frame(shanghai_weather)
    df.iloc[4000:4006, df.columns.get_loc("dni")] = np.nan
    with pytest.raises(WeatherDataError) as excinfo:
        read_frame(df)
    message = error_message(excinfo)
    assert "column 'dni'" in message and "6 missing hours" in message


def test_two_hour_gap_is_filled_with_a_warning(shanghai_weather):
    df = plain_frame(shanghai_weather)
    rows = [4000, 4001]  # two consecutive hours of a June afternoon
    before, after = df["ghi"].iloc[3999], df["ghi"].iloc[4002]
    df.iloc[rows, df.columns.get_loc("ghi")] = np.nan
    with pytest.warns(PvsiteWarning, match="ghi"):
        w = read_frame(df)
    # linear interpolation across the gap, by hand
    np.testing.assert_allclose(w["ghi"].iloc[rows], [before + (after - before) / 3,
                                                     before + 2 * (after - before) / 3])
    assert any("ghi" in r and "2 missing hours" in r for r in w.attrs["repairs"])
    assert not w.isna().to_numpy().any()


@pytest.mark.parametrize("value", [2000.0, -50.0])
def test_impossible_irradiance_is_refused(shanghai_weather, value):
    df = plain_frame(shanghai_weather)
    df.iloc[4000, df.columns.get_loc("dhi")] = value
    with pytest.raises(WeatherDataError) as excinfo:
        read_frame(df)
    message = error_message(excinfo)
    assert "column 'dhi'" in message and "irradiance must lie in 0..1500" in message


def test_swapped_latitude_and_longitude(shanghai_weather):
    with pytest.raises(WeatherDataError) as excinfo:
        read_frame(plain_frame(shanghai_weather), latitude=121.0, longitude=31.0)
    message = error_message(excinfo)
    assert "swapped" in message


def test_longitude_inconsistent_with_solar_noon(shanghai_weather):
    # The Shanghai year's sun peaks near 12 - 121.45/15 = 3.9 h UTC; longitude 30 E would put
    # solar noon at 10 h UTC, six hours later.
    with pytest.raises(WeatherDataError) as excinfo:
        read_frame(plain_frame(shanghai_weather), longitude=30.0)
    message = error_message(excinfo)
    assert "solar noon" in message and "longitude 30.0" in message


def test_month_of_nan_in_a_file_is_refused(tmp_path):
    src = pvsite.datasets.path("weather").read_text(encoding="utf-8").splitlines(keepends=True)
    out = []
    for line in src:
        if line.startswith("2023-06-"):  # every hour of June: ghi left empty
            fields = line.split(",")
            fields[1] = ""
            line = ",".join(fields)
        out.append(line)
    path = tmp_path / "june_missing.csv"
    path.write_text("".join(out), encoding="utf-8")
    with pytest.raises(WeatherDataError) as excinfo:
        pvsite.read_weather(path)
    message = error_message(excinfo)
    assert str(path) in message and "column 'ghi'" in message
    assert "720 missing hours" in message  # 30 days x 24 h


def test_truncated_epw_is_refused_naming_the_file(shared_file, tmp_path):
    lines = shared_file("weather/Shanghai-Hongqiao_1956_2023_TMYx.epw").read_bytes().splitlines(
        keepends=True)
    path = tmp_path / "truncated.epw"
    path.write_bytes(b"".join(lines[:100]))  # 8 header lines and 92 hours
    with pytest.raises(WeatherDataError) as excinfo:
        pvsite.read_weather(path)
    message = error_message(excinfo)
    assert str(path) in message and "92 rows" in message


def test_unknown_extension_is_refused(tmp_path):
    path = tmp_path / "weather.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a spreadsheet")
    with pytest.raises(WeatherDataError) as excinfo:
        pvsite.read_weather(path)
    message = error_message(excinfo)
    assert str(path) in message and "unknown weather format '.xlsx'" in message


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(WeatherDataError, match="no such weather file"):
        pvsite.read_weather(tmp_path / "nowhere.epw")
