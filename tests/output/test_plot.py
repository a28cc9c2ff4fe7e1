"""Plots return their Axes, draw what they say, never show and leave no figure open; the maps of
``pvsite run`` are linked from its Markdown report, which needs no optional dependency."""

import re
import subprocess
import sys
import warnings
from itertools import combinations

import matplotlib
import pytest

import pvsite
from pvsite.cli import main

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.text import Text  # noqa: E402

CJK = re.compile("[\u3000-\u9fff]")


@pytest.fixture(scope="module")
def result():
    """The whole bundled demonstration (city scale)."""
    return pvsite.estimate(pvsite.datasets.shanghai_buildings(), pvsite.datasets.shanghai_weather())


@pytest.fixture(scope="module")
def report(result):
    return pvsite.shortfall(result, target_kw=50_000)


@pytest.fixture(scope="module")
def campus(result, report):
    """The institution of the plan's first roof and every building within 250 m of it."""
    inst = report.plan["institution_id"].iloc[0]
    metric = result.to_crs(32651)
    near = metric.intersects(metric[metric["institution_id"] == inst].union_all().buffer(250))
    return result[near.to_numpy()]


@pytest.fixture(autouse=True)
def no_show_and_closed(monkeypatch):
    def show(*args, **kwargs):
        raise AssertionError("a plot function called plt.show()")

    monkeypatch.setattr(plt, "show", show)
    monkeypatch.setattr(plt.Figure, "show", show)
    yield
    plt.close("all")


def drawn(ax):
    """Draw the figure, turning any warning (e.g. a missing CJK glyph) into an error."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax.figure.canvas.draw()
    return ax


def texts(ax, gid):
    return [t for t in ax.texts if t.get_gid() == gid]


def colourbar_label(ax):
    bars = [a for a in ax.figure.axes if a is not ax and a.get_ylabel()]
    assert len(bars) == 1
    return bars[0].get_ylabel()


def all_text(ax):
    out = [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *(t.get_text() for t in ax.texts)]
    for child in ax.child_axes:
        out += all_text(child)
    return out


def max_overlap(labels):
    """Largest overlap of two labels' boxes, as a share of the smaller box (leader lines aside)."""
    boxes = [Text.get_window_extent(t) for t in labels]
    worst = 0.0
    for a, b in combinations(boxes, 2):
        w = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
        h = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
        worst = max(worst, w * h / min(a.width * a.height, b.width * b.height))
    return worst


# --- plot_siting_map -----------------------------------------------------------------------


def test_siting_map_city_scale(result, report):
    ax = drawn(pvsite.plot_siting_map(result, top=7, plan=report))
    assert isinstance(ax, Axes)
    labels = texts(ax, "site-label")
    assert len(labels) == 7
    assert max_overlap(labels) < 0.15
    # city scale: institutions (campuses) are the sites, labelled with their total and unit
    assert all(re.search(r"\d (kWp|MWp), \d+ roofs?$", t.get_text()) for t in labels)
    assert "kWp" in colourbar_label(ax)
    rings = [c for c in ax.collections if c.get_gid() == "plan"]
    assert len(rings) == 1 and len(rings[0].get_offsets()) == len(report.plan)
    assert any(line.get_gid() == "scale-bar" for line in ax.lines)
    assert any(t.get_gid() == "north-arrow" for t in ax.texts)
    assert "SYNTHETIC" in ax.get_title()
    assert not any(CJK.search(s) for s in all_text(ax))  # English names: no tofu boxes
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(t.startswith(f"in the plan: {len(report.plan):,} roofs") for t in legend)


def test_siting_map_campus_scale(campus, report):
    fig, given = plt.subplots()
    figures = plt.get_fignums()
    ax = drawn(pvsite.plot_siting_map(campus, given, top=3, plan=report.plan))
    assert ax is given and plt.get_fignums() == figures  # drew on the Axes it was given
    labels = texts(ax, "site-label")
    assert len(labels) == 3
    best = campus.nlargest(3, "capacity_kwp")
    # campus scale: buildings are the sites, footprints are drawn, planned roofs outlined
    assert [t.get_text().split("\n")[0] for t in labels] == list(best["building_id"])
    assert all(t.get_text().endswith(" kWp") for t in labels)
    assert any(c.get_gid() == "plan" for c in ax.collections)
    x0, x1 = ax.get_xlim()
    assert x1 - x0 < 2000  # zoomed to the campus, not the city


