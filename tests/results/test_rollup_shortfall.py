"""Roll-ups and the shortfall plan on small hand-built sets with answers worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

import pvsite
from pvsite.results.rollup import COLUMNS as ROLLUP_COLUMNS


def hand_result():
    """Seven roofs in two districts; kWp, kWh/kWp and types chosen so the plans are easy."""
    return pd.DataFrame({
        "building_id": ["s1", "s2", "h1", "g1", "u1", "n1", "x1"],
        "institution_id": ["S", "S", "H", "G", "U", None, "S"],
        "institution_name": ["School", "School", "Hospital", "Gov", "Uni", None, "School"],
        "institution_type": ["school", "school", "hospital", "government", "university",
                             "not_public", "school"],
        "district": ["A", "B", "A", "B", "A", "A", "B"],
        "status": ["ok", "ok", "ok", "ok", "ok", "ok", "unsuitable"],
        "roof_area_m2": [1000.0, 500, 2000, 800, 3000, 4000, 5],
        "usable_area_m2": [600.0, 300, 1000, 500, 2000, 2500, 0],
        "n_modules": [200, 100, 300, 150, 600, 800, 0],
        "capacity_kwp": [100.0, 50, 150, 80, 300, 400, 0],
        "specific_yield_kwh_per_kwp": [1100.0, 1200, 1150, 1000, 1180, 1190, np.nan],
        "co2_avoided_t": [0.0] * 7, "coal_saved_tce": [0.0] * 7,
        "coal_saved_tce_consumption": [0.0] * 7,
    }, index=[f"b{i}" for i in range(7)]).assign(
        annual_kwh=lambda d: d["capacity_kwp"] * d["specific_yield_kwh_per_kwp"].fillna(0))


def test_rollup_sums_by_hand():
    r = hand_result()
    d = pvsite.rollup(r, "district", target_kw=1000)
    assert list(d.columns) == list(ROLLUP_COLUMNS)  # the documented columns
    assert d.loc["A", "capacity_kwp"] == 100 + 150 + 300 + 400
    assert d.loc["B", "capacity_kwp"] == 50 + 80
    assert d.loc["A", "buildings"] == 4 and d.loc["B", "suitable"] == 2
    # share_of_target counts public roofs only (n1, 400 kWp, is not_public): 550 / 1000
    assert d.loc["A", "share_of_target"] == pytest.approx(0.55)
    t = pvsite.rollup(r, "institution_type")
    assert t.loc["school", "capacity_kwp"] == 150
    inst = pvsite.rollup(r, "institution")
    assert inst.loc["S", "buildings"] == 3 and inst.loc["(none)", "capacity_kwp"] == 400
    city = pvsite.rollup(r, "city")
    assert city["annual_kwh"].iloc[0] == pytest.approx(r["annual_kwh"].sum())
    with pytest.raises(ValueError, match="institution_type"):
        pvsite.rollup(r, "street")


def test_priority_plan_and_gap_by_hand():
    # eligible: s1 100, s2 50, h1 150, g1 80, u1 300 (n1 not public, x1 unsuitable) = 680 kWp.
    # Priority: schools (s2 1200 kWh/kWp before s1 1100), hospital, government, university.
    # Target 250: s2 50 -> 50, s1 100 -> 150, h1 150 -> 300 >= 250: three roofs, 300 kWp.
    rep = pvsite.shortfall(hand_result(), target_kw=250)
    assert list(rep.plan["building_id"]) == ["s2", "s1", "h1"]
    assert list(rep.plan["cumulative_kwp"]) == [50, 150, 300]
    assert rep.potential_kw == 680 and rep.planned_kw == 300 and rep.gap_kw == 0
    assert rep.reachable
    assert rep.by_type.loc["school", "buildings_planned"] == 2


def test_fewest_sites_policy():
    rep = pvsite.shortfall(hand_result(), target_kw=250, policy="fewest_sites")
    assert list(rep.plan["building_id"]) == ["u1"]


def test_unreachable_target_says_by_how_much_and_where():
    # 1000 kW target, 680 kWp possible: short by 320. Shared out by potential: A has 550 of 680
    # (target 808.8), B 130 (191.2); gaps 258.8 and 61.2.
    rep = pvsite.shortfall(hand_result(), target_kw=1000)
    assert not rep.reachable
    assert rep.gap_kw == pytest.approx(320)
    assert len(rep.plan) == 5
    assert rep.table.loc["A", "gap_kw"] == pytest.approx(1000 * 550 / 680 - 550)
    assert rep.table.loc["B", "gap_kw"] == pytest.approx(1000 * 130 / 680 - 130)
    text = rep.summary()
    assert "NOT reachable" in text and "short by 0.3 MW" in text
    assert "A (0.3 MW)" in text  # the district with the largest gap is named
    assert "<strong>" in rep._repr_html_()


def test_installed_capacity_readings_and_scenarios():
    r = hand_result()
    # as new capacity the installed 100 kW do not count; as total installed they do
    new = pvsite.shortfall(r, target_kw=250, installed_kw=100.0)
    total = pvsite.shortfall(r, target_kw=250, installed_kw=100.0, target_is_new=False)
    assert new.planned_kw == 300 and total.planned_kw == 150
    # per district
    per_d = pvsite.shortfall(r, target_kw=250, installed_kw={"A": 60.0, "B": 40.0},
                             target_is_new=False)
    assert per_d.installed_kw == 100 and per_d.table.loc["A", "installed_kw"] == 60
    # per building: a roof with PV already is left out of the plan
    inst = pd.Series(0.0, index=r.index)
    inst["b1"] = 50.0
    per_b = pvsite.shortfall(r, target_kw=250, installed_kw=inst)
    assert "s2" not in set(per_b.plan["building_id"])
    # uptake halves each roof; excluded types; minimum size
    half = pvsite.shortfall(r, target_kw=10_000, uptake=0.5)
    assert half.potential_kw == pytest.approx(340)
    no_school = pvsite.shortfall(r, target_kw=10_000, excluded_types=("not_public", "school"))
    assert no_school.potential_kw == 530
    big = pvsite.shortfall(r, target_kw=10_000, min_system_kwp=100)
    assert big.potential_kw == 100 + 150 + 300
    with pytest.raises(ValueError, match="priority"):
        pvsite.shortfall(r, policy="cheapest")
    assert math.isclose(pvsite.shortfall(r, target_kw=0).planned_kw, 0)


def test_cost_policy_ranks_by_lcoe_worked_by_hand():
    a = pvsite.Assumptions(capex_yuan_per_wp=3.0, site_cost_yuan=50_000,
                           opex_yuan_per_wp_year=0.05, discount_rate=0.0, lifetime_years=20,
                           degradation_per_year=0.0, electricity_price_yuan_per_kwh=0.8)
    r = hand_result()
    e = pvsite.economics(r, assumptions=a)
    # s1: 100 kWp, 110,000 kWh/a. Capex 300,000 + 50,000; O&M 5,000/a over 20 years.
    # LCOE = (350,000 + 100,000) / (20 x 110,000) = 0.2045 yuan/kWh;
    # payback = 350,000 / (110,000 x 0.8 - 5,000) = 4.22 years
    assert e.loc["b0", "lcoe_yuan_per_kwh"] == pytest.approx(450_000 / 2_200_000)
    assert e.loc["b0", "payback_years"] == pytest.approx(350_000 / 83_000)
    assert np.isnan(e.loc["b6", "lcoe_yuan_per_kwh"])  # no system
    rep = pvsite.shortfall(r, target_kw=10_000, policy="cost", assumptions=a)
    # the fixed site cost weighs least on the largest, sunniest roof (u1: 300 kWp, 1,180)
    assert rep.plan["building_id"].iloc[0] == "u1"
    assert rep.plan["lcoe_yuan_per_kwh"].is_monotonic_increasing
    assert "LCOE" in rep.summary()


def test_rollup_says_which_counts_are_public_only():
    # issue 20: districts.csv counted every building while the report counted public roofs;
    # share_of_target was filled for not_public
    r = hand_result()
    d = pvsite.rollup(r, "district", target_kw=1000)
    assert d.loc["A", "buildings"] == 4 and d.loc["A", "public_buildings"] == 3
    assert d.loc["A", "public_capacity_kwp"] == 100 + 150 + 300
    assert d.loc["B", "public_capacity_kwp"] == 50 + 80  # x1 (school, unsuitable) adds 0
    assert d.loc["B", "public_buildings"] == 3
    assert d.loc["A", "public_annual_kwh"] == pytest.approx(
        100 * 1100 + 150 * 1150 + 300 * 1180)
    t = pvsite.rollup(r, "institution_type", target_kw=1000)
    assert math.isnan(t.loc["not_public", "share_of_target"])
    assert t.loc["school", "share_of_target"] == pytest.approx(0.15)
    dt = pvsite.rollup(r, "district_type", target_kw=1000)
    assert math.isnan(dt.loc[("A", "not_public"), "share_of_target"])
    assert dt.loc[("A", "hospital"), "share_of_target"] == pytest.approx(0.15)
    inst = pvsite.rollup(r, "institution", target_kw=1000)
    assert math.isnan(inst.loc["(none)", "share_of_target"])  # n1's group is not_public
    assert "public" in ROLLUP_COLUMNS["public_capacity_kwp"]
    assert "public or not" in ROLLUP_COLUMNS["capacity_kwp"]
    with pytest.raises(ValueError, match="target_kw"):
        pvsite.rollup(r, "district", target_kw=float("nan"))


@pytest.mark.parametrize("kwargs,match", [
    ({"target_kw": -1}, "target_kw=-1"),
    ({"target_kw": float("nan")}, "target_kw=nan"),
    ({"target_kw": float("inf")}, "target_kw=inf"),
    ({"installed_kw": -5.0}, "installed_kw"),
    ({"installed_kw": {"A": -5.0}}, "installed_kw"),
    ({"district_targets_kw": {"A": float("nan")}}, "district_targets_kw"),
    ({"min_system_kwp": -1}, "min_system_kwp"),
    ({"uptake": float("nan")}, "uptake"),
])
def test_shortfall_refuses_bad_numbers_in_one_line(kwargs, match):
    # issue 20: shortfall(r, target_kw=-1) said "target reached"
    with pytest.raises(ValueError, match=match) as err:
        pvsite.shortfall(hand_result(), **kwargs)
    assert "\n" not in str(err.value)


def test_shortfall_on_the_wrong_table_says_what_to_pass():
    with pytest.raises(ValueError, match="pvsite.estimate"):
        pvsite.shortfall(pvsite.rollup(hand_result(), "district"))


def test_target_not_shared_to_buildings_outside_districts_when_no_roof_is_eligible():
    # issue 20: with no public institution the 50 MW was split evenly including "(none)"
    r = hand_result().assign(institution_type="not_public")
    r.loc["b0", "district"] = None
    rep = pvsite.shortfall(r, target_kw=1000)
    assert rep.potential_kw == 0 and len(rep.plan) == 0 and not rep.reachable
    assert rep.table.loc["(none)", "target_kw"] == 0
    assert rep.table.loc["A", "target_kw"] == rep.table.loc["B", "target_kw"] == 500


def test_a_multiindex_result_is_refused_in_one_line_and_to_csv_keeps_its_levels(tmp_path):
    # issue 21: shortfall raised IndexError and to_csv AttributeError on a MultiIndex result
    flat = hand_result()
    multi = flat.set_axis(pd.MultiIndex.from_arrays(
        [["north"] * 4 + ["south"] * 3, range(7)], names=["campus", "n"]))
    with pytest.raises(ValueError, match=r"reset_index\(\)") as err:
        pvsite.shortfall(multi, target_kw=300)
    assert "\n" not in str(err.value) and "campus" in str(err.value)
    got = pvsite.shortfall(multi.reset_index(), target_kw=300).plan
    want = pvsite.shortfall(flat, target_kw=300).plan
    # the same roofs in the same order (b0.. are at positions 0..)
    assert [int(b) for b in got["building"]] == [int(b[1:]) for b in want["building"]]
    back = pd.read_csv(pvsite.to_csv(multi, tmp_path / "m.csv"), index_col=[0, 1])
    assert list(back.index.names) == ["campus", "n"] and list(back.index) == list(multi.index)
    np.testing.assert_allclose(back["capacity_kwp"], flat["capacity_kwp"])
