"""read_footprints on broken files: the exact error and what it says, or every row kept.

The corpus is tests/data/bad_footprints (its README.md says how each file was made); files
that depend on the test are written to ``tmp_path``. Bad weather files are covered in
test_io.py.
"""

import shutil
from pathlib import Path

import pytest

import pvsite
from pvsite.errors import FootprintError, PvsiteError

BAD = Path(__file__).parents[1] / "data" / "bad_footprints"


def refused(path, **kwargs):
    """The message of the FootprintError that read_footprints raises for ``path``."""
    with pytest.raises(FootprintError) as excinfo:
        pvsite.read_footprints(path, **kwargs)
    # one class for every pvsite error, and the built-in one a caller would catch
    assert isinstance(excinfo.value, PvsiteError) and isinstance(excinfo.value, ValueError)
    message = str(excinfo.value)
    assert str(path) in message  # always names the file
    return message


def test_truncated_geojson():
    message = refused(BAD / "truncated.geojson")
    assert "Failed to read GeoJSON data" in message
    assert "complete" in message  # the advice: check that the file is complete


def test_latin1_bytes_in_a_utf8_geojson_are_refused():
    # GeoJSON is UTF-8 (RFC 7946). GDAL passes the latin-1 bytes of 'Café' through and pyogrio
    # fails to decode them as UTF-8: a clear FootprintError, not a mangled name
    message = refused(BAD / "latin1.geojson")
    assert "UnicodeDecodeError" in message and "'utf-8' codec can't decode" in message


def test_empty_file():
    message = refused(BAD / "empty.geojson")
    assert "not recognized as being in a supported file format" in message


def test_csv_without_geometry():
    # GDAL's CSV driver makes geometry only from a WKT column (or open options naming x/y)
    message = refused(BAD / "no_geometry.csv")
    assert "has no geometry column" in message


def test_shapefile_without_prj_asks_for_crs(tmp_path):
    message = refused(BAD / "no_prj.shp")
    assert "no coordinate reference system" in message and "crs=" in message
    got = pvsite.read_footprints(BAD / "no_prj.shp", crs="EPSG:4326")
    assert list(got["name"]) == ["building a", "building b"]  # every row
    assert got.crs.to_epsg() == 4326


def test_gbk_shapefile_with_cpg_keeps_chinese_names():
    got = pvsite.read_footprints(BAD / "gbk.shp")
    assert list(got["name"]) == ["上海市第一人民医院"] and got["height"].iloc[0] == 20.0


def test_empty_feature_collection_reads_as_no_buildings(tmp_path):
    path = tmp_path / "none.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    got = pvsite.read_footprints(path)
    assert len(got) == 0 and got.crs.to_epsg() == 4326


def copy_shapefile(tmp_path, without):
    for ext in (".shp", ".shx", ".dbf", ".cpg"):
        if ext != without:
            shutil.copy(BAD / f"no_prj{ext}", tmp_path / f"b{ext}")
    return tmp_path / "b.shp"


def test_shapefile_without_shx(tmp_path):
    # copied without its index: GDAL rebuilds it only when asked to
    message = refused(copy_shapefile(tmp_path, without=".shx"), crs="EPSG:4326")
    assert "b.shx" in message and "SHAPE_RESTORE_SHX" in message


def test_shapefile_without_dbf_keeps_every_geometry(tmp_path):
    got = pvsite.read_footprints(copy_shapefile(tmp_path, without=".dbf"), crs="EPSG:4326")
    assert len(got) == 2 and list(got.columns) == ["geometry"]


def test_empty_directory_instead_of_a_file(tmp_path):
    # GDAL opens a directory as a shapefile data set with no layer; the message names the
    # directory, though GDAL's own part of it (an IndexError) says little
    assert "could not be read as footprints" in refused(tmp_path)


def test_gbk_shapefile_without_cpg_reads_with_encoding(tmp_path):
    # Chinese GIS exports often come as GBK shapefiles without the .cpg that names it
    for ext in (".shp", ".shx", ".dbf", ".prj"):
        shutil.copy(BAD / f"gbk{ext}", tmp_path / f"b{ext}")
    got = pvsite.read_footprints(tmp_path / "b.shp", encoding="gbk")
    assert list(got["name"]) == ["上海市第一人民医院"]


def _shapefile_without_cpg(folder, values, encoding):
    import geopandas as gpd
    import shapely

    gdf = gpd.GeoDataFrame(
        {"name": values, "type": ["学校" if encoding == "GBK" else "school"] * len(values)},
        geometry=[shapely.box(121.47 + i * 1e-3, 31.23, 121.4704 + i * 1e-3, 31.2303)
                  for i in range(len(values))], crs=4326)
    path = folder / "b.shp"
    gdf.to_file(path, engine="pyogrio", encoding=encoding)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def test_gbk_shapefile_without_cpg_is_detected_and_reread_as_gbk(tmp_path):
    # issue 21: a GBK shapefile without .cpg came out as mojibake with no warning
    names = ["上海市第一人民医院", "复旦大学附属中学", "徐汇区政府（东楼）"]
    path = _shapefile_without_cpg(tmp_path, names, "GBK")
    import geopandas as gpd

    assert gpd.read_file(path, engine="pyogrio")["name"].iloc[0] != names[0]  # the garble
    with pytest.warns(pvsite.PvsiteWarning, match=r"as GBK.*encoding=.*\.cpg") as rec:
        got = pvsite.read_footprints(path)
    assert "上海市第一人民医院" in str(rec[0].message)
    assert list(got["name"]) == names
    assert list(got["institution_type"]) == ["学校"] * 3  # then understood by estimate
    # stated, it is read without a guess or a warning
    assert list(pvsite.read_footprints(path, encoding="GBK")["name"]) == names


def test_latin1_shapefile_without_cpg_is_left_alone(tmp_path):
    names = ["Café de Flore", "Müller-Haus"]
    path = _shapefile_without_cpg(tmp_path, names, "ISO-8859-1")
    assert list(pvsite.read_footprints(path)["name"]) == names  # no warning (an error here)
