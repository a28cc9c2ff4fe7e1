"""pvsite run on the broken files of issue 21, through the command line a planner uses.

Each case was a traceback or mojibake from the CLI; the library-level tests are in
tests/inputs/. Here: the exit code, one line on stderr, and every row in buildings.csv.
"""

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import pvsite
from pvsite.cli import main

ROOFS = [shapely.box(121.47 + i * 4e-4, 31.23, 121.4703 + i * 4e-4, 31.2302) for i in range(3)]
HALL = shapely.box(121.475, 31.23, 121.4754, 31.2303)


def _one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pvsite: error:"), err
    return err[0]


def test_swapped_coordinates_are_one_line_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "swapped.geojson"
    gpd.GeoDataFrame(geometry=[shapely.box(31.23, 121.47, 31.2303, 121.4704)],
                     crs=4326).to_file(path)
    assert main(["run", "--footprints", str(path), "--no-maps", "--no-shading",
                 "--out", str(tmp_path / "o")]) == 2
    assert "look swapped" in _one_error_line(capsys)
    assert not (tmp_path / "o").exists()  # nothing half-written


def test_mixed_geometry_types_keep_every_row_with_a_reason(tmp_path, capsys):
    # was KeyError: 'coordinates' from the CLI
    shapes = [*ROOFS, shapely.Point(121.48, 31.23),
              shapely.LineString([(121.48, 31.231), (121.481, 31.231)]),
              shapely.GeometryCollection([HALL, shapely.LineString([(121.49, 31.23),
                                                                    (121.491, 31.23)])])]
    path = tmp_path / "mixed.geojson"
    gpd.GeoDataFrame({"height": [20.0] * len(shapes)}, geometry=shapes,
                     crs=4326).to_file(path)
    out = tmp_path / "o"
    assert main(["run", "--footprints", str(path), "--no-maps", "--no-shading",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    got = pd.read_csv(out / "buildings.csv", encoding="utf-8-sig")
    assert len(got) == len(shapes)
    assert (got["status"].iloc[:3] != "invalid").all()
    for i in (3, 4):  # a point and a line: no roof, said so
        assert got["status"].iloc[i] == "invalid" and isinstance(got["reason"].iloc[i], str)
    assert got["reason"].notna().iloc[3:].all()
    # the collection's polygon is the roof, as if given alone; its line is left out, and said
    assert got["status"].iloc[5] == "ok" and "geometry collection" in got["reason"].iloc[5]
    alone = pvsite.estimate(gpd.GeoDataFrame({"height": [20.0]}, geometry=[HALL], crs=4326),
                            pvsite.datasets.shanghai_weather(), shading=False)
    assert got["capacity_kwp"].iloc[5] == pytest.approx(alone["capacity_kwp"].iloc[0], rel=1e-6)


def test_gbk_shapefile_without_cpg_through_the_cli(tmp_path, capsys):
    names = ["上海市第一人民医院", "复旦大学附属中学", "徐汇区政府（东楼）"]
    gdf = gpd.GeoDataFrame({"name": names, "type": ["医院", "学校", "政府机关"],
                            "height": [20.0, 15.0, 30.0]}, geometry=ROOFS, crs=4326)
    path = tmp_path / "b.shp"
    gdf.to_file(path, engine="pyogrio", encoding="GBK")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    out = tmp_path / "o"
    with pytest.warns(pvsite.PvsiteWarning, match="as GBK"):
        assert main(["run", "--footprints", str(path), "--no-maps", "--no-shading",
                     "--out", str(out)]) == 0
    capsys.readouterr()
    got = pd.read_csv(out / "buildings.csv", encoding="utf-8-sig")
    assert got["name"].tolist() == names
    assert got["institution_type"].tolist() == ["hospital", "school", "government"]
