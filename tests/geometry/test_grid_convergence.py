"""Azimuths against true north whatever the CRS (issue 21: Gauss-Kruger input was off by the
grid convergence, up to a degree)."""

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import affinity

import pvsite
from pvsite.crs import grid_convergence, to_metric

LON, LAT = 121.47, 31.23
#: a transverse Mercator whose central meridian is 3 deg west of the building (its scale
#: there, 0.9996 x 1.0010, is within pvsite's 0.1 %, so pvsite keeps the file's CRS)
TM = (f"+proj=tmerc +lat_0=0 +lon_0={LON - 3} +k=0.9996 +x_0=500000 +y_0=0 +ellps=GRS80 "
      "+units=m +no_defs")


def _gabled(bearing_deg):
    """A 30 m x 12 m gabled building whose ridge runs along ``bearing_deg`` (true north)."""
    local = f"+proj=aeqd +lat_0={LAT} +lon_0={LON} +ellps=GRS80 +units=m"  # true north = +y
    box = affinity.rotate(shapely.box(-6, -15, 6, 15), -bearing_deg, origin=(0, 0))
    return gpd.GeoDataFrame({"roof:shape": ["gabled"], "institution_type": ["school"]},
                            geometry=[box], crs=local).to_crs(4326)


def test_convergence_matches_the_transverse_mercator_formula():
    g = gpd.GeoDataFrame(geometry=[shapely.Point(LON, LAT)], crs=4326).to_crs(TM)
    hand = math.degrees(math.atan(math.tan(math.radians(3.0)) * math.sin(math.radians(LAT))))
    # tan 3 deg = 0.0524, sin 31.23 deg = 0.519: atan(0.0272) = 1.55..1.56 deg
    assert hand == pytest.approx(1.555, abs=0.005)
    assert grid_convergence(g)[0] == pytest.approx(hand, abs=0.01)


def test_the_same_building_in_degrees_and_in_a_tm_grid_gets_the_same_true_azimuths(
        shanghai_weather):
    b = _gabled(20.0)  # ridge at 20 deg: planes face 110 and 290 deg true
    tm = b.to_crs(TM)
    assert to_metric(tm).crs == tm.crs  # kept in its own grid, not reprojected to UTM
    # by hand: the long edge's bearing on the TM grid is 20 deg less the convergence
    x, y = np.asarray(shapely.minimum_rotated_rectangle(tm.geometry.iloc[0]).exterior.coords).T
    sides = np.hypot(np.diff(x), np.diff(y))
    k = int(np.argmax(sides))
    grid_bearing = math.degrees(math.atan2(x[k + 1] - x[k], y[k + 1] - y[k])) % 180
    hand = math.degrees(math.atan(math.tan(math.radians(3.0)) * math.sin(math.radians(LAT))))
    assert grid_bearing == pytest.approx(20.0 - hand, abs=0.01)  # what the map shows
    got = {}
    for name, frame in (("wgs84", b), ("tm", tm)):
        _, planes = pvsite.estimate(frame, shanghai_weather, planes=True, shading=False)
        got[name] = np.sort(planes["surface_azimuth"].to_numpy(dtype=float))
    np.testing.assert_allclose(got["wgs84"], [110.0, 290.0], atol=0.05)
    np.testing.assert_allclose(got["tm"], got["wgs84"], atol=0.05)


def test_convergence_is_zero_where_a_footprint_has_no_centre():
    # found by benchmarks/fuzz_estimate.py: NaN vertices and empty parts have no centroid
    x, y = 5e5, 3.4e6
    with np.errstate(invalid="ignore"):  # shapely warns building the NaN ring
        nan_ring = shapely.Polygon([(x, y), (np.nan, y + 1), (x + 1, y + 1)])
        nan_quad = shapely.Polygon([(x, y), (np.nan, y + 10), (x + 10, y + 10), (x + 10, y)])
    g = gpd.GeoDataFrame(geometry=[shapely.box(x, y, x + 10, y + 10), None, shapely.Polygon(),
                                   nan_ring, shapely.GeometryCollection(), nan_quad,
                                   shapely.MultiPolygon([nan_quad, shapely.box(0, 0, 1, 1)])],
                         crs=TM)
    got = grid_convergence(g)
    assert got.shape == (7,) and np.isfinite(got).all() and (got[1:] == 0).all() and got[0] != 0


def test_a_gauss_kruger_easting_with_its_zone_number_under_the_wrong_crs_is_explained(
        shanghai_weather):
    # issue 21: "ValueError: NaN or None values are not allowed" from deep in geopandas
    b = pvsite.datasets.shanghai_buildings().head(5).to_crs(4528)  # zone 40: x = 40xxxxxx
    assert b.total_bounds[0] > 40_000_000
    wrong = b.set_crs(4549, allow_override=True)  # the CM 120E CRS, without the zone number
    with pytest.raises(pvsite.errors.FootprintError, match="EPSG:4528") as err:
        pvsite.estimate(wrong, shanghai_weather, shading=False)
    assert "\n" not in str(err.value) and "zone number" in str(err.value)
    # with the right CRS it is read as it is, true to scale
    assert to_metric(b).crs.to_epsg() == 4528

