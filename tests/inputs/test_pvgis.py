"""PVGIS TMY files (JSON as the PVGIS API writes them) read into pvlib's columns."""

import json

import numpy as np
import pandas as pd
import pytest

import pvsite


def write_pvgis_json(weather, path, *, lat=31.2, lon=121.45, elevation=5.0):
    """A PVGIS TMY JSON of the bundled year: UTC hour-start stamps, months from two years.

    Like PVGIS, the file starts at 00:00 UTC on 1 January: the local year is rolled by the
    8 hours of Asia/Shanghai, its last 8 local hours wrapping to the start.
    """
    weather = weather.iloc[np.roll(np.arange(len(weather)), -8)]
    utc = (weather.index - pd.Timedelta(minutes=30)).tz_convert("UTC")
    utc = utc.map(lambda t: t.replace(year=2023))
    # PVGIS picks each month from a different year: Jan from 2011, the rest from 2015
    years = np.where(utc.month == 1, 2011, 2015)
    stamps = [f"{y}{t:%m%d:%H%M}" for y, t in zip(years, utc, strict=True)]
    rows = [{"time(UTC)": s, "T2m": t, "RH": 70.0, "G(h)": g, "Gb(n)": b, "Gd(h)": d,
             "IR(h)": 350.0, "WS10m": ws, "WD10m": 90.0, "SP": 101000.0}
            for s, t, g, b, d, ws in zip(stamps, weather["temp_air"], weather["ghi"],
                                         weather["dni"], weather["dhi"], weather["wind_speed"],
                                         strict=True)]
    doc = {"inputs": {"location": {"latitude": lat, "longitude": lon, "elevation": elevation},
                      "meteo_data": {"radiation_db": "PVGIS-ERA5"}},
           "outputs": {"months_selected": [{"month": m, "year": 2011 if m == 1 else 2015}
                                           for m in range(1, 13)],
                       "tmy_hourly": rows},
           "meta": {"inputs": {}, "outputs": {}}}
    path.write_text(json.dumps(doc))
    return path


def test_pvgis_json_reads_with_site_and_mid_hour_labels(tmp_path):
    w = pvsite.datasets.shanghai_weather()
    got = pvsite.read_weather(write_pvgis_json(w, tmp_path / "tmy.json"))
    assert got.attrs["latitude"] == 31.2 and got.attrs["longitude"] == 121.45
    assert got.attrs["altitude"] == 5.0
    # PVGIS labels an hour by its start: moved to its middle, in UTC
    assert (got.index.minute == 30).all() and str(got.index.tz) == "UTC"
    assert got.index.is_monotonic_increasing and len(got) == 8760
    # the same hours as the source, so the same sums (the year is coerced to one)
    np.testing.assert_allclose(got["ghi"].sum(), w["ghi"].sum(), rtol=1e-9)
    # hour by hour the same values at the same local times (but the year's wrap)
    local = got.tz_convert("Asia/Shanghai")
    common = local.index.intersection(w.index)
    assert len(common) == 8760 - 8
    np.testing.assert_allclose(local.loc[common, "ghi"], w.loc[common, "ghi"])
    # the pressure column (Pa) is kept for the refraction of solar position
    assert got["pressure"].iloc[0] == pytest.approx(101000.0)
    # and its yield equals that of the same year read from pvsite's own file
    assert pvsite.specific_yield(got, 25, 180) == pytest.approx(
        pvsite.specific_yield(w, 25, 180), rel=0.003)
