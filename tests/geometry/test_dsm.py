"""Roof planes from a digital surface model: small rasters the tests write."""

import math

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import shapely
from rasterio.transform import from_origin

from pvsite.geometry.roofs import planes_from_dsm

X0, Y0, RES = 350_000.0, 3_450_040.0, 0.5  # north-west corner of the raster, 0.5 m pixels


def write_dsm(path, z):
    with rasterio.open(path, "w", driver="GTiff", width=z.shape[1], height=z.shape[0], count=1,
                       dtype="float32", crs="EPSG:32651",
                       transform=from_origin(X0, Y0, RES, RES)) as dst:
        dst.write(z.astype("float32"), 1)
    return path


def grid():
    cols, rows = np.meshgrid(np.arange(80), np.arange(80))
    x = X0 + (cols + 0.5) * RES  # pixel centres
    y = Y0 - (rows + 0.5) * RES
    return x, y


FOOT = gpd.GeoDataFrame(geometry=[shapely.box(X0 + 5, Y0 - 35, X0 + 35, Y0 - 5)], crs=32651)


def test_gable_recovers_tilt_and_azimuth(tmp_path):
    # ridge east-west at y = Y0 - 20; 30 deg pitch: planes face south (180) and north (0)
    x, y = grid()
    z = 20 - np.abs(y - (Y0 - 20)) * math.tan(math.radians(30))
    planes = planes_from_dsm(FOOT, write_dsm(tmp_path / "gable.tif", z))
    pitched = planes[planes["roof_type"] == "dsm"].sort_values("plane_azimuth")
    assert len(pitched) == 2
    np.testing.assert_allclose(pitched["plane_tilt"], [30, 30], atol=1.0)
    assert pitched["plane_azimuth"].iloc[0] == pytest.approx(0, abs=5) or \
        pitched["plane_azimuth"].iloc[0] == pytest.approx(360, abs=5)
    assert pitched["plane_azimuth"].iloc[1] == pytest.approx(180, abs=5)
    # the two planes cover the footprint (less the ridge line pixels)
    area = shapely.area(pitched["geometry"].to_numpy()).sum()
    assert area == pytest.approx(900, rel=0.05)


def test_rotated_gable_facing_south_east(tmp_path):
    # ridge runs along azimuth 45/225: planes face 135 (SE) and 315 (NW), 25 deg pitch
    x, y = grid()
    cx, cy = X0 + 20, Y0 - 20
    d = ((x - cx) - (y - cy)) / math.sqrt(2)  # distance across the ridge, positive to SE
    z = 20 - np.abs(d) * math.tan(math.radians(25))
    planes = planes_from_dsm(FOOT, write_dsm(tmp_path / "g45.tif", z))
    az = sorted(planes.loc[planes["roof_type"] == "dsm", "plane_azimuth"])
    assert az[0] == pytest.approx(135, abs=5) and az[1] == pytest.approx(315, abs=5)


def test_flat_roof_is_one_flat_plane(tmp_path):
    x, y = grid()
    planes = planes_from_dsm(FOOT, write_dsm(tmp_path / "flat.tif", np.full(x.shape, 18.0)))
    assert list(planes["roof_type"]) == ["flat"]
    assert shapely.area(planes["geometry"].iloc[0]) == pytest.approx(900, rel=0.01)


def test_shed_roof_one_plane_facing_south(tmp_path):
    x, y = grid()
    z = 10 + (y - (Y0 - 35)) * math.tan(math.radians(15))  # high at the north: faces south
    planes = planes_from_dsm(FOOT, write_dsm(tmp_path / "shed.tif", z))
    assert len(planes) == 1
    assert planes["plane_tilt"].iloc[0] == pytest.approx(15, abs=1)
    assert planes["plane_azimuth"].iloc[0] == pytest.approx(180, abs=5)


def test_footprint_outside_raster_gets_no_plane(tmp_path):
    x, y = grid()
    far = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 10, 10)], crs=32651)
    assert planes_from_dsm(far, write_dsm(tmp_path / "f.tif", np.zeros(x.shape))).empty


