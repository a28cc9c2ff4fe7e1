"""estimate(..., parking=...): car parks in the same result, roll-ups and shortfall by surface."""

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import pvsite

X, Y = 500_000.0, 3_450_000.0  # EPSG:32651


@pytest.fixture(scope="module")
def scene(shanghai_weather):
    # two school buildings and a hospital, with a surface car park of each institution and an
    # underground one
    b = gpd.GeoDataFrame(
        {"institution_type": ["school", "school", "hospital"], "height": [12.0, 15.0, 20.0],
         "institution_id": ["s", "s", "h"], "district": ["A", "A", "B"]},
        geometry=[shapely.box(X, Y, X + 40, Y + 20), shapely.box(X + 60, Y, X + 100, Y + 25),
                  shapely.box(X + 300, Y, X + 340, Y + 30)], crs="EPSG:32651")
    p = gpd.GeoDataFrame(
        {"parking": ["surface", "surface", "underground"],
         "institution_type": ["school", "hospital", "school"],
         "institution_id": ["s", "h", "s"], "district": ["A", "B", "A"]},
        geometry=[shapely.box(X, Y - 60, X + 50, Y - 30),
                  shapely.box(X + 300, Y - 80, X + 360, Y - 40),
                  shapely.box(X + 120, Y, X + 150, Y + 30)],
        index=[10, 11, 12], crs="EPSG:32651")
    plain = pvsite.estimate(b, shanghai_weather, districts=False, facades=True)
    both, planes = pvsite.estimate(b, shanghai_weather, districts=False, facades=True,
                                   parking=p, planes=True)
    lots = pvsite.carports(p, shanghai_weather, buildings=b, districts=False)
    return plain, both, planes, lots


def test_car_parks_are_rows_of_their_own_and_roofs_unchanged(scene):
    plain, both, planes, lots = scene
    assert len(both) == 6 and both["site_kind"].tolist() == ["building"] * 3 + ["car_park"] * 3
    roofs = both[both["site_kind"] == "building"]
    pd.testing.assert_frame_equal(pd.DataFrame(roofs[plain.columns]), pd.DataFrame(plain))
    cars = both[both["site_kind"] == "car_park"]
    assert cars.index.tolist() == [10, 11, 12]
    assert cars["status"].tolist() == lots["status"].tolist() == ["ok", "ok", "unsuitable"]
    assert cars["reason"].iloc[2].startswith("underground")
    np.testing.assert_allclose(cars["carport_capacity_kwp"], lots["capacity_kwp"])
    np.testing.assert_allclose(cars["carport_annual_kwh"], lots["annual_kwh"])
    assert (cars["capacity_kwp"] == 0).all() and (roofs["carport_capacity_kwp"] == 0).all()
    assert (planes["surface"] == "carport").sum() == lots["n_canopies"].sum()


def test_rollup_by_default_counts_roofs_as_before(scene):
    plain, both, _, _ = scene
    for by in ("district", "institution", "city"):
        pd.testing.assert_frame_equal(pvsite.rollup(both, by), pvsite.rollup(plain, by))
    assert pvsite.rollup(both, "city").attrs["surfaces"] == ("roof",)


def test_rollup_of_every_surface_is_the_hand_sum(scene):
    _, both, _, _ = scene
    table = pvsite.rollup(both, "district", surfaces=("roof", "facade", "carport"))
    for d in ("A", "B"):
        kwp = kwh = public = 0.0
        for _, row in both.iterrows():  # by hand, row by row
            if row["district"] != d:
                continue
            if row["site_kind"] == "building":
                roof = row["capacity_kwp"] if row["status"] == "ok" else 0.0
                kwp += row["capacity_kwp"] + row["facade_capacity_kwp"]
                kwh += row["annual_kwh"] + row["facade_annual_kwh"]
                public += roof + row["facade_capacity_kwp"]
            else:
                kwp += row["carport_capacity_kwp"]
                kwh += row["carport_annual_kwh"]
                public += row["carport_capacity_kwp"]
        assert table.loc[d, "capacity_kwp"] == pytest.approx(kwp)
        assert table.loc[d, "annual_kwh"] == pytest.approx(kwh)
        assert table.loc[d, "public_capacity_kwp"] == pytest.approx(public)
        parts = [table.loc[d, f"{k}_capacity_kwp"] for k in ("roof", "facade", "carport")]
        assert sum(parts) == pytest.approx(kwp)
        assert table.loc[d, "co2_avoided_t"] == pytest.approx(kwh * 0.42 / 1000)
    assert table["buildings"].tolist() == [2, 1] and table["car_parks"].tolist() == [2, 1]
    assert table.loc["A", "carport_capacity_kwp"] > 0 and table.loc["B", "facade_capacity_kwp"] > 0


