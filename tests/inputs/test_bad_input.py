"""Bad input, second round (issue 21): weather in the wrong unit, missing-value codes, GHI below
DHI, leap Februaries, daylight-saving clocks; Chinese attribute values; column names.

Each test reproduces one failure of the issue. References are worked by hand in the test, or
computed here with pvlib (clear sky, solar position), never read from pvsite's output.
"""

import numpy as np
import pandas as pd
import pvlib
import pytest

import pvsite
from pvsite.errors import PvsiteWarning, WeatherDataError

WEATHER_COLUMNS = ["ghi", "dni", "dhi", "temp_air", "wind_speed"]
SHANGHAI = {"latitude": 31.2, "longitude": 121.45}


def plain_frame(weather):
    """The five weather columns as a plain DataFrame: no site, no time convention in attrs."""
    df = weather[WEATHER_COLUMNS].copy()
    df.attrs = {}
    return df


def read_frame(df, **kwargs):
    return pvsite.read_weather(df, time_label="middle", **{**SHANGHAI, **kwargs})


def clear_sky_frame(latitude, longitude, index):
    """pvlib's Ineichen clear sky at ``index`` (tz-aware, mid-hour), 20 degC, 1 m/s."""
    cs = pvlib.location.Location(latitude, longitude).get_clearsky(index, model="ineichen")
    df = cs[["ghi", "dni", "dhi"]].copy()
    df["temp_air"], df["wind_speed"] = 20.0, 1.0
    return df


# ---------------------------------------------------------------------------------------------
# irradiance in the wrong unit


@pytest.mark.parametrize(("factor", "unit", "fix"), [
    (1 / 1000, "kWh/m^2 per hour", "multiply by 1,000"),   # 1 kWh/m^2 in an hour = 1000 W/m^2
    (3600 / 1e6, "MJ/m^2 per hour", "multiply by 277.8"),  # 1 MJ/m^2 in an hour = 277.8 W/m^2
])
def test_irradiance_in_energy_units_is_refused_naming_the_unit(shanghai_weather, factor, unit,
                                                               fix):
    df = plain_frame(shanghai_weather)
    df[["ghi", "dni", "dhi"]] *= factor
    with pytest.raises(WeatherDataError) as excinfo:
        read_frame(df)
    message = str(excinfo.value)
    assert "column 'ghi'" in message and unit in message and fix in message
    assert "\n" not in message


def test_annual_ghi_outside_the_earth_s_range_is_refused(shanghai_weather):
    df = plain_frame(shanghai_weather)
    df["ghi"] = np.where(df["ghi"] > 0, 1400.0, 0.0)  # 1,400 W/m^2 in every daylight hour
    # about 4,400 daylight hours x 1.4 kW/m^2 = 6,000 kWh/m^2 a, twice the Atacama's
    with pytest.raises(WeatherDataError, match="kWh/m\\^2 a, outside"):
        read_frame(df)


# ---------------------------------------------------------------------------------------------
# missing-value codes


def test_missing_value_codes_are_read_as_missing_and_filled(shanghai_weather):
    df = plain_frame(shanghai_weather)
    rows = [1000, 3000, 5000]  # isolated hours
    df.iloc[rows, df.columns.get_loc("temp_air")] = 99.9  # the EPW code for air temperature
    df.iloc[[2000], df.columns.get_loc("wind_speed")] = 999.0  # and for wind speed
    df.iloc[[4100], df.columns.get_loc("ghi")] = -999.0
    t = df["temp_air"].to_numpy()
    expected = [(t[i - 1] + t[i + 1]) / 2 for i in rows]  # linear across one hour, by hand
    with pytest.warns(PvsiteWarning, match="missing-value codes"):
        w = read_frame(df)
    np.testing.assert_allclose(w["temp_air"].to_numpy()[rows], expected)
    assert w["temp_air"].max() < 60 and w["wind_speed"].max() < 75
    assert any("temp_air: 3 missing-value codes (99.9)" in r for r in w.attrs["repairs"])