def test_estimate_with_a_surface_model_covering_no_roof(tmp_path):
    """A raster that misses every building leaves the footprint planes (it once raised)."""
    import pvsite

    x, _ = grid()
    far = gpd.GeoDataFrame({"height": [12.0]}, crs=32651,  # 2 km east: beyond any horizon
                           geometry=[shapely.box(X0 + 2000, Y0 - 30, X0 + 2030, Y0 - 10)])
    weather = pvsite.datasets.shanghai_weather()
    with_dsm = pvsite.estimate(far, weather, districts=False,
                               dsm=write_dsm(tmp_path / "f.tif", np.zeros(x.shape)))
    without = pvsite.estimate(far, weather, districts=False)
    assert with_dsm["roof_type"].iloc[0] == "flat"
    assert with_dsm["capacity_kwp"].iloc[0] == without["capacity_kwp"].iloc[0] > 0


def test_estimate_uses_dsm_planes_and_returns_the_plane_table(tmp_path):
    import pvsite

    x, y = grid()
    z = 20 - np.abs(y - (Y0 - 20)) * math.tan(math.radians(30))
    path = write_dsm(tmp_path / "gable.tif", z)
    b = FOOT.assign(height=20.0)
    weather = pvsite.datasets.shanghai_weather()
    result, planes = pvsite.estimate(b, weather, dsm=path, districts=False, planes=True)
    assert result["roof_type"].iloc[0] == "dsm"
    assert result["surface_tilt"].iloc[0] == pytest.approx(30, abs=1)
    assert result["surface_azimuth"].iloc[0] == pytest.approx(180, abs=5)
    south = planes[(planes["surface_azimuth"] - 180).abs() < 10]
    north = planes[(planes["surface_azimuth"] - 180).abs() > 90]
    assert south["n_modules"].iloc[0] > 0 and north["n_modules"].sum() == 0
    assert planes["capacity_kwp"].sum() == pytest.approx(result["capacity_kwp"].iloc[0])
    assert planes["annual_kwh"].sum() == pytest.approx(result["annual_kwh"].iloc[0])
    assert (planes["building"] == b.index[0]).all()


def test_dsm_horizon_of_trees_south_of_a_roof(tmp_path):
    """A 40 m tree belt 30 m south of a 10 m roof: atan(30 / 40) seen from the roof's centre."""
    import pvsite
    from pvsite.geometry.horizons import dsm_horizons

    res, size = 0.5, 400  # 200 m x 200 m
    x0, y0 = 350_000.0, 3_450_200.0
    cols, rows = np.meshgrid(np.arange(size), np.arange(size))
    x, y = x0 + (cols + 0.5) * res, y0 - (rows + 0.5) * res
    z = np.zeros((size, size))
    roof = shapely.box(x0 + 90, y0 - 110, x0 + 110, y0 - 90)  # centre (x0 + 100, y0 - 100)
    z[(x > x0 + 90) & (x < x0 + 110) & (y > y0 - 110) & (y < y0 - 90)] = 10.0
    belt = (x > x0 + 70) & (x < x0 + 130) & (y > y0 - 150) & (y < y0 - 140)
    z[belt] = 40.0
    path = tmp_path / "trees.tif"
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs="EPSG:32651",
                       transform=from_origin(x0, y0, res, res)) as dst:
        dst.write(z.astype("float32"), 1)
    h = dsm_horizons([roof], None, path)
    expected = math.degrees(math.atan(30 / 40))
    assert h[0, 180] == pytest.approx(expected, abs=0.5)  # due south
    assert h[0, 0] == 0 and h[0, 90] == 0  # open to the north and east
    # through estimate: the trees are in no footprint layer, only in the surface model
    b = gpd.GeoDataFrame({"height": [10.0]}, geometry=[roof], crs=32651)
    weather = pvsite.datasets.shanghai_weather()
    with_dsm = pvsite.estimate(b, weather, dsm=path, districts=False)
    without = pvsite.estimate(b, weather, districts=False)
    assert without["shading_loss"].iloc[0] == 0
    assert with_dsm["shading_loss"].iloc[0] > 0.05


