"""Roof planes and heights from footprints, against geometry worked out by hand."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from pvsite import Assumptions
from pvsite.geometry.roofs import DEFAULT_PITCH, building_height, roof_planes, roof_type

# a 40 m (east-west) x 20 m (north-south) footprint in metres
BOX = shapely.box(0, 0, 40, 20)


def frame(shape, **cols):
    return gpd.GeoDataFrame({"roof:shape": [shape], **{k: [v] for k, v in cols.items()}},
                            geometry=[BOX], crs="EPSG:32651")


def test_flat_roof_is_one_plane_of_the_footprint():
    p = roof_planes(frame("flat"))
    assert len(p) == 1 and p["roof_type"].iloc[0] == "flat"
    assert p["plane_tilt"].iloc[0] == 0 and np.isnan(p["plane_azimuth"].iloc[0])
    assert shapely.area(p["geometry"].iloc[0]) == pytest.approx(800.0)


def test_gabled_roof_splits_along_the_ridge_into_north_and_south_halves():
    p = roof_planes(frame("gabled"))
    assert len(p) == 2
    # the ridge runs along the long (east-west) axis: the halves face south and north
    assert sorted(np.round(p["plane_azimuth"] % 360).tolist()) == [0.0, 180.0]
    np.testing.assert_allclose(p["plane_tilt"], DEFAULT_PITCH)
    np.testing.assert_allclose(shapely.area(p["geometry"].to_numpy()), 400.0)


def test_hipped_roof_has_four_planes_that_tile_the_footprint():
    p = roof_planes(frame("hipped", **{"roof:angle": 30.0}))
    assert len(p) == 4
    assert sorted(np.round(p["plane_azimuth"] % 360).tolist()) == [0.0, 90.0, 180.0, 270.0]
    np.testing.assert_allclose(p["plane_tilt"], 30.0)
    assert shapely.area(p["geometry"].to_numpy()).sum() == pytest.approx(800.0)


def test_roof_type_defaults_to_flat_and_keeps_pitched_shapes():
    g = gpd.GeoDataFrame({"roof:shape": [None, "Gabled", "flat", "dome"]},
                         geometry=[BOX] * 4, crs="EPSG:32651")
    assert roof_type(g).tolist() == ["flat", "gabled", "flat", "dome"]


def test_height_from_height_then_levels_then_default():
    a = Assumptions()
    g = pd.DataFrame({"height": [30.0, np.nan, np.nan, -4.0, 900.0],
                      "building:levels": [2.0, 5.0, np.nan, 3.0, np.nan]})
    h = building_height(g, assumptions=a)
    np.testing.assert_allclose(h["height_m"], [30.0, 5 * a.storey_height_m, a.default_height_m,
                                               3 * a.storey_height_m, a.default_height_m])
    assert h["height_source"].tolist() == ["height", "levels", "default", "levels", "default"]
    # what was not trusted is said
    assert "implausible height" in h["height_note"].iloc[3]
    assert "implausible height" in h["height_note"].iloc[4]


def test_default_heights_follow_the_building_type():
    a = Assumptions()
    g = pd.DataFrame({"building": ["dormitory", "yes", "School", "house", None, "dormitory"],
                      "height": [np.nan] * 5 + [30.0]})
    h = building_height(g, assumptions=a)
    # storeys by type (dormitory 6, school 4, house 2) x 3 m; 'yes' and none: the default
    np.testing.assert_allclose(h["height_m"], [18.0, a.default_height_m, 12.0, 6.0,
                                               a.default_height_m, 30.0])
    assert h["height_source"].tolist() == ["default"] * 5 + ["height"]
