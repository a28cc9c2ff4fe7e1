"""Row spacing, setbacks and module packing against hand-worked geometry."""

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import pvsite
from pvsite.assumptions import Assumptions
from pvsite.geometry import layout
from pvsite.geometry.roofs import roof_planes

A = Assumptions()
LAT = 31.2  # Shanghai


def solstice_shadow_ratio(lat_deg, solar_hour=9.0):
    """N-S shadow length over object height at the winter solstice, by spherical trigonometry.

    Declination -23.44 deg, hour angle 15 deg per hour from noon; no refraction (pvlib's
    apparent elevation is slightly higher, so its shadows are slightly shorter).
    """
    phi, dec = math.radians(lat_deg), math.radians(-23.44)
    w = math.radians(15 * (solar_hour - 12))
    sin_h = math.sin(phi) * math.sin(dec) + math.cos(phi) * math.cos(dec) * math.cos(w)
    h = math.asin(sin_h)
    cos_az_from_south = (sin_h * math.sin(phi) - math.sin(dec)) / (math.cos(h) * math.cos(phi))
    return cos_az_from_south / math.tan(h)


@pytest.mark.parametrize("lat", [22.0, 31.2, 40.0])
def test_row_spacing_matches_spherical_trigonometry(lat):
    pitch, gap = pvsite.row_spacing(lat, 30.0, 2.0)
    height = 2.0 * math.sin(math.radians(30))
    assert gap / height == pytest.approx(solstice_shadow_ratio(lat), rel=0.01)
    assert pitch == pytest.approx(2.0 * math.cos(math.radians(30)) + gap)


def test_row_spacing_close_to_gb50797_closed_form_in_shanghai():
    # GB 50797-2012: D = 0.707 H / tan(arcsin(0.648 cos(phi) - 0.399 sin(phi))) = 1.91 H at
    # 31.2 N. The code's 0.707 approximates the sun's azimuth term at 9:00, so agreement is
    # within 2 %, not exactly.
    phi = math.radians(LAT)
    gb = 0.707 / math.tan(math.asin(0.648 * math.cos(phi) - 0.399 * math.sin(phi)))
    _, gap = pvsite.row_spacing(LAT, 30.0, 2.0)
    assert gap / 1.0 == pytest.approx(gb, rel=0.02)


def test_edge_setback_follows_ifc_perimeter_rule():
    boxes = [shapely.box(0, 0, 40, 20), shapely.box(0, 0, 100, 80), shapely.box(0, 0, 300, 50)]
    # 4 ft (1.22 m) where either axis is 250 ft (76.2 m) or less, else 6 ft (1.83 m)
    np.testing.assert_allclose(layout.edge_setback(boxes), [1.22, 1.83, 1.22])


def test_usable_polygon_of_a_rectangle_is_the_hand_inset():
    # 40 m x 20 m less a 1.22 m band: 37.56 m x 17.56 m, either ring orientation
    box = shapely.box(350_000, 3_450_000, 350_040, 3_450_020)
    u = layout.usable_polygons([box, box.reverse()], 1.22, A.min_width_m)
    np.testing.assert_allclose(shapely.area(u), 37.56 * 17.56, rtol=1e-9)
    np.testing.assert_allclose(shapely.bounds(u)[0], [350_001.22, 3_450_001.22,
                                                      350_038.78, 3_450_018.78])


# distances of 0 or at least a millimetre: at UTM coordinates GEOS returns an empty polygon for
# inward buffers below about 1e-9 m, which the direct inset (rightly) does not
_DIST = st.one_of(st.just(0.0), st.floats(0.001, 4.0))


@given(st.lists(st.tuples(st.floats(-40, 40), st.floats(-40, 40)), min_size=3, max_size=12),
       _DIST, _DIST, st.booleans(), st.booleans())
@settings(max_examples=200, deadline=None)
def test_usable_polygons_equal_geos_mitred_opening(points, setback, min_width, hull, flip):
    """The direct inset of convex roofs equals GEOS's mitred buffers; other roofs use GEOS."""
    pts = np.array(points) + [350_000.0, 3_450_000.0]
    g = shapely.convex_hull(shapely.multipoints(pts)) if hull else shapely.Polygon(pts)
    if not isinstance(g, shapely.Polygon) or not g.is_valid or g.area < 1.0:
        return
    g = g.reverse() if flip else g
    fast = layout.usable_polygons([g], setback, min_width)[0]
    ref = layout._usable_geos(np.array([g]), np.array([setback]), min_width)[0]
    assert shapely.area(shapely.symmetric_difference(fast, ref)) <= 1e-6 * max(g.area, 1.0)