def test_plausible_values_equal_to_a_code_are_kept(shanghai_weather):
    df = plain_frame(shanghai_weather)
    row = int(np.flatnonzero((df["dhi"] > 20) & (df["dhi"] < 90))[100])  # a dull daylight hour
    df.iloc[row, df.columns.get_loc("ghi")] = 99.9  # a real irradiance [W/m^2]
    w = read_frame(df)  # no warning
    assert w["ghi"].iloc[row] == 99.9


def test_a_long_run_of_codes_is_refused_saying_they_were_codes(shanghai_weather):
    df = plain_frame(shanghai_weather)
    df.iloc[4000:4010, df.columns.get_loc("ghi")] = 9999.0
    with pytest.raises(WeatherDataError) as excinfo:
        read_frame(df)
    message = str(excinfo.value)
    assert "10 missing hours" in message and "missing-value codes (9999)" in message


def test_a_pressure_column_of_codes_is_dropped_not_refused(shanghai_weather):
    df = plain_frame(shanghai_weather)
    df["pressure"] = 999999.0  # EPW's code for a missing pressure, all year
    with pytest.warns(PvsiteWarning, match="pressure: missing"):
        w = read_frame(df)
    assert "pressure" not in w  # optional: the chain takes the altitude's pressure
    np.testing.assert_array_equal(w["ghi"].to_numpy(), df["ghi"].to_numpy())


# ---------------------------------------------------------------------------------------------
# GHI below DHI


def test_ghi_below_dhi_is_repaired_by_closure(shanghai_weather):
    df = plain_frame(shanghai_weather)
    # 30 sunny hours (DNI > 300 W/m^2) get a GHI of half their DHI
    rows = np.flatnonzero(df["dni"].to_numpy() > 300)[::50][:30]
    df.iloc[rows, df.columns.get_loc("ghi")] = df["dhi"].to_numpy()[rows] / 2
    sp = pvlib.solarposition.get_solarposition(df.index[rows], **SHANGHAI)  # mid-hour labels
    expected = (df["dni"].to_numpy()[rows] * np.cos(np.radians(sp["zenith"].to_numpy()))
                + df["dhi"].to_numpy()[rows])
    with pytest.warns(PvsiteWarning, match="closure"):
        w = read_frame(df)
    np.testing.assert_allclose(w["ghi"].to_numpy()[rows], expected, rtol=1e-6)
    assert any("below dhi in 30 daylight hours" in r for r in w.attrs["repairs"])


def test_ghi_and_dhi_swapped_is_refused(shanghai_weather):
    df = plain_frame(shanghai_weather).rename(columns={"ghi": "dhi", "dhi": "ghi"})
    with pytest.raises(WeatherDataError, match="swapped or mislabelled"):
        read_frame(df)


# ---------------------------------------------------------------------------------------------
# calendars and clocks


def test_leap_year_february_in_a_typical_year_is_dropped(shanghai_weather):
    df = plain_frame(shanghai_weather)
    df.index = df.index.tz_localize(None)
    # a TMY whose February comes from 2024 (29 days), the other months from 2023
    feb = pd.date_range("2024-02-01 00:30", "2024-02-29 23:30", freq="h")
    other = df.index[df.index.month != 2]
    febdata = pd.DataFrame(np.tile(df[df.index.month == 2].to_numpy()[:24], (29, 1)),
                           index=feb, columns=df.columns)
    febdata.iloc[:28 * 24] = df[df.index.month == 2].to_numpy()
    tmy = pd.concat([df.loc[other[other.month == 1]], febdata,
                     df.loc[other[other.month > 2]]])
    assert len(tmy) == 8784
    with pytest.warns(PvsiteWarning, match="February 29"):
        w = read_frame(tmy, tz="Asia/Shanghai")
    assert len(w) == 8760
    assert not ((w.index.month == 2) & (w.index.day == 29)).any()
    np.testing.assert_array_equal(w["ghi"].to_numpy(), df["ghi"].to_numpy())


