"""Command line: ``pvsite run`` writes buildings, roll-ups, shortfall, maps and a report.

Every file it writes is listed, with its columns, in :data:`OUTPUT_FILES`
(``docs/data_dictionary.md`` is made from it by ``scripts/make_docs.py``).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from .errors import ArgumentError, PvsiteError
from .results.rollup import COLUMNS as ROLLUP_COLUMNS
from .results.shortfall import PLAN_COLUMNS, TABLE_COLUMNS
from .results.uncertainty import UNCERTAINTY_COLUMNS

__all__ = ["OPTIONAL_FILES", "OUTPUT_FILES", "main"]

#: Every file ``pvsite run`` writes: what it is, and its columns with unit and meaning
#: (``None``: the columns of :data:`pvsite.OUTPUT_COLUMNS` after the input's own).
OUTPUT_FILES: dict[str, tuple[str, dict[str, str] | None]] = {
    "buildings.geojson": ("one feature per input building, in WGS84 (RFC 7946), with the "
                          "input's attributes and the estimate; the data labels and sources "
                          "in its `metadata` member", None),
    "buildings.csv": ("the same table without geometry and without `horizon_deg` (in "
                      "buildings.geojson); first column `building`, the input's index", None),
    "districts.csv": ("totals per district; the first columns count every building, public or "
                      "not, the public_* columns and share_of_target public institutions only "
                      "(what the report, the district map and the target count)", {
        "district": "district name as in the boundaries (Chinese for the bundled ones); "
                    "'(none)' for buildings outside every district",
        "district_en": "district name in English, where known",
        **ROLLUP_COLUMNS}),
    "institution_types.csv": ("totals per institution type (share_of_target empty for "
                              "not_public, to which no target applies)", {
        "institution_type": "government, university, school, hospital, other_public or "
                            "not_public",
        **ROLLUP_COLUMNS}),
    "institutions.csv": ("totals per institution ('(none)': buildings of no institution)", {
        "institution_id": "the input's institution id (or the site's, with --sites)",
        "institution_name": "the institution's name",
        "institution_type": "government, university, school, hospital, other_public or "
                            "not_public",
        "district": "district of the institution's first building",
        **ROLLUP_COLUMNS}),
    "shortfall.csv": ("per district: the target shared out (or given, --district-targets) and "
                      "how far the plan gets; public institutions only", {
        "district": "district name as in the boundaries",
        "district_en": "district name in English, where known",
        **TABLE_COLUMNS}),
    "plan.csv": ("the ranked roofs (with --count, facades and carports too: `surface`) that "
                 "reach the target and no more, in plan order; `building` joins it to "
                 "buildings.csv and buildings.geojson (a carport's to carports.csv)",
                 PLAN_COLUMNS),
    "plan.geojson": ("the plan's surfaces with their footprints (a carport's car park), in "
                     "WGS84 (RFC 7946): the columns of plan.csv, feature id = `building` (= "
                     "`rank` where a building has several surfaces in the plan)", {}),
    "plan.gpkg": ("the same as a GeoPackage layer 'plan' in the buildings' projected CRS", {}),
    "map.html": ("an interactive map of the buildings coloured by capacity, a tooltip per "
                 "building (pvsite.explore); open it in a browser (the background map and "
                 "Leaflet's scripts load from the internet)", {}),
    "report.md": ("a short Markdown report: data labels, summary, shortfall, sites mapped "
                  "without buildings (with --sites), the plan's first 10 roofs, method notes, "
                  "links to the maps; in Chinese with --lang zh", {}),
    "map_capacity.png": ("capacity per building over the district boundaries, the plan's "
                         "roofs ringed and the largest sites labelled; at 200 dpi (--dpi), or "
                         "map_capacity.pdf/.svg with --map-format (so the other maps too); "
                         "'© OpenStreetMap contributors' on maps of OSM data", {}),
    "map_districts.png": ("technical potential of the eligible roofs per district, with each "
                          "district's planned capacity against its share of the target", {}),
    "plan.png": ("cumulative capacity of the plan, roof by roof, against the target", {}),
}

#: Files ``pvsite run`` writes only when asked, in the same form as :data:`OUTPUT_FILES`.
OPTIONAL_FILES: dict[str, tuple[str, dict[str, str] | None]] = {
    "pvsite.xlsx": ("with --excel: one workbook with the sheets buildings, institutions, "
                    "districts, types, shortfall, plan and notes (the tables above), units in "
                    "the header row, district names in Chinese and English", {}),
    "facade_pilots.csv": ("with --facades: the 15 best building-integrated PV pilots "
                          "(pvsite.pilots(result, kind='facade')); buildings.csv then also "
                          "has the facade columns", {}),
    "carports.csv": ("with --parking FILE: one row per car park (pvsite.carports): spaces, "
                     "canopies, kWp, kWh, chargers, cost, status and reason", {}),
    "carports.geojson": ("with --parking FILE: the car parks with the same columns, in "
                         "WGS84", None),
    "carport_pilots.csv": ("with --parking FILE: the 10 best PV carport projects "
                           "(pvsite.pilots(carports, kind='carport'))", {}),
    "buildings.parquet": ("with --stream: one row per input building, the input's columns "
                          "and the estimate, as GeoParquet in the input's CRS, estimated tile "
                          "by tile for a file larger than memory (pvsite.estimate_parquet); "
                          "only districts.csv and institution_types.csv are written beside it",
                          None),
    "uncertainty.csv": ("with --uncertainty N: P10/P50/P90 of the eligible roofs' capacity "
                        "and energy for the city, each district and each institution type over "
                        "N draws of the uncertain assumptions (shortfall(..., uncertainty=N))",
                        UNCERTAINTY_COLUMNS),
}

_DEMO = """Without --footprints/--weather it runs on the bundled demonstration data: a SYNTHETIC
set of Shanghai public buildings and a typical year GENERATED from published monthly
climatology. Point it at your own data for real answers."""

_RUN_EPILOG = _DEMO + "\n\n" + textwrap.fill(
    "It writes into --out: " + ", ".join(OUTPUT_FILES) + ". Errors in the input end the run "
    "with one line on stderr and exit code 2.", 88) + """

