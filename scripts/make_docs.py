"""Write docs/data_dictionary.md from the code: every column pvsite writes, with unit and meaning.

    python scripts/make_docs.py          # rewrite docs/data_dictionary.md
    python scripts/make_docs.py --check  # exit 1 if it is out of date

The sources are ``pvsite.OUTPUT_COLUMNS`` (the building table),
``pvsite.results.schema.SURFACE_COLUMNS`` (the surface table) and ``pvsite.cli.OUTPUT_FILES``
(the other files of ``pvsite run``); tests/test_notebook.py checks that the file is up to date
and that the columns listed are the ones the command writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pvsite
from pvsite.cli import OPTIONAL_FILES, OUTPUT_FILES
from pvsite.output.export import EXCEL_SHEETS
from pvsite.parking import CARPORT_COLUMNS
from pvsite.results.schema import FACADE_COLUMNS, SURFACE_COLUMNS
from pvsite.results.storage import COLUMNS as STORAGE_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "data_dictionary.md"

#: Columns of the bundled demonstration buildings (pvsite.datasets.shanghai_buildings()).
DEMO_INPUT_COLUMNS = {
    "building_id": "building id, B00001...",
    "institution_id": "institution (campus) id, I0001...; empty for buildings of no institution",
    "institution_name": "institution name, e.g. 'Demo school 1 (synthetic)'",
    "institution_type": "the institution type as given; the estimate's column of the same name "
                        "replaces it",
    "height": "building height [m]",
    "building:levels": "number of storeys (OSM key), where the height is not given",
    "roof:shape": "flat, gabled, hipped... (OSM key)",
    "synthetic": "True: a building made by pvsite, not a real one",
}


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _table(columns: dict[str, str], first: tuple[str, str] | None = None) -> list[str]:
    rows = ["| column | meaning [unit] |", "|---|---|"]
    if first:
        rows.append(f"| `{first[0]}` | {_escape(first[1])} |")
    rows += [f"| `{c}` | {_escape(m)} |" for c, m in columns.items()]
    return rows


def render() -> str:
    """The text of docs/data_dictionary.md."""
    md = [
        "# Data dictionary",
        "",
        "*Made by `python scripts/make_docs.py` from `pvsite.OUTPUT_COLUMNS` and "
        "`pvsite.cli.OUTPUT_FILES`/`OPTIONAL_FILES`; do not edit by hand (a test checks "
        "that it is up to date).*",
        "",
        "Units are in brackets: [kWp] DC capacity at standard test conditions, [kW] capacity "
        "(of a target or an installation), [kWh] energy in a typical year, [t] tonnes, [tce] "
        "tonnes of standard coal equivalent, [m^2] square metres, [deg] degrees, [-] a count "
        "or a ratio.",
        "",
        "## Files written by `pvsite run`",
        "",
        "| file | contents |",
        "|---|---|",
        *[f"| `{name}` | {_escape(what)} |" for name, (what, _) in OUTPUT_FILES.items()],
        "",
        "Only when asked:",
        "",
        "| file | contents |",
        "|---|---|",
        *[f"| `{name}` | {_escape(what)} |" for name, (what, _) in OPTIONAL_FILES.items()],
        "",
        "CSV files are UTF-8 with a byte-order mark (`utf-8-sig`, so that Excel shows Chinese "
        "names), numbers as plain decimals; `horizon_deg` is left out of CSV and GeoPackage "
        "files (`to_csv(..., horizon=True)` keeps it as JSON text). GeoJSON features carry "
        "`id` and a `building` property: the key of buildings.csv and plan.csv.",
        "",
        "The sheets of `pvsite.xlsx` (`pvsite.to_excel`), each header cell `column [unit]`:",
        "",
        "| sheet | contents |",
        "|---|---|",
        *[f"| `{name}` | {_escape(what)} |" for name, what in EXCEL_SHEETS.items()],
        "",
        "## `buildings.geojson`, `buildings.csv` and `pvsite.estimate`",
        "",
        "One row per input building, in the input's order and with its index. The input's own "
        "columns come first, unchanged; `pvsite.estimate` adds these "
        "(`pvsite.OUTPUT_COLUMNS`):",
        "",
        *_table(pvsite.OUTPUT_COLUMNS),
        "",
        "The bundled demonstration buildings (`pvsite.datasets.shanghai_buildings()`, "
        "SYNTHETIC) bring these input columns:",
        "",
        *_table(DEMO_INPUT_COLUMNS),
        "",
        "## The surface table: `pvsite.estimate(..., planes=True)`",
        "",
        "One row per PV surface (the planes of each roof, and with `facades=True` each exterior "
        "wall; `surface` says the kind), the table that layout, shading and energy act on and "
        "of which the building table is a view (`pvsite.results.schema.SURFACE_COLUMNS`), "
        "with each surface's outline (`geometry`: a wall's base line) in the local UTM zone:",
        "",
        *_table(SURFACE_COLUMNS),
        "",
        "## Facades: `pvsite.estimate(..., facades=True)` and `pvsite run --facades`",
        "",
        "These columns follow the building table's (`pvsite.results.schema.FACADE_COLUMNS`); "
        "the roof columns stay as they are:",
        "",
        *_table(FACADE_COLUMNS),
        "",
        "## Carports: `pvsite.carports(parking, weather, ...)` and `carports.csv`",
        "",
        "One row per input car park, its own columns first, then "
        "(`pvsite.parking.CARPORT_COLUMNS`):",
        "",
        *_table(CARPORT_COLUMNS),
        "",
        "## Self-consumption and storage: `pvsite.self_consumption(result, weather, ...)`",
        "",
        "One row per institution (or building, or district) "
        "(`pvsite.results.storage.COLUMNS`):",
        "",
        *_table(STORAGE_COLUMNS),
        "",
    ]
    for name, (what, columns) in {**OUTPUT_FILES, **OPTIONAL_FILES}.items():
        if not columns:
            continue
        md += [f"## `{name}`", "", what[0].upper() + what[1:] + ".", "", *_table(columns), ""]
    return "\n".join(md)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} is out of date: run python scripts/make_docs.py",
                  file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