@pytest.mark.parametrize("tile", [16, 1024])
def test_tiled_planes_equal_building_by_building(tmp_path, monkeypatch, tile):
    """Roofs of many shapes and orientations, read a tile at a time (one roof a tile, or all
    in one): the planes equal a building-by-building reference (tests/_reference.py)."""
    import pvsite.geometry.roofs
    from _reference import planes_one_by_one

    monkeypatch.setattr(pvsite.geometry.roofs, "_DSM_TILE", tile)
    rng = np.random.default_rng(7)
    size, res = 200, 0.5
    cols, rows = np.meshgrid(np.arange(size), np.arange(size))
    x = X0 + (cols + 0.5) * res
    y = Y0 - (rows + 0.5) * res
    z = np.zeros(x.shape)
    feet = []
    for k in range(16):  # a 4 x 4 block of houses, 25 m apart: gables, sheds and flat roofs
        cx, cy = X0 + 12.5 + 25 * (k % 4), Y0 - 12.5 - 25 * (k // 4)
        turn = np.radians(rng.uniform(0, 180))
        u = (x - cx) * np.cos(turn) + (y - cy) * np.sin(turn)
        v = -(x - cx) * np.sin(turn) + (y - cy) * np.cos(turn)
        box = (np.abs(u) < 8) & (np.abs(v) < 5)
        kind = k % 3
        roof = (10 - np.abs(v) * math.tan(math.radians(rng.uniform(15, 40))) if kind == 0
                else 8 + v * math.tan(math.radians(rng.uniform(10, 30))) if kind == 1
                else np.full(x.shape, 12.0))
        z = np.where(box, roof, z)
        corners = [(cx + a * math.cos(turn) - b * math.sin(turn),
                    cy + a * math.sin(turn) + b * math.cos(turn))
                   for a, b in ((-8, -5), (8, -5), (8, 5), (-8, 5))]
        feet.append(shapely.Polygon(corners).buffer(-0.3))
    with rasterio.open(tmp_path / "block.tif", "w", driver="GTiff", width=size, height=size,
                       count=1, dtype="float32", crs="EPSG:32651",
                       transform=from_origin(X0, Y0, res, res)) as dst:
        dst.write(z.astype("float32"), 1)
    got = planes_from_dsm(gpd.GeoDataFrame(geometry=feet, crs=32651), tmp_path / "block.tif")
    ref = planes_one_by_one(feet, tmp_path / "block.tif")
    assert len(got) == len(ref) and len(ref) >= 16
    np.testing.assert_array_equal(got["building"], [r[0] for r in ref])
    np.testing.assert_allclose(got["plane_tilt"], [r[1] for r in ref], atol=1e-9)
    np.testing.assert_allclose(got["plane_azimuth"], [r[2] for r in ref], atol=1e-9)
    np.testing.assert_allclose(shapely.area(got["geometry"].to_numpy()), [r[3] for r in ref],
                               rtol=1e-9)


def test_dsm_horizons_skip_nothing_that_matters(tmp_path, monkeypatch):
    """Rays pass over blocks whose highest pixel can't beat the horizon so far: on a rough
    random surface with towers the horizons equal those of reading every sample."""
    import pvsite.geometry.horizons as shading

    rng = np.random.default_rng(11)
    res, size = 1.0, 300
    z = rng.gamma(2.0, 3.0, (size, size))
    for _ in range(12):  # towers 20 m x 20 m, 20 to 90 m high
        r, c = rng.integers(0, size - 20, 2)
        z[r:r + 20, c:c + 20] += rng.uniform(20, 90)
    z[rng.random((size, size)) < 0.01] = np.nan  # holes in the model
    path = tmp_path / "rough.tif"
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1,
                       dtype="float32", crs="EPSG:32651", nodata=np.nan,
                       transform=from_origin(X0, Y0, res, res)) as dst:
        dst.write(z.astype("float32"), 1)
    roofs = [shapely.box(X0 + x, Y0 - y - 12, X0 + x + 12, Y0 - y)
             for x, y in rng.uniform(20, size - 40, (40, 2))]
    fast = shading.dsm_horizons(roofs, None, path)
    monkeypatch.setattr(shading, "_block_max", lambda z: np.full(
        (-(-z.shape[0] // shading._BLOCK), -(-z.shape[1] // shading._BLOCK)), np.inf))
    every = shading.dsm_horizons(roofs, None, path)
    assert (every > 0).mean() > 0.2
    np.testing.assert_array_equal(fast, every)
