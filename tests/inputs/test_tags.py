"""One parser of heights and storeys, the same answer through every reader."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import pvsite
from pvsite.errors import PvsiteWarning
from pvsite.geometry.roofs import building_height
from pvsite.inputs.tags import parse_height, tag_number


@pytest.fixture
def text_heights(tmp_path):
    boxes = [shapely.box(121.47 + i * 1e-3, 31.23, 121.4704 + i * 1e-3, 31.2303)
             for i in range(4)]
    gdf = gpd.GeoDataFrame({"height": ["40 ft", "12,5", "12 m", "tall"],
                            "building:levels": ["4", "5;6", None, "x"]},
                           geometry=boxes, crs="EPSG:4326")
    path = tmp_path / "heights.geojson"
    gdf.to_file(path)
    return path


def test_read_footprints_reads_feet_and_decimal_commas(text_heights):
    with pytest.warns(PvsiteWarning, match="not recognised") as record:  # counted, kept
        b = pvsite.read_footprints(text_heights)
    assert sorted(str(w.message).split("':")[0] + "'" for w in record) == [
        "column 'building:levels'", "column 'height'"]  # one warning per column
    assert b["height_raw"].iloc[3] == "tall" and b["height_raw"].iloc[:3].isna().all()
    # 40 ft = 40 x 0.3048 m = 12.192 m; "12,5" is 12.5 m with a decimal comma
    np.testing.assert_allclose(b["height"].to_numpy()[:3], [12.192, 12.5, 12.0])
    assert np.isnan(b["height"].iloc[3])
    np.testing.assert_allclose(b["building:levels"].to_numpy()[:2], [4.0, 5.0])


def test_the_three_readers_agree(text_heights):
    raw = gpd.read_file(text_heights)
    with pytest.warns(PvsiteWarning, match="not recognised"):
        from_reader = pvsite.read_footprints(text_heights)["height"]
    from_osm_parser = parse_height(raw["height"])
    with pytest.warns(PvsiteWarning, match="not recognised"):
        stage = building_height(raw)
    from_roof_stage = stage["height_m"].where(stage["height_source"] == "height")
    np.testing.assert_allclose(from_reader.to_numpy(), from_osm_parser.to_numpy())
    np.testing.assert_allclose(from_reader.to_numpy(), from_roof_stage.to_numpy())


def test_unreadable_text_is_flagged_not_guessed():
    v, bad = tag_number(pd.Series(["about twenty", "", None, "7"]), height=False)
    assert bad.tolist() == [True, False, False, False]
    assert v.iloc[3] == 7.0 and v.iloc[:3].isna().all()