examples:
  pvsite run --out results/
  pvsite run --footprints roofs.gpkg --weather CHN_Shanghai.epw --target-kw 50000 --out r/
  pvsite run --footprints amap.geojson --coordinate-system gcj02 --flat-roof-tilt 15"""


class _Parser(argparse.ArgumentParser):
    """argparse, with its errors as one line on stderr (no usage block) and exit code 2."""

    def error(self, message: str) -> Any:  # noqa: D102
        self.exit(2, f"pvsite: error: {' '.join(message.split())} (see '{self.prog} --help')\n")


def _share(text: str) -> float:
    """An argparse type: a share from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text}; give a share from 0 to 1 (0.3 = 30 %)")
    return value


def _kw(minimum: float, strict: bool) -> Any:
    """An argparse type: a number of kW, at least (or above) ``minimum``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of kW") from None
        if not math.isfinite(value) or value < minimum or (strict and value == minimum):
            raise argparse.ArgumentTypeError(
                f"{text} kW; give a number {'above' if strict else 'of at least'} {minimum:g}")
        return value

    return parse


def _dpi(text: str) -> float:
    """An argparse type: a resolution in dots per inch, above 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of dots per inch") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text} dpi; give a number above 0 (e.g. 200)")
    return value


def _degrees(text: str) -> float:
    """An argparse type: a tilt in degrees from 0 to 90."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of degrees") from None
    if not 0 <= value <= 90:
        raise argparse.ArgumentTypeError(f"{text} deg; give a tilt from 0 to 90")
    return value


def _parser() -> argparse.ArgumentParser:
    from .assumptions import Assumptions
    from .results.shortfall import POLICIES

    target = Assumptions().target_kw
    fmt = argparse.RawDescriptionHelpFormatter
    p = _Parser(
        prog="pvsite", formatter_class=fmt, epilog=_DEMO + "\n\nSee 'pvsite run --help'.",
        description=textwrap.fill(
            "Rooftop PV potential and siting against a capacity target: kWp, kWh/yr and CO2 "
            "for every building, roll-ups by district and institution type, and a ranked plan "
            "of the roofs that reach the target.", 88))
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    r = sub.add_parser(
        "run", formatter_class=fmt, epilog=_RUN_EPILOG,
        help="estimate every building and write tables, maps and a report",
        description=textwrap.fill(
            "Estimate kWp, kWh/yr and savings for every building, roll them up by district "
            "and institution type, rank the roofs that reach the target, and write the "
            "tables, maps and a Markdown report.", 88))
    r.add_argument("--footprints", type=Path, metavar="FILE",
                   help="building footprints: GeoJSON, GeoPackage, Shapefile, GeoParquet or any "
                        "OGR format, with a CRS; optional attributes height [m], "
                        "building:levels, roof:shape, institution_type, institution_id "
                        "(default: the bundled SYNTHETIC demonstration buildings)")
    r.add_argument("--weather", type=Path, metavar="FILE",
                   help="one typical year of hourly weather: EPW, PVGIS TMY (csv/json) or "
                        "TMY3 csv (default: the bundled GENERATED Shanghai year)")
    r.add_argument("--districts", type=Path, metavar="FILE",
                   help="district polygons with a 'district' column (and 'district_en' for "
                        "map labels), any OGR format (default: the bundled 16 Shanghai "
                        "districts)")
    r.add_argument("--target-kw", type=_kw(0.0, strict=True), default=None, metavar="KW",
                   help=f"capacity target [kW] (default: {target:,.0f}, the 50 MW of Shanghai's "
                        "2022 public-institution plan)")
    r.add_argument("--installed-kw", type=_kw(0.0, strict=False), default=0.0, metavar="KW",
                   help="capacity already installed [kW]; it does not count toward the target, "
                        "which is read as new capacity (default: 0)")
    r.add_argument("--policy", default="priority", choices=list(POLICIES),
                   help="ranking of the siting plan: 'priority' = schools, hospitals, "
                        "government, universities, other public, each by specific yield; "
                        "'fewest_sites' = largest roofs first; 'yield' = highest kWh/kWp first; "
                        "'cost' = lowest levelised cost first (default: priority)")
    r.add_argument("--coordinate-system", choices=["wgs84", "gcj02", "bd09"], default=None,
                   help="what longitude/latitude footprints really are: 'gcj02' for Chinese map "
                        "data (Gaode/AMap, Tencent), 'bd09' for Baidu; they are shifted to "
                        "WGS84 (default: take the file's CRS as it is)")
    r.add_argument("--dsm", type=Path, metavar="FILE",
                   help="a digital surface model (GeoTIFF of heights [m], projected CRS): roof "
                        "planes and a horizon of terrain and trees come from it where it "
                        "covers the roofs")
    r.add_argument("--flat-roof-tilt", type=_degrees, default=None, metavar="DEG",
                   help="tilt of the module rows on flat roofs [deg]; flatter rows fit closer "
                        "(more kWp) and each yields a little less (default: the weather "
                        "year's optimum)")
    r.add_argument("--no-shading", action="store_true",
                   help="leave out shading by neighbouring buildings (faster; a first look)")
    r.add_argument("--out", type=Path, default=Path("results"), metavar="DIR",
                   help="folder to write into, replaced as a whole at the end of the run (written "
                        "in a temporary folder beside it, then renamed: a killed run leaves "
                        "the earlier results whole); it may hold only pvsite's files "
                        "(default: results/)")
    r.add_argument("--stream", action="store_true",
                   help="for a --footprints GeoParquet larger than memory: estimate it tile by "
                        "tile (pvsite.estimate_parquet) into buildings.parquet, and write only "
                        "what can be summed from it a chunk at a time: districts.csv, "
                        "institution_types.csv and the summary (not the shortfall, plan, maps, "
                        "GeoJSON or CSV of buildings, which need the whole result in memory)")
    r.add_argument("--tile-rows", type=_tile_rows, default=None, metavar="N",
                   help="with --stream: buildings per tile; memory grows with it, the halos' "
                        "share of the work falls (default: 250,000)")
    r.add_argument("--no-maps", action="store_true",
                   help="skip the three PNG maps (faster; report.md then links none)")
    r.add_argument("--sites", type=Path, metavar="FILE",
                   help="institution site polygons (campuses, hospital grounds) with "
                        "institution_id, institution_name, institution_type, or an OSM extract "
                        "(.osm/.pbf, its sites layer): buildings inside take the site's "
                        "institution")
    r.add_argument("--district-targets", type=Path, metavar="CSV",
                   help="a target per district: a CSV with columns district and target_kw "
                        "(default: the city target shared out by technical potential)")
    r.add_argument("--uptake", type=_share, default=1.0, metavar="SHARE",
                   help="share of each roof's technical potential assumed built, 0 to 1 "
                        "(default: 1)")
    r.add_argument("--min-system-kwp", type=_kw(0.0, strict=False), default=0.0, metavar="KWP",
                   help="leave roofs with less capacity out of the plan [kWp] (default: 0)")
    r.add_argument("--excel", action="store_true",
                   help="also write pvsite.xlsx, every table in one Excel workbook")
    r.add_argument("--facades", action="store_true",
                   help="also estimate building-integrated PV on the exterior walls "
                        "(facade columns in buildings.csv, facade_pilots.csv)")
    r.add_argument("--parking", type=Path, metavar="FILE",
                   help="car parks for PV carports with chargers: an OSM extract (.osm/.pbf, "
                        "its amenity=parking areas) or any polygon file (carports.csv, "
                        "carports.geojson, carport_pilots.csv)")
    r.add_argument("--count", type=_surfaces, default=("roof",), metavar="KINDS",
                   help="surfaces the shortfall, the plan and the roll-ups count, comma "
                        "separated: roof, facade (needs --facades), carport (needs --parking); "
                        "default: roof")
    r.add_argument("--uncertainty", type=_draws, default=0, metavar="N",
                   help="draw the uncertain assumptions N times (e.g. 200): print the city's "
                        "P10/P50/P90 and the chance to reach the target, write uncertainty.csv")
    r.add_argument("--seed", type=int, default=0, metavar="INT",
                   help="seed of the --uncertainty draws (numpy default_rng): the same seed "
                        "gives the same range (default: 0; nothing else is random)")
    from .output.plot import MAP_DPI, MAP_FORMATS
    from .output.report_text import LANGUAGES

    r.add_argument("--lang", choices=list(LANGUAGES), default="en",
                   help="language of report.md: 'en' English, 'zh' Chinese (default: en)")
    r.add_argument("--map-format", choices=list(MAP_FORMATS), default="png",
                   help="format of the maps: png, or pdf/svg for print (vector, Chinese text "
                        "kept) (default: png)")
    r.add_argument("--dpi", type=_dpi, default=MAP_DPI, metavar="DPI",
                   help=f"resolution of the maps [dots per inch] (default: {MAP_DPI})")
    r.add_argument("--height-column", metavar="NAME",
                   help="column of --footprints with building heights [m] (default: "
                        "recognised by name: height, 高度...)")
    r.add_argument("--levels-column", metavar="NAME",
                   help="column of --footprints with the number of storeys (default: "
                        "recognised by name: building:levels, Floor, 层数...)")
    r.add_argument("--type-column", metavar="NAME",
                   help="column of --footprints with the institution type (default: "
                        "recognised by name: institution_type, 类型...)")
    return p


def _draws(text: str) -> int:
    """A whole number of draws, at least 0, for argparse."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of draws") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give 0 or more draws")
    return n


