"""The range of shortfall(..., uncertainty=N): percentiles, p(reachable), and what moves them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pvsite
from pvsite.results.uncertainty import UNCERTAINTY_COLUMNS, drawn_range

FIXED = {"obstruction_share_range": (1.0, 1.0), "weather_year_range": (1.0, 1.0),
         "default_height_shading_range": (1.0, 1.0)}


@pytest.fixture(scope="module")
def buildings():
    return pvsite.datasets.shanghai_buildings().head(200)


@pytest.fixture(scope="module")
def result(buildings, shanghai_weather):
    return pvsite.estimate(buildings, shanghai_weather)


def _eligible(result):
    ok = (result["status"] == "ok") & (result["capacity_kwp"] > 0) & (
        result["institution_type"] != "not_public")
    return pd.DataFrame(result[ok].drop(columns=result.geometry.name))


def _rows(report, level, quantity):
    t = report.uncertainty
    return t[(t["level"] == level) & (t["quantity"] == quantity)].set_index("key")


def test_percentiles_ordered_everywhere(result):
    rep = pvsite.shortfall(result, uncertainty=200, seed=0)
    t = rep.uncertainty
    assert list(t.columns) == list(UNCERTAINTY_COLUMNS)
    assert set(t["level"]) == {"city", "district", "institution_type"}
    assert ((t["p10"] <= t["p50"]) & (t["p50"] <= t["p90"])).all()
    assert (t["p10"] < t["p90"]).any()  # the ranges do widen something


def test_p50_near_the_deterministic_answer(result):
    rep = pvsite.shortfall(result, uncertainty=200, seed=0)
    elig = _eligible(result)
    # the shortfall's own potential, and the eligible roofs' energy summed here by hand
    cap = _rows(rep, "city", "capacity_kwp").loc["city", "p50"]
    kwh = _rows(rep, "city", "annual_kwh").loc["city", "p50"]
    # obstruction factors are log-uniform on (0.5, 2): median 1 per type, mean 1.08, so the
    # city's median sits a little below the deterministic potential (3.4 % on the whole set)
    assert cap == pytest.approx(rep.potential_kw, rel=0.05)
    assert kwh == pytest.approx(elig["annual_kwh"].sum(), rel=0.06)


def test_zero_width_ranges_give_the_deterministic_answer(result):
    a = pvsite.Assumptions(**FIXED)
    rep = pvsite.shortfall(result, uncertainty=20, assumptions=a)
    elig = _eligible(result)
    for level, ref in (("district", rep.table["potential_kw"]),
                       ("institution_type", rep.by_type["potential_kw"])):
        rows = _rows(rep, level, "capacity_kwp")
        want = ref.reindex(rows.index)
        for c in ("p10", "p50", "p90"):
            np.testing.assert_allclose(rows[c], want, rtol=1e-9)
    kwh = _rows(rep, "district", "annual_kwh")
    want = elig.groupby("district")["annual_kwh"].sum().reindex(kwh.index)
    for c in ("p10", "p50", "p90"):
        np.testing.assert_allclose(kwh[c], want, rtol=1e-9)
    assert _rows(rep, "city", "capacity_kwp").loc["city", "p90"] == pytest.approx(
        rep.potential_kw, rel=1e-9)


@pytest.mark.parametrize(("field", "narrow", "wide", "quantity"), [
    ("obstruction_share_range", (0.8, 1.25), (0.5, 2.0), "capacity_kwp"),
    ("weather_year_range", (0.98, 1.02), (0.9, 1.1), "annual_kwh"),
    ("default_height_shading_range", (0.9, 1.1), (0.5, 2.0), "annual_kwh"),
])
def test_widening_one_range_widens_the_band(result, field, narrow, wide, quantity):
    width = {}
    for name, bounds in (("narrow", narrow), ("wide", wide)):
        a = pvsite.Assumptions(**{**FIXED, field: bounds})
        city = _rows(pvsite.shortfall(result, uncertainty=200, assumptions=a), "city", quantity)
        width[name] = city.loc["city", "p90"] - city.loc["city", "p10"]
    assert width["wide"] > width["narrow"] > 0


def test_p_reachable_tiny_target_and_beyond_p90(result):
    assert pvsite.shortfall(result, target_kw=1.0, uncertainty=100).p_reachable == 1.0
    rep = pvsite.shortfall(result, uncertainty=100)
    p90 = _rows(rep, "city", "capacity_kwp").loc["city", "p90"]
    far = pvsite.shortfall(result, target_kw=1.2 * p90, uncertainty=100)
    assert far.p_reachable == 0.0
    between = pvsite.shortfall(result, target_kw=_rows(rep, "city", "capacity_kwp").loc[
        "city", "p50"], uncertainty=100)
    assert 0.3 <= between.p_reachable <= 0.7


def test_same_seed_same_answer(result):
    one = pvsite.shortfall(result, uncertainty=50, seed=3)
    two = pvsite.shortfall(result, uncertainty=50, seed=3)
    pd.testing.assert_frame_equal(one.uncertainty, two.uncertainty)
    assert one.p_reachable == two.p_reachable
    other = pvsite.shortfall(result, uncertainty=50, seed=4)
    assert not np.allclose(one.uncertainty["p10"], other.uncertainty["p10"])


def test_obstruction_factor_by_hand():
    # a school roof that packs 100 modules before obstructions keeps floor(100 x 0.8) = 80 at
    # the 0.2 share; doubled (0.4) it keeps 60, halved (0.1) 90 modules of 0.58 kWp
    roof = pd.DataFrame({"capacity_kwp": [46.4], "n_modules": [80], "usable_area_m2": [200.0],
                         "annual_kwh": [46.4 * 1200], "shading_loss": [0.0],
                         "height_source": ["height"], "institution_type": ["school"],
                         "district": ["A"]})
    for factor, modules in ((2.0, 60), (0.5, 90)):
        a = pvsite.Assumptions(**{**FIXED, "obstruction_share_range": (factor, factor)})
        table, _ = drawn_range(roof, n_draws=3, need_kw=1.0, assumptions=a)
        cap = table[(table["level"] == "city") & (table["quantity"] == "capacity_kwp")]
        assert cap["p50"].iloc[0] == pytest.approx(modules * 0.58)
        kwh = table[(table["level"] == "city") & (table["quantity"] == "annual_kwh")]
        assert kwh["p50"].iloc[0] == pytest.approx(modules * 0.58 * 1200)
    # at a share of 0.2 x 4.9 = 0.98, capped at 0.95, a usable area of 100 m2 (at 0.2) falls to
    # 100 x 0.05 / 0.8 = 6.25 m2, under the 10 m2 minimum: the roof drops out
    a = pvsite.Assumptions(**{**FIXED, "obstruction_share_range": (4.9, 4.9)})
    table, p = drawn_range(roof.assign(usable_area_m2=100.0), n_draws=2, need_kw=1.0,
                           assumptions=a)
    assert table["p90"].max() == 0.0 and p == 0.0


def test_height_factor_by_hand():
    # a defaulted-height roof losing 10 % to shading: a factor 2 makes it 20 %, so its energy
    # is 0.8 / 0.9 of what it was; a roof with a known height is not touched
    roofs = pd.DataFrame({"capacity_kwp": [58.0, 58.0], "n_modules": [100, 100],
                          "usable_area_m2": [400.0, 400.0], "annual_kwh": [60_000.0, 60_000.0],
                          "shading_loss": [0.1, 0.1], "height_source": ["default", "levels"],
                          "institution_type": ["school", "school"], "district": ["A", "B"]})
    a = pvsite.Assumptions(**{**FIXED, "default_height_shading_range": (2.0, 2.0)})
    table, _ = drawn_range(roofs, n_draws=2, need_kw=1.0, assumptions=a)
    kwh = table[(table["level"] == "district") & (table["quantity"] == "annual_kwh")]
    np.testing.assert_allclose(kwh.set_index("key")["p50"].loc[["A", "B"]],
                               [60_000 * 0.8 / 0.9, 60_000])


@pytest.mark.slow
def test_doubled_shares_match_a_second_estimate(buildings, shanghai_weather, result):
    # independent reference: estimate run again with every obstruction share doubled (or
    # halved); the cheap redraw must land within 1 % of its public potential
    base = pvsite.Assumptions()
    for factor in (2.0, 0.5):
        shares = {k: v * factor for k, v in base.obstruction_share.items()}
        again = pvsite.estimate(buildings, shanghai_weather,
                                assumptions=base.replace(obstruction_share=shares))
        want = pvsite.shortfall(again).potential_kw
        a = pvsite.Assumptions(**{**FIXED, "obstruction_share_range": (factor, factor)})
        got = _rows(pvsite.shortfall(result, uncertainty=2, assumptions=a), "city",
                    "capacity_kwp").loc["city", "p50"]
        assert got == pytest.approx(want, rel=0.01)


def test_no_draws_no_range_and_bad_counts(result):
    rep = pvsite.shortfall(result)
    assert rep.uncertainty is None and rep.p_reachable is None
    assert "Range over" not in rep.summary()
    for bad in (-1, 2.5, "many"):
        with pytest.raises((ValueError, TypeError), match="uncertainty"):
            pvsite.shortfall(result, uncertainty=bad)


def test_summary_and_html_show_the_range(result):
    rep = pvsite.shortfall(result, uncertainty=30)
    city = _rows(rep, "city", "capacity_kwp").loc["city"]
    line = next(s for s in rep.summary().splitlines() if s.startswith("Range over 30 draws"))
    assert f"{city['p10'] / 1000:,.1f} / {city['p50'] / 1000:,.1f}" in line
    assert f"reachable in {rep.p_reachable:.0%}" in line
    assert "P10/P50/P90" in rep._repr_html_()


def test_bad_range_refused():
    with pytest.raises(ValueError, match="weather_year_range"):
        pvsite.Assumptions(weather_year_range=(1.1, 0.9))


def test_cli_uncertainty_prints_the_range_and_writes_the_csv(buildings, tmp_path, capsys):
    from pvsite.cli import OPTIONAL_FILES, main

    src = tmp_path / "in.gpkg"
    buildings.head(60).to_file(src)
    out = tmp_path / "out"
    assert main(["run", "--footprints", str(src), "--out", str(out), "--no-maps",
                 "--target-kw", "500", "--uncertainty", "40"]) == 0
    text = capsys.readouterr().out
    table = pd.read_csv(out / "uncertainty.csv", encoding="utf-8-sig")
    assert list(table.columns) == list(OPTIONAL_FILES["uncertainty.csv"][1])
    city = table[(table["level"] == "city") & (table["quantity"] == "capacity_kwp")].iloc[0]
    mwp = " / ".join(f"{city[c] / 1000:,.1f}" for c in ("p10", "p50", "p90"))
    assert f"{mwp} MWp" in text and "target reachable in" in text
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--out", str(tmp_path / "o2"), "--uncertainty", "-3"])
    assert exit_.value.code == 2 and "0 or more draws" in capsys.readouterr().err


def test_cli_seed_reaches_the_draws(buildings, tmp_path):
    from pvsite.cli import main

    src = tmp_path / "in.gpkg"
    buildings.head(60).to_file(src)

    def drawn(*extra):
        out = tmp_path / "_".join(("out", *extra))
        assert main(["run", "--footprints", str(src), "--out", str(out), "--no-maps",
                     "--target-kw", "500", "--uncertainty", "20", *extra]) == 0
        return pd.read_csv(out / "uncertainty.csv", encoding="utf-8-sig")

    default, zero, seven = drawn(), drawn("--seed", "0"), drawn("--seed", "7")
    pd.testing.assert_frame_equal(default, zero)  # shortfall's default seed is 0
    assert not default[["p10", "p50", "p90"]].equals(seven[["p10", "p50", "p90"]])
