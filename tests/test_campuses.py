"""The real OpenStreetMap campuses that ship: the whole job runs on them, nothing is lost."""

import pytest

import pvsite
from pvsite.cli import main


@pytest.fixture(scope="module")
def campuses():
    return pvsite.datasets.shanghai_campuses()


def test_both_extracts_ship_with_their_licence_and_counts(campuses):
    b, s = campuses
    # building polygons counted in the extracts' own SOURCES-geo.md: 226 (Tongji), 253 (SHU)
    assert b.groupby("campus").size().to_dict() == {"shu": 253, "tongji": 226}
    assert b.attrs["label"] == "OpenStreetMap"
    assert "OpenStreetMap contributors" in b.attrs["attribution"]
    assert b.attrs["licence"] == s.attrs["licence"] == "ODbL 1.0"
    data = pvsite.datasets.path("tongji").parent
    assert (data / "LICENSE-ODbL.txt").is_file() and (data / "README.md").is_file()


@pytest.mark.slow
def test_every_building_comes_back_with_a_status(campuses, shanghai_weather):
    b, s = campuses
    r = pvsite.estimate(b, shanghai_weather, sites=s)
    assert len(r) == len(b) and r.index.equals(b.index)
    assert set(r["status"]) <= {"ok", "unsuitable", "invalid"}
    assert (r.loc[r["status"] != "ok", "reason"] != "").all()
    # institution names come from the sites' Chinese name tags
    assert "同济大学" in set(r["institution_name"].dropna())


@pytest.mark.slow
def test_pvsite_run_works_on_the_extract_file_itself(tmp_path):
    out = tmp_path / "run"
    with pytest.warns(pvsite.PvsiteWarning, match="Heights defaulted"):  # 89 % of them
        assert main(["run", "--footprints", str(pvsite.datasets.path("tongji")),
                     "--out", str(out)]) == 0
    assert (out / "buildings.csv").is_file()


@pytest.mark.parametrize("campus", ["tongji", "shu"])
def test_every_car_park_of_the_extracts_comes_back(campus, shanghai_weather):
    b, s = pvsite.datasets.shanghai_campuses(campus)
    p = pvsite.read_osm(pvsite.datasets.path(campus), layer="parking")
    c = pvsite.carports(p, shanghai_weather, buildings=b, sites=s)
    assert len(c) == len(p) > 0 and c.index.equals(p.index)
    assert set(c["status"]) <= {"ok", "unsuitable", "invalid"}
    ok = c["status"] == "ok"
    assert ok.any() and (c.loc[ok, "capacity_kwp"] > 0).all()
    assert (c.loc[ok, "annual_kwh"] > 0).all() and (c.loc[~ok, "reason"] != "").all()
    # the surface car parks (parking=surface) are sites
    assert (c.loc[c["parking"] == "surface", "status"] == "ok").all()