def _tile_rows(text: str) -> int:
    """A whole number of buildings per tile, at least 1, for argparse."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of buildings") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give at least 1 building per tile")
    return n


def _surfaces(text: str) -> tuple[str, ...]:
    """``--count``: a comma-separated list of surface kinds."""
    from .results.rollup import SURFACES, surface_kinds

    try:
        return surface_kinds([k.strip().lower() for k in text.split(",") if k.strip()])
    except ArgumentError:
        raise argparse.ArgumentTypeError(f"{text!r}: give some of {', '.join(SURFACES)}, "
                                         "comma separated") from None


def _check_paths(args: argparse.Namespace) -> None:
    """Fail early, in one line, on an input file that is missing or an --out not writable."""
    import os

    count = getattr(args, "count", ("roof",))
    for kind, option, given in (("facade", "--facades", args.facades),
                                ("carport", "--parking FILE", args.parking is not None)):
        if kind in count and not given:
            raise PvsiteError(f"--count {','.join(count)}: counting {kind}s needs {option}.")
    for option, path in (("--footprints", args.footprints), ("--weather", args.weather),
                         ("--districts", args.districts), ("--dsm", args.dsm),
                         ("--sites", args.sites), ("--district-targets", args.district_targets),
                         ("--parking", args.parking)):
        if path is not None and not path.exists():
            raise PvsiteError(f"{option} {path}: no such file.")
    out = args.out
    if out.exists() and not out.is_dir():
        raise PvsiteError(f"--out {out}: exists and is not a folder; give a folder.")
    first = next(p for p in (out, *out.absolute().parents) if p.exists())
    if not first.is_dir():
        raise PvsiteError(f"--out {out}: {first} is a file, not a folder; give a folder.")
    if not os.access(first, os.W_OK | os.X_OK):
        raise PvsiteError(f"--out {out}: {first} is not writable; give a folder you can "
                          "write to.")


def _district_targets(path: Path | None) -> dict[str, float] | None:
    """The --district-targets CSV as {district: kW}; one-line errors on a bad file."""
    if path is None:
        return None
    import pandas as pd

    try:
        table = pd.read_csv(path, encoding="utf-8-sig", dtype={"district": str})
    except (OSError, ValueError) as exc:
        raise PvsiteError(f"--district-targets {path}: not a readable CSV ({exc}).") from None
    if not {"district", "target_kw"} <= set(table.columns):
        raise PvsiteError(f"--district-targets {path}: needs columns district and target_kw; "
                          f"it has {list(table.columns)}.")
    kw = pd.to_numeric(table["target_kw"], errors="coerce")
    bad = table.loc[~(kw.notna() & (kw >= 0) & kw.abs().lt(float("inf"))), "district"]
    if len(bad):
        raise PvsiteError(f"--district-targets {path}: target_kw must be a number of kW of at "
                          f"least 0; see district {bad.iloc[0]!r}.")
    if table["district"].duplicated().any():
        raise PvsiteError(f"--district-targets {path}: district "
                          f"{table.loc[table['district'].duplicated(), 'district'].iloc[0]!r} "
                          "appears twice; give each district once.")
    return dict(zip(table["district"].astype(str), kw.astype(float), strict=True))


def _first_run() -> bool:
    """Whether numba has not yet cached pvsite's compiled kernels (the first run compiles)."""
    from ._diskcache import numba_cache_cold  # also the user cache of a read-only install

    return numba_cache_cold()


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[Any]], align: str = "") -> str:
    """A Markdown table; ``align`` is one letter per column, 'l' or 'r' (default 'l')."""
    align = align.ljust(len(header), "l")
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |",
             "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _data_warning(buildings_label: str, weather_label: str, t: dict[str, str] | None = None
                  ) -> list[str]:
    """The banner that opens a report made from labelled (synthetic, generated) data."""
    from .output.report_text import text

    t = t or text("en")

    def word(label: str) -> str:
        return t.get(f"label_{label.lower()}", label.upper())

    made = []
    if buildings_label:
        made.append(t["banner_buildings"].format(label=word(buildings_label)))
    if weather_label:
        made.append(t["banner_weather"].format(label=word(weather_label)))
    if not made:
        return []
    labels = t["and"].join(word(x) for x in (buildings_label, weather_label) if x)
    return [t["banner"].format(labels=labels, made=t["and"].join(made)), ""]


