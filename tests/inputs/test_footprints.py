"""read_footprints: every format and CRS in, every row and the right attributes out."""

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

import pvsite
from pvsite.errors import FootprintError, PvsiteWarning


@pytest.fixture
def buildings():
    """Three rectangles in central Shanghai (WGS84) with OSM-style attributes."""
    boxes = [shapely.box(121.470, 31.230, 121.4704, 31.2302),
             shapely.box(121.475, 31.231, 121.4756, 31.2313),
             shapely.box(121.480, 31.232, 121.4802, 31.2321)]
    return gpd.GeoDataFrame({"name": ["a", "b", "c"], "height": [12.0, 20.5, np.nan],
                             "building:levels": [4.0, np.nan, 2.0]},
                            geometry=boxes, crs="EPSG:4326")


def assert_same_buildings(got, expected):
    assert got.crs == expected.crs
    assert list(got["name"]) == list(expected["name"])
    np.testing.assert_allclose(got["height"], expected["height"])
    np.testing.assert_allclose(got["building:levels"], expected["building:levels"])
    assert got.geometry.normalize().geom_equals_exact(expected.geometry.normalize(), 1e-9).all()


def test_geojson_round_trip(buildings, tmp_path):
    path = tmp_path / "b.geojson"
    buildings.to_file(path, driver="GeoJSON")
    got = pvsite.read_footprints(path)
    assert_same_buildings(got, buildings)
    assert got.attrs["source"] == str(path)


def test_geopackage_keeps_projected_crs(buildings, tmp_path):
    projected = buildings.to_crs("EPSG:32651")
    path = tmp_path / "b.gpkg"
    projected.to_file(path, layer="roofs", driver="GPKG")
    got = pvsite.read_footprints(path, layer="roofs")
    assert got.crs.to_epsg() == 32651
    assert_same_buildings(got, projected)


def test_geoparquet_round_trip(buildings, tmp_path):
    pytest.importorskip("pyarrow", reason="GeoParquet needs pyarrow")
    path = tmp_path / "b.parquet"
    buildings.to_parquet(path)
    assert_same_buildings(pvsite.read_footprints(path), buildings)


def test_shapefile_without_prj_needs_crs(buildings, tmp_path):
    path = tmp_path / "b.shp"
    buildings.rename(columns={"building:levels": "levels"}).to_file(path)
    path.with_suffix(".prj").unlink()  # as shapefiles often come: no .prj beside them
    with pytest.raises(FootprintError) as excinfo:
        pvsite.read_footprints(path)
    assert isinstance(excinfo.value, ValueError)
    assert "crs=" in str(excinfo.value) and str(path) in str(excinfo.value)
    got = pvsite.read_footprints(path, crs="EPSG:4326")
    assert_same_buildings(got, buildings)  # 'levels' came back as 'building:levels'


def test_truncated_geojson_names_the_file(buildings, tmp_path):
    text = buildings.to_json()
    path = tmp_path / "cut.geojson"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(FootprintError) as excinfo:
        pvsite.read_footprints(path)
    assert str(path) in str(excinfo.value)


def test_missing_footprint_file(tmp_path):
    with pytest.raises(FootprintError, match="no such file"):
        pvsite.read_footprints(tmp_path / "none.gpkg")


def test_attribute_aliases_and_units(tmp_path):
    square = [[[121.47, 31.23], [121.4701, 31.23], [121.4701, 31.2301], [121.47, 31.2301],
               [121.47, 31.23]]]
    props = [{"height": "12 m", "building_levels": "4"},
             {"height": "7.5", "building_levels": "3 floors"},
             {"height": "unknown", "building_levels": None}]
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": square}}
        for p in props]}
    path = tmp_path / "aliases.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    with pytest.warns(PvsiteWarning, match="'unknown'"):
        got = pvsite.read_footprints(path)
    assert "building_levels" not in got.columns
    np.testing.assert_array_equal(got["building:levels"], [4.0, 3.0, np.nan])
    np.testing.assert_array_equal(got["height"], [12.0, 7.5, np.nan])
    assert got["height"].dtype == float
