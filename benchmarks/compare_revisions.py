"""Every output of ``pvsite run`` and of ``estimate(..., planes=True)`` against another revision.

    python benchmarks/compare_revisions.py --base REV [--atol-rel 1e-9]

Checks out ``REV`` (a commit, tag or branch of this repository) into a temporary git worktree,
runs the same job there and here, each in a fresh interpreter with its own ``src/`` first on
``sys.path``, and compares:

- every file of ``pvsite run --out DIR`` on the bundled data (CSV tables column by column,
  GeoJSON feature properties and coordinates, report.md line by line; PNG maps are not
  compared, they carry no numbers that the tables don't);
- every column of ``estimate(bundled buildings, bundled weather, planes=True)``: the building
  table and the plane table.

Numbers must agree to a relative ``--atol-rel`` (default 1e-9), everything else exactly.
Columns that exist only here are listed as new (a new column is not a change of an old one).
Writes ``benchmarks/results/compare_revisions.json``; exits 1 on any difference.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import os, sys, pickle
os.environ.setdefault("MPLBACKEND", "Agg")
import pandas as pd
import pvsite
from pvsite.cli import main
out = sys.argv[1]
assert main(["run", "--out", os.path.join(out, "run")]) == 0
b = pvsite.datasets.shanghai_buildings()
w = pvsite.datasets.shanghai_weather()
result, planes = pvsite.estimate(b, w, planes=True)
with open(os.path.join(out, "estimate.pkl"), "wb") as f:
    pickle.dump({"result": pd.DataFrame(result), "planes": pd.DataFrame(planes),
                 "src": pvsite.__file__}, f)
"""


def _run(src: Path, out: Path) -> None:
    env = {"PYTHONPATH": str(src), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", CHILD, str(out)], check=True, env=env,
                   cwd=out, capture_output=True, text=True)


def _compare_frames(name: str, old, new, rel: float) -> dict:
    import numpy as np
    import pandas as pd
    import shapely

    diffs: dict[str, str] = {}
    if len(old) != len(new) or not old.index.equals(new.index):
        return {"rows": f"{len(old)} before, {len(new)} after (or a different index)"}
    for col in old.columns:
        if col not in new.columns:
            diffs[col] = "missing after"
            continue
        a, b = old[col], new[col]
        if isinstance(a.dtype, pd.api.extensions.ExtensionDtype) and a.dtype.name == "geometry" \
                or (len(a) and isinstance(a.iloc[0], shapely.Geometry)):
            ga, gb = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
            same = shapely.equals_exact(ga, gb, tolerance=1e-6) | (
                pd.isna(ga) & pd.isna(gb))
            if not same.all():
                diffs[col] = f"{int((~same).sum())} geometries differ"
            continue
        if len(a) and isinstance(a.iloc[0], np.ndarray | list):
            x = np.stack([np.asarray(v, dtype=float) for v in a])
            y = np.stack([np.asarray(v, dtype=float) for v in b])
            if x.shape != y.shape or not np.allclose(x, y, rtol=rel, atol=0, equal_nan=True):
                diffs[col] = "arrays differ"
            continue
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
            ok = np.isclose(x, y, rtol=rel, atol=0, equal_nan=True)
            if not ok.all():
                worst = np.nanmax(np.abs(x - y) / np.maximum(np.abs(x), 1e-300))
                diffs[col] = f"{int((~ok).sum())} values differ (worst relative {worst:.3g})"
            continue
        x, y = a.astype(object).where(a.notna(), None), b.astype(object).where(b.notna(), None)
        bad = x.to_numpy() != y.to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            diffs[col] = (f"{int(bad.sum())} values differ, first at row {i}: "
                          f"{x.iloc[i]!r} -> {y.iloc[i]!r}")
    return diffs


def _compare_runs(old: Path, new: Path, rel: float) -> dict:
    import geopandas as gpd
    import pandas as pd

    report: dict[str, dict | str] = {}
    for f in sorted(p.name for p in old.iterdir()):
        if not (new / f).exists():
            report[f] = "missing after"
        elif f.endswith(".csv"):
            report[f] = _compare_frames(f, pd.read_csv(old / f), pd.read_csv(new / f), rel)
        elif f.endswith(".geojson"):
            report[f] = _compare_frames(f, gpd.read_file(old / f), gpd.read_file(new / f), rel)
        elif f.endswith(".md"):
            a, b = (old / f).read_text().splitlines(), (new / f).read_text().splitlines()
            changed = [f"{x!r} -> {y!r}" for x, y in zip(a, b, strict=False) if x != y]
            if len(a) != len(b):
                changed.append(f"{len(a)} lines before, {len(b)} after")
            report[f] = {"lines": "; ".join(changed[:5])} if changed else {}
    return report


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, help="revision to compare against")
    ap.add_argument("--rel", type=float, default=1e-9, help="relative tolerance for numbers")
    args = ap.parse_args(argv)
    import pickle

    import pandas as pd

    rev = subprocess.run(["git", "rev-parse", args.base], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "src"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout.strip())
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        tree = tmp / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), rev], cwd=ROOT,
                       check=True, capture_output=True)
        try:
            (tmp / "old").mkdir()
            (tmp / "new").mkdir()
            _run(tree / "src", tmp / "old")
            _run(ROOT / "src", tmp / "new")
            files = _compare_runs(tmp / "old" / "run", tmp / "new" / "run", args.rel)
            old = pickle.loads((tmp / "old" / "estimate.pkl").read_bytes())
            new = pickle.loads((tmp / "new" / "estimate.pkl").read_bytes())
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                           check=False, capture_output=True)
    frames = {k: _compare_frames(k, pd.DataFrame(old[k]), pd.DataFrame(new[k]), args.rel)
              for k in ("result", "planes")}
    new_cols = {k: sorted(set(new[k].columns) - set(old[k].columns)) for k in frames}
    differ = {k: v for k, v in {**files, **{f"estimate:{k}": v for k, v in frames.items()}}
              .items() if v}
    payload = {"base": rev, "head": head, "head_has_uncommitted_src_changes": dirty,
               "relative_tolerance": args.rel,
               "compared": {"run_files": sorted(files),
                            "estimate_columns": {k: sorted(old[k].columns) for k in frames},
                            "rows": {k: len(old[k]) for k in frames}},
               "new_columns": new_cols, "differences": differ, "equal": not differ}
    path = write("compare_revisions", payload)
    print(json.dumps({"equal": not differ, "differences": differ, "new_columns": new_cols},
                     indent=2))
    print(f"wrote {path}")
    return 0 if not differ else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
