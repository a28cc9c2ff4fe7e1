"""Fuzz ``pvsite.estimate`` with seeded random buildings: none lost, no exception (issue 9).

Not a test: a long run of the properties of tests/test_properties.py on random batches of
good and broken footprints (rectangles, random and self-intersecting polygons, bowties,
slivers, zero-area rings, holes, MultiPolygons, duplicates, NaN vertices, None, empty
geometries, points, lines, collections) with odd attributes (heights NaN, 0, negative, 9999,
or Chinese text; any roof:shape, Chinese ones too; arbitrary institution_type text, English
and Chinese) on a random index of mixed labels, in
EPSG:32651 or, for one batch in five, in WGS84. Every batch is checked for:

* rows in == rows out, same index, same order (a lost row is a failure);
* ``status`` in {ok, unsuitable, invalid} and a ``reason`` string on every row;
* ``capacity_kwp >= 0`` and ``annual_kwh >= 0``; zero for every row whose status is not ok;
* ``shading_loss`` within 0..1, and the unshaded specific yield,
  ``specific_yield_kwh_per_kwp / (1 - shading_loss)``, within 500..1600 wherever capacity > 0;
* no exception from estimate.

Then ``--weather-years`` (default 1,000) broken weather years (issue 21: irradiance in kWh/m^2
or MJ/m^2, GHI and DHI swapped, missing-value codes, GHI below DHI, a leap February in a
typical year, naive timestamps in a zone with daylight saving, short gaps, a week of NaN,
irradiance times any of ``UNIT_FACTORS``, missing or extra days, shuffled rows) go through
``read_weather``: each must be refused with a one-line WeatherDataError or come out whole
(no NaN, plausible values, the annual GHI of the year it was made from); a traceback or a
wrong year accepted is a failure. The first ``--weather-estimates`` (default 100) accepted
years also run ``estimate`` on five buildings: a traceback, or a specific yield outside
500..1600 kWh/kWp (a silently wrong unit), is a failure.

Writes benchmarks/results/fuzz_estimate.json; its ``first_failures`` keep the generator state
of each failing batch (``rng.bit_generator.state = state`` then ``batch(rng, rows, ...)``
rebuilds it). Usage::

    python benchmarks/fuzz_estimate.py [--buildings 50000] [--seed 9]

The first run found two inputs that raised (``roof:shape='skillion'`` and NaN/infinite
vertices); both are fixed and drawn again like any other input.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import pvsite

X0, Y0 = 350_000.0, 3_450_000.0  # EPSG:32651 [m]: Shanghai
STATUSES = {"ok", "unsuitable", "invalid"}
YIELD_RANGE = (500.0, 1600.0)  # [kWh/kWp] for the bundled Shanghai year, as in the tests
ROOF_SHAPES = ["flat", "flat", "gabled", "hipped", "dome", "pyramidal", "Flat ", None,
               "skillion", "平屋顶", "平顶", "双坡", "四坡", "不知道", "ＦＬＡＴ"]
#: Heights and storeys as Chinese GIS files write them (issue 21), drawn for one row in ten.
TEXT_HEIGHTS = ["约20米", "20米", "２０", "20m", "高层", "二十米", ""]
TEXT_LEVELS = ["地上5层", "5层", "五层", "二十八层", "５", "地上5层，地下2层", "若干"]
KINDS = {  # kind of footprint: weight
    "rectangle": 30, "random_polygon": 8, "bowtie": 5, "sliver": 5, "zero_area": 4,
    "holes": 6, "multipolygon": 8, "duplicate": 5, "nan_vertex": 2, "none": 4, "empty": 4,
    "point": 3, "line": 3, "collection": 3, "huge": 1,
}
RESULT = Path(__file__).parent / "results" / "fuzz_estimate.json"


def rectangle(rng, x, y, max_side=120.0):
    w, h = rng.uniform(0.5, max_side, 2)
    box = shapely.box(x, y, x + w, y + h)
    return shapely.affinity.rotate(box, rng.choice([0.0, 0.0, 45.0, rng.uniform(0, 180)]),
                                   origin="centroid")


def footprint(kind, rng, earlier):
    """One footprint [m, EPSG:32651] of the given kind."""
    x, y = X0 + rng.uniform(-3000, 3000), Y0 + rng.uniform(-3000, 3000)
    if kind == "rectangle":
        return rectangle(rng, x, y)
    if kind == "random_polygon":
        pts = rng.uniform(-60, 60, (rng.integers(3, 9), 2)) + (x, y)
        return shapely.Polygon(pts)
    if kind == "bowtie":
        w, h = rng.uniform(0.5, 120, 2)
        return shapely.Polygon([(x, y), (x + w, y + h), (x + w, y), (x, y + h)])
    if kind == "sliver":
        box = shapely.box(x, y, x + 10 ** rng.uniform(-6, -0.3), y + rng.uniform(5, 150))
        return shapely.affinity.rotate(box, rng.uniform(0, 180), origin="centroid")
    if kind == "zero_area":
        d = rng.uniform(0.5, 100)
        if rng.random() < 0.5:
            return shapely.Polygon([(x, y), (x + d, y + d), (x + 2 * d, y + 2 * d)])
        return shapely.Polygon([(x, y)] * 4)
    if kind == "holes":
        outer = rectangle(rng, x, y)
        minx, miny, maxx, maxy = outer.bounds
        holes = []
        for _ in range(rng.integers(1, 3)):
            fx, fy = np.sort(rng.uniform(-0.1, 1.1, 2)), np.sort(rng.uniform(-0.1, 1.1, 2))
            holes.append(shapely.box(minx + fx[0] * (maxx - minx), miny + fy[0] * (maxy - miny),
                                     minx + fx[1] * (maxx - minx), miny + fy[1] * (maxy - miny)
                                     ).exterior.coords)
        return shapely.Polygon(outer.exterior.coords, holes)
    if kind == "multipolygon":
        spread = rng.choice([60.0, 1000.0])
        return shapely.MultiPolygon([rectangle(rng, x + dx, y + dy, max_side=60)
                                     for dx, dy in rng.uniform(0, spread,
                                                               (rng.integers(2, 4), 2))])
    if kind == "duplicate":
        return earlier[rng.integers(len(earlier))] if earlier else None
    if kind == "nan_vertex":
        return shapely.Polygon([(x, y), (x + 30, y), (x + 30, np.nan), (x, y + 20)])
    if kind == "none":
        return None
    if kind == "empty":
        return [shapely.Polygon(), shapely.MultiPolygon(),
                shapely.GeometryCollection()][rng.integers(3)]
    if kind == "point":
        return shapely.Point(x, y)
    if kind == "line":
        return shapely.LineString(rng.uniform(-50, 50, (rng.integers(2, 5), 2)) + (x, y))
    if kind == "collection":
        return shapely.GeometryCollection([rectangle(rng, x, y),
                                           shapely.LineString([(x, y), (x + 50, y)])])
    if kind == "huge":  # a 0.5-2 km wide footprint: an airport terminal, or a unit mistake
        side = rng.uniform(500, 2000)
        return shapely.box(x, y, x + side, y + side * rng.uniform(0.2, 1))
    raise ValueError(kind)


def labels(rng, n):
    """n unique labels: integers, strings or a mix of both."""
    style = rng.integers(3)
    ints = rng.choice(10**9, size=n, replace=False) - 5 * 10**8
    if style == 0:
        return pd.Index(ints)
    strs = [f"b{v}" if rng.random() < 0.7 else f"楼 {v}" for v in ints]
    if style == 1:
        return pd.Index(strs, dtype=object)
    return pd.Index([int(i) if rng.random() < 0.5 else s for i, s in zip(ints, strs, strict=True)],
                    dtype=object)


def batch(rng, n, roof_shapes, kinds=KINDS):
    """A GeoDataFrame of n random buildings and the kind of each."""
    names, weights = list(kinds), np.array(list(kinds.values()), dtype=float)
    kinds = rng.choice(names, size=n, p=weights / weights.sum())
    geoms = []
    for kind in kinds:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN vertex
            geoms.append(footprint(kind, rng, geoms))
    heights = np.where(rng.random(n) < 0.3, rng.choice([np.nan, 0.0, -5.0, 9999.0], n),
                       rng.uniform(3, 150, n))
    levels = np.where(rng.random(n) < 0.3, rng.choice([np.nan, 0.0, -2.0, 9999.0], n),
                      rng.integers(1, 60, n).astype(float))
    words = ["school", "University ", "hospital", "government", "other_public", "", "医院",
             None, "x" * 40, "\x00", "nan", "学校", "政府机关", "高校", "卫生院", "工厂",
             "上海市第一人民医院", "ＳＣＨＯＯＬ"]
    if rng.random() < 0.5:  # half the batches have text heights and storeys in some rows
        text = rng.random(n) < 0.1
        heights = np.where(text, rng.choice(TEXT_HEIGHTS, n), heights.astype(object))
        levels = np.where(rng.random(n) < 0.1, rng.choice(TEXT_LEVELS, n),
                          levels.astype(object))
    gdf = gpd.GeoDataFrame({
        "height": heights,
        "building:levels": levels,
        "roof:shape": [roof_shapes[i] for i in rng.integers(len(roof_shapes), size=n)],
        "roof:angle": np.where(rng.random(n) < 0.2, rng.choice([np.nan, 0, -10, 45, 89, 90], n),
                               np.nan),
        "institution_type": [words[i] for i in rng.integers(len(words), size=n)],
    }, geometry=geoms, crs="EPSG:32651", index=labels(rng, n))
    if rng.random() < 0.2:  # one batch in five in WGS84: estimate picks the UTM zone itself
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            gdf = gdf.to_crs(4326)
    return gdf, kinds


def where(exc):
    """``file:line`` of the deepest pvsite frame of an exception's traceback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "pvsite" in f.filename]
    f = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{Path(f.filename).name}:{f.lineno} {f.line}"