def _summary_lines(result: Any, lang: str = "en") -> list[str]:
    """The run's summary: buildings, capacity, energy and savings.

    The shortfall's lines follow it, with the sites mapped without buildings and the share of
    defaulted heights.
    """
    return _summary_text(_summary_counts(result), lang)


#: Columns of a result that :func:`_summary_counts` reads.
_SUMMARY_COLUMNS = ["status", "institution_type", "capacity_kwp", "annual_kwh",
                    "co2_avoided_t", "coal_saved_tce"]


def _summary_counts(result: Any) -> dict[str, float]:
    """The numbers of the summary, as sums: those of chunks of a result add up to its own."""
    status = result["status"]
    ok = (status == "ok").to_numpy()
    public = (result["institution_type"] != "not_public").to_numpy()

    def total(col: str, rows: Any) -> float:
        return float(result[col][rows].sum())  # NaN skipped, as pandas sums

    return {"n": len(result), "ok": int(ok.sum()),
            "unsuitable": int((status == "unsuitable").sum()),
            "invalid": int((status == "invalid").sum()),
            "kwp": total("capacity_kwp", ok), "public_kwp": total("capacity_kwp", ok & public),
            "kwh": total("annual_kwh", ok), "co2": total("co2_avoided_t", ok),
            "tce": total("coal_saved_tce", ok), "public": int(public.sum())}


def _summary_text(c: dict[str, float], lang: str = "en") -> list[str]:
    """The summary's lines from :func:`_summary_counts`."""
    from .output.report_text import text

    t = text(lang)
    lines = [
        t["s_buildings"].format(n=c["n"], ok=c["ok"], unsuitable=c["unsuitable"],
                                invalid=c["invalid"]),
        t["s_capacity"].format(mwp=c["kwp"] / 1000, public=c["public_kwp"] / 1000),
        t["s_energy"].format(gwh=c["kwh"] / 1e6, sy=c["kwh"] / max(c["kwp"], 1e-9)),
        t["s_savings"].format(co2=c["co2"], tce=c["tce"]),
    ]
    if not c["public"]:
        lines.append(t["s_untagged"])
    return lines


