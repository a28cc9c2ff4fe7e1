"""A surface model under a synthetic city: what ``estimate(..., dsm=)`` adds.

    python benchmarks/bench_dsm.py [N ...]      # default: 5000 20000

For each size, in a fresh process: a synthetic city (``pvsite.synthetic_city``) and a 1 m
GeoTIFF over it (a plane rising 1 cm per metre northward, written to a temporary folder);
then ``estimate`` without and with ``dsm=``, and the two DSM stages alone
(``roofs.planes_from_dsm``, ``shading.dsm_horizons``). Writes
benchmarks/results/bench_dsm.json. No target in the issues; the figures say what a city-wide
surface model costs per building.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import run_in_child, write  # noqa: E402

CHILD = """
import json, tempfile, time
from pathlib import Path
import numpy as np, rasterio
from rasterio.transform import from_origin
import pvsite
from pvsite.geometry import horizons as shading
from pvsite.crs import to_metric
from pvsite.geometry import roofs
from pvsite.inputs._synth import synthetic_city
from _common import peak_rss_mb
n = {n}
city = synthetic_city(n, seed=0)
metric = to_metric(city)
x0, y0, x1, y1 = metric.total_bounds
res, pad = 1.0, 100.0
cols, rows = int((x1 - x0 + 2 * pad) / res), int((y1 - y0 + 2 * pad) / res)
gy = y1 + pad - (np.arange(rows) + 0.5) * res
z = np.repeat((4 + 0.01 * (gy - y0)).astype("float32")[:, None], cols, axis=1)
path = Path(tempfile.mkdtemp()) / "dsm.tif"
with rasterio.open(path, "w", driver="GTiff", width=cols, height=rows, count=1,
                   dtype="float32", crs=metric.crs, tiled=True,
                   transform=from_origin(x0 - pad, y1 + pad, res, res)) as dst:
    dst.write(z, 1)
w = pvsite.datasets.shanghai_weather()
pvsite.estimate(city.head(50), w, dsm=path, progress=False)  # compile and cache first
t = time.perf_counter(); pvsite.estimate(city, w, progress=False)
plain = time.perf_counter() - t
t = time.perf_counter(); r = pvsite.estimate(city, w, dsm=path, progress=False)
with_dsm = time.perf_counter() - t
t = time.perf_counter(); planes = roofs.planes_from_dsm(metric, path)
planes_s = time.perf_counter() - t
t = time.perf_counter(); shading.dsm_horizons(metric.geometry.to_numpy(), None, path)
horizons_s = time.perf_counter() - t
path.unlink()
print(json.dumps({{"n": n, "raster_pixels": rows * cols, "estimate_seconds": plain,
                  "estimate_with_dsm_seconds": with_dsm, "planes_from_dsm_seconds": planes_s,
                  "dsm_horizons_seconds": horizons_s, "planes": len(planes),
                  "buildings_with_dsm_planes": int(planes["building"].nunique()),
                  "peak_rss_mb": peak_rss_mb()}}))
"""


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [5_000, 20_000]
    here = str(Path(__file__).resolve().parent)
    runs = [run_in_child(f"import sys; sys.path.insert(0, {here!r})\n" + CHILD.format(n=n))
            for n in sizes]
    for r in runs:
        r["ms_per_building_added_by_dsm"] = 1000 * (r["estimate_with_dsm_seconds"]
                                                    - r["estimate_seconds"]) / r["n"]
    path = write("bench_dsm", {"runs": runs})
    for r in runs:
        print(f"{r['n']:>7,} buildings, {r['raster_pixels'] / 1e6:.0f} Mpx: estimate "
              f"{r['estimate_seconds']:.1f} s, with dsm {r['estimate_with_dsm_seconds']:.1f} s "
              f"({r['ms_per_building_added_by_dsm']:.2f} ms a building); planes_from_dsm "
              f"{r['planes_from_dsm_seconds']:.1f} s, dsm_horizons "
              f"{r['dsm_horizons_seconds']:.1f} s; peak {r['peak_rss_mb']:.0f} MB")
    print(f"wrote {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