def check(b, r):
    """Names of the properties that ``r = estimate(b)`` breaks (empty when all hold)."""
    broken = []
    if len(r) != len(b) or not r.index.equals(b.index):
        broken.append("rows or index changed")
        return broken
    if not set(r["status"]) <= STATUSES:
        broken.append("status outside ok/unsuitable/invalid")
    if not all(isinstance(x, str) for x in r["reason"]):
        broken.append("reason not a string")
    cap, kwh = r["capacity_kwp"].to_numpy(float), r["annual_kwh"].to_numpy(float)
    if not (np.all(cap >= 0) and np.all(kwh >= 0)):
        broken.append("negative or NaN capacity_kwp/annual_kwh")
    loss = r["shading_loss"].to_numpy(float)
    if not np.all((loss >= 0) & (loss <= 1)):
        broken.append("shading_loss outside 0..1")
    used = (cap > 0) & (loss < 1)
    sy = r["specific_yield_kwh_per_kwp"].to_numpy(float)[used] / (1 - loss[used])
    if not np.all((sy >= YIELD_RANGE[0]) & (sy <= YIELD_RANGE[1])):
        broken.append("unshaded specific yield outside 500..1600 kWh/kWp")
    not_ok = (r["status"] != "ok").to_numpy()
    if np.any(cap[not_ok] != 0) or np.any(kwh[not_ok] != 0):
        broken.append("capacity or energy on a row that is not ok")
    return broken


