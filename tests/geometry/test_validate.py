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


def test_implausible_footprints_are_invalid_and_stay_out_of_the_plan(shanghai_weather):
    """Issue 21: a 10 km2 polygon was 'ok' at 1,000 MWp and met 50 MW alone in the plan."""
    import pandas as pd

    import pvsite

    b = pvsite.datasets.shanghai_buildings().head(40)
    metric = b.to_crs(32651)
    x, y = metric.geometry.iloc[0].centroid.coords[0]
    odd = gpd.GeoDataFrame(
        {"institution_type": ["school", "school"]},
        geometry=[shapely.box(x, y, x + 4000, y + 2500),  # 10 km2: a district read as a roof
                  shapely.box(x, y + 3000, x + 600, y + 3004)],  # 150:1, a line as a polygon
        crs=32651, index=["huge", "thin"]).to_crs(b.crs)
    both = pd.concat([b, odd])
    r = pvsite.estimate(both, shanghai_weather, shading=False)
    assert list(r.loc[["huge", "thin"], "status"]) == ["invalid", "invalid"]
    assert r.loc["huge", "reason"].startswith("implausibly large footprint: 10 km2")
    assert "150 times as long as wide" in r.loc["thin", "reason"]
    assert (r.loc[["huge", "thin"], "capacity_kwp"].fillna(0) == 0).all()
    real = r.drop(index=["huge", "thin"])
    public = real[(real["status"] == "ok") & (real["institution_type"] != "not_public")]
    target = 0.5 * public["capacity_kwp"].sum()
    report = pvsite.shortfall(r, target_kw=target)
    assert not set(report.plan["building"]) & {"huge", "thin"}
    assert report.plan["capacity_kwp"].sum() >= target  # reached with real roofs
    # the rest is what it is without them
    alone = pvsite.estimate(b, shanghai_weather, shading=False)
    assert (alone["capacity_kwp"].to_numpy() == real["capacity_kwp"].to_numpy()).all()
