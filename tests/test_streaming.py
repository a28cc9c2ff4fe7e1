"""pvsite.estimate_parquet: a GeoParquet estimated tile by tile equals estimate in memory."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import pvsite
from pvsite.cli import main
from pvsite.energy.chain import CACHE
from pvsite.errors import ArgumentError, FootprintError
from pvsite.inputs._synth import synthetic_city
from pvsite.results.rollup import rollup
from pvsite.streaming import estimate_parquet, spatial_tiles


@pytest.fixture(scope="module")
def weather():
    return pvsite.datasets.shanghai_weather()


@pytest.fixture(scope="module")
def city():
    return synthetic_city(2500, seed=7)  # longitude/latitude (EPSG:4326)


def _assert_same(streamed, whole):
    """Every row, every column: numbers to the last bit, texts, geometry, index."""
    r = streamed.sort_index()
    w = whole.sort_index()
    assert r.index.equals(w.index)
    assert list(r.columns) == list(w.columns)
    numbers = [c for c in w.columns if pd.api.types.is_numeric_dtype(w[c])
               and not pd.api.types.is_bool_dtype(w[c])]
    diff = np.nanmax(np.abs(r[numbers].to_numpy(float) - w[numbers].to_numpy(float)), axis=0)
    assert diff.max() == 0, dict(zip(numbers, diff, strict=True))
    for col in ("status", "reason", "district", "institution_type", "height_source"):
        assert (r[col].fillna("") == w[col].fillna("")).all(), col
    pd.testing.assert_frame_equal(pd.DataFrame(r.drop(columns=r.geometry.name)),
                                  pd.DataFrame(w.drop(columns=w.geometry.name)),
                                  check_index_type=False, check_exact=True)
    assert r.geometry.geom_equals_exact(w.geometry, tolerance=0).all()
    assert r.crs == w.crs


@pytest.mark.slow
def test_tiles_with_their_halos_equal_estimate_in_memory(tmp_path, city, weather, monkeypatch):
    whole = pvsite.estimate(city, weather, keep_horizons=False)
    src = tmp_path / "city.parquet"
    city.to_parquet(src)  # a RangeIndex: stored as start and step, not as a column
    # the yield grids: computed by the first tile, kept for the others
    CACHE.clear()
    puts = []
    put = CACHE.put
    monkeypatch.setattr(CACHE, "put", lambda kind, key, value: (puts.append(kind),
                                                                 put(kind, key, value)))
    out = estimate_parquet(src, tmp_path / "result.parquet", weather, tile_rows=800,
                           keep_horizons=False)
    monkeypatch.undo()
    tile = spatial_tiles(city.geometry.bounds.to_numpy(), 800)
    assert tile.max() + 1 >= 4  # several tiles
    assert puts.count("yield_grid") <= 2  # racked and flush, once each for all tiles
    streamed = gpd.read_parquet(out)
    assert len(streamed) == len(city)
    _assert_same(streamed, whole)
    # the halos mattered: the first tile estimated alone loses its neighbours in other tiles
    own = city[tile == 0]
    alone = pvsite.estimate(own, weather, keep_horizons=False)
    lost = whole.loc[own.index, "shading_loss"] - alone["shading_loss"]
    assert lost.max() > 0.01
    assert (lost > 1e-9).sum() >= 10


@pytest.mark.slow
def test_shuffled_projected_input_with_duplicates_gives_the_same_result(tmp_path, city, weather):
    # in UTM metres, rows in random order (the index a column of the file), five buildings
    # entered twice: of two equal footprints the later in the file is set aside, in a
    # tile or on one machine
    utm = city.to_crs(32651)
    copies = utm.iloc[[3, 700, 1400, 2100, 2400]].copy()
    copies.index = range(10_000, 10_005)
    frame = pd.concat([utm, copies]).sample(frac=1.0, random_state=1)
    whole = pvsite.estimate(frame, weather, keep_horizons=False)
    assert (whole["reason"].str.startswith("duplicate of building")).sum() == 5
    src = tmp_path / "shuffled.parquet"
    frame.to_parquet(src)
    out = estimate_parquet(src, tmp_path / "result.parquet", weather, tile_rows=900,
                           keep_horizons=False)
    _assert_same(gpd.read_parquet(out), whole)


def test_spatial_tiles_hold_at_most_tile_rows_whatever_the_density():
    rng = np.random.default_rng(0)
    # a dense core and a sparse ring: tiles by count, not by area
    x = np.concatenate([rng.normal(0, 100, 9000), rng.uniform(-1e4, 1e4, 1000)])
    y = np.concatenate([rng.normal(0, 100, 9000), rng.uniform(-1e4, 1e4, 1000)])
    b = np.column_stack([x, y, x + 10, y + 10])
    b[::500] = np.nan  # footprints without geometry: the last tiles, still counted
    tile = spatial_tiles(b, 1000)
    counts = np.bincount(tile)
    assert counts.max() <= 1000 and counts.sum() == len(b)
    assert len(counts) == 10
    assert spatial_tiles(b[:0], 10).size == 0


def test_bad_files_give_one_line_errors(tmp_path, city, weather):
    def error(path, kind=FootprintError, **kwargs):
        with pytest.raises(kind) as info:
            estimate_parquet(path, tmp_path / "out.parquet", weather, **kwargs)
        assert "\n" not in str(info.value)
        return str(info.value)

    assert "no such file" in error(tmp_path / "missing.parquet")
    text = tmp_path / "text.parquet"
    text.write_text("building,height\n1,20\n")
    assert "not a Parquet file" in error(text)
    plain = tmp_path / "plain.parquet"
    pd.DataFrame({"height": [20.0]}).to_parquet(plain)
    assert "without GeoParquet metadata" in error(plain)
    no_crs = tmp_path / "no_crs.parquet"
    city.head(5).set_crs(None, allow_override=True).to_parquet(no_crs)
    assert "no coordinate reference system" in error(no_crs)
    ok = tmp_path / "ok.parquet"
    city.head(5).to_parquet(ok)
    no_geometry = tmp_path / "no_geometry.parquet"
    pq.write_table(pq.read_table(ok).drop_columns(["geometry"]), no_geometry)
    assert "has no geometry column" in error(no_geometry)
    assert "parking" in error(ok, ArgumentError, parking=city.head(1))
    assert "tile_rows" in error(ok, ArgumentError, tile_rows=0)
    assert "does not exist" in str(pytest.raises(
        ArgumentError, estimate_parquet, ok, tmp_path / "nowhere" / "out.parquet",
        weather).value)


@pytest.mark.slow
def test_pvsite_run_stream_writes_the_parquet_and_the_rollups(tmp_path, city, weather, capsys):
    src = tmp_path / "city.parquet"
    small = city.iloc[:1200]
    small.to_parquet(src)
    out = tmp_path / "results"
    assert main(["run", "--footprints", str(src), "--stream", "--tile-rows", "400",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "buildings: 1,200" in printed and "--stream: not written" in printed
    assert sorted(p.name for p in out.iterdir()) == ["buildings.parquet", "districts.csv",
                                                     "institution_types.csv"]
    streamed = gpd.read_parquet(out / "buildings.parquet")
    whole = pvsite.estimate(pvsite.read_footprints(src), weather)
    assert len(streamed) == 1200
    # as pvsite.to_geoparquet writes the in-memory result (horizons as JSON text)
    _assert_same(streamed, gpd.read_parquet(pvsite.to_geoparquet(whole, tmp_path / "w.parquet")))
    for name, by in (("districts.csv", "district"), ("institution_types.csv",
                                                     "institution_type")):
        table = pd.read_csv(out / name, encoding="utf-8-sig", index_col=0)
        expected = rollup(whole, by)
        assert table.index.astype(str).tolist() == expected.index.astype(str).tolist()
        np.testing.assert_allclose(table["capacity_kwp"], expected["capacity_kwp"],
                                   rtol=1e-9, atol=1e-3)
        assert table["buildings"].tolist() == expected["buildings"].tolist()
    # what streaming cannot do: one line, exit code 2
    assert main(["run", "--footprints", str(src), "--stream", "--excel",
                 "--out", str(tmp_path / "r2")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--excel needs the whole result" in err
    geojson = tmp_path / "city.geojson"
    small.head(3).to_file(geojson)
    assert main(["run", "--footprints", str(geojson), "--stream", "--out",
                 str(tmp_path / "r3")]) == 2
    assert "GeoParquet" in capsys.readouterr().err


def test_the_written_file_keeps_its_crs_and_metadata(tmp_path, weather):
    projected = synthetic_city(60, seed=2, crs=None)  # EPSG:32651
    src = tmp_path / "p.parquet"
    projected.to_parquet(src)
    out = estimate_parquet(src, tmp_path / "r.parquet", weather, tile_rows=25, shading=False)
    geo = json.loads(pq.read_schema(out).metadata[b"geo"])
    assert geo["columns"]["geometry"]["geometry_types"] == ["Polygon"]
    bbox = geo["columns"]["geometry"]["bbox"]
    assert np.allclose(bbox, projected.total_bounds)
    r = gpd.read_parquet(out)
    assert r.crs.to_epsg() == 32651 and len(r) == 60