def _shortfall_lines(report: Any, t: dict[str, str], lang: str) -> list[str]:
    """``report.summary()`` in English; in another language, its lines from the numbers."""
    if lang == "en":
        return report.summary().splitlines()
    policy = t.get(f"policy_{report.policy}", report.policy)
    reading = t["reading_new"] if report.target_reading.startswith("new") \
        else t["reading_total"]
    lines = [t["sf_target"].format(mw=report.target_kw / 1000, reading=reading,
                                   installed=report.installed_kw / 1000,
                                   potential=report.potential_kw / 1000)]
    plan = report.plan
    lines.append(t["sf_plan"].format(policy=policy, n=len(plan), mwp=report.planned_kw / 1000,
                                     gwh=plan["annual_kwh"].sum() / 1e6)
                 if len(plan) else t["sf_no_plan"])
    if report.reachable:
        lines.append(t["sf_reached"].format(gap=report.gap_kw / 1000))
    else:
        short = report.table[report.table["gap_kw"] > 0].sort_values("gap_kw", ascending=False)
        names = "，".join(f"{d}（{g / 1000:,.1f} MW）" for d, g in
                         short["gap_kw"].head(5).items())
        lines.append(t["sf_short"].format(gap=report.gap_kw / 1000, names=names))
    unmapped = getattr(report, "unmapped", None)
    if unmapped is not None and len(unmapped):
        lines.append(t["sf_unmapped"].format(n=len(unmapped),
                                             low=unmapped["capacity_kwp_low"].sum() / 1000,
                                             high=unmapped["capacity_kwp_high"].sum() / 1000))
    if getattr(report, "heights_defaulted", 0) > 0:
        lines.append(t["sf_heights"].format(share=report.heights_defaulted))
    if report.labels:
        lines.append(t["sf_data"].format(labels=report.labels))
    # report.notes, in the order and on the conditions shortfall() writes them
    targets = t["targets_given"] if report.district_targets == "given" else t["targets_shared"]
    lines.append(t["sf_district_targets"].format(targets=targets))
    if report.uptake < 1:
        lines.append(t["sf_uptake"].format(share=report.uptake))
    return lines


def _report_md(*, result: Any, weather: Any, report: Any, summary: list[str] | None = None,
               english: dict[str, str], maps: list[str], buildings_label: str = "",
               weather_label: str = "", lang: str = "en", assumptions: Any = None) -> str:
    """The Markdown report of a run, in English (``lang='en'``) or Chinese (``'zh'``).

    ``summary`` (default :func:`_summary_lines` in ``lang``) gives the summary's lines; the
    words come from :mod:`pvsite.output.report_text`, the numbers from the result.
    """
    from . import __version__
    from .assumptions import Assumptions
    from .output.report_text import text

    t = text(lang)
    a = assumptions or Assumptions()
    zh = lang != "en"
    if summary is None or zh:
        summary = _summary_lines(result, lang)

    def district(d: Any) -> str:  # Chinese reports name districts in Chinese only
        return str(d) if zh else f"{english.get(str(d), '')} {d}".strip()

    shading = str(result.attrs.get("shading", "not modelled"))
    tilt = result.attrs.get("flat_roof_tilt", float("nan"))
    md = [f"# {t['title']}", "",
          *_data_warning(buildings_label, weather_label, t)]
    md += [f"- {t['buildings'].format(source=result.attrs.get('buildings_source') or t['buildings_default'])}",  # noqa: E501
           f"- {t['weather'].format(source=weather.attrs.get('source', '') or t['weather_default'])}",  # noqa: E501
           "- " + t["run"].format(version=__version__, tilt=tilt,
                                  shading=t.get(f"shading_{shading}", shading))]
    if result.attrs.get("attribution"):
        md.append("- " + t["attribution"].format(attribution=result.attrs["attribution"]))
    md += ["", f"## {t['h_summary']}", "", *[f"- {line}" for line in summary], "",
           f"## {t['h_shortfall'].format(mw=report.target_kw / 1000)}", "",
           *[f"- {line}" for line in _shortfall_lines(report, t, lang)], ""]
    tb = report.table
    rows = [[district(d), f"{r.potential_kw / 1000:,.2f}",
             f"{r.planned_kw / 1000:,.2f}", f"{r.target_kw / 1000:,.2f}",
             f"{r.gap_kw / 1000:,.2f}"] for d, r in tb.iterrows()]
    rows.append([f"**{t['city']}**", f"**{tb['potential_kw'].sum() / 1000:,.2f}**",
                 f"**{tb['planned_kw'].sum() / 1000:,.2f}**",
                 f"**{tb['target_kw'].sum() / 1000:,.2f}**",
                 f"**{report.gap_kw / 1000:,.2f}**"])
    targets = t["targets_given"] if report.district_targets == "given" else t["targets_shared"]
    md += [t["by_district"].format(targets=targets), "",
           _md_table([t[k] for k in ("col_district", "col_potential", "col_planned",
                                     "col_share", "col_gap")], rows, "lrrrr"), "",
           t["gap_note"], ""]
    unmapped = getattr(report, "unmapped", None)
    if unmapped is not None and len(unmapped):
        import pandas as pd

        rows = [[str(r["site_name"] if pd.notna(r["site_name"]) else r["site_id"]),
                 t.get(f"type_{r['site_type']}", r["site_type"]),
                 district(r["district"]) if pd.notna(r["district"]) else "",
                 f"{r['area_m2']:,.0f}",
                 f"{r['capacity_kwp_low']:,.0f}-{r['capacity_kwp_high']:,.0f}"]
                for _, r in unmapped.iterrows()]
        md += [f"## {t['h_unmapped']}", "", t["unmapped_note"], "",
               _md_table([t[k] for k in ("col_site", "col_type", "col_district", "col_area",
                                         "col_range")], rows, "lllrr"), ""]
    plan = report.plan.head(10)
    policy = t.get(f"policy_{report.policy}", report.policy)
    md += [f"## {t['h_plan_first'].format(n=len(plan), policy=policy)}" if len(plan)
           else f"## {t['h_plan'].format(policy=policy)}", ""]
    if len(plan):
        rows = [[str(int(r["rank"])), r.get("building_id", r["building"]),
                 r.get("institution_name", ""),
                 t.get(f"type_{r['institution_type']}", r["institution_type"]),
                 str(r["district"]) if zh else english.get(str(r["district"]), r["district"]),
                 f"{r['capacity_kwp']:,.1f}", f"{r['cumulative_kwp'] / 1000:,.2f}",
                 f"{r['annual_kwh'] / 1000:,.1f}", f"{r['specific_yield_kwh_per_kwp']:,.0f}"]
                for _, r in plan.iterrows()]
        md += [_md_table([t[k] for k in ("col_rank", "col_building", "col_institution",
                                         "col_type", "col_district", "col_capacity",
                                         "col_cumulative", "col_energy", "col_yield")],
                         rows, "rllllrrrr"),
               "", t["all_roofs"].format(n=len(report.plan)), ""]
    else:
        md += [t["no_roof"], ""]
    public = result["institution_type"].notna() & (result["institution_type"] != "not_public")
    if not public.any():
        md += [t["untagged"], ""]
    share = (float((result["height_source"] == "default").mean())
             if "height_source" in result and len(result) else 0.0)
    reading = t["reading_new"] if report.target_reading.startswith("new") \
        else t["reading_total"]
    md += [f"## {t['h_method']}", "",
           "- " + t["m_energy"].format(losses=a.system_losses, dcac=a.dc_ac_ratio,
                                       eff=a.inverter_efficiency, tilt=tilt),
           "- " + t["m_heights"].format(storey=a.storey_height_m, default=a.default_height_m,
                                        share=share),
           "- " + t["m_savings"].format(ef=a.grid_emission_factor, coal=a.coal_factor_calorific),
           "- " + t["m_target"].format(mw=report.target_kw / 1000, reading=reading), ""]
    if maps:
        md += [f"## {t['h_maps']}", ""]
        for name in maps:
            title = t.get("map_" + Path(name).stem.removeprefix("map_"), name)
            shown = f"![{title}]({name})" if name.endswith(".png") else f"[{title}]({name})"
            md += [f"### {title}", "", shown, ""]
    md += [f"## {t['h_files']}", "",
           *[f"- [{name}]({name}): {what if not zh else t.get('file_' + name, what)}"
             for name, (what, _) in OUTPUT_FILES.items()
             if name.endswith((".csv", ".geojson", ".gpkg", ".html"))],
           "", t["columns_note"], ""]
    return "\n".join(md)