def test_shortfall_counts_carports_and_facades_only_when_asked(scene):
    plain, both, _, _ = scene
    base, same = pvsite.shortfall(plain, target_kw=10_000), pvsite.shortfall(both,
                                                                               target_kw=10_000)
    assert same.potential_kw == base.potential_kw and same.plan.equals(base.plan)
    assert "surface" not in same.plan and "roofs (facades and carports not" in same.summary()
    roofs = both[(both["site_kind"] == "building") & (both["status"] == "ok")]["capacity_kwp"]
    cars = both.loc[both["status"] == "ok", "carport_capacity_kwp"]
    rc = pvsite.shortfall(both, target_kw=10_000, surfaces=("roof", "carport"))
    assert rc.potential_kw == pytest.approx(roofs.sum() + cars.sum())
    assert sorted(set(rc.plan["surface"])) == ["carport", "roof"] and len(rc.plan) == 5
    assert "Surfaces counted: roofs, carports." in rc.summary()
    walls = both["facade_capacity_kwp"]
    rf = pvsite.shortfall(both, target_kw=10_000, surfaces=("roof", "facade"))
    assert rf.potential_kw == pytest.approx(roofs.sum() + walls[walls > 0].sum())
    assert rf.plan["cumulative_kwp"].iloc[-1] == pytest.approx(rf.potential_kw)
    with pytest.raises(ValueError, match="facades=True"):
        pvsite.shortfall(plain.drop(columns="facade_capacity_kwp"), surfaces=("facade",))


def test_carport_pilots_from_the_combined_result(scene):
    _, both, _, lots = scene
    got = pvsite.pilots(both, kind="carport")
    want = pvsite.pilots(lots, kind="carport")
    assert got["capacity_kwp"].tolist() == want["capacity_kwp"].tolist()
    assert got["annual_kwh"].tolist() == pytest.approx(want["annual_kwh"].tolist())
    assert len(got) == 2  # the two ok surface car parks of public institutions


def test_siting_map_draws_car_parks_and_facade_walls(scene, tmp_path):
    import matplotlib.pyplot as plt

    _, both, planes, _ = scene
    walls = planes[(planes["surface"] == "facade") & (planes["annual_kwh"] > 0)]
    ax = pvsite.plot_siting_map(both, districts=False, walls=walls, top=0)
    lots = [c for c in ax.collections if c.get_gid() == "carports"]
    lines = [c for c in ax.collections if c.get_gid() == "facades"]
    assert len(lots) == 1 and len(lots[0].get_paths()) == 3  # every car park drawn
    assert len(lines) == 1 and len(lines[0].get_segments()) == len(walls) > 0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith("car parks (3; 2 with carports") for t in labels)
    assert any(t.startswith(f"BIPV facades ({len(walls)} walls") for t in labels)
    ax.figure.savefig(tmp_path / "map.png", dpi=80)
    plt.close("all")


def test_direct_use_is_the_hourly_minimum():
    from pvsite.results.storage import direct_use

    hours = 8760
    # constant PV against constant demand: the smaller one, every hour
    used, share = direct_use(np.full((2, hours), 2.0), np.array([[3.0] * hours, [1.5] * hours]))
    assert used.tolist() == [2.0 * hours, 1.5 * hours]
    assert share.tolist() == [1.0, 0.75]
    # PV only at noon, demand only in the morning: nothing matches
    gen, load = np.zeros((1, 24)), np.zeros((1, 24))
    gen[0, 12], load[0, 8] = 5.0, 5.0
    assert direct_use(gen, load)[0].tolist() == [0.0]


def test_charging_profile_spreads_the_year_over_working_hours(shanghai_weather):
    from pvsite.results.loads import CHARGING_SHAPE, charging_profile

    d = charging_profile([49_275.0, 0.0], shanghai_weather.index)
    assert d.shape == (2, len(shanghai_weather))
    assert d[0].sum() == pytest.approx(49_275.0) and d[1].sum() == 0
    hour = shanghai_weather.index.hour
    assert d[0][(hour < 8) | (hour > 17)].sum() == 0
    assert d[0][hour == 9].sum() == pytest.approx(49_275.0 * CHARGING_SHAPE[9])


def test_carports_match_charging_hour_by_hour(scene, shanghai_weather):
    from pvsite.results.loads import charging_profile

    _, _, planes, lots = scene
    ok = lots["status"] == "ok"
    assert (lots.loc[ok, "charging_covered_kwh"] > 0).all()
    assert (lots.loc[~ok, "charging_covered_kwh"] == 0).all()
    # by hand for one car park: its canopies' hourly energy (the hourly chain, each canopy
    # scaled to its annual kWh), against its demand, the smaller of the two every hour
    gen = pvsite.hourly(lots.iloc[:1], shanghai_weather,
                        planes=planes[(planes["surface"] == "carport")
                                      & (planes["building"] == 10)]).iloc[:, 0].to_numpy()
    assert gen.sum() == pytest.approx(lots["annual_kwh"].iloc[0], rel=1e-4)
    need = charging_profile([lots["charging_kwh"].iloc[0]], shanghai_weather.index)[0]
    covered = sum(min(g, n) for g, n in zip(gen, need, strict=True))
    row = lots.iloc[0]
    assert row["charging_covered_kwh"] == pytest.approx(covered, rel=1e-4)
    assert row["solar_share_of_charging"] == pytest.approx(covered / row["charging_kwh"],
                                                           rel=1e-4)
    assert row["self_consumption_share"] == pytest.approx(covered / row["annual_kwh"], rel=1e-4)
    # hourly, the canopy covers less than its annual balance says (night, cloudy mornings)
    assert row["solar_share_of_charging"] < min(row["annual_kwh"] / row["charging_kwh"], 1.0)


