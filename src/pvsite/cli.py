"""Command line: ``pvsite run`` writes buildings, roll-ups, shortfall, maps and a report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import PvsiteError

EPILOG = """Without --footprints/--weather it runs on the bundled demonstration data: a SYNTHETIC
set of Shanghai public buildings and a typical year GENERATED from published monthly
climatology. Point it at your own data for real answers."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pvsite", description="Rooftop PV potential and siting "
                                "against a capacity target.", epilog=EPILOG)
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command")
    r = sub.add_parser("run", help="estimate every building and write the results",
                       description="Estimate kWp, kWh/yr and savings for every building, roll "
                       "them up by district and type, and rank the roofs that reach the target.",
                       epilog=EPILOG)
    r.add_argument("--footprints", type=Path, help="building footprints (GeoJSON, GeoPackage, "
                   "Shapefile, GeoParquet...); default: bundled synthetic demo buildings")
    r.add_argument("--weather", type=Path, help="typical year (EPW, PVGIS TMY csv/json, TMY3 "
                   "csv); default: bundled generated Shanghai year")
    r.add_argument("--districts", type=Path, help="district polygons with a 'district' column; "
                   "default: bundled Shanghai districts")
    r.add_argument("--target-kw", type=float, default=None,
                   help="capacity target [kW]; default 50000 (Shanghai public institutions, 2022)")
    r.add_argument("--installed-kw", type=float, default=0.0,
                   help="capacity already installed [kW] (default 0)")
    r.add_argument("--policy", default="priority", choices=["priority", "fewest_sites", "yield"],
                   help="ranking of the siting plan (default: priority types, then yield)")
    r.add_argument("--out", type=Path, default=Path("results"),
                   help="folder to write into (default: results/)")
    r.add_argument("--no-maps", action="store_true", help="skip the PNG maps")
    return p


def run(args: argparse.Namespace) -> int:
    """Run the whole job and write every output; return the exit code."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import datasets, export, plot
    from .assumptions import Assumptions
    from .io import read_footprints, read_weather
    from .pipeline import estimate
    from .rollup import rollup
    from .shortfall import shortfall

    t0 = time.perf_counter()
    buildings = read_footprints(args.footprints) if args.footprints else \
        datasets.shanghai_buildings()
    weather = read_weather(args.weather) if args.weather else datasets.shanghai_weather()
    districts = None
    if args.districts:
        districts = read_footprints(args.districts)
    a = Assumptions() if args.target_kw is None else Assumptions(target_kw=args.target_kw)
    result = estimate(buildings, weather, assumptions=a, districts=districts,
                      progress=sys.stderr.isatty())
    report = shortfall(result, a.target_kw, args.installed_kw, policy=args.policy)
    by_district = rollup(result, "district", target_kw=a.target_kw)
    by_type = rollup(result, "institution_type", target_kw=a.target_kw)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    written = [
        export.to_geojson(result, out / "buildings.geojson"),
        export.to_csv(result.drop(columns=result.geometry.name), out / "buildings.csv"),
        export.to_csv(by_district, out / "districts.csv"),
        export.to_csv(by_type, out / "institution_types.csv"),
        export.to_csv(report.table, out / "shortfall.csv"),
        export.to_csv(report.plan, out / "plan.csv"),
    ]
    if not args.no_maps:
        for name, draw in (("map_capacity.png", lambda ax: plot.plot_siting_map(
                                result, ax, districts=False if args.districts else None)),
                           ("map_districts.png", lambda ax: plot.plot_districts(
                                by_district, ax, target_kw=a.target_kw))
                           if not args.districts else (None, None),
                           ("plan.png", lambda ax: plot.plot_shortfall(report, ax))):
            if name is None:
                continue
            fig, ax = plt.subplots(figsize=(9, 8) if name != "plan.png" else (8, 5),
                                   layout="constrained")
            draw(ax)
            with export.atomic_path(out / name) as tmp:
                fig.savefig(tmp, dpi=130, format="png")
            plt.close(fig)
            written.append(out / name)
    ok = result[result["status"] == "ok"]
    public = ok[ok["institution_type"] != "not_public"]
    labels = result.attrs.get("data_labels", "")
    lines = [
        "pvsite" + (f" on {labels.upper()} data (a demonstration, not real buildings)"
                    if labels else ""),
        f"buildings: {len(result):,} ({(result['status'] == 'ok').sum():,} ok, "
        f"{(result['status'] == 'unsuitable').sum():,} unsuitable, "
        f"{(result['status'] == 'invalid').sum():,} invalid)",
        f"capacity: {ok['capacity_kwp'].sum() / 1000:,.1f} MWp in all, "
        f"{public['capacity_kwp'].sum() / 1000:,.1f} MWp on public institutions",
        f"energy: {ok['annual_kwh'].sum() / 1e6:,.1f} GWh/yr, "
        f"{ok['annual_kwh'].sum() / max(ok['capacity_kwp'].sum(), 1e-9):,.0f} kWh/kWp",
        f"savings: {ok['co2_avoided_t'].sum():,.0f} t CO2/yr, "
        f"{ok['coal_saved_tce'].sum():,.0f} tce/yr (calorific-equivalent)",
        report.summary(),
    ]
    report_md = out / "report.md"
    md = ["# pvsite report", "", *[f"- {x}" for x in lines[1:5]], "", "## Shortfall", "",
          report.summary(), "", "## By district", "", by_district.round(1).to_markdown()
          if _has_tabulate() else by_district.round(1).to_string(), "",
          f"Weather: {weather.attrs.get('source', '')}", ""]
    with export.atomic_path(report_md) as tmp:
        tmp.write_text("\n".join(md), encoding="utf-8")
    written.append(report_md)
    print("\n".join(lines))
    print(f"wrote {len(written)} files to {out}/: " + ", ".join(p.name for p in written))
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pvsite`` command; errors become one line and exit code 2."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"pvsite {__version__}")
        return 0
    if args.command != "run":
        parser.print_help()
        return 1
    try:
        return run(args)
    except PvsiteError as exc:
        print(f"pvsite: error: {exc}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"pvsite: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
