"""Footprint validation: every row back, repaired or flagged with its reason."""

import geopandas as gpd
import numpy as np
import shapely

from pvsite.geometry._validate import clean_geometries, find_overlaps, prepare_footprints


def test_each_kind_of_bad_geometry_gets_its_note():
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    geoms = np.array([shapely.box(0, 0, 10, 10), None, shapely.Polygon(), shapely.Point(1, 1),
                      bowtie, shapely.Polygon([(0, 0), (1, 1), (2, 2)])], dtype=object)
    out, invalid, note = clean_geometries(geoms)
    assert invalid.tolist() == [False, True, True, True, False, True]
    assert note[1] == "no geometry" and note[2] == "empty geometry"
    assert note[3].startswith("not a polygon")
    assert note[4] == "geometry repaired with make_valid"
    assert shapely.area(out[4]) == 50.0  # two triangles of 25 m^2
    assert "no area" in note[5]


def test_a_footprint_inside_another_is_a_duplicate_and_a_partial_overlap_a_note():
    geoms = np.array([shapely.box(0, 0, 20, 20), shapely.box(1, 1, 19, 19),
                      shapely.box(100, 0, 120, 20), shapely.box(110, 0, 130, 20)])
    dup_of, share, overlaps, overlap_share = find_overlaps(geoms, np.ones(4, dtype=bool))
    assert dup_of.tolist() == [-1, 0, -1, -1] and share[1] == 1.0
    # boxes 2 and 3 share 10 x 20 = 200 m^2 of 400: half of the smaller one
    assert overlaps.tolist()[2:] == [3, 2] and overlap_share[2] == 0.5


def test_prepare_footprints_names_the_kept_building_by_its_label():
    # near the zone's central meridian (500 km easting), where UTM is true to scale
    x, y = 500_000.0, 3_450_000.0
    gdf = gpd.GeoDataFrame(geometry=[shapely.box(x, y, x + 20, y + 20),
                                     shapely.box(x + 1, y + 1, x + 19, y + 19)],
                           crs="EPSG:32651", index=["main", "copy"])
    fp = prepare_footprints(gdf, gdf.index.to_numpy())
    assert fp.invalid.tolist() == [False, True]
    assert fp.note[1].startswith("duplicate of building main")
    assert fp.points[1] is not None  # a duplicate still has a place (for its district)
    assert fp.metric.crs == gdf.crs  # already in true metres: kept