def _columns(args: argparse.Namespace) -> dict[str, str]:
    """The --height-column, --levels-column and --type-column given, by read_footprints' name."""
    return {k: v for k, v in (("height", args.height_column), ("levels", args.levels_column),
                              ("institution_type", args.type_column)) if v}


def _other_inputs(args: argparse.Namespace) -> tuple[Any, Any, Any, Any]:
    """Weather, districts, sites and assumptions of a run, from its options."""
    from .assumptions import Assumptions
    from .inputs import datasets
    from .inputs.footprints import read_footprints
    from .inputs.osm import is_extract, read_osm
    from .inputs.weather import read_weather

    weather = read_weather(args.weather) if args.weather else datasets.shanghai_weather()
    districts = read_footprints(args.districts) if args.districts else None
    sites = None
    if args.sites is not None:
        if is_extract(args.sites):
            sites = read_osm(args.sites, layer="sites")
        else:
            import geopandas as gpd

            sites = gpd.read_file(args.sites)
            if sites.crs is None:
                raise PvsiteError(f"--sites {args.sites}: the file has no CRS; save it with "
                                  "one (e.g. EPSG:4326).")
    changes: dict[str, Any] = {}
    if args.target_kw is not None:
        changes["target_kw"] = args.target_kw
    if args.flat_roof_tilt is not None:
        changes["flat_roof_tilt"] = args.flat_roof_tilt
    return weather, districts, sites, Assumptions(**changes)


#: Options ``--stream`` cannot take: each needs the whole result (or input) in memory.
_NOT_STREAMED = {"parking": "--parking", "excel": "--excel", "uncertainty": "--uncertainty",
                 "district_targets": "--district-targets",
                 "coordinate_system": "--coordinate-system"}


def _check_stream(args: argparse.Namespace) -> None:
    """One-line errors for what --stream cannot do."""
    if args.footprints is None or args.footprints.suffix.lower() not in (".parquet",
                                                                         ".geoparquet"):
        raise PvsiteError("--stream reads a GeoParquet file: give --footprints FILE.parquet "
                          "(geopandas: gdf.to_parquet(path)).")
    for name, option in _NOT_STREAMED.items():
        value = getattr(args, name, None)
        if value not in (None, False, 0, "wgs84"):
            raise PvsiteError(f"--stream: {option} needs the whole result in memory; leave it "
                              "out, or run without --stream.")
    if tuple(getattr(args, "count", ("roof",))) != ("roof",):
        raise PvsiteError("--stream: --count counts roofs only; leave it out, or run without "
                          "--stream.")


