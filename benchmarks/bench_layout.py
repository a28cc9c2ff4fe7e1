"""Layout: 10^5 and 10^6 synthetic footprints from usable polygon to module count.

    python benchmarks/bench_layout.py [N ...]     # default: 100000 1000000

Writes benchmarks/results/bench_layout.json: seconds for the usable polygons (setback and
narrow-strip removal, shapely/GEOS), for the packing alone (numba scanline, portrait and
landscape, rows due south and along the roof), and for the whole layout stage; peak memory.
Target (issue 4): packing 10^6 footprints in < 30 s on 2 cores.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_in_child, write  # noqa: E402

CHILD = """
import json, time
import numpy as np
import pvsite
from pvsite.geometry import layout
from pvsite.geometry._packing import edges_in_row_frame, pack
from pvsite.inputs._synth import synthetic_city
from pvsite.geometry.roofs import roof_planes
from _common import peak_rss_mb
n = {n}
city = synthetic_city(n, seed=0, crs=None)
city["roof:shape"] = "flat"
planes = roof_planes(city)
geoms = planes["geometry"].to_numpy()
a = pvsite.Assumptions()
# warm the compiled packer on a few roofs so compilation is not timed
e = edges_in_row_frame(geoms[:10], np.zeros(10), np.ones(10))
pack(*e, np.full(10, 2.0), np.full(10, 4.0), np.full(10, 1.134), 4)
t = time.perf_counter()
usable = layout.usable_polygons(geoms, layout.edge_setback(geoms), a.min_width_m)
t_usable = time.perf_counter() - t
t = time.perf_counter()
total = 0
for facing in (0.0, 5.0):
    edges = edges_in_row_frame(usable, np.full(n, facing), np.ones(n))
    for slant, along in ((a.module_length_m, a.module_width_m),
                         (a.module_width_m, a.module_length_m)):
        depth = slant * np.cos(np.radians(28))
        counts, rows = pack(*edges, np.full(n, depth), np.full(n, depth + 2.2 * slant * 0.47),
                            np.full(n, along), 4)
        total += int(counts.sum())
t_pack = time.perf_counter() - t
t = time.perf_counter()
laid = layout.layout_planes(planes, latitude=31.2, flat_tilt=28.0,
                            obstruction_share=np.full(n, 0.25),
                            setback=layout.edge_setback(geoms), assumptions=a)
t_layout = time.perf_counter() - t
print(json.dumps({{"n": n, "usable_seconds": t_usable, "packing_seconds": t_pack,
                  "layout_planes_seconds": t_layout, "peak_rss_mb": peak_rss_mb(),
                  "modules": int(laid["n_modules"].sum())}}))
"""


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [100_000, 1_000_000]
    here = str(Path(__file__).resolve().parent)
    runs = [run_in_child(f"import sys; sys.path.insert(0, {here!r})\n" + CHILD.format(n=n))
            for n in sizes]
    path = write("bench_layout", {"runs": runs, "targets": {"packing_seconds_1e6": 30}})
    for r in runs:
        print(f"{r['n']:>9,} footprints: usable {r['usable_seconds']:.1f} s, packing "
              f"{r['packing_seconds']:.1f} s (4 layouts each), whole layout stage "
              f"{r['layout_planes_seconds']:.1f} s, peak {r['peak_rss_mb']:.0f} MB")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