def test_naive_standard_time_in_a_dst_zone_is_read_as_standard_time():
    # Berlin: a typical year in local standard time (UTC+1 all year), as EPW files are
    utc = pd.date_range("2023-01-01 00:30", periods=8760, freq="h", tz="UTC") - pd.Timedelta(
        hours=1)
    df = clear_sky_frame(52.52, 13.40, utc)
    df.index = (utc + pd.Timedelta(hours=1)).tz_localize(None)  # the clock of UTC+1
    with pytest.warns(PvsiteWarning, match="standard time"):
        w = pvsite.read_weather(df, latitude=52.52, longitude=13.40, tz="Europe/Berlin",
                                time_label="middle")
    assert (w.index.tz_convert("UTC") == utc).all()


def test_naive_wall_clock_time_with_dst_is_resolved():
    utc = pd.date_range("2023-01-01 00:30", periods=8760, freq="h", tz="UTC")
    df = clear_sky_frame(52.52, 13.40, utc)
    df.index = utc.tz_convert("Europe/Berlin").tz_localize(None)  # one hour repeated, one missing
    assert df.index.has_duplicates
    with pytest.warns(PvsiteWarning, match="wall-clock"):
        w = pvsite.read_weather(df, latitude=52.52, longitude=13.40, tz="Europe/Berlin",
                                time_label="middle")
    assert (w.index.tz_convert("UTC") == utc).all()


def test_shanghai_summer_time_years_are_read_as_standard_time():
    # Shanghai kept summer time in 1986-1991; a 1988 year in China Standard Time (UTC+8)
    utc = pd.date_range("1987-12-31 16:30", periods=8784, freq="h", tz="UTC")
    df = clear_sky_frame(31.2, 121.45, utc)
    df.index = (utc + pd.Timedelta(hours=8)).tz_localize(None)
    with pytest.warns(PvsiteWarning, match="standard time"):
        w = read_frame(df, tz="Asia/Shanghai")
    assert (w.index.tz_convert("UTC") == utc).all()
    assert {o.total_seconds() for o in w.index.map(lambda t: t.utcoffset())} == {8 * 3600}


# ---------------------------------------------------------------------------------------------
# Chinese attribute values


CHINESE_TYPES = {"学校": "school", "小学": "school", "中学": "school", "幼儿园": "school",
                 "医院": "hospital", "卫生院": "hospital", "政府": "government",
                 "政府机关": "government", "机关": "government", "高校": "university",
                 "大学": "university", "学院": "university",
                 # names of institutions, by the words they contain
                 "上海市第一人民医院": "hospital", "复旦大学附属中学": "school",
                 "同济大学": "university", "黄浦区人民政府": "government",
                 # full width and any case
                 "ＳＣＨＯＯＬ": "school", "Hospital": "hospital"}


def test_chinese_institution_types_are_understood():
    given = pd.DataFrame({"institution_type": list(CHINESE_TYPES)})
    got = pvsite.institution_type(given)  # no warning: every value is understood
    assert got.tolist() == list(CHINESE_TYPES.values())


def test_unrecognised_types_are_counted_in_one_warning():
    given = pd.DataFrame({"institution_type": ["工厂", "xyz", "工厂", "school", None, ""]})
    with pytest.warns(PvsiteWarning, match=r"'institution_type': 3 value\(s\)") as record:
        got = pvsite.institution_type(given)
    assert len(record) == 1 and "'工厂'" in str(record[0].message)
    assert got.tolist() == ["not_public"] * 3 + ["school"] + ["not_public"] * 2


@pytest.mark.parametrize(("text", "metres"), [
    ("约20米", 20.0), ("20米", 20.0), ("20m", 20.0), ("２０", 20.0), ("２０ｍ", 20.0),
    ("高度约 20 米", 20.0), ("20米左右", 20.0), ("12.5米", 12.5), ("二十米", 20.0)])