def _run_streamed(args: argparse.Namespace) -> int:
    """``run --stream``: estimate_parquet, then roll-ups and the summary a chunk at a time."""
    from .output import export
    from .results.rollup import GROUPINGS, READS, combine_rollups, rollup
    from .streaming import estimate_parquet, iter_parquet

    t0 = time.perf_counter()
    if _first_run():
        print("pvsite: compiling (first run only)...", file=sys.stderr, flush=True)
    weather, districts, sites, a = _other_inputs(args)
    out = getattr(args, "write_into", None) or args.out
    out.mkdir(parents=True, exist_ok=True)
    path = estimate_parquet(args.footprints, out / "buildings.parquet", weather, assumptions=a,
                            districts=districts, dsm=args.dsm, shading=not args.no_shading,
                            sites=sites, facades=args.facades, progress=sys.stderr.isatty(),
                            standardise=True, named=_named(_columns(args)),
                            **({"tile_rows": args.tile_rows} if args.tile_rows else {}))
    # what the roll-ups and the summary read: a few columns, a million rows at a time
    parts: dict[str, list[Any]] = {"district": [], "institution_type": []}
    need = list(dict.fromkeys([*(k for by in parts for k in GROUPINGS[by]), "district_en",
                               *_SUMMARY_COLUMNS, *READS]))
    counts: dict[str, float] = {}
    english: dict[str, str] = {}
    for chunk in iter_parquet(path, need):
        for by, tables in parts.items():
            tables.append(rollup(chunk, by, target_kw=a.target_kw))
        for k, v in _summary_counts(chunk).items():
            counts[k] = counts.get(k, 0) + v
        if "district_en" in chunk:
            english.update({str(k): str(v) for k, v in chunk[["district", "district_en"]]
                            .dropna().drop_duplicates("district").itertuples(index=False)})
    by_district = combine_rollups(parts["district"], target_kw=a.target_kw)
    by_type = combine_rollups(parts["institution_type"], target_kw=a.target_kw)
    by_district.insert(0, "district_en", [english.get(str(d), "") for d in by_district.index])
    written = [path, export.to_csv(by_district, out / "districts.csv"),
               export.to_csv(by_type, out / "institution_types.csv")]
    label = _file_label(args.footprints)
    print("\n".join([_head_line(label, str(weather.attrs.get("label", "") or "")),
                     *_summary_text(counts)]))
    print(f"wrote {len(written)} files to {args.out}/: " + ", ".join(p.name for p in written))
    print("--stream: not written (they need the whole result in memory): the shortfall, plan, "
          "maps, report, map.html, buildings.geojson/.csv and institutions.csv")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _named(columns: dict[str, str]) -> dict[str, str]:
    """read_footprints' column options as standardise_columns names them."""
    return {{"levels": "building:levels"}.get(k, k): v for k, v in columns.items()}


def _file_label(path: Path) -> str:
    """The data label ('synthetic') a GeoParquet written by geopandas carries in its attrs."""
    import json

    import pyarrow.parquet as pq

    try:
        attrs = json.loads(pq.read_schema(path).metadata.get(b"PANDAS_ATTRS", b"{}"))
    except (OSError, ValueError, AttributeError):
        return ""
    return str(attrs.get("label", "") or "") if isinstance(attrs, dict) else ""