def _planes(geoms, types=None):
    gdf = gpd.GeoDataFrame({"roof:shape": types or ["flat"] * len(geoms)},
                           geometry=list(geoms), crs=32651)
    return roof_planes(gdf)


def _lay(geoms, tilt=25.0, share=0.0, setback=None, types=None, assumptions=A):
    planes = _planes(geoms, types)
    n = len(planes)
    sb = np.full(n, assumptions.edge_setback_m if setback is None else setback)
    return layout.layout_planes(planes, latitude=LAT, flat_tilt=tilt,
                                obstruction_share=np.full(n, share), setback=sb,
                                assumptions=assumptions)


def _hand_count(width, depth_avail, tilt, lat=LAT):
    """Modules on a rectangle of usable width x depth (rows along the width), by hand."""
    best = 0
    for slant, along in ((A.module_length_m, A.module_width_m),
                         (A.module_width_m, A.module_length_m)):
        foot = slant * math.cos(math.radians(tilt))
        height = slant * math.sin(math.radians(tilt))
        pitch = foot + height * solstice_shadow_ratio(lat)
        rows = math.floor((depth_avail - foot) / pitch) + 1
        best = max(best, rows * math.floor(width / along))
    return best


def test_40_by_20_flat_roof_in_shanghai_hand_worked():
    # 40 m x 20 m flat roof, 1.22 m setback -> 37.56 m x 17.56 m usable; rows face south at
    # 25 deg. Portrait: foot 2.278 cos25 = 2.065 m, height 0.963 m, shadow ratio 1.94 -> pitch
    # 3.93 m, rows = floor((17.56 - 2.065) / 3.93) + 1 = 4, 33 modules a row (37.56 / 1.134)
    # -> 132. Landscape: foot 1.028 m, height 0.479 m, pitch 1.958 m, rows =
    # floor((17.56 - 1.028) / 1.958) + 1 = 9, 16 modules a row (37.56 / 2.278) -> 144.
    out = _lay([shapely.box(350_000, 3_450_000, 350_040, 3_450_020)])
    expected = _hand_count(37.56, 17.56, 25.0)
    assert expected == 144
    assert out["n_modules"].iloc[0] == expected
    assert out["orientation"].iloc[0] == "landscape"
    assert out["capacity_kwp"].iloc[0] == pytest.approx(expected * 0.580)
    assert out["usable_area_m2"].iloc[0] == pytest.approx(37.56 * 17.56)


def test_obstruction_share_removes_modules():
    out = _lay([shapely.box(0, 0, 40, 20)], share=0.25)
    assert out["n_modules"].iloc[0] == math.floor(144 * 0.75)
    assert out["usable_area_m2"].iloc[0] == pytest.approx(37.56 * 17.56 * 0.75)


def brute_force_count(polygon, depth, pitch, along, step=0.01):
    """Greedy left-to-right placement of modules tested one by one with shapely.

    An independent reference for the packer: for each row band from the polygon's south edge,
    slide a module rectangle east in small steps and place it wherever it lies inside, moved
    back by bisection to the leftmost position where it fits (greedy placement from the left is
    optimal on an interval).
    """
    xmin, ymin, xmax, ymax = polygon.bounds
    total, y = 0, ymin
    prepared = shapely.prepared.prep(polygon.buffer(1e-6))

    def fits(x):
        return prepared.contains(shapely.box(x, y, x + along, y + depth))

    while y + depth <= ymax + 1e-9:
        x, free = xmin, True  # free: the previous position tried did not hold a module
        while x + along <= xmax + 1e-9:
            if fits(x):
                if free and x > xmin:
                    lo, hi = x - step, x
                    for _ in range(30):
                        mid = (lo + hi) / 2
                        lo, hi = (lo, mid) if fits(mid) else (mid, hi)
                    x = hi
                total += 1
                x += along
                free = False
            else:
                x += step
                free = True
        y += pitch
    return total


@pytest.mark.parametrize("name,polygon", [
    ("L-shape", shapely.Polygon([(0, 0), (40, 0), (40, 12), (14, 12), (14, 30), (0, 30)])),
    ("courtyard", shapely.box(0, 0, 40, 30).difference(shapely.box(12, 9, 28, 21))),
    ("rotated 30 deg", shapely.affinity.rotate(shapely.box(0, 0, 40, 20), 30)),
    ("trapezoid", shapely.Polygon([(0, 0), (36, 0), (30, 18), (4, 18)])),
])
def test_packer_equals_brute_force_placement(name, polygon):
    from pvsite.geometry._packing import edges_in_row_frame, pack

    depth, pitch, along = 2.065, 3.93, 1.134
    edges = edges_in_row_frame(np.array([polygon]), np.zeros(1), np.ones(1))
    counts, _ = pack(*edges, np.array([depth]), np.array([pitch]), np.array([along]), 1)
    assert counts[0] == brute_force_count(polygon, depth, pitch, along), name


