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
    assert main(["run", "--footprints", str(pvsite.datasets.path("tongji")),
                 "--out", str(out)]) == 0
    assert (out / "buildings.csv").is_file()
