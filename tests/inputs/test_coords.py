"""GCJ-02 / BD-09 <-> WGS84 against vectors published by two independent implementations.

References, not pvsite's own output:

* googollee/eviltransform, the WGS84 -> GCJ-02 cases of its test suite
  (https://github.com/googollee/eviltransform, ``test.py``/``transform_test.go``:
  Shanghai, Shenzhen and Beijing as (lat, lng) pairs);
* wandergis/coordtransform, the examples of its README
  (https://github.com/wandergis/coordtransform, ``gcj02tobd09(116.404, 39.915)`` and
  ``bd09togcj02(116.404, 39.915)``, as (lng, lat)).
"""

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

import pvsite
from pvsite.errors import FootprintError
from pvsite.inputs.coords import _bd09_to_gcj02, _gcj02_to_bd09, from_wgs84, to_wgs84

GEOD = Geod(ellps="WGS84")

# googollee/eviltransform tests: (WGS84 lat, lng) -> (GCJ-02 lat, lng)
EVILTRANSFORM = {
    "shanghai": ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    "shenzhen": ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    "beijing": ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
}


def points(lonlat, crs="EPSG:4326"):
    return gpd.GeoSeries([shapely.Point(x, y) for x, y in lonlat], crs=crs)


def lonlat(series):
    return np.column_stack([series.x.to_numpy(), series.y.to_numpy()])


def distance_m(a, b):
    """Geodesic distances [m] between two (n, 2) lon/lat arrays."""
    return GEOD.inv(a[:, 0], a[:, 1], b[:, 0], b[:, 1])[2]


@pytest.mark.parametrize("city", sorted(EVILTRANSFORM))
def test_wgs84_to_gcj02_matches_eviltransform(city):
    (lat, lng), (gcj_lat, gcj_lng) = EVILTRANSFORM[city]
    got = from_wgs84(points([(lng, lat)]), target="gcj02")
    np.testing.assert_allclose(lonlat(got)[0], [gcj_lng, gcj_lat], rtol=0, atol=1e-6)


@pytest.mark.parametrize("city", sorted(EVILTRANSFORM))
def test_gcj02_to_wgs84_returns_within_half_a_metre(city):
    (lat, lng), (gcj_lat, gcj_lng) = EVILTRANSFORM[city]
    back = lonlat(to_wgs84(points([(gcj_lng, gcj_lat)]), source="gcj02"))
    assert distance_m(back, np.array([[lng, lat]]))[0] < 0.5
    # and the offset removed is the real one: a few hundred metres in these cities
    assert 100 < distance_m(back, np.array([[gcj_lng, gcj_lat]]))[0] < 1000


def test_gcj02_to_bd09_matches_coordtransform_readme():
    # wandergis/coordtransform README: gcj02tobd09(116.404, 39.915)
    lon, lat = _gcj02_to_bd09(np.array([116.404]), np.array([39.915]))
    np.testing.assert_allclose([lon[0], lat[0]], [116.41036949371029, 39.92133699351021],
                               rtol=0, atol=1e-6)


def test_bd09_to_gcj02_matches_coordtransform_readme():
    # wandergis/coordtransform README: bd09togcj02(116.404, 39.915)
    lon, lat = _bd09_to_gcj02(np.array([116.404]), np.array([39.915]))
    np.testing.assert_allclose([lon[0], lat[0]], [116.39762729119315, 39.90865673957631],
                               rtol=0, atol=1e-6)


def test_bd09_to_wgs84_goes_through_gcj02():
    # Baidu -> GCJ-02 (coordtransform README value) -> WGS84 (pvsite's inverse)
    bd = points([(116.404, 39.915)])
    gcj = points([(116.39762729119315, 39.90865673957631)])
    np.testing.assert_allclose(lonlat(to_wgs84(bd, source="bd09")),
                               lonlat(to_wgs84(gcj, source="gcj02")), rtol=0, atol=1e-6)


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_round_trip_over_china_is_within_half_a_metre(system):
    rng = np.random.default_rng(9)
    wgs = np.column_stack([rng.uniform(74, 135, 2000), rng.uniform(19, 53, 2000)])
    there = from_wgs84(points(wgs), target=system)
    back = lonlat(to_wgs84(there, source=system))
    assert distance_m(back, wgs).max() < 0.5
    assert distance_m(lonlat(there), wgs).min() > 1  # it did move every point


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_outside_china_is_unchanged(system):
    # Paris, New York, Sydney: outside the rough box of China, GCJ-02 equals WGS84
    far = [(2.3522, 48.8566), (-74.006, 40.7128), (151.2093, -33.8688)]
    np.testing.assert_array_equal(lonlat(to_wgs84(points(far), source=system)), far)
    np.testing.assert_array_equal(lonlat(from_wgs84(points(far), target=system)), far)