def test_roof_too_small_and_gatehouse_flagged():
    b = gpd.GeoDataFrame({"height": [4.0]}, crs=32651,
                         geometry=[shapely.box(350_000, 3_450_000, 350_005, 3_450_004)])
    w = pvsite.datasets.shanghai_weather()
    r = pvsite.estimate(b, w, districts=False)
    assert r["status"].iloc[0] == "unsuitable"
    assert "too small" in r["reason"].iloc[0]
    assert r["capacity_kwp"].iloc[0] == 0


def test_gabled_roof_keeps_the_south_plane_only():
    # 30 m x 12 m gabled roof, ridge east-west, default pitch 25 deg: planes face 180 and 0.
    geom = shapely.box(0, 0, 30, 12)
    out = _lay([geom], types=["gabled"])
    assert sorted(out["surface_azimuth"].round(6)) == [0.0, 180.0]
    assert out["plane_area_m2"].sum() == pytest.approx(360 / math.cos(math.radians(25)))
    south = out[out["surface_azimuth"].round() == 180].iloc[0]
    # flush modules: in true plane size 30 - 2 x 1.2 by 6 / cos25 - 2 x 1.2 ... portrait rows of
    # 2.278 m up the slope, 1.134 m across; check against the same hand count with no gaps
    slope_depth = 6 / math.cos(math.radians(25))
    assert south["n_modules"] > 0
    assert south["n_modules"] <= math.floor(27.6 / 1.134) * math.floor(slope_depth / 1.134)


def test_hipped_roof_has_four_planes():
    out = _planes([shapely.box(0, 0, 30, 12)], ["hipped"])
    assert len(out) == 4
    assert sorted(out["plane_azimuth"].round(6)) == [0.0, 90.0, 180.0, 270.0]
    assert shapely.area(out["geometry"].to_numpy()).sum() == pytest.approx(360.0)


def test_layout_frame_has_documented_columns():
    out = _lay([shapely.box(0, 0, 40, 20)])
    for col in ("surface_tilt", "surface_azimuth", "mounting", "plane_area_m2",
                "usable_area_m2", "n_modules", "rows", "orientation", "gcr", "capacity_kwp",
                "row_pitch_m"):
        assert col in out
    # GCR of packed tilted rows is module area over usable area: below slant / pitch
    assert 0 < out["gcr"].iloc[0] < 1
    assert isinstance(out, pd.DataFrame)


def test_rows_follow_a_turned_roof_where_that_fits_more():
    # a long narrow block turned 10 deg counter-clockwise: rows along its edges face 170 deg
    strip = shapely.affinity.rotate(shapely.box(0, 0, 80, 12), 10)
    turned = _lay([strip])
    south_only = _lay([strip], assumptions=A.replace(row_alignment_max_deg=0.0))
    assert turned["surface_azimuth"].iloc[0] == pytest.approx(170.0)
    assert south_only["surface_azimuth"].iloc[0] == 180.0
    assert turned["n_modules"].iloc[0] > south_only["n_modules"].iloc[0]
    # rows facing 170 deg need more room: the 9:00 sun (azimuth ~138 deg) is 32 deg off their
    # normal instead of 42, so the winter shadow across the rows is longer
    _, gap170 = pvsite.row_spacing(LAT, 25.0, 1.0, row_azimuth=170)
    _, gap180 = pvsite.row_spacing(LAT, 25.0, 1.0, row_azimuth=180)
    assert gap170 > 1.1 * gap180
    # a 40 m x 20 m block turned 10 deg fits more with due-south rows, so it keeps them
    block = _lay([shapely.affinity.rotate(shapely.box(0, 0, 40, 20), 10)])
    assert block["surface_azimuth"].iloc[0] == 180.0
    # past the 15 deg limit rows always face due south
    beyond = _lay([shapely.affinity.rotate(shapely.box(0, 0, 80, 12), 30)])
    assert beyond["surface_azimuth"].iloc[0] == pytest.approx(180.0)