def test_siting_map_ratio_column_spans_its_own_range(result):
    ax = pvsite.plot_siting_map(result, column="specific_yield_kwh_per_kwp", top=2)
    assert "kWh/kWp" in colourbar_label(ax)
    points = [c for c in ax.collections if c.get_array() is not None and len(c.get_array())]
    assert points[-1].norm.vmin > 500  # not from 0, or every roof would look the same
    assert len(texts(ax, "site-label")) == 2


def test_siting_map_rejects_unknown_column_and_plan(result):
    with pytest.raises(ValueError, match="column='kwp'"):
        pvsite.plot_siting_map(result, column="kwp")
    with pytest.raises(ValueError, match="plan="):
        pvsite.plot_siting_map(result, plan=result[["capacity_kwp"]])


# --- plot_districts ------------------------------------------------------------------------


def test_districts_with_report(report):
    ax = drawn(pvsite.plot_districts(None, report=report))
    assert isinstance(ax, Axes)
    assert "MWp" in colourbar_label(ax)
    labels = [t for a in (ax, *ax.child_axes) for t in texts(a, "district-label")]
    assert len(labels) == 16
    assert len(ax.child_axes) == 1  # the urban core magnified in an inset
    names = {t.get_text().split(" ")[0] for t in labels}
    assert {"Huangpu", "Pudong", "Chongming", "Jing'an"} <= names
    assert not any(CJK.search(s) for s in all_text(ax))
    # each district: planned capacity of its share of the target; red where the plan falls short
    table = report.table
    on_map = set(pvsite.datasets.shanghai_districts()["district"])
    short = set(table.index[table["gap_kw"] > 0.01 * table["target_kw"]]) & on_map
    assert all(re.search(r"\nplan [\d.]+ of [\d.]+ MW$", t.get_text()) for t in labels)
    red = [t for t in labels if t.get_color() != "k"]
    assert len(red) == len(short)
    for a in (ax, *ax.child_axes):
        assert max_overlap(texts(a, "district-label")) < 0.15
    caption = texts(ax, "caption")[0].get_text()
    assert f"plan {report.planned_kw / 1000:,.1f} MWp on {len(report.plan):,} roofs" in caption


def test_districts_from_rollup_with_target(result):
    table = pvsite.rollup(result, "district")
    ax = pvsite.plot_districts(table, target_kw=50_000)
    labels = [t for a in (ax, *ax.child_axes) for t in texts(a, "district-label")]
    songjiang = next(t.get_text() for t in labels if t.get_text().startswith("Songjiang"))
    mwp = table.loc["松江区", "capacity_kwp"] / 1000
    assert f"Songjiang {mwp:,.1f} MWp\n{mwp / 50:.0%} of target" == songjiang
    with pytest.raises(ValueError, match="column="):
        pvsite.plot_districts(table, column="potential_kw")


# --- plot_shortfall ------------------------------------------------------------------------


def test_shortfall_reached(report):
    ax = drawn(pvsite.plot_shortfall(report))
    assert isinstance(ax, Axes)
    (target,) = [line for line in ax.lines if line.get_gid() == "target"]
    assert list(target.get_ydata()) == [50.0, 50.0]  # [MW]
    assert "[MWp]" in ax.get_ylabel()
    assert "target reached" in ax.get_title()
    assert not texts(ax, "gap")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    types = report.plan["institution_type"].unique()
    assert [t.split(":")[0] for t in legend] == list(types)  # one colour per type, plan order
    assert any(t.get_text().startswith("target reached with roof") for t in ax.texts)


def test_shortfall_gap_annotated(result):
    rep = pvsite.shortfall(result, target_kw=1_000_000)
    ax = pvsite.plot_shortfall(rep)
    (target,) = [line for line in ax.lines if line.get_gid() == "target"]
    assert list(target.get_ydata()) == [1000.0, 1000.0]
    (gap,) = texts(ax, "gap")
    assert f"gap {rep.gap_kw / 1000:,.1f} MW" in gap.get_text()
    assert ax.get_ylim()[1] > 1000