#: Kinds of broken weather year (issue 21) and whether read_weather must refuse them.
WEATHER_BREAKS = {  # kind: must be refused
    "kwh_units": True, "mj_units": True, "swapped_ghi_dhi": True, "long_code_run": True,
    "codes": False, "ghi_below_dhi": False, "leap_february": False, "dst_naive_standard": False,
    "dst_naive_wall_clock": False, "short_gaps": False, "intact": False,
    "unit_factor": True, "wrong_length": True, "shuffled": False, "nan_run": True,
}
#: Factors a wrong unit multiplies irradiance by: W/m^2 read as kWh/m^2 (1/1000), MJ/m^2
#: per hour (0.0036), J/cm^2 (0.036), tenths (10), hundredths (0.01), kJ/m^2 (3.6).
UNIT_FACTORS = (0.001, 0.0036, 0.036, 0.01, 0.1, 10.0, 3.6, 1 / 3.6)
_PLAUSIBLE = {"ghi": (0, 1500), "dni": (0, 1500), "dhi": (0, 1500), "temp_air": (-90, 60),
              "wind_speed": (0, 75)}


def broken_weather(rng, base):
    """A broken copy of the bundled year as a plain DataFrame, its kind and read_weather's
    keyword arguments."""
    df = base[["ghi", "dni", "dhi", "temp_air", "wind_speed"]].copy()
    df.attrs = {}
    kind = str(rng.choice(list(WEATHER_BREAKS)))
    kwargs = {"latitude": 31.2, "longitude": 121.45, "time_label": "middle"}
    n = len(df)
    if kind == "kwh_units":
        df[["ghi", "dni", "dhi"]] /= 1000.0
    elif kind == "mj_units":
        df[["ghi", "dni", "dhi"]] *= 3600 / 1e6
    elif kind == "swapped_ghi_dhi":
        df = df.rename(columns={"ghi": "dhi", "dhi": "ghi"})
    elif kind in ("codes", "long_code_run"):
        col = str(rng.choice(["ghi", "dni", "dhi", "temp_air", "wind_speed"]))
        code = {"ghi": 9999.0, "dni": -999.0, "dhi": 9999.0, "temp_air": 99.9,
                "wind_speed": 999.0}[col]
        if kind == "codes":  # isolated hours: filled
            rows = rng.choice(np.arange(1, n - 1, 3), size=int(rng.integers(1, 200)),
                              replace=False)
        else:
            start = int(rng.integers(0, n - 30))
            rows = np.arange(start, start + int(rng.integers(4, 30)))
        df.iloc[rows, df.columns.get_loc(col)] = code
    elif kind == "ghi_below_dhi":
        sunny = np.flatnonzero(df["dni"].to_numpy() > 200)
        rows = rng.choice(sunny, size=int(rng.integers(1, len(sunny) // 4)), replace=False)
        df.iloc[rows, df.columns.get_loc("ghi")] = df["dhi"].to_numpy()[rows] * rng.uniform(
            0, 0.9, rows.size)
    elif kind == "leap_february":
        naive = df.index.tz_localize(None)
        feb = df[naive.month == 2]
        extra = feb.iloc[-24:].copy()
        feb_idx = naive[naive.month == 2].map(lambda t: t.replace(year=2024))
        extra.index = feb_idx[-24:] + pd.Timedelta(days=1)
        feb.index = feb_idx
        df.index = naive
        df = pd.concat([df[naive.month == 1], feb, extra, df[naive.month > 2]])
        kwargs["tz"] = "Asia/Shanghai"
    elif kind == "dst_naive_standard":  # Berlin's clock without summer time, Shanghai's sun
        df.index = (df.index.tz_convert("UTC") + pd.Timedelta(hours=1)).tz_localize(None)
        kwargs.update(tz="Europe/Berlin", longitude=121.45)
    elif kind == "dst_naive_wall_clock":
        df.index = df.index.tz_convert("UTC").tz_convert("Europe/Berlin").tz_localize(None)
        kwargs.update(tz="Europe/Berlin")
    elif kind == "unit_factor":
        df[["ghi", "dni", "dhi"]] *= float(rng.choice(UNIT_FACTORS))
    elif kind == "wrong_length":  # a chunk missing, or a second year's first days appended
        if rng.random() < 0.5:
            start = int(rng.integers(0, n - 800))
            df = df.drop(df.index[start:start + int(rng.integers(48, 800))])
        else:
            extra = df.iloc[: int(rng.integers(24, 400))].copy()
            extra.index = extra.index + pd.DateOffset(years=1)
            df = pd.concat([df, extra])
    elif kind == "shuffled":  # rows out of order: the times say where each belongs
        df = df.iloc[rng.permutation(n)]
    elif kind == "nan_run":  # a week of NaN: too long to fill
        col = str(rng.choice(["ghi", "dni", "dhi", "temp_air"]))
        start = int(rng.integers(0, n - 200))
        df.iloc[start:start + int(rng.integers(100, 200)), df.columns.get_loc(col)] = np.nan
    elif kind == "short_gaps":
        col = str(rng.choice(["ghi", "dni", "dhi", "temp_air", "wind_speed"]))
        start = int(rng.integers(1, n - 5))
        df.iloc[start:start + int(rng.integers(1, 4)), df.columns.get_loc(col)] = np.nan
    return df, kind, kwargs


def check_weather_year(w, base):
    """What is wrong with a weather year read_weather accepted (empty when nothing)."""
    broken = []
    if w.isna().to_numpy().any():
        broken.append("NaN left")
    for col, (lo, hi) in _PLAUSIBLE.items():
        v = w[col].to_numpy()
        if (v < lo).any() or (v > hi).any():
            broken.append(f"{col} outside {lo}..{hi}")
    annual = w["ghi"].sum() / 1000 * 8760 / len(w)
    base_annual = base["ghi"].sum() / 1000
    if not 0.8 * base_annual <= annual <= 1.2 * base_annual:  # a silently wrong unit
        broken.append(f"annual GHI {annual:.0f} kWh/m2, not about {base_annual:.0f}")
    if len(w) not in (8760, 8784) or not w.index.is_monotonic_increasing:
        broken.append("not one hourly year")
    return broken


def few_buildings():
    """Five footprints (flat, gabled, hipped; 15-60 m) of public institutions in Shanghai."""
    boxes = [shapely.box(X0 + 100 * i, Y0, X0 + 100 * i + 15 + 10 * i, Y0 + 12 + 8 * i)
             for i in range(5)]
    return gpd.GeoDataFrame({"roof:shape": ["flat", "gabled", "hipped", "flat", "gabled"],
                             "institution_type": ["school"] * 5}, geometry=boxes,
                            crs="EPSG:32651")


def check_weather_estimate(w, buildings):
    """What is wrong with estimate(buildings, w) on an accepted year (empty when nothing)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = pvsite.estimate(buildings, w, shading=False)
    kwp = r["capacity_kwp"].sum()
    if not kwp > 0:
        return ["no capacity"]
    sy = r["annual_kwh"].sum() / kwp
    lo, hi = YIELD_RANGE
    return [] if lo <= sy <= hi else [f"specific yield {sy:.0f} kWh/kWp outside {lo:g}..{hi:g}"]


def fuzz_weather(rng, years, base, estimates=100):
    """Read ``years`` broken weather years; count tracebacks, wrong acceptances, refusals.

    The first ``estimates`` accepted years also run ``estimate`` on :func:`few_buildings`:
    a traceback, or a specific yield outside ``YIELD_RANGE`` (a silently wrong unit), fails.
    """
    from pvsite.errors import PvsiteError, WeatherDataError

    outcome: Counter[str] = Counter()
    failures: list[dict] = []
    buildings = few_buildings()
    for _ in range(years):
        state = rng.bit_generator.state
        df, kind, kwargs = broken_weather(rng, base)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                w = pvsite.read_weather(df, **kwargs)
        except WeatherDataError as exc:
            outcome[f"{kind}: refused"] += 1
            if "\n" in str(exc):
                outcome[f"{kind}: multi-line message"] += 1
            continue
        except Exception as exc:  # noqa: BLE001 - a traceback is what is counted
            outcome[f"{kind}: traceback {type(exc).__name__}"] += 1
            if len(failures) < 5:
                failures.append({"kind": kind, "error": f"{type(exc).__name__}: {exc}"[:200],
                                 "rng_state": state})
            continue
        problems = check_weather_year(w, base)
        if WEATHER_BREAKS[kind]:
            problems.append("accepted although it must be refused")
        if estimates > 0:
            estimates -= 1
            outcome["estimates run"] += 1
            try:
                problems += check_weather_estimate(w, buildings)
            except PvsiteError as exc:  # refused by estimate, in one line: not a traceback
                outcome[f"{kind}: refused by estimate"] += 1
                if "\n" in str(exc):
                    outcome[f"{kind}: multi-line message"] += 1
            except Exception as exc:  # noqa: BLE001
                outcome[f"{kind}: estimate traceback {type(exc).__name__}"] += 1
                problems.append(f"estimate raised {type(exc).__name__}: {exc}"[:200])
        outcome[f"{kind}: accepted" + (" WRONG" if problems else "")] += 1
        if problems and len(failures) < 5:
            failures.append({"kind": kind, "broken": problems, "rng_state": state})
    return dict(sorted(outcome.items())), failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=50_000,
                        help="random buildings to estimate in all (at least 10,000)")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--max-batch", type=int, default=200,
                        help="largest batch; batch sizes are drawn from 1..max-batch")
    parser.add_argument("--weather-years", type=int, default=1000,
                        help="random broken weather years to read (issue 21)")
    parser.add_argument("--weather-estimates", type=int, default=100,
                        help="accepted weather years that also run estimate on 5 buildings")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args(argv)

    roof_shapes = ROOF_SHAPES
    kinds_drawn = KINDS
    rng = np.random.default_rng(args.seed)
    weather = pvsite.datasets.shanghai_weather()
    rows_in = rows_out = batches = lost = 0
    exceptions: Counter[str] = Counter()
    broken: Counter[str] = Counter()
    kinds_seen: Counter[str] = Counter()
    status_seen: Counter[str] = Counter()
    first_failures: list[dict] = []
    start = time.perf_counter()
    while rows_in < args.buildings:
        n = int(min(rng.integers(1, args.max_batch + 1), args.buildings - rows_in))
        state = rng.bit_generator.state  # to replay a failing batch
        b, kinds = batch(rng, n, roof_shapes, kinds_drawn)
        districts = None if rng.random() < 0.1 else False  # bundled districts now and then
        batches += 1
        rows_in += n
        kinds_seen.update(kinds)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = pvsite.estimate(b, weather, districts=districts)
        except Exception as exc:  # noqa: BLE001 - counting them is the point
            key = f"{type(exc).__name__}: {str(exc)[:120]}"
            exceptions[key] += 1
            lost += n
            if len(first_failures) < 5:
                first_failures.append({"batch": batches, "rows": n, "error": key,
                                       "where": where(exc),
                                       "rng_state": state})
            continue
        rows_out += len(r)
        lost += max(len(b) - len(r), 0)
        status_seen.update(r["status"])
        for what in check(b, r):
            broken[what] += 1
            if len(first_failures) < 5:
                first_failures.append({"batch": batches, "rows": n, "broken": what,
                                       "rng_state": state})
    seconds = time.perf_counter() - start
    weather_start = time.perf_counter()
    weather_outcome, weather_failures = fuzz_weather(rng, args.weather_years, weather,
                                                   estimates=args.weather_estimates)
    weather_bad = sum(v for k, v in weather_outcome.items()
                      if "WRONG" in k or "traceback" in k or "multi-line" in k)
    weather_seconds = round(time.perf_counter() - weather_start, 1)

    result = {
        "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "pvsite": pvsite.__version__,
        "python": platform.python_version(),
        "seed": args.seed,
        "examples": rows_in,
        "batches": batches,
        "rows_in": rows_in,
        "rows_out": rows_out,
        "rows_lost": lost,
        "exceptions": sum(exceptions.values()),
        "exception_kinds": dict(exceptions),
        "property_violations": dict(broken),
        "seconds": round(seconds, 1),
        "buildings_per_second": round(rows_in / seconds, 1),
        "status_counts": dict(status_seen),
        "footprint_kinds": dict(sorted(kinds_seen.items())),
        "roof_shapes": [str(s) for s in roof_shapes],
        "first_failures": first_failures,
        "weather_years": args.weather_years,
        "weather_outcomes": weather_outcome,
        "weather_tracebacks_or_wrongly_accepted": weather_bad,
        "weather_first_failures": weather_failures,
        "weather_seconds": weather_seconds,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n",
                        encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("examples", "batches", "rows_in", "rows_out",
                                             "rows_lost", "exceptions", "property_violations",
                                             "seconds", "weather_outcomes",
                                             "weather_tracebacks_or_wrongly_accepted")},
                     ensure_ascii=False))
    return 0 if lost == 0 and not exceptions and not broken and not weather_bad else 1


if __name__ == "__main__":
    raise SystemExit(main())