def test_chinese_and_full_width_heights(text, metres):
    from pvsite.geometry.roofs import building_height

    h = building_height(pd.DataFrame({"height": [text]}))
    assert h["height_m"].iloc[0] == metres and h["height_source"].iloc[0] == "height"


@pytest.mark.parametrize(("text", "storeys"), [
    ("地上5层", 5), ("5层", 5), ("五层", 5), ("十层", 10), ("十二层", 12), ("二十层", 20),
    ("三十六层", 36), ("九十九层", 99), ("一百二十八层", 128), ("５层", 5), ("5F", 5),
    ("地上5层，地下2层", 5), ("两层", 2)])
def test_chinese_storeys(text, storeys):
    from pvsite import Assumptions
    from pvsite.geometry.roofs import building_height

    h = building_height(pd.DataFrame({"building:levels": [text]}))
    assert h["height_source"].iloc[0] == "levels"
    assert h["height_m"].iloc[0] == pytest.approx(storeys * Assumptions().storey_height_m)


def test_unreadable_heights_are_counted_once_and_noted_per_row():
    from pvsite.geometry.roofs import building_height

    given = pd.DataFrame({"height": ["高层", "tall", "20米", "高层"]})
    with pytest.warns(PvsiteWarning, match=r"'height': 3 value\(s\)") as record:
        h = building_height(given)
    assert len(record) == 1
    assert h["height_source"].tolist() == ["default", "default", "height", "default"]
    assert "unreadable height '高层'" in h["height_note"].iloc[0]


@pytest.mark.parametrize(("shape", "kind"), [
    ("平屋顶", "flat"), ("平顶", "flat"), ("平", "flat"), ("坡屋顶", "gabled"),
    ("双坡", "gabled"), ("四坡", "hipped"), ("FLAT", "flat"), ("ｆｌａｔ", "flat")])
def test_chinese_roof_shapes(shape, kind):
    from pvsite.geometry.roofs import roof_type

    assert roof_type(pd.DataFrame({"roof:shape": [shape]})).iloc[0] == kind


def test_unknown_roof_shapes_are_kept_and_counted():
    from pvsite.geometry.roofs import roof_type

    given = pd.DataFrame({"roof:shape": ["不知道", "dome", "flat", "不知道"]})
    with pytest.warns(PvsiteWarning, match=r"'roof:shape': 2 value\(s\)"):
        got = roof_type(given)
    assert got.tolist() == ["不知道", "dome", "flat", "不知道"]  # dome is an OSM shape: no count


def test_estimate_understands_chinese_values():
    import geopandas as gpd
    import shapely

    # two 40 m x 30 m flat school roofs 200 m apart in Huangpu, one typed in English
    boxes = [shapely.box(355_000, 3_455_000, 355_040, 3_455_030),
             shapely.box(355_200, 3_455_000, 355_240, 3_455_030)]
    b = gpd.GeoDataFrame({"institution_type": ["学校", "school"], "roof:shape": ["平屋顶", "flat"],
                          "height": ["约20米", "20"], "building:levels": ["地上5层", "5"]},
                         geometry=boxes, crs="EPSG:32651")
    r = pvsite.estimate(b, pvsite.datasets.shanghai_weather(), shading=False)
    assert r["institution_type"].tolist() == ["school", "school"]
    assert r["roof_type"].tolist() == ["flat", "flat"]
    assert r["height_m"].tolist() == [20.0, 20.0]
    assert (r["status"] == "ok").all()
    assert r["capacity_kwp"].iloc[0] == r["capacity_kwp"].iloc[1] > 0


def test_bundled_data_does_not_warn():
    b = pvsite.datasets.shanghai_buildings()  # PvsiteWarning is an error in the tests
    pvsite.institution_type(b)
    from pvsite.geometry.roofs import building_height, roof_type

    building_height(b)
    roof_type(b)


# ---------------------------------------------------------------------------------------------
# column names (issue 20)