def test_shortfall_counting_installed_starts_from_it(result):
    rep = pvsite.shortfall(result, 60_000, 20_000, target_is_new=False)
    ax = pvsite.plot_shortfall(rep)
    first = ax.lines[0].get_ydata()[0]
    assert first == pytest.approx(20.0)
    assert "installed 20.0 MW" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_shortfall_empty_plan(result):
    rep = pvsite.shortfall(result[result["institution_type"] == "not_public"], target_kw=1000)
    ax = pvsite.plot_shortfall(rep)
    assert any(t.get_text() == "no eligible roof" for t in ax.texts)


def test_plot_module_imports_matplotlib_lazily():
    code = "import sys, pvsite; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- maps and report of `pvsite run` -------------------------------------------------------


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    b = pvsite.datasets.shanghai_buildings().head(60)
    b.to_file(tmp / "in.gpkg")
    out = tmp / "out"
    # report.md must not need the optional 'tabulate' (DataFrame.to_markdown)
    saved = sys.modules.get("tabulate")
    sys.modules["tabulate"] = None
    try:
        assert main(["run", "--footprints", str(tmp / "in.gpkg"), "--target-kw", "2000",
                     "--out", str(out)]) == 0
    finally:
        if saved is None:
            sys.modules.pop("tabulate", None)
        else:
            sys.modules["tabulate"] = saved
    return out


def test_report_md(run_dir):
    text = (run_dir / "report.md").read_text(encoding="utf-8")
    banner = text.split("\n")[2]
    assert banner.startswith("> **GENERATED DATA") and "not measured" in banner
    assert "## Summary" in text and "## Shortfall against the 2.0 MW target" in text
    rows = re.findall(r"^\| (\d+) \| B\d+ \|", text, flags=re.M)
    assert rows == [str(i) for i in range(1, len(rows) + 1)] and 1 <= len(rows) <= 10
    for png in ("map_capacity.png", "map_districts.png", "plan.png"):
        assert (run_dir / png).stat().st_size > 10_000
        assert f"]({png})" in text
    for line in text.splitlines():
        if line.startswith("|"):
            assert line.endswith("|")


def test_cli_help_gives_units_and_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    for phrase in ("--target-kw KW", "capacity target [kW] (default: 50,000", "[kW]",
                   "(default: results/)", "SYNTHETIC", "GENERATED", "(default: priority)"):
        assert phrase in text
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "run" in capsys.readouterr().out


@pytest.mark.parametrize("args,expected", [
    (["--weather", "/no/such.epw"], "pvsite: error: --weather /no/such.epw: no such file."),
    (["--districts", "/no/such.gpkg"], "pvsite: error: --districts /no/such.gpkg: no such file."),
])
def test_cli_missing_file_is_one_line(tmp_path, capsys, args, expected):
    assert main(["run", *args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [expected]
    assert not (tmp_path / "o").exists()  # failed before doing any work


def test_cli_bad_numbers_and_no_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["run", "--target-kw", "-5"])
    assert exc.value.code == 2 and "--target-kw" in capsys.readouterr().err
    assert main([]) == 2


def test_plot_horizon_draws_the_horizon_and_sun_paths():
    import numpy as np

    import pvsite

    w = pvsite.datasets.shanghai_weather()
    h = np.r_[np.zeros(30), np.full(12, 40.0), np.zeros(30)]  # 40 deg from 150 to 210 deg
    ax = pvsite.plot_horizon(h, weather=w)
    assert ax.name == "polar"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["horizon", "sun 06-21", "sun 03-21", "sun 12-21"]
    # the winter sun at noon stands at 90 - 31.2 - 23.4 = 35.4 deg: radius 54.6 on the chart
    winter = ax.get_lines()[-1]
    assert min(winter.get_ydata()) == pytest.approx(90 - 35.4, abs=0.5)
    with pytest.raises(ValueError, match="polar"):
        pvsite.plot_horizon(h, ax=plt.subplots()[1])
    plt.close("all")
