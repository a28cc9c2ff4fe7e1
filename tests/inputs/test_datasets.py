"""The bundled data: the generated weather year, the synthetic buildings, the districts.

Reference values are typed here from their sources (../shared/FACTS.md, GB/T 2260 codes,
the unsimplified district file in ../shared/data), not read from pvsite.
"""

import hashlib
import importlib.util
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pvlib
import pytest

import pvsite

ROOT = Path(__file__).resolve().parents[2]

# NASA SSE release 6.0, 22-year average, 1 deg cell at 31 N 121 E, Jan..Dec [kWh/m2/day]
# (../shared/FACTS.md, "Weather")
NASA_SSE_GHI = [2.63, 3.09, 3.53, 4.28, 4.84, 4.58, 5.17, 4.78, 4.07, 3.36, 2.79, 2.58]
NASA_SSE_DHI = [1.10, 1.41, 1.81, 2.18, 2.44, 2.53, 2.47, 2.25, 1.92, 1.53, 1.17, 0.99]
# China Statistical Yearbook (NBS), "Monthly Average Temperature of Major Cities", Shanghai,
# 2008 (Yearbook 2009, table 11-13) and 2009 (Yearbook 2010, table 12-13), Jan..Dec [deg C]
NBS_2008 = [4.2, 4.0, 11.4, 15.9, 21.6, 24.0, 30.2, 28.4, 25.6, 20.7, 13.1, 7.5]
NBS_2009 = [3.8, 8.9, 10.6, 16.3, 21.9, 26.2, 28.8, 27.9, 25.0, 21.3, 12.1, 6.4]
DAYS_2023 = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

# GB/T 2260 codes of Shanghai's 16 districts, keyed by the Chinese name the source file uses
ADCODES = {"黄浦区": "310101", "徐汇区": "310104", "长宁区": "310105", "静安区": "310106",
           "普陀区": "310107", "虹口区": "310109", "杨浦区": "310110", "闵行区": "310112",
           "宝山区": "310113", "嘉定区": "310114", "浦东新区": "310115", "金山区": "310116",
           "松江区": "310117", "青浦区": "310118", "奉贤区": "310120", "崇明区": "310151"}


def monthly(weather, column, how="sum"):
    return weather[column].groupby(weather.index.month).agg(how).to_numpy()


# ---------------------------------------------------------------------------------------------
# the generated weather year


def test_generated_ghi_equals_nasa_sse_months(shanghai_weather):
    expected = np.array(NASA_SSE_GHI) * DAYS_2023  # kWh/m2 per month
    np.testing.assert_allclose(monthly(shanghai_weather, "ghi") / 1000, expected, rtol=1e-3)
    assert shanghai_weather["ghi"].sum() / 1000 == pytest.approx(1391, abs=1)  # FACTS: ~1,391


def test_generated_diffuse_equals_nasa_sse_months(shanghai_weather):
    expected = np.array(NASA_SSE_DHI) * DAYS_2023
    np.testing.assert_allclose(monthly(shanghai_weather, "dhi") / 1000, expected, rtol=1e-2)


def test_generated_temperature_equals_nbs_means(shanghai_weather):
    expected = (np.array(NBS_2008) + np.array(NBS_2009)) / 2
    np.testing.assert_allclose(monthly(shanghai_weather, "temp_air", "mean"), expected,
                               atol=0.05)


def test_generated_year_is_labelled_and_complete(shanghai_weather):
    w = shanghai_weather
    assert w.attrs["label"] == "generated"
    assert "GENERATED" in w.attrs["title"]
    assert "NASA SSE" in w.attrs["source"]
    assert len(w) == 8760 and not w.isna().to_numpy().any()
    assert w.attrs["time_label"] == "middle" and (w.index.minute == 30).all()
    assert (w[["ghi", "dni", "dhi"]] >= 0).all().all()
    # closure: DHI + DNI cos(zenith) = GHI, as the Erbs decomposition builds it
    sp = pvlib.solarposition.get_solarposition(w.index, w.attrs["latitude"],
                                               w.attrs["longitude"])
    closure = w["dhi"] + w["dni"] * np.cos(np.radians(sp["zenith"]))
    day = w["ghi"] > 50
    np.testing.assert_allclose(closure[day], w["ghi"][day], rtol=0.02, atol=2.0)


