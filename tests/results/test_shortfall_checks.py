"""What the shortfall says about weak inputs (issues 19 and 20): defaulted heights, sites mapped
without buildings, buildings outside every district, and arguments out of range."""

import math
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

import pvsite
from pvsite.errors import ArgumentError, PvsiteError, PvsiteWarning
from pvsite.geometry.institutions import OUTSIDE_NOTE

#: Xuhui, Shanghai, in the local UTM zone (EPSG:32651) [m]
X0, Y0 = Transformer.from_crs(4326, 32651, always_xy=True).transform(121.43, 31.18)


def _boxes(n, *, height=None, **cols):
    """n flat 40 m x 30 m roofs 100 m apart in Xuhui, in EPSG:32651."""
    geoms = [shapely.box(X0 + 100 * i, Y0, X0 + 100 * i + 40, Y0 + 30) for i in range(n)]
    data = {"roof:shape": ["flat"] * n, **cols}
    if height is not None:
        data["height"] = [height] * n
    return gpd.GeoDataFrame(data, geometry=geoms, crs=32651)


# --- (a) defaulted heights -----------------------------------------------------------------


def test_shortfall_warns_when_most_heights_are_defaulted(shanghai_weather):
    b = _boxes(3, institution_type=["school"] * 3)  # no height, no storeys
    r = pvsite.estimate(b, shanghai_weather, shading=False)
    assert (r["height_source"] == "default").all()
    with pytest.warns(PvsiteWarning, match=r"Heights defaulted for 100% .*--height-column"):
        rep = pvsite.shortfall(r, target_kw=10)
    assert rep.heights_defaulted == 1.0
    assert "Heights defaulted for 100% of the buildings" in rep.summary()
    # the threshold is an Assumptions field: past it only
    with warnings.catch_warnings():
        warnings.simplefilter("error", PvsiteWarning)
        rep = pvsite.shortfall(r, target_kw=10,
                               assumptions=pvsite.Assumptions(max_default_height_share=1.0))
    assert "Heights defaulted" in rep.summary()


def test_no_heights_line_when_every_height_is_given(shanghai_weather):
    r = pvsite.estimate(_boxes(2, height=15.0, institution_type=["school"] * 2),
                        shanghai_weather, shading=False)
    rep = pvsite.shortfall(r, target_kw=10)
    assert rep.heights_defaulted == 0.0 and "Heights defaulted" not in rep.summary()


# --- (b) sites mapped without buildings ----------------------------------------------------


def test_shortfall_reports_sites_without_buildings_on_their_own_line(shanghai_weather):
    b = _boxes(1, height=15.0)
    mapped = shapely.box(X0 - 20, Y0 - 20, X0 + 60, Y0 + 50)            # holds the roof
    empty = shapely.box(X0 + 500, Y0, X0 + 700, Y0 + 100)               # 200 m x 100 m
    sites = gpd.GeoDataFrame({"institution_id": ["S1", "S2"], "institution_name": ["A", "B"],
                              "institution_type": ["school", "school"]},
                             geometry=[mapped, empty], crs=32651)
    r = pvsite.estimate(b, shanghai_weather, shading=False, sites=sites)
    without = pvsite.shortfall(r, target_kw=10)
    rep = pvsite.shortfall(r, target_kw=10, sites=sites)
    assert without.unmapped is None
    # never counted: potential and plan are those without sites=
    assert rep.potential_kw == without.potential_kw and rep.plan.equals(without.plan)
    u = rep.unmapped
    assert list(u["site_id"]) == ["S2"]
    # by hand: 20,000 m2 of site; one mapped school site (< 3), so the labelled default
    # coverage 0.15-0.30; kWp per m2 of footprint from the one mapped roof (40 m x 30 m)
    per_m2 = r["capacity_kwp"].iloc[0] / 1200.0
    assert u["capacity_kwp_low"].iloc[0] == pytest.approx(20_000 * 0.15 * per_m2)
    assert u["capacity_kwp_high"].iloc[0] == pytest.approx(20_000 * 0.30 * per_m2)
    low, high = 20_000 * 0.15 * per_m2 / 1000, 20_000 * 0.30 * per_m2 / 1000
    assert (f"1 sites mapped without buildings: {low:,.1f}-{high:,.1f} MWp not counted"
            in rep.summary())


