"""Regenerate the bundled weather year and synthetic buildings under data/.

    python scripts/make_data.py

Same seed, same files, byte for byte (the test suite checks it). Methods and cited sources are
in src/pvsite/_synth.py and in the README.md beside each file.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

from pvsite.inputs import _synth, datasets
from pvsite.output.export import atomic_path, geojson_text, write_weather_csv

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "data",
                        help="data folder to write into (default: the repository's data/)")
    args = parser.parse_args(argv)
    weather_path = args.out / "weather" / "shanghai_generated_tmy.csv"
    write_weather_csv(_synth.generate_weather(), weather_path)
    buildings = _synth.generate_buildings(datasets.shanghai_districts())
    foot_path = args.out / "footprints" / "shanghai_demo_buildings.geojson"
    with atomic_path(foot_path) as tmp:
        tmp.write_text(geojson_text(buildings, decimals=7, metadata=buildings.attrs),
                       encoding="utf-8")
    for p in (weather_path, foot_path):
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        print(f"{p.relative_to(args.out.parent) if args.out == ROOT / 'data' else p}  "
              f"sha256 {digest}")
    print(f"{len(buildings)} synthetic buildings")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