def test_generated_and_tmyx_side_by_side(shanghai_weather, tmyx_weather):
    # The TMYx years take their radiation from ERA5, which reads 5-15 % high over hazy eastern
    # China (../shared/data/weather/SOURCES.md) and gives a diffuse share of only ~0.40; the
    # generated year follows NASA SSE (1,391 kWh/m2 a, diffuse share 0.48, FACTS.md), closer to
    # ground records. So: less GHI, more of it diffuse, and less yield.
    rows = {"generated": shanghai_weather, **tmyx_weather}
    table = {}
    for name, w in rows.items():
        ghi = w["ghi"].sum() / 1000
        table[name] = {"months": np.round(monthly(w, "ghi") / 1000, 1), "ghi": ghi,
                       "dhi_share": w["dhi"].sum() / 1000 / ghi,
                       "yield_25_south": pvsite.specific_yield(w, 25.0, 180.0)}
    gen = table.pop("generated")
    assert 0.45 <= gen["dhi_share"] <= 0.50
    for name, t in table.items():
        assert 0.04 <= 1 - gen["ghi"] / t["ghi"] <= 0.10, name
        assert t["dhi_share"] == pytest.approx(0.40, abs=0.02), name
        assert gen["dhi_share"] > t["dhi_share"] + 0.05, name
        assert gen["yield_25_south"] < t["yield_25_south"], name
        # The year is not shifted: the sunniest months are the summer ones in both, with the
        # June dip of the Meiyu rains in the generated year
        assert set(np.argsort(gen["months"])[-3:]) <= {4, 5, 6, 7}, name
        assert set(np.argsort(t["months"])[-3:]) <= {4, 5, 6, 7}, name
    assert gen["months"][5] < gen["months"][4] and gen["months"][5] < gen["months"][6]


# ---------------------------------------------------------------------------------------------
# regeneration


def test_make_data_regenerates_the_bundled_files_byte_for_byte(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("make_data", ROOT / "scripts" / "make_data.py")
    make_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_data)
    assert make_data.main(["--out", str(tmp_path)]) == 0
    capsys.readouterr()
    for rel in ("weather/shanghai_generated_tmy.csv",
                "footprints/shanghai_demo_buildings.geojson"):
        new = hashlib.sha256((tmp_path / rel).read_bytes()).hexdigest()
        committed = hashlib.sha256((ROOT / "data" / rel).read_bytes()).hexdigest()
        assert new == committed, rel


# ---------------------------------------------------------------------------------------------
# the synthetic buildings


@pytest.fixture(scope="module")
def buildings():
    return pvsite.datasets.shanghai_buildings()


@pytest.fixture(scope="module")
def districts():
    return pvsite.datasets.shanghai_districts()


def test_buildings_are_all_marked_synthetic(buildings):
    assert buildings["synthetic"].astype(bool).all()
    assert buildings.attrs["label"] == "synthetic"
    assert 1_000 <= len(buildings) <= 10_000
    assert buildings.crs.to_epsg() == 4326
    assert buildings["building_id"].is_unique
    raw = json.loads(pvsite.datasets.path("footprints").read_text(encoding="utf-8"))
    assert all(f["properties"]["synthetic"] is True for f in raw["features"])


def test_buildings_cover_every_institution_type(buildings):
    assert set(buildings["institution_type"]) == {"government", "university", "school",
                                                  "hospital", "other_public", "not_public"}


def test_every_building_lies_in_a_district(buildings, districts):
    # Each building is assigned to exactly one district by a point inside it, and no footprint
    # reaches outside the municipality's 16 districts (a housing slab may straddle a district
    # edge, as real ones do).
    points = buildings[["building_id"]].set_geometry(buildings.representative_point())
    joined = gpd.sjoin(points, districts[["adcode", "geometry"]], predicate="within", how="left")
    assert joined["adcode"].notna().all()
    assert not joined.index.duplicated().any()
    utm = buildings.to_crs(32651)
    outside = utm.difference(districts.to_crs(32651).union_all()).area
    assert outside.max() < 1.0  # m2: coordinate rounding only


def test_school_buildings_respect_gb_50099(buildings):
    # GB 50099-2011 (Code for design of school) 4.3.2: main teaching rooms of secondary
    # schools not above the 5th floor, as cited in src/pvsite/_synth.py
    schools = buildings[buildings["institution_type"] == "school"]
    levels = schools["building:levels"].dropna()
    assert len(levels) > 0
    assert levels.max() <= 5


def test_footprints_do_not_overlap(buildings):
    utm = buildings.to_crs(32651).geometry
    left, right = utm.sindex.query(utm, predicate="intersects")
    pairs = left < right
    overlap = utm.iloc[left[pairs]].intersection(utm.iloc[right[pairs]], align=False).area
    assert (overlap < 1e-6).all()


# ---------------------------------------------------------------------------------------------
# the districts


def test_districts_are_the_16_with_official_codes(districts):
    assert len(districts) == 16
    assert sorted(districts["adcode"]) == sorted(ADCODES.values())
    assert dict(zip(districts["district"], districts["adcode"], strict=True)) == ADCODES
    assert districts.geometry.is_valid.all()
    assert districts.crs.to_epsg() == 4326


def test_district_areas_match_the_source(districts, shared_file):
    source = gpd.read_file(shared_file("boundaries/shanghai_districts_geoboundaries_osm.geojson"))
    src_area = source.to_crs(32651).set_index("district").area
    ours = districts.to_crs(32651).set_index("district").area
    assert set(ours.index) == set(src_area.index)
    np.testing.assert_allclose(ours[src_area.index], src_area, rtol=1e-2)
    # the whole municipality, 7,003 km2 in SOURCES-geo.md
    assert ours.sum() / 1e6 == pytest.approx(7003, abs=1)