def test_polygons_keep_validity_vertex_count_index_and_attributes():
    # a 40 m x 20 m courtyard block with a hole, a MultiPolygon and a missing geometry
    outer = [(121.4700, 31.2300), (121.4704, 31.2300), (121.4704, 31.2302), (121.4700, 31.2302)]
    hole = [(121.4701, 31.23005), (121.4703, 31.23005), (121.4703, 31.23015),
            (121.4701, 31.23015)]
    ring = shapely.Polygon(outer, [hole])
    multi = shapely.MultiPolygon([shapely.box(121.48, 31.24, 121.4802, 31.2401),
                                  shapely.box(121.481, 31.24, 121.4812, 31.2401)])
    gdf = gpd.GeoDataFrame({"name": ["ring", "multi", "none"]},
                           geometry=[ring, multi, None], crs=4326, index=["x", "y", "z"])
    for system in ("gcj02", "bd09"):
        got = to_wgs84(gdf, source=system)
        assert list(got.index) == ["x", "y", "z"] and list(got["name"]) == list(gdf["name"])
        assert got.crs.to_epsg() == 4326
        assert got.geometry.iloc[2] is None
        assert got.geometry.iloc[:2].is_valid.all()
        np.testing.assert_array_equal(shapely.get_num_coordinates(got.geometry.to_numpy()),
                                      shapely.get_num_coordinates(gdf.geometry.to_numpy()))
        assert list(got.geom_type.iloc[:2]) == ["Polygon", "MultiPolygon"]
        # the offset is nearly a translation; its deliberate sine terms (20 m x sin(6 pi x) in
        # metres per degree of longitude) stretch it by at most about 20*6*pi*2/3 m/deg, i.e.
        # 0.25 % of 111 km/deg: areas agree to 0.5 %
        np.testing.assert_allclose(got.iloc[:2].to_crs(32651).area,
                                   gdf.iloc[:2].to_crs(32651).area, rtol=5e-3)
    assert gdf.geometry.iloc[0].equals(ring)  # input not modified


def test_z_values_are_kept():
    got = to_wgs84(gpd.GeoSeries([shapely.Point(121.47, 31.23, 18.0)], crs=4326))
    assert got.iloc[0].has_z and got.iloc[0].z == 18.0


def test_bad_source_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"'gcj02', 'bd09'"):
        to_wgs84(points([(121.47, 31.23)]), source="wgs72")
    with pytest.raises(ValueError, match="target='mars'"):
        from_wgs84(points([(121.47, 31.23)]), target="mars")


def test_projected_input_is_refused():
    with pytest.raises(FootprintError, match="projected CRS"):
        to_wgs84(points([(121.47, 31.23)]).to_crs(32651))


def write_geojson(path, lon, lat):
    """A one-building GeoJSON FeatureCollection of a small square at (lon, lat), in EPSG:4326."""
    d = 0.0002
    square = [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "amap", "height": "15"},
         "geometry": {"type": "Polygon", "coordinates": square}}]}), encoding="utf-8")


def test_read_footprints_converts_gcj02_file(tmp_path):
    # the Shanghai vector of eviltransform: a building drawn on Amap at the GCJ-02 point
    (lat, lng), (gcj_lat, gcj_lng) = EVILTRANSFORM["shanghai"]
    path = tmp_path / "amap.geojson"
    write_geojson(path, gcj_lng, gcj_lat)
    as_is = pvsite.read_footprints(path)
    for keep in (None, "wgs84"):
        same = pvsite.read_footprints(path, coordinate_system=keep)
        assert same.geometry.geom_equals_exact(as_is.geometry, 0).all()
    got = pvsite.read_footprints(path, coordinate_system="gcj02")
    assert got.crs.to_epsg() == 4326
    assert got["name"].iloc[0] == "amap" and got["height"].iloc[0] == 15.0
    corner = np.array([shapely.get_coordinates(got.geometry.iloc[0])[0]])
    assert distance_m(corner, np.array([[lng, lat]]))[0] < 0.5
    assert got.attrs["source"] == str(path)


def test_read_footprints_converts_bd09_file(tmp_path):
    path = tmp_path / "baidu.geojson"
    write_geojson(path, 116.404, 39.915)
    got = pvsite.read_footprints(path, coordinate_system="bd09")
    expected = lonlat(to_wgs84(points([(116.404, 39.915)]), source="bd09"))
    np.testing.assert_allclose(shapely.get_coordinates(got.geometry.iloc[0])[:1], expected,
                               rtol=0, atol=1e-9)


def test_read_footprints_refuses_gcj02_for_projected_file(tmp_path):
    path = tmp_path / "utm.gpkg"
    gpd.GeoDataFrame(geometry=[shapely.box(350000, 3450000, 350040, 3450020)],
                     crs=32651).to_file(path)
    with pytest.raises(FootprintError) as excinfo:
        pvsite.read_footprints(path, coordinate_system="gcj02")
    assert "projected CRS" in str(excinfo.value) and str(path) in str(excinfo.value)


def test_read_footprints_bad_coordinate_system_lists_the_valid_ones(tmp_path):
    path = tmp_path / "b.geojson"
    write_geojson(path, 121.47, 31.23)
    with pytest.raises(ValueError, match=r"'gcj02', 'bd09'"):
        pvsite.read_footprints(path, coordinate_system="baidu")
