"""Exports read back equal to the result; the command line writes what it says."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import pvsite
from pvsite.cli import main


@pytest.fixture(scope="module")
def small_result():
    b = pvsite.datasets.shanghai_buildings().head(60)
    return pvsite.estimate(b, pvsite.datasets.shanghai_weather())


def test_geojson_is_rfc7946_and_reads_back(small_result, tmp_path):
    path = pvsite.to_geojson(small_result, tmp_path / "b.geojson")
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc  # RFC 7946: WGS84 only
    assert len(doc["features"]) == len(small_result)
    for f in doc["features"]:
        g = shapely.geometry.shape(f["geometry"])
        for poly in shapely.get_parts(g):
            assert shapely.is_ccw(poly.exterior)  # right-hand rule: exteriors anticlockwise
            assert all(not shapely.is_ccw(r) for r in poly.interiors)
        lon, lat = f["geometry"]["coordinates"][0][0]
        assert 120 < lon < 123 and 30 < lat < 32
    back = gpd.read_file(path)
    np.testing.assert_allclose(back["capacity_kwp"], small_result["capacity_kwp"])
    assert list(back["status"]) == list(small_result["status"])
    assert doc["metadata"]["data_labels"] == "generated, synthetic"


@pytest.mark.parametrize("writer,reader", [
    (pvsite.to_geopackage, gpd.read_file),
    (pvsite.to_geoparquet, gpd.read_parquet),
])
def test_geopackage_and_geoparquet_read_back(small_result, tmp_path, writer, reader):
    path = writer(small_result, tmp_path / ("b.gpkg" if writer is pvsite.to_geopackage
                                             else "b.parquet"))
    back = reader(path)
    np.testing.assert_allclose(back["annual_kwh"], small_result["annual_kwh"])
    assert back.crs == small_result.crs
    assert shapely.equals_exact(back.geometry.to_numpy(), small_result.geometry.to_numpy(),
                                tolerance=1e-9).all()


def test_csv_reads_back(small_result, tmp_path):
    table = pvsite.rollup(small_result, "district")
    back = pd.read_csv(pvsite.to_csv(table, tmp_path / "d.csv"), index_col=0)
    np.testing.assert_allclose(back["capacity_kwp"], table["capacity_kwp"], rtol=1e-5)


def test_writes_are_atomic(tmp_path, small_result, monkeypatch):
    target = tmp_path / "b.geojson"
    target.write_text("old")
    monkeypatch.setattr("pvsite.output.export.geojson_text", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        pvsite.to_geojson(small_result, target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["b.geojson"]


def test_cli_run_on_own_footprints(tmp_path, capsys):
    b = pvsite.datasets.shanghai_buildings().head(40)
    src = tmp_path / "in.gpkg"
    b.to_file(src)
    out = tmp_path / "out"
    assert main(["run", "--footprints", str(src), "--out", str(out), "--target-kw", "1000"]) == 0
    text = capsys.readouterr().out
    assert "buildings: 40" in text and "Target 1.0 MW" in text
    for name in ("buildings.geojson", "districts.csv", "shortfall.csv", "plan.csv",
                 "map_capacity.png", "plan.png", "report.md"):
        assert (out / name).stat().st_size > 0, name
    back = gpd.read_file(out / "buildings.geojson")
    assert len(back) == 40


def test_cli_tilt_shading_and_coordinate_system_options(tmp_path, capsys):
    """--flat-roof-tilt and --no-shading reach the estimate; --coordinate-system gcj02 shifts
    the footprints as read_footprints does; a bad tilt or a missing --dsm ends in one error
    line and exit code 2."""
    from pvsite.inputs.coords import from_wgs84

    b = pvsite.datasets.shanghai_buildings().head(30)
    shifted = from_wgs84(b, "gcj02")
    src = tmp_path / "gcj.gpkg"
    shifted.to_file(src)
    out = tmp_path / "out"
    assert main(["run", "--footprints", str(src), "--coordinate-system", "gcj02",
                 "--flat-roof-tilt", "15", "--no-shading", "--no-maps", "--out", str(out)]) == 0
    capsys.readouterr()
    got = pd.read_csv(out / "buildings.csv")
    ok_flat = got[(got["status"] == "ok") & (got["roof_type"] == "flat")]
    assert len(ok_flat) and (ok_flat["surface_tilt"] == 15).all()
    assert (got["shading_loss"] == 0).all()
    ref = pvsite.estimate(b, pvsite.datasets.shanghai_weather(), shading=False,
                          assumptions=pvsite.Assumptions(flat_roof_tilt=15))
    np.testing.assert_allclose(got["roof_area_m2"], ref["roof_area_m2"], rtol=1e-4)
    for bad in (["--flat-roof-tilt", "95"], ["--dsm", str(tmp_path / "none.tif")]):
        code = None
        try:
            code = main(["run", "--out", str(tmp_path / "o2"), *bad])
        except SystemExit as stop:  # argparse rejects a bad value itself
            code = stop.code
        assert code == 2, bad
        err = capsys.readouterr().err.strip().splitlines()
        # one line, no usage block (issue 20)
        assert len(err) == 1 and "error:" in err[0] and ("95" in err[0] or "none.tif" in err[0])


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "broken.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [')
    assert main(["run", "--footprints", str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pvsite: error:") and "broken.geojson" in err[0]


def test_cli_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    for opt in ("--footprints", "--weather", "--districts", "--target-kw", "--installed-kw",
                "--policy", "--out", "--no-maps", "--coordinate-system", "--dsm",
                "--flat-roof-tilt", "--no-shading", "--sites", "--district-targets",
                "--uptake", "--min-system-kwp", "--excel"):
        assert opt in text


def test_to_csv_writes_the_estimate_result_with_geometry_as_wkt(tmp_path):
    """pvsite.to_csv on the result itself (it raised AttributeError: 'Series' object has no
    attribute 'to_wkt' on pandas 3 / geopandas 1.2)."""
    b = pvsite.datasets.shanghai_buildings().head(5)
    r = pvsite.estimate(b, pvsite.datasets.shanghai_weather(), shading=False)
    back = pd.read_csv(pvsite.to_csv(r.drop(columns="horizon_deg", errors="ignore"),
                                     tmp_path / "r.csv"), index_col=0)
    assert len(back) == 5 and back["geometry"].str.startswith("POLYGON").all()
    assert np.allclose(back["capacity_kwp"], r["capacity_kwp"], rtol=1e-5)


def _exit_code(argv):
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@pytest.mark.parametrize("argv", [
    ["run", "--uptake", "2"],
    ["run", "--min-system-kwp", "-3"],
    ["run", "--policy", "cheapest"],
    ["run", "--count", "roof,window"],
    ["run", "--count", "roof,carport"],  # carports counted without --parking
    ["run", "--count", "facade"],  # facades counted without --facades
    ["run", "--no-such-option"],
    ["frobnicate"],
    [],
])
def test_cli_argparse_errors_are_one_line(argv, capsys):
    # issue 20: argparse printed its usage block before the error
    assert _exit_code(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pvsite: error:"), err
    assert "usage" not in err[0]


def test_cli_checks_output_paths_before_the_work(tmp_path, capsys, monkeypatch):
    # issue 20: --out afile/sub failed after 6 s of work with a raw NotADirectoryError
    afile = tmp_path / "afile"
    afile.write_text("x")
    monkeypatch.setattr("pvsite.pipeline.estimate", lambda *a, **k: 1 / 0)  # never reached
    for out in (afile, afile / "sub", afile / "sub" / "deeper"):
        assert main(["run", "--out", str(out)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "--out" in err[0] and "afile" in err[0], err
        assert "NotADirectoryError" not in err[0]


@pytest.mark.parametrize("text,match", [
    ("name,kw\nA,1\n", "district and target_kw"),
    ("district,target_kw\n嘉定区,-5\n", "嘉定区"),
    ("district,target_kw\n嘉定区,lots\n", "at least 0"),
    ("district,target_kw\nA,1\nA,2\n", "twice"),
])
def test_cli_district_targets_checked_in_one_line(tmp_path, capsys, text, match):
    path = tmp_path / "targets.csv"
    path.write_text(text, encoding="utf-8")
    assert main(["run", "--district-targets", str(path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and match in err[0], err
    assert not (tmp_path / "o").exists()


def test_cli_planner_outputs(tmp_path, capsys):
    """institutions.csv, plan.geojson/.gpkg joined by `building`, --excel, --uptake,
    --min-system-kwp and --district-targets reach the files."""
    b = pvsite.datasets.shanghai_buildings().head(60)
    src = tmp_path / "in.gpkg"
    b.to_file(src)
    districts = sorted(set(pvsite.estimate(b, pvsite.datasets.shanghai_weather(),
                                           shading=False)["district"].dropna()))
    targets = tmp_path / "targets.csv"
    pd.DataFrame({"district": districts, "target_kw": 100.0}).to_csv(
        targets, index=False, encoding="utf-8-sig")
    out = tmp_path / "out"
    assert main(["run", "--footprints", str(src), "--out", str(out), "--no-maps", "--excel",
                 "--uptake", "0.5", "--min-system-kwp", "20", "--district-targets",
                 str(targets), "--target-kw", "1000"]) == 0
    capsys.readouterr()
    for name in ("institutions.csv", "plan.geojson", "plan.gpkg", "pvsite.xlsx"):
        assert (out / name).stat().st_size > 0, name
    for name in ("buildings.csv", "districts.csv", "plan.csv", "institutions.csv"):
        raw = (out / name).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        assert "e+0" not in raw.decode("utf-8-sig"), name
    plan = pd.read_csv(out / "plan.csv", encoding="utf-8-sig")
    buildings = pd.read_csv(out / "buildings.csv", encoding="utf-8-sig", index_col="building")
    # --uptake 0.5 halves each roof; --min-system-kwp 20 keeps roofs of at least 20 kWp
    joined = buildings.loc[plan["building"]]
    np.testing.assert_allclose(plan["capacity_kwp"], 0.5 * joined["capacity_kwp"], rtol=1e-6)
    assert (plan["capacity_kwp"] >= 20).all()
    geo = json.loads((out / "plan.geojson").read_text(encoding="utf-8"))
    assert [f["id"] for f in geo["features"]] == list(plan["building"])
    assert [f["properties"]["rank"] for f in geo["features"]] == list(plan["rank"])
    gpkg = gpd.read_file(out / "plan.gpkg", layer="plan")
    assert list(gpkg["building"]) == list(plan["building"])
    short = pd.read_csv(out / "shortfall.csv", encoding="utf-8-sig", index_col="district")
    assert (short.loc[districts, "target_kw"] == 100).all()  # as given, not shared out
    inst = pd.read_csv(out / "institutions.csv", encoding="utf-8-sig", index_col=0)
    assert inst["buildings"].sum() == 60
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "District targets: district targets given" in report
    import openpyxl

    wb = openpyxl.load_workbook(out / "pvsite.xlsx", read_only=True)
    assert "plan" in wb.sheetnames and "districts" in wb.sheetnames


def test_cli_with_no_public_institution_advises_how_to_tag(tmp_path, capsys):
    # issue 20: "0.0 MWp on public institutions", "The plan's first 0 roofs", no hint
    b = pvsite.datasets.shanghai_buildings().head(20).drop(
        columns=["institution_type", "institution_id", "institution_name"])
    src = tmp_path / "in.gpkg"
    b.to_file(src)
    out = tmp_path / "out"
    assert main(["run", "--footprints", str(src), "--out", str(out), "--no-maps",
                 "--no-shading"]) == 0
    text = capsys.readouterr().out
    assert "--sites" in text and "institution_type" in text
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "first 0 roofs" not in report and "No building is a public institution" in report
    short = pd.read_csv(out / "shortfall.csv", encoding="utf-8-sig", index_col="district")
    if "(none)" in short.index:
        assert short.loc["(none)", "target_kw"] == 0


def test_run_with_facades_and_parking_on_a_real_extract(tmp_path):
    """--facades and --parking on the Tongji OpenStreetMap extract itself: every car park is
    in carports.csv, the pilots are ranked, buildings.csv has the facade columns."""
    extract = str(pvsite.datasets.path("tongji"))
    out = tmp_path / "run"
    # most of the extract's heights are defaulted: the shortfall warns, the report says so
    with pytest.warns(pvsite.PvsiteWarning, match="Heights defaulted"):
        assert main(["run", "--footprints", extract, "--sites", extract, "--parking", extract,
                     "--facades", "--count", "roof,facade,carport", "--no-maps",
                     "--out", str(out)]) == 0
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "Surfaces counted: roofs, facades, carports" in report
    # the share of defaulted heights is of the buildings: the car parks counted do not dilute it
    b_all = pd.read_csv(out / "buildings.csv", encoding="utf-8-sig")
    share = (b_all["height_source"] == "default").mean()
    assert f"Heights defaulted for {share:.0%}" in report
    assert "Heights defaulted for" in report and "sites mapped without buildings" in report
    assert "© OpenStreetMap contributors" in report or "OpenStreetMap contributors" in report
    lots = pd.read_csv(out / "carports.csv", encoding="utf-8-sig")
    assert len(lots) == len(pvsite.read_osm(extract, layer="parking"))
    assert set(lots["status"]) <= {"ok", "unsuitable", "invalid"}
    assert len(pd.read_csv(out / "carport_pilots.csv", encoding="utf-8-sig")) >= 1
    b = pd.read_csv(out / "buildings.csv", encoding="utf-8-sig", nrows=5)
    assert {"facade_capacity_kwp", "facade_annual_kwh"} <= set(b.columns)
    assert (out / "facade_pilots.csv").is_file()
    # the plan ranks the three kinds; each carport row is drawn on its car park's outline
    plan = pd.read_csv(out / "plan.csv", encoding="utf-8-sig")
    plan_geo = gpd.read_file(out / "plan.geojson")
    assert len(plan_geo) == len(plan) and set(plan["surface"]) <= {"roof", "facade", "carport"}
    parks = pvsite.read_osm(extract, layer="parking").to_crs(plan_geo.crs)
    for _, row in plan_geo[plan_geo["surface"] == "carport"].iterrows():
        assert row.geometry.normalize().equals_exact(
            parks.geometry.loc[row["building"]].normalize(), 1e-6)
    districts = pd.read_csv(out / "districts.csv", encoding="utf-8-sig")
    assert {"carport_capacity_kwp", "facade_capacity_kwp"} <= set(districts.columns)