# --- (c) buildings outside every district --------------------------------------------------


def _beijing():
    # a 40 m x 30 m school roof in Dongcheng, Beijing (116.40 E, 39.91 N)
    x, y = 116.40, 39.91
    roof = shapely.box(x, y, x + 40 / (111_320 * math.cos(math.radians(y))), y + 30 / 110_900)
    return gpd.GeoDataFrame({"height": [15.0], "institution_type": ["school"]},
                            geometry=[roof], crs=4326)


def test_a_building_in_beijing_gets_no_district_a_reason_and_a_warning(shanghai_weather):
    with pytest.warns(PvsiteWarning, match="km from the weather"):
        r = pvsite.estimate(_beijing(), shanghai_weather, shading=False)
    assert r["district"].isna().all() and OUTSIDE_NOTE in r["reason"].iloc[0]
    assert r["status"].iloc[0] == "ok"
    # Shanghai's default target is not split over '(none)' unasked ...
    with pytest.raises(ArgumentError, match="outside every district.*target_kw=") as err:
        pvsite.shortfall(r)
    assert isinstance(err.value, ValueError) and "\n" not in str(err.value)
    # ... a target given for these buildings is, with a warning naming districts=
    with pytest.warns(PvsiteWarning, match=r"100% of the eligible capacity lies outside every "
                                           r"district.*districts=.*target_kw="):
        rep = pvsite.shortfall(r, target_kw=10)
    assert rep.table.index.tolist() == ["(none)"] and rep.planned_kw > 0
    # and district targets given say where the target goes: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", PvsiteWarning)
        pvsite.shortfall(r, district_targets_kw={"(none)": 10.0})


def test_one_building_across_the_border_does_not_warn(shanghai_weather):
    # three roofs in Xuhui and one in Beijing: a quarter of the capacity outside
    b = _boxes(3, height=15.0, institution_type=["school"] * 3).to_crs(4326)
    both = gpd.GeoDataFrame(
        {"height": [15.0] * 4, "institution_type": ["school"] * 4, "roof:shape": ["flat"] * 4},
        geometry=[*b.geometry, *_beijing().geometry], crs=4326)
    with pytest.warns(PvsiteWarning, match="km from the weather"):
        r = pvsite.estimate(both, shanghai_weather, shading=False)
    assert (r["reason"].str.contains(OUTSIDE_NOTE)).tolist() == [False, False, False, True]
    with warnings.catch_warnings():
        warnings.simplefilter("error", PvsiteWarning)
        rep = pvsite.shortfall(r)  # most capacity inside: the default target shared as before
    assert rep.table.loc["(none)", "target_kw"] > 0  # its share of the potential


# --- (g) arguments out of range ------------------------------------------------------------


@pytest.fixture(scope="module")
def small(shanghai_weather):
    return pvsite.estimate(_boxes(2, height=15.0, institution_type=["school"] * 2),
                           shanghai_weather, shading=False)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"target_kw": -1}, "target_kw=-1"),
    ({"target_kw": math.inf}, "target_kw=inf"),
    ({"target_kw": math.nan}, "target_kw=nan"),
    ({"uptake": 1.5}, "uptake=1.5"),
    ({"uptake": math.nan}, "uptake=nan"),
    ({"policy": "cheapest"}, "policy='cheapest'"),
    ({"min_system_kwp": -5}, "min_system_kwp=-5"),
    ({"district_targets_kw": {"徐汇区": -1}}, "district_targets_kw"),
])
def test_bad_shortfall_arguments_are_argument_errors(small, kwargs, match):
    with pytest.raises(ArgumentError, match=match) as err:
        pvsite.shortfall(small, **kwargs)
    assert isinstance(err.value, ValueError) and isinstance(err.value, PvsiteError)
    assert "\n" not in str(err.value)


def test_bad_rollup_and_pilot_arguments_are_argument_errors(small):
    with pytest.raises(ArgumentError, match="by='street'"):
        pvsite.rollup(small, by="street")
    with pytest.raises(ArgumentError, match="target_kw"):
        pvsite.rollup(small, by="district", target_kw=-np.inf)
    with pytest.raises(ArgumentError, match="kind='roof'"):
        pvsite.pilots(small, kind="roof")
    assert pvsite.ArgumentError is ArgumentError and "ArgumentError" in pvsite.__all__