@pytest.mark.parametrize("tilt", [10.0, 28.0])
def test_rows_spaced_by_the_rule_lose_under_one_percent_to_each_other(tilt, shanghai_weather):
    """The energy model leaves out row-to-row shading; with pvlib's own models (1-D shaded
    fraction of the beam, Passias' masking of the sky diffuse) it costs under 1 % of the
    annual plane-of-array irradiance at the rule's spacing, all year, on the bundled year."""
    import pvlib

    weather = shanghai_weather
    lat = weather.attrs["latitude"]
    pitch, _ = layout.row_spacing(lat, tilt, A.module_length_m)
    gcr = A.module_length_m / pitch
    loc = pvlib.location.Location(lat, weather.attrs["longitude"])
    sun = loc.get_solarposition(weather.index)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, 180, sun["apparent_zenith"], sun["azimuth"], weather["dni"], weather["ghi"],
        weather["dhi"], dni_extra=pvlib.irradiance.get_extra_radiation(weather.index),
        airmass=pvlib.atmosphere.get_relative_airmass(sun["apparent_zenith"]), model="perez")
    # rows along east-west (axis azimuth 90): a positive rotation faces them south
    shaded = np.clip(np.nan_to_num(pvlib.shading.shaded_fraction1d(
        sun["apparent_zenith"], sun["azimuth"], axis_azimuth=90, shaded_row_rotation=tilt,
        shading_row_rotation=tilt, collector_width=A.module_length_m, pitch=pitch)), 0, 1)
    beam_lost = (poa["poa_direct"].clip(lower=0) * shaded).sum()
    masked = pvlib.shading.sky_diffuse_passias(pvlib.shading.masking_angle_passias(tilt, gcr))
    sky_lost = masked * poa["poa_sky_diffuse"].sum()
    share = (beam_lost + sky_lost) / poa["poa_global"].sum()
    assert 0 < share < 0.01


# ---------------------------------------------------------------------------------------------
# latitudes where the winter-solstice rule has no answer (issue 21: Oslo, Tromso)


@pytest.mark.parametrize("lat", [59.9, 69.7, -60.0])
def test_row_spacing_falls_back_where_the_solstice_sun_is_below_the_horizon(lat):
    day, why = layout.design_day(lat)
    assert "below the horizon" in why
    pitch, gap = pvsite.row_spacing(lat, 30.0, 2.0)
    height = 2.0 * math.sin(math.radians(30))
    # the stated rule, by spherical trigonometry: on the design day the lowest sun of the
    # design hours is at least FALLBACK_MIN_ELEVATION (3.5 deg) up, so no shadow is longer
    # than height / tan(3.5 deg); and the day before, the sun is lower than that
    assert 0 < gap <= height / math.tan(math.radians(layout.FALLBACK_MIN_ELEVATION)) + 1e-9

    def lowest(date):
        dec = math.radians(-23.44 * math.cos(2 * math.pi * (date.dayofyear + 10) / 365))
        phi, w = math.radians(abs(lat)), math.radians(45.0)  # 9:00 and 15:00 solar time
        dec = dec if lat >= 0 else -dec
        return math.degrees(math.asin(math.sin(phi) * math.sin(dec)
                                      + math.cos(phi) * math.cos(dec) * math.cos(w)))

    # geometric, with Cooper's declination; pvsite's 3.5 deg is pvlib's apparent elevation,
    # refraction adding about 0.25 deg there
    assert lowest(day) == pytest.approx(layout.FALLBACK_MIN_ELEVATION - 0.25, abs=0.75)
    assert lowest(day - pd.Timedelta(days=5)) < lowest(day)


def test_row_spacing_keeps_the_solstice_rule_in_china():
    # Mohe (53.5 N), China's northernmost point: the solstice's 9:00 sun is 3.8 deg up
    assert layout.design_day(53.5) == (pd.Timestamp("2023-12-21", tz="UTC"), "")


@pytest.mark.parametrize(("lat", "lon"), [(59.91, 10.75), (69.65, 18.96)])  # Oslo, Tromso
def test_estimate_at_high_latitudes(lat, lon):
    # a flat 30 m x 20 m roof; weather: pvlib's clear sky at the site
    from pvlib.location import Location

    tz = "Etc/GMT-1"
    times = pd.date_range("2023-01-01 00:30", periods=8760, freq="h", tz=tz)
    cs = Location(lat, lon, tz=tz).get_clearsky(times, model="ineichen")
    w = pvsite.read_weather(cs[["ghi", "dni", "dhi"]].assign(temp_air=5.0, wind_speed=2.0),
                            latitude=lat, longitude=lon, tz=tz, time_label="middle")
    x, y = lon, lat
    roof = shapely.box(x, y, x + 30 / (111_320 * math.cos(math.radians(y))), y + 20 / 110_540)
    b = gpd.GeoDataFrame({"height": [10.0]}, geometry=[roof], crs="EPSG:4326")
    with pytest.warns(pvsite.PvsiteWarning) as record:
        r = pvsite.estimate(b, w, shading=False, districts=False)
    assert any("below the horizon" in str(m.message) for m in record)
    assert r["status"].iloc[0] == "ok" and r["capacity_kwp"].iloc[0] > 0