def run(args: argparse.Namespace) -> int:
    """Run the whole job and write every output; return the exit code."""
    _check_paths(args)
    if getattr(args, "stream", False):
        _check_stream(args)
        return _run_streamed(args)
    district_targets = _district_targets(args.district_targets)
    if _first_run():
        print("pvsite: compiling (first run only)...", file=sys.stderr, flush=True)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    from tqdm.auto import tqdm

    from .inputs import datasets
    from .inputs.footprints import read_footprints
    from .inputs.osm import is_extract, read_osm
    from .output import export, plot
    from .pipeline import estimate
    from .results.rollup import rollup
    from .results.shortfall import plan_frame, shortfall

    t0 = time.perf_counter()
    tty = sys.stderr.isatty()
    stages = ["read inputs", "estimate", "roll up", "write tables", "draw maps", "write report"]
    bar = tqdm(total=len(stages), desc="pvsite run", unit="stage", disable=not tty,
               file=sys.stderr, leave=False)

    def stage(i: int) -> None:
        bar.set_postfix_str(stages[i])
        if i:
            bar.update()

    stage(0)
    columns = _columns(args)
    buildings = (read_footprints(args.footprints, coordinate_system=args.coordinate_system,
                                 **columns)
                 if args.footprints else datasets.shanghai_buildings())
    weather, districts, sites, a = _other_inputs(args)
    stage(1)
    result = estimate(buildings, weather, assumptions=a, districts=districts, dsm=args.dsm,
                      shading=not args.no_shading, progress=tty, sites=sites,
                      facades=args.facades)
    lots = None
    if args.parking is not None:
        from .parking import carports

        if is_extract(args.parking):
            parking = read_osm(args.parking, layer="parking")
        else:
            parking = read_footprints(args.parking)
        lots = carports(parking, weather, buildings=buildings, sites=sites,
                        districts=districts, assumptions=a)
    stage(2)
    counted = result  # what the shortfall and the roll-ups count: roofs, facades, car parks
    if "carport" in args.count and lots is not None:
        from .parking import with_car_parks

        counted = with_car_parks(result, lots)
    report = shortfall(counted, args.target_kw, args.installed_kw, policy=args.policy,
                       uptake=args.uptake, min_system_kwp=args.min_system_kwp,
                       district_targets_kw=district_targets, assumptions=a, sites=sites,
                       uncertainty=args.uncertainty, seed=args.seed, surfaces=args.count)
    by_district, by_type, by_institution = (
        rollup(counted, by, target_kw=a.target_kw, surfaces=args.count)
        for by in ("district", "institution_type", "institution"))
    english = {str(k): str(v) for k, v in
               result[["district", "district_en"]].dropna().drop_duplicates("district")
               .itertuples(index=False)} if "district_en" in result else {}
    for table in (by_district, report.table):
        table.insert(0, "district_en", [english.get(str(d), "") for d in table.index])

    stage(3)
    out = getattr(args, "write_into", None) or args.out  # the run's temporary folder
    out.mkdir(parents=True, exist_ok=True)
    flat = pd.DataFrame(result.drop(columns=result.geometry.name))
    written = [
        export.to_geojson(result, out / "buildings.geojson"),
        export.to_csv(flat.rename_axis(result.index.name or "building"), out / "buildings.csv"),
        export.to_csv(by_district, out / "districts.csv"),
        export.to_csv(by_type, out / "institution_types.csv"),
        export.to_csv(by_institution, out / "institutions.csv"),
        export.to_csv(report.table, out / "shortfall.csv"),
        export.to_csv(report.plan.set_index("rank"), out / "plan.csv"),
    ]
    plan_geo = plan_frame(report, counted)
    written += [export.to_geojson(plan_geo, out / "plan.geojson"),
                export.to_geopackage(plan_geo, out / "plan.gpkg", layer="plan")]
    if args.excel:
        written.append(export.to_excel(result, out / "pvsite.xlsx", report=report))
    if report.uncertainty is not None:
        written.append(export.to_csv(report.uncertainty.set_index("level"),
                                     out / "uncertainty.csv"))
    from .results.pilots import pilots

    if args.facades:
        written.append(export.to_csv(pilots(result, kind="facade"),
                                     out / "facade_pilots.csv"))
    if lots is not None:
        written += [export.to_csv(pd.DataFrame(lots.drop(columns=lots.geometry.name)),
                                  out / "carports.csv"),
                    export.to_geojson(lots, out / "carports.geojson"),
                    export.to_csv(pilots(lots, kind="carport"), out / "carport_pilots.csv")]
    with export.atomic_path(out / "map.html") as tmp:
        plot.explore(result).save(str(tmp))
    written.append(out / "map.html")

    stage(4)
    maps: list[str] = []
    if not args.no_maps:
        boundaries = districts if districts is not None else None
        drawings = {
            "map_capacity.png": ((9, 8), lambda ax: plot.plot_siting_map(
                result, ax, districts=boundaries, plan=report)),
            "map_districts.png": ((9, 8), lambda ax: plot.plot_districts(
                None, ax, report=report, districts=boundaries)),
            "plan.png": ((8, 5), lambda ax: plot.plot_shortfall(report, ax)),
        }
        for png, (size, draw) in drawings.items():
            name = Path(png).with_suffix("." + args.map_format).name
            fig, ax = plt.subplots(figsize=size, layout="constrained")
            try:
                draw(ax)
                with export.atomic_path(out / name) as tmp:
                    plot.save_figure(fig, tmp, format=args.map_format, dpi=args.dpi)
            finally:
                plt.close(fig)
            written.append(out / name)
            maps.append(name)

    stage(5)
    summary = _summary_lines(result)
    text = _report_md(result=result, weather=weather, report=report, summary=summary,
                      english=english, maps=maps,
                      buildings_label=str(buildings.attrs.get("label", "") or ""),
                      weather_label=str(weather.attrs.get("label", "") or ""),
                      lang=args.lang, assumptions=a)
    with export.atomic_path(out / "report.md") as tmp:
        tmp.write_text(text, encoding="utf-8")
    written.append(out / "report.md")
    bar.update()
    bar.close()

    print("\n".join([_head_line(str(buildings.attrs.get("label", "") or ""),
                                str(weather.attrs.get("label", "") or "")),
                     *summary, report.summary()]))
    print(f"wrote {len(written)} files to {args.out}/: " + ", ".join(p.name for p in written))
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _head_line(buildings_label: str, weather_label: str) -> str:
    """The console's first line: which inputs are labelled (synthetic, generated), each named.

    >>> _head_line("synthetic", "generated")
    'pvsite on SYNTHETIC buildings and GENERATED weather (a demonstration, not real buildings)'
    >>> _head_line("", "generated")  # real footprints with the bundled year
    'pvsite on GENERATED weather'
    """
    parts = [f"{label.upper()} {what}" for label, what in ((buildings_label, "buildings"),
                                                           (weather_label, "weather")) if label]
    if not parts:
        return "pvsite"
    demo = buildings_label.lower() == "synthetic"
    return ("pvsite on " + " and ".join(parts)
            + (" (a demonstration, not real buildings)" if demo else ""))


def _check_replaceable(out: Path) -> None:
    """Refuse an --out folder that holds files pvsite does not write (it is replaced whole)."""
    if not out.is_dir():
        return
    ours = set(OUTPUT_FILES) | set(OPTIONAL_FILES)
    foreign = sorted(p.name for p in out.iterdir() if p.name not in ours
                     and not any(p.name.startswith(f".{n}.") for n in ours))  # old temp files
    if foreign:
        shown = ", ".join(foreign[:3]) + (f" and {len(foreign) - 3} more" if len(foreign) > 3
                                          else "")
        raise PvsiteError(f"--out {out}: the folder holds files pvsite did not write ({shown})"
                          " and a run replaces the whole folder; give a new or empty folder, "
                          "or one an earlier run wrote.")


@contextlib.contextmanager
def _signals_raise() -> Any:
    """Turn SIGTERM into SystemExit(143) for the block, so ``finally`` clauses clean up.

    SIGINT already raises KeyboardInterrupt. Outside the main thread nothing is changed.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    before = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _run_as_unit(args: argparse.Namespace) -> int:
    """:func:`run` writing into a temporary folder that replaces --out whole at the end.

    See :func:`pvsite.output.export.results_folder`: a run killed (even with SIGKILL) leaves
    the earlier results whole, two runs into one folder never mix, SIGTERM and Ctrl-C remove
    the temporary folder.
    """
    from .output.export import results_folder

    _check_paths(args)
    _check_replaceable(args.out)
    with _signals_raise(), results_folder(args.out) as tmp:
        args.write_into = tmp
        return run(args)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``pvsite`` command; errors become one line and exit code 2."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.version:
        from . import __version__

        print(f"pvsite {__version__}")
        return 0
    if args.command != "run":
        print("pvsite: error: say what to do: 'pvsite run' (see 'pvsite --help')",
              file=sys.stderr)
        return 2
    try:
        return _run_as_unit(args)
    except PvsiteError as exc:
        print(f"pvsite: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"pvsite: error: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pvsite: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