def square_file(tmp_path, props, name="b.geojson", crs="EPSG:4326"):
    import geopandas as gpd
    import shapely

    boxes = [shapely.box(121.47 + i * 1e-3, 31.23, 121.4704 + i * 1e-3, 31.2303)
             for i in range(len(next(iter(props.values()))))]
    path = tmp_path / name
    gpd.GeoDataFrame(props, geometry=boxes, crs=crs).to_file(path)
    return path


@pytest.mark.parametrize("column", ["Floor", "floors", "Floors", "FLOOR", "层数", "楼层",
                                    "楼层数", "Levels", "storeys"])
def test_storey_columns_are_recognised(tmp_path, column):
    path = square_file(tmp_path, {column: [4, 6]})
    got = pvsite.read_footprints(path)
    assert got["building:levels"].tolist() == [4.0, 6.0]
    assert got.attrs["columns"] == {column: "building:levels"}


@pytest.mark.parametrize("column", ["Height", "HEIGHT", "height_m", "高度", "建筑高度",
                                    "Height (m)", "高度（米）"])
def test_height_columns_are_recognised(tmp_path, column):
    path = square_file(tmp_path, {column: [21.0, 33.0]})
    assert pvsite.read_footprints(path)["height"].tolist() == [21.0, 33.0]


def test_type_and_id_columns_are_recognised(tmp_path):
    path = square_file(tmp_path, {"类型": ["学校", "医院"], "ID": [7, 8]})
    got = pvsite.read_footprints(path)
    assert got["institution_type"].tolist() == ["学校", "医院"]
    assert got["building_id"].tolist() == [7, 8]
    assert pvsite.institution_type(got).tolist() == ["school", "hospital"]


def test_columns_named_explicitly(tmp_path):
    path = square_file(tmp_path, {"H_real": [30.0, 40.0], "nb_et": ["3", "4"],
                                  "kind": ["hospital", "school"], "height": [1.0, 1.0]})
    got = pvsite.read_footprints(path, height="H_real", levels="nb_et", institution_type="kind")
    assert got["height"].tolist() == [30.0, 40.0]
    assert got["original_height"].tolist() == [1.0, 1.0]  # the file's own 'height' set aside
    assert got["building:levels"].tolist() == [3.0, 4.0]
    assert got["institution_type"].tolist() == ["hospital", "school"]
    with pytest.raises(pvsite.FootprintError, match="not found"):
        pvsite.read_footprints(path, height="nowhere")


def test_a_floor_column_gives_heights_in_estimate(tmp_path):
    # issue 20: a real file's 'Floor' column was ignored and every building got 12 m
    path = square_file(tmp_path, {"Floor": [10, 2]})
    b = pvsite.read_footprints(path)
    r = pvsite.estimate(b, pvsite.datasets.shanghai_weather(), shading=False)
    a = pvsite.Assumptions()
    assert r["height_m"].tolist() == [10 * a.storey_height_m, 2 * a.storey_height_m]
    assert (r["height_source"] == "levels").all()


# ---------------------------------------------------------------------------------------------
# input columns named like outputs


