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
        # argparse shows its usage lines first; the error itself is the last line
        assert "error:" in err[-1] and ("95" in err[-1] or "none.tif" in err[-1]), err


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
                "--flat-roof-tilt", "--no-shading"):
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