def test_plan_frame_draws_each_carport_on_its_car_park_even_when_labels_repeat(
        scene, shanghai_weather):
    # car parks labelled 0, 1, 2 like the buildings: the plan's rows are told apart by surface
    plain, _, _, _ = scene
    b = plain.drop(columns=[c for c in plain.columns if c != plain.geometry.name])
    b = b.assign(institution_type=["school", "school", "hospital"], height=[12.0, 15.0, 20.0],
                 institution_id=["s", "s", "h"], district=["A", "A", "B"])
    p = gpd.GeoDataFrame(
        {"parking": ["surface", "surface"], "institution_type": ["school", "hospital"],
         "institution_id": ["s", "h"], "district": ["A", "B"]},
        geometry=[shapely.box(X, Y - 60, X + 50, Y - 30),
                  shapely.box(X + 300, Y - 80, X + 360, Y - 40)], index=[0, 2], crs="EPSG:32651")
    both = pvsite.estimate(b, shanghai_weather, districts=False, parking=p)
    report = pvsite.shortfall(both, target_kw=10**6, surfaces=("roof", "carport"))
    g = pvsite.plan_frame(report, both)
    assert set(g["surface"]) == {"roof", "carport"} and len(g) == len(report.plan)
    for label, row in g.iterrows():
        want = (p.geometry.to_crs(g.crs).loc[label] if row["surface"] == "carport"
                else b.geometry.to_crs(g.crs).loc[label])
        assert row.geometry.equals_exact(want, 1e-6), (label, row["surface"])


def test_the_range_counts_the_same_surfaces_as_the_potential(scene):
    # was: the P10/P50/P90 of the roofs alone beside a potential of roofs, facades and carports
    _, both, _, _ = scene
    kinds = ("roof", "facade", "carport")
    fixed = pvsite.Assumptions(obstruction_share_range=(1.0, 1.0), weather_year_range=(1.0, 1.0),
                               default_height_shading_range=(1.0, 1.0))
    rep = pvsite.shortfall(both, target_kw=10**6, surfaces=kinds, uncertainty=20,
                           assumptions=fixed)
    u = rep.uncertainty.set_index(["level", "key", "quantity"])
    for q, total in (("capacity_kwp", rep.potential_kw),
                     ("annual_kwh", rep.plan["annual_kwh"].sum())):
        for c in ("deterministic", "p10", "p50", "p90"):
            assert u.loc[("city", "city", q), c] == pytest.approx(total, rel=1e-9), (q, c)
    by_district = rep.plan.groupby("district")["capacity_kwp"].sum()
    for d, kwp in by_district.items():
        assert u.loc[("district", d, "capacity_kwp"), "p50"] == pytest.approx(kwp, rel=1e-9)
    # with the default ranges the walls and canopies are in every draw, as they are
    wide = pvsite.shortfall(both, target_kw=10**6, surfaces=kinds, uncertainty=50)
    roofs = pvsite.shortfall(both, target_kw=10**6, uncertainty=50)
    others = rep.plan.loc[rep.plan["surface"] != "roof", "capacity_kwp"].sum()
    w = wide.uncertainty.set_index(["level", "key", "quantity"])
    r = roofs.uncertainty.set_index(["level", "key", "quantity"])
    for c in ("p10", "p50", "p90"):
        assert w.loc[("city", "city", "capacity_kwp"), c] == pytest.approx(
            r.loc[("city", "city", "capacity_kwp"), c] + others, rel=1e-9)


def test_a_carport_in_the_plan_costs_what_carports_says(scene):
    # was: the roofs' 3.5 yuan/W and no chargers for every row of the plan
    _, both, _, lots = scene
    rep = pvsite.shortfall(both, target_kw=10**6, surfaces=("roof", "carport"))
    canopies = rep.plan[rep.plan["surface"] == "carport"].set_index("building")
    ok = lots[lots["status"] == "ok"]
    assert len(canopies) == len(ok)
    np.testing.assert_allclose(canopies["capex_yuan"].reindex(ok.index), ok["capex_yuan"],
                               rtol=1e-9)
    roofs = rep.plan[rep.plan["surface"] == "roof"]
    a = pvsite.Assumptions()
    np.testing.assert_allclose(roofs["capex_yuan"],
                               roofs["capacity_kwp"] * 1000 * a.capex_yuan_per_wp
                               + a.site_cost_yuan, rtol=1e-9)
