"""Recompute the results blocks of README.md and its map from the bundled data.

    python scripts/update_readme.py          # rewrite README.md and docs/map_capacity.png
    python scripts/update_readme.py --check  # exit 1 if README.md is out of date

tests/test_readme.py runs the check, so every number in the README comes from the code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

import pvsite

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- results:start -->", "<!-- results:end -->"
CAMPUS_START, CAMPUS_END = "<!-- campuses:start -->", "<!-- campuses:end -->"
TYPES = ["school", "hospital", "government", "university", "other_public", "not_public"]


def results_block() -> tuple[str, object]:
    buildings = pvsite.datasets.shanghai_buildings()
    weather = pvsite.datasets.shanghai_weather()
    result = pvsite.estimate(buildings, weather)
    report = pvsite.shortfall(result)
    dt = pvsite.rollup(result, "district_type")["capacity_kwp"].unstack(fill_value=0.0) / 1000
    dt = dt.reindex(columns=[t for t in TYPES if t in dt.columns])
    d = pvsite.rollup(result, "district")
    names = pvsite.datasets.shanghai_districts().set_index("district")["district_en"]
    dt.index = [f"{names.get(i, i).replace(' District', '').replace(' New', '')} {i}"
                for i in dt.index]
    dt["all public"] = dt.drop(columns="not_public", errors="ignore").sum(axis=1)
    dt.loc["**city**"] = dt.sum()
    city = pvsite.rollup(result, "city").iloc[0]
    plan = report.by_type
    ok = result["status"] == "ok"
    lines = [
        START,
        "*Computed by `python scripts/update_readme.py` from the bundled SYNTHETIC buildings and "
        "GENERATED weather: a demonstration of the method, not an estimate for Shanghai.*",
        "",
        f"- {len(result):,} buildings: {int(ok.sum()):,} ok, "
        f"{int((result['status'] == 'unsuitable').sum()):,} unsuitable, "
        f"{int((result['status'] == 'invalid').sum()):,} invalid; flat-roof rows at "
        f"{result.attrs['flat_roof_tilt']:.0f}° (the site's optimum).",
        f"- Capacity {city['capacity_kwp'] / 1000:,.1f} MWp, {city['annual_kwh'] / 1e6:,.1f} "
        f"GWh/yr ({city['specific_yield_kwh_per_kwp']:,.0f} kWh/kWp), "
        f"{city['co2_avoided_t']:,.0f} t CO2/yr, {city['coal_saved_tce']:,.0f} tce/yr.",
        f"- Public institutions alone: {report.potential_kw / 1000:,.1f} MWp against the "
        f"{report.target_kw / 1000:,.0f} MW target. The plan ({report.policy}: schools, then "
        f"hospitals, government, universities) takes {len(report.plan):,} roofs for "
        f"{report.planned_kw / 1000:,.1f} MWp: "
        + ", ".join(f"{int(n)} {t}" for t, n in plan["buildings_planned"].items() if n > 0)
        + ".",
        "",
        "Technical potential by district and institution type [MWp]:",
        "",
        _markdown(dt.round(2)),
        "",
        f"Districts as bundled (roll-up of {len(d)} districts with buildings).",
        END,
    ]
    return "\n".join(lines), result


def campuses_block() -> str:
    """The real OpenStreetMap campuses: roofs, sites without buildings, carports."""
    weather = pvsite.datasets.shanghai_weather()
    rows = []
    for name, what in pvsite.datasets.CAMPUSES.items():
        b, s = pvsite.datasets.shanghai_campuses(name)
        r = pvsite.estimate(b, weather, sites=s)
        u = pvsite.unmapped_sites(r, s)
        p = pvsite.read_osm(pvsite.datasets.path(name), layer="parking")
        c = pvsite.carports(p, weather, buildings=b, sites=s)
        ok = r["status"] == "ok"
        public = ok & (r["institution_type"] != "not_public")
        rows.append(
            f"| {what} | {len(r):,} ({int(ok.sum()):,} ok) | "
            f"{(r['height_source'] == 'default').mean():.0%} | "
            f"{r.loc[ok, 'capacity_kwp'].sum() / 1000:,.2f} "
            f"({r.loc[public, 'capacity_kwp'].sum() / 1000:,.2f}) | "
            f"{r.loc[ok, 'annual_kwh'].sum() / 1e6:,.2f} | "
            f"{len(u)}: {u['capacity_kwp_low'].sum() / 1000:,.1f}-"
            f"{u['capacity_kwp_high'].sum() / 1000:,.1f} | "
            f"{len(c)} ({int((c['status'] == 'ok').sum())} ok): "
            f"{c['capacity_kwp'].sum():,.0f} kWp, {c['annual_kwh'].sum() / 1000:,.0f} MWh |")
    return "\n".join([
        CAMPUS_START,
        "*Computed by `python scripts/update_readme.py` from the two REAL OpenStreetMap extracts "
        "(© OpenStreetMap contributors, ODbL 1.0) and the GENERATED weather year.*",
        "",
        "| extract | buildings | heights defaulted | roofs MWp (public) | GWh/yr "
        "| sites without buildings: MWp range | car parks: carports |",
        "|---|---|---|---|---|---|---|",
        *rows,
        CAMPUS_END,
    ])


def _replace(text: str, start: str, end: str, block: str) -> str:
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return head + block + tail


def _markdown(df: pd.DataFrame) -> str:
    cols = ["district", *map(str, df.columns)]
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in df.iterrows():
        out.append("| " + " | ".join([str(idx), *(f"{v:,.2f}" for v in row)]) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    block, result = results_block()
    new = _replace(text, START, END, block)
    new = _replace(new, CAMPUS_START, CAMPUS_END, campuses_block())
    if args.check:
        if new != text:
            print("README.md results are out of date: run python scripts/update_readme.py",
                  file=sys.stderr)
            return 1
        return 0
    readme.write_text(new, encoding="utf-8")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 8), layout="constrained")
    pvsite.plot_siting_map(result, ax)
    fig.savefig(ROOT / "docs" / "map_capacity.png", dpi=90)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
