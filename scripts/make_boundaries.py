#!/usr/bin/env python
"""Build ``data/boundaries/shanghai_districts.geojson`` from the pinned source.

The source is the 16 Shanghai districts from geoBoundaries gbOpen CHN ADM3
(derived from OpenStreetMap, ODbL 1.0), kept as an unmodified copy in the
sibling ``shared`` checkout (see ``shared/data/SOURCES-geo.md``, section 1).

Steps:

1. check the source's sha256 against the pinned value (abort if it differs);
2. simplify all 16 districts together with ``shapely.coverage_simplify``, so
   that shared edges are simplified once and neighbours keep identical edges
   (no gaps, no overlaps);
3. round coordinates to 6 decimals (~0.1 m), drop repeated points, orient
   rings per RFC 7946 (exterior counter-clockwise, holes clockwise);
4. add ``adcode`` (official 6-digit code, as a string) and sort by it;
5. write GeoJSON deterministically with ``json.dumps`` (fixed key order, no
   timestamps, one feature per line, trailing newline), so that re-running
   the script reproduces the file byte for byte;
6. print vertex counts, per-district area change (UTM 51N, EPSG:32651) and
   sanity checks (validity, pairwise overlaps, total area).

Usage::

    python scripts/make_boundaries.py [--source PATH] [--output PATH]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = (
    REPO_ROOT.parent / "shared/data/boundaries/shanghai_districts_geoboundaries_osm.geojson"
)
DEFAULT_OUTPUT = REPO_ROOT / "data/boundaries/shanghai_districts.geojson"

SOURCE_SHA256 = "279b11087234db63728b35c9970174f7f536505763401127e4eed3b7e0e7340e"

# Coverage simplification tolerance, in degrees. GEOS uses Visvalingam-Whyatt:
# the tolerance is roughly the square root of the area of the triangles that
# get removed. At Shanghai's latitude (~31.2 N) 1 deg of latitude is ~110.9 km
# and 1 deg of longitude ~95.3 km, so a 1 deg x 1 deg "square" has the area of a
# ~102.8 km square: 0.0002 deg corresponds to ~21 m (triangles up to ~(21 m)^2
# of area are removed). Individual vertices can still move further than 21 m
# where a removed triangle is long and thin; the script prints the Hausdorff
# distance per district.
TOLERANCE_DEG = 0.0002
DECIMALS = 6

# Projected CRS for area statistics: WGS 84 / UTM zone 51N.
METRIC_CRS = "EPSG:32651"

# Official administrative division codes (GB/T 2260), keyed by Chinese name.
ADCODES = {
    "黄浦区": ("Huangpu District", "310101"),
    "徐汇区": ("Xuhui District", "310104"),
    "长宁区": ("Changning District", "310105"),
    "静安区": ("Jing'an District", "310106"),
    "普陀区": ("Putuo District", "310107"),
    "虹口区": ("Hongkou District", "310109"),
    "杨浦区": ("Yangpu District", "310110"),
    "闵行区": ("Minhang District", "310112"),
    "宝山区": ("Baoshan District", "310113"),
    "嘉定区": ("Jiading District", "310114"),
    "浦东新区": ("Pudong New District", "310115"),
    "金山区": ("Jinshan District", "310116"),
    "松江区": ("Songjiang District", "310117"),
    "青浦区": ("Qingpu District", "310118"),
    "奉贤区": ("Fengxian District", "310120"),
    "崇明区": ("Chongming District", "310151"),
}

ATTRIBUTION = "© OpenStreetMap contributors; geoBoundaries (wmgeolab)"

MAX_PAIR_OVERLAP_KM2 = 0.01
MAX_TOTAL_AREA_CHANGE_PCT = 1.0


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def to_metric(geoms: np.ndarray) -> np.ndarray:
    tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    return shapely.transform(geoms, lambda c: np.column_stack(tr.transform(c[:, 0], c[:, 1])))


def round_coords(geoms: np.ndarray, decimals: int) -> np.ndarray:
    # Plain per-vertex rounding: a vertex shared by two districts is rounded
    # to the same value in both, so shared edges stay identical.
    rounded = shapely.transform(geoms, lambda c: np.round(c, decimals))
    return shapely.remove_repeated_points(rounded)


def metadata(source_meta: dict) -> dict:
    return {
        "title": "Shanghai districts (16), simplified",
        "source": (
            "geoBoundaries gbOpen CHN ADM3 (boundaryID "
            f"{source_meta.get('boundary_id', 'CHN-ADM3-62558664')}, boundary year "
            f"{source_meta.get('boundary_year', '2017')}, build date "
            f"{source_meta.get('build_date', '2023-12-12')}), derived from OpenStreetMap"
        ),
        "source_url": source_meta.get(
            "source_url",
            "https://github.com/wmgeolab/geoBoundaries/raw/9469f09/releaseData/gbOpen/CHN/ADM3/geoBoundaries-CHN-ADM3-all.zip",
        ),
        "source_archive_sha256": source_meta.get("source_archive_sha256"),
        "source_file": "shanghai_districts_geoboundaries_osm.geojson",
        "source_file_sha256": SOURCE_SHA256,
        "processing": (
            f"shapely.coverage_simplify(tolerance={TOLERANCE_DEG} deg, about 21 m), "
            f"coordinates rounded to {DECIMALS} decimals, RFC 7946 ring orientation, "
            "adcode added; generated by scripts/make_boundaries.py"
        ),
        "crs": "WGS 84 (EPSG:4326, lon/lat)",
        "license": "Open Data Commons Open Database License (ODbL) v1.0",
        "license_url": "https://opendatacommons.org/licenses/odbl/1-0/",
        "attribution": ATTRIBUTION,
        "share_alike": ("Derived databases that are publicly used must be offered under ODbL 1.0."),
    }


def geometry_json(geom) -> dict:
    g = mapping(geom)

    def lists(x):
        if isinstance(x, (tuple, list)):
            return [lists(v) for v in x]
        return x

    # mapping() yields nested tuples; emit plain lists.
    return {"type": g["type"], "coordinates": lists(g["coordinates"])}


def dump(obj) -> str:
    """Compact, deterministic JSON (insertion-ordered keys, UTF-8 text, no NaN)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="source GeoJSON")
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="output GeoJSON")
    args = ap.parse_args(argv)

    src_path: Path = args.source
    if not src_path.is_file():
        sys.exit(f"error: source not found: {src_path}")
    digest = sha256_of(src_path)
    if digest != SOURCE_SHA256:
        sys.exit(
            f"error: sha256 mismatch for {src_path}\n"
            f"  expected {SOURCE_SHA256}\n"
            f"  got      {digest}"
        )

    with src_path.open(encoding="utf-8") as fh:
        src = json.load(fh)

    rows = []
    for feat in src["features"]:
        name = feat["properties"]["district"]
        if name not in ADCODES:
            sys.exit(f"error: unknown district name in source: {name!r}")
        name_en, adcode = ADCODES[name]
        got_en = feat["properties"].get("district_en")
        if got_en != name_en:
            sys.exit(f"error: unexpected district_en for {name}: {got_en!r}")
        rows.append((adcode, name, name_en, shape(feat["geometry"])))
    if sorted(r[1] for r in rows) != sorted(ADCODES):
        sys.exit("error: source does not contain exactly the 16 expected districts")
    rows.sort(key=lambda r: r[0])

    original = np.array([r[3] for r in rows], dtype=object)
    if not shapely.is_valid(original).all() or not shapely.coverage_is_valid(original):
        sys.exit("error: source districts are not a valid polygonal coverage")

    simplified = shapely.coverage_simplify(original, TOLERANCE_DEG)
    simplified = round_coords(simplified, DECIMALS)
    simplified = shapely.orient_polygons(simplified, exterior_cw=False)

    # ---- checks -----------------------------------------------------------
    problems = []
    if not shapely.is_valid(simplified).all():
        bad = [rows[i][2] for i in np.flatnonzero(~shapely.is_valid(simplified))]
        problems.append(f"invalid geometries: {bad}")
    if not shapely.coverage_is_valid(simplified):
        problems.append("simplified districts are not a valid coverage")

    orig_m = to_metric(original)
    simp_m = to_metric(simplified)
    a0 = shapely.area(orig_m)
    a1 = shapely.area(simp_m)
    hd = shapely.hausdorff_distance(orig_m, simp_m)
    v0 = shapely.get_num_coordinates(original)
    v1 = shapely.get_num_coordinates(simplified)

    max_overlap = 0.0
    tree = shapely.STRtree(simp_m)
    for i, j in zip(*tree.query(simp_m, predicate="intersects"), strict=True):
        if i < j:
            ov = shapely.area(shapely.intersection(simp_m[i], simp_m[j])) / 1e6
            max_overlap = max(max_overlap, ov)
    if max_overlap > MAX_PAIR_OVERLAP_KM2:
        problems.append(f"pairwise overlap {max_overlap:.4f} km2 > {MAX_PAIR_OVERLAP_KM2}")
    total_change = (a1.sum() / a0.sum() - 1) * 100
    if abs(total_change) > MAX_TOTAL_AREA_CHANGE_PCT:
        problems.append(f"total area change {total_change:.3f}% > {MAX_TOTAL_AREA_CHANGE_PCT}%")

    # ---- write --------------------------------------------------------------
    header = {
        "type": "FeatureCollection",
        "metadata": metadata(src.get("metadata", {})),
    }
    features = [
        {
            "type": "Feature",
            "properties": {"district": name, "district_en": name_en, "adcode": adcode},
            "geometry": geometry_json(geom),
        }
        for (adcode, name, name_en, _), geom in zip(rows, simplified, strict=True)
    ]
    head = dump(header)
    assert head.endswith("}")
    text = head[:-1] + ',"features":[\n' + ",\n".join(dump(f) for f in features) + "\n]}\n"
    # Round-trip check: the text is valid JSON with the intended content.
    assert json.loads(text)["features"] == json.loads(dump(features))

    out: Path = args.output
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(text.encode("utf-8"))

    # ---- report -------------------------------------------------------------
    print(f"source  {src_path} (sha256 ok)")
    print(f"output  {out}")
    print(f"tolerance {TOLERANCE_DEG} deg (~21 m), coordinates rounded to {DECIMALS} decimals")
    print()
    print(
        f"{'adcode':<7} {'district':<20} {'verts':>6} {'->':>2} {'verts':>5} "
        f"{'area km2':>10} {'d area %':>9} {'Hausdorff m':>11}"
    )
    for k, (adcode, _, name_en, _) in enumerate(rows):
        print(
            f"{adcode:<7} {name_en:<20} {v0[k]:>6} -> {v1[k]:>5} "
            f"{a1[k] / 1e6:>10.3f} {(a1[k] / a0[k] - 1) * 100:>+9.4f} {hd[k]:>11.1f}"
        )
    rel = (a1 / a0 - 1) * 100
    print()
    print(f"vertices: {v0.sum()} -> {v1.sum()} ({v1.sum() / v0.sum() * 100:.1f}%)")
    print(
        f"max |area change| per district: {np.abs(rel).max():.4f}% "
        f"({rows[int(np.abs(rel).argmax())][2]})"
    )
    print(f"total area: {a0.sum() / 1e6:.3f} -> {a1.sum() / 1e6:.3f} km2 ({total_change:+.4f}%)")
    print(f"max pairwise overlap: {max_overlap:.6f} km2")
    print(f"max Hausdorff distance: {hd.max():.1f} m")
    print(
        f"file size: {len(text.encode('utf-8'))} bytes, sha256 "
        f"{hashlib.sha256(text.encode('utf-8')).hexdigest()}"
    )

    if problems:
        for p in problems:
            print(f"error: {p}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