def test_output_names_in_the_input_are_kept_under_a_prefix():
    import geopandas as gpd
    import shapely

    from pvsite.inputs.footprints import protect_output_names
    from pvsite.results.schema import OUTPUT_COLUMNS

    b = gpd.GeoDataFrame({"capacity_kwp": [99.0], "status": ["built"], "reason": ["x"],
                          "height_m": [60.0], "institution_type": ["学校"]},
                         geometry=[shapely.box(0, 0, 40, 30)], crs="EPSG:32651")
    with pytest.warns(PvsiteWarning, match="input_capacity_kwp"):
        got = protect_output_names(b, reserved=OUTPUT_COLUMNS)
    assert got["input_capacity_kwp"].tolist() == [99.0]
    assert got["input_status"].tolist() == ["built"] and got["input_reason"].tolist() == ["x"]
    assert got["height"].tolist() == [60.0]  # read as a height, not replaced by the default
    assert got["institution_type"].tolist() == ["学校"]  # still read by estimate
    assert got["input_institution_type"].tolist() == ["学校"]  # and kept as given
    assert "capacity_kwp" not in got and "height_m" not in got
    # through estimate (as pipeline.estimate calls it): 60 m read, the input's columns kept
    b = b.translate(355_000, 3_455_000).to_frame("geometry").join(b.drop(columns="geometry"))
    b = gpd.GeoDataFrame(b, geometry="geometry", crs="EPSG:32651")
    with pytest.warns(PvsiteWarning, match="input_capacity_kwp"):
        r = pvsite.estimate(protect_output_names(b, reserved=OUTPUT_COLUMNS),
                            pvsite.datasets.shanghai_weather(), shading=False)
    assert r["height_m"].iloc[0] == 60.0 and r["height_source"].iloc[0] == "height"
    assert r["input_capacity_kwp"].iloc[0] == 99.0 and r["capacity_kwp"].iloc[0] != 99.0
    assert r["institution_type"].iloc[0] == "school"


# ---------------------------------------------------------------------------------------------
# multi-layer files and coordinates that are not longitude/latitude


def test_a_geopackage_with_several_layers_needs_layer(tmp_path):
    import geopandas as gpd
    import shapely

    path = tmp_path / "city.gpkg"
    district = gpd.GeoDataFrame({"name": ["黄浦区"]}, geometry=[shapely.box(121.4, 31.2, 121.5,
                                                                           31.25)], crs=4326)
    district.to_file(path, layer="districts")
    district.to_file(path, layer="parcels")
    with pytest.raises(pvsite.FootprintError) as excinfo:
        pvsite.read_footprints(path)
    message = str(excinfo.value)
    assert "'districts'" in message and "'parcels'" in message and "layer=" in message
    assert len(pvsite.read_footprints(path, layer="parcels")) == 1


def test_the_one_layer_named_like_buildings_is_read_with_a_warning(tmp_path):
    import geopandas as gpd
    import shapely

    path = tmp_path / "city.gpkg"
    gpd.GeoDataFrame({"name": ["黄浦区"]}, geometry=[shapely.box(121.4, 31.2, 121.5, 31.25)],
                     crs=4326).to_file(path, layer="districts")
    gpd.GeoDataFrame({"height": [20.0, 30.0]},
                     geometry=[shapely.box(121.47, 31.23, 121.4704, 31.2303),
                               shapely.box(121.48, 31.23, 121.4804, 31.2303)],
                     crs=4326).to_file(path, layer="buildings")
    with pytest.warns(PvsiteWarning, match="reading 'buildings'"):
        got = pvsite.read_footprints(path)
    assert got["height"].tolist() == [20.0, 30.0]


def test_swapped_longitude_and_latitude_are_explained(tmp_path):
    import geopandas as gpd
    import shapely

    swapped = gpd.GeoDataFrame(geometry=[shapely.box(31.23, 121.47, 31.2303, 121.4704)],
                               crs=4326)
    path = tmp_path / "swapped.geojson"
    swapped.to_file(path)
    with pytest.raises(pvsite.FootprintError, match="look swapped"):
        pvsite.read_footprints(path)
    with pytest.raises(pvsite.FootprintError, match="look swapped"):  # and in estimate
        pvsite.estimate(swapped, pvsite.datasets.shanghai_weather(), shading=False)


def test_metres_labelled_as_degrees_are_explained(tmp_path):
    import geopandas as gpd
    import shapely

    # a Gauss-Kruger (CGCS2000 3-degree zone 41) outline written with a WGS84 label
    wrong = gpd.GeoDataFrame(geometry=[shapely.box(41_354_000, 3_455_000, 41_354_040,
                                                   3_455_030)], crs=4326)
    path = tmp_path / "metres.geojson"
    wrong.to_file(path)
    with pytest.raises(pvsite.FootprintError, match="look like metres"):
        pvsite.read_footprints(path)
