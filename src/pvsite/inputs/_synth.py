"""Generators of the bundled demonstration data: a Shanghai typical year and a synthetic district.

Nothing here is measured. The weather year is *generated* from published monthly climatology
(each figure cited below); the buildings are *synthetic*, sized by the rules and assumptions
cited below. ``scripts/make_data.py`` runs these generators and writes ``data/weather`` and
``data/footprints``; the same seed gives the same files byte for byte.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

SEED = 20220701  # month the Shanghai public-institution plan appeared; any fixed seed would do

# ---------------------------------------------------------------------------------------------
# weather

#: Site of the generated year: central Shanghai (Xuhui/Huangpu), about 5 m above sea level.
SITE: dict[str, Any] = {"latitude": 31.20, "longitude": 121.45, "altitude": 5.0,
                        "tz": "Asia/Shanghai"}

#: Monthly mean daily global horizontal irradiation, Jan..Dec [kWh/m^2/day]. NASA Surface
#: meteorology and Solar Energy (SSE) release 6.0, 22-year average (July 1983 - June 2005),
#: 1-degree cell at 31 N 121 E; read from a copy of NASA's table page (see shared FACTS.md).
NASA_SSE_GHI = (2.63, 3.09, 3.53, 4.28, 4.84, 4.58, 5.17, 4.78, 4.07, 3.36, 2.79, 2.58)
#: Same source, diffuse horizontal, Jan..Dec [kWh/m^2/day]; used to report, not to fit.
NASA_SSE_DHI = (1.10, 1.41, 1.81, 2.18, 2.44, 2.53, 2.47, 2.25, 1.92, 1.53, 1.17, 0.99)

#: Monthly mean air temperature, Shanghai, Jan..Dec [degC]: the mean of 2008 and 2009 from the
#: China Statistical Yearbook (National Bureau of Statistics), table "Monthly Average
#: Temperature of Major Cities": Yearbook 2009 table 11-13 (2008) and Yearbook 2010 table 12-13
#: (2009). Two single years, not a 30-year normal.
NBS_TEMP_2008 = (4.2, 4.0, 11.4, 15.9, 21.6, 24.0, 30.2, 28.4, 25.6, 20.7, 13.1, 7.5)
NBS_TEMP_2009 = (3.8, 8.9, 10.6, 16.3, 21.9, 26.2, 28.8, 27.9, 25.0, 21.3, 12.1, 6.4)

#: Mean daily temperature range, Jan..Dec [K]: mean daily maximum minus minimum of the CMA
#: 1971-2000 climate table for Shanghai (rounded values, as tabulated in Wikipedia's "Geography
#: of Shanghai", source: China Meteorological Administration).
CMA_DAILY_RANGE = (7, 7, 7, 8, 8, 7, 7, 6, 6, 8, 8, 8)

#: Wind speed [m/s]: annual mean of the Shanghai Hongqiao TMYx 1956-2023 EPW (Climate.OneBuilding,
#: NOAA ISD station 583670), 3.38 m/s, held constant (it affects cell temperature only).
WIND_SPEED = 3.4

#: Day-to-day variability of the daily clear-sky index: a standardised AR(1) series with this
#: lag-1 autocorrelation (pvsite's choice, of the size of the TAG model of Aguiar &
#: Collares-Pereira 1992), scaled per month by a spread chosen so that the Erbs-decomposed
#: diffuse of the month equals NASA SSE's monthly diffuse (NASA_SSE_DHI), and clipped to
#: K_MIN..K_MAX of clear sky.
DAILY_AR1 = 0.3
K_MIN, K_MAX, SPREAD_MAX = 0.05, 1.0, 3.0
#: Day-to-day air temperature anomaly [K]: AR(1), lag-1 correlation 0.7, standard deviation 2 K.
TEMP_AR1, TEMP_SD = 0.7, 2.0


def _ar1(rng: np.random.Generator, n: int, phi: float, sd: float) -> np.ndarray:
    eps = rng.normal(0.0, sd * np.sqrt(1 - phi**2), n)
    x = np.empty(n)
    x[0] = rng.normal(0.0, sd)
    for i in range(1, n):
        x[i] = phi * x[i - 1] + eps[i]
    return x


def generate_weather(seed: int = SEED, year: int = 2023) -> pd.DataFrame:
    """Generate the Shanghai typical year (hourly, labelled at the middle of each hour).

    Method
    ------
    1. Clear-sky GHI each hour from pvlib's Ineichen-Perez model with the site's monthly
       Linke turbidity from pvlib's climatology (``pvlib.clearsky.lookup_linke_turbidity``).
    2. A daily clear-sky index ``k_d = K_m (1 + s z_d)``: ``K_m`` the month's mean, ``z_d`` a
       standardised AR(1) series (``DAILY_AR1``), clipped to ``K_MIN..K_MAX``; each month's hours
       are then scaled so that its GHI equals ``NASA_SSE_GHI`` times its days, exactly.
    3. DNI and DHI from GHI with the Erbs et al. (1982) decomposition (``pvlib.irradiance.erbs``);
       the spread ``s`` of each month is found by bisection so that the month's diffuse equals
       ``NASA_SSE_DHI`` (where a spread up to ``SPREAD_MAX`` can reach it).
    4. Air temperature: monthly mean (``NBS_TEMP_*``) plus a day-to-day AR(1) anomaly with zero
       monthly mean, plus a daily cosine of amplitude half the ``CMA_DAILY_RANGE``, lowest at
       05:00 and highest at 14:00 solar time. Monthly means equal the cited ones exactly.
    """
    import pvlib

    rng = np.random.default_rng(seed)
    lat, lon = SITE["latitude"], SITE["longitude"]
    start = pd.Timestamp(f"{year}-01-01 00:30", tz=SITE["tz"])
    times = pd.date_range(start, periods=8760, freq="1h")
    loc = pvlib.location.Location(lat, lon, tz=SITE["tz"], altitude=SITE["altitude"])
    solpos = loc.get_solarposition(times)
    clear = loc.get_clearsky(times, model="ineichen", solar_position=solpos)["ghi"].to_numpy()
    month = times.month.to_numpy()
    day = times.dayofyear.to_numpy() - 1
    ndays = 365
    days_in_month = np.array([pd.Timestamp(year, m, 1).days_in_month for m in range(1, 13)])
    target = np.array(NASA_SSE_GHI) * days_in_month * 1000.0  # Wh/m^2 per month

    z = _ar1(rng, ndays, DAILY_AR1, 1.0)
    month_of_day = pd.date_range(f"{year}-01-01", periods=ndays, freq="D").month.to_numpy()
    zenith = solpos["zenith"].to_numpy()
    ghi, dni, dhi = np.empty(8760), np.empty(8760), np.empty(8760)
    for m in range(1, 13):
        hours = month == m
        zm = z[month_of_day == m]
        zm = (zm - zm.mean()) / zm.std()
        first_day = day[hours].min()
        target_dhi = NASA_SSE_DHI[m - 1] * days_in_month[m - 1] * 1000.0

        def month_for(spread: float, hours: np.ndarray = hours, zm: np.ndarray = zm,
                      first_day: int = first_day, m: int = m) -> tuple[np.ndarray, ...]:
            k_mean = target[m - 1] / clear[hours].sum()
            k_day = np.clip(k_mean * (1 + spread * zm), K_MIN, K_MAX)
            g = clear[hours] * k_day[day[hours] - first_day]
            g *= target[m - 1] / g.sum()
            parts = pvlib.irradiance.erbs(g, zenith[hours], times[hours])
            return (g, np.nan_to_num(np.asarray(parts["dni"], dtype=float)),
                    np.nan_to_num(np.asarray(parts["dhi"], dtype=float)))

        lo, hi = 0.0, SPREAD_MAX  # diffuse falls as the spread of clear and cloudy days grows
        for _ in range(30):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if month_for(mid)[2].sum() > target_dhi else (lo, mid)
        ghi[hours], dni[hours], dhi[hours] = month_for((lo + hi) / 2)

    t_month = (np.array(NBS_TEMP_2008) + np.array(NBS_TEMP_2009)) / 2
    anomaly = _ar1(rng, ndays, TEMP_AR1, TEMP_SD)
    for m in range(1, 13):
        sel = month_of_day == m
        anomaly[sel] -= anomaly[sel].mean()
    solar_hour = (times.hour.to_numpy() + 0.5 + (lon - 120.0) / 15.0) % 24
    diurnal = -np.cos(2 * np.pi * (solar_hour - 5.0) / 18.0)  # -1 at 05:00, +1 at 14:00
    diurnal = np.where((solar_hour >= 5) & (solar_hour <= 14), diurnal,
                       np.cos(np.pi * ((solar_hour - 14.0) % 24) / 15.0))
    diurnal -= pd.Series(diurnal).groupby(day).transform("mean").to_numpy()
    temp = (t_month[month - 1] + anomaly[day]
            + np.array(CMA_DAILY_RANGE)[month - 1] / 2 * diurnal)

    data = pd.DataFrame(
        {"ghi": ghi, "dni": dni, "dhi": dhi, "temp_air": temp,
         "wind_speed": np.full(8760, WIND_SPEED)}, index=times)
    data.attrs = {
        "title": "Shanghai typical year GENERATED from published monthly climatology",
        "label": "generated",
        "source": (f"pvsite generated year (seed {seed}): monthly GHI and DHI NASA SSE 6.0 "
                   "(31N 121E), temperature NBS China Statistical Yearbook 2008-2009 means, daily "
                   "range CMA 1971-2000; hourly shape pvlib Ineichen clear sky; Erbs "
                   "decomposition"),
        **SITE, "time_label": "middle",
    }
    return data


# ---------------------------------------------------------------------------------------------
# buildings

#: Building templates per institution type: number of buildings (min, max), footprint length
#: and width ranges [m], storeys (min, max). pvsite's own demonstration assumptions, bounded by
#: GB 50099-2011 (Code for design of school), 4.3.2: main teaching rooms of primary schools not
#: above the 4th floor, of secondary schools not above the 5th.
TEMPLATES: dict[str, dict[str, Any]] = {
    "school": {"n": (2, 5), "length": (45, 85), "width": (14, 20), "storeys": (3, 5)},
    "university": {"n": (5, 10), "length": (50, 120), "width": (16, 30), "storeys": (4, 12)},
    "hospital": {"n": (2, 4), "length": (50, 100), "width": (25, 45), "storeys": (5, 22)},
    "government": {"n": (1, 3), "length": (40, 80), "width": (15, 25), "storeys": (5, 16)},
    "other_public": {"n": (1, 2), "length": (25, 55), "width": (15, 30), "storeys": (2, 5)},
}
#: Institutions per type in the demo sample. The shares follow Shanghai's counts of primary and
#: secondary schools (686 + 844), higher-education institutions (57) (Shanghai figures for 2003,
#: as reported by Eastday, 8 Oct 2004), and one district government seat per district (16),
#: scaled down to a demonstration of a few thousand buildings.
INSTITUTION_COUNTS = {"school": 160, "university": 12, "hospital": 40, "government": 48,
                      "other_public": 40}
#: Share of buildings whose height is given in metres, only as storeys, or not at all
#: (to exercise the fallbacks of DESIGN.md: height, else building:levels x 3 m, else default).
HEIGHT_KNOWN = (0.6, 0.3, 0.1)
#: Share of buildings with a pitched roof (roof:shape gabled or hipped).
PITCHED_SHARE = 0.08
STOREY_HEIGHT = (3.3, 4.2)  # [m], range of storey heights of public buildings used here
NEIGHBOURS = (3, 8)  # non-public neighbours (housing slabs) around each institution
NEIGHBOUR_STOREYS = (6, 33)


def _district_weights(districts: Any) -> np.ndarray:
    """Institutions per district: central (small, dense) districts get more per km^2."""
    area = districts.area.to_numpy() / 1e6
    return np.sqrt(area) / np.sqrt(area).sum()


def _random_point(rng: np.random.Generator, polygon: Any) -> tuple[float, float]:
    import shapely

    xmin, ymin, xmax, ymax = polygon.bounds
    inner = polygon.buffer(-300) if polygon.area > 4e7 else polygon
    inner = inner if not inner.is_empty else polygon
    prepared = shapely.prepared.prep(inner)
    while True:
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if prepared.contains(shapely.Point(x, y)):
            return x, y


def _rect(cx: float, cy: float, length: float, width: float, angle_deg: float) -> Any:
    import shapely

    a = np.radians(angle_deg)
    dx = np.array([-1, 1, 1, -1]) * length / 2
    dy = np.array([-1, -1, 1, 1]) * width / 2
    x = cx + dx * np.cos(a) - dy * np.sin(a)
    y = cy + dx * np.sin(a) + dy * np.cos(a)
    return shapely.Polygon(np.column_stack([x, y]))


def _first_without_overlap(geoms: np.ndarray) -> np.ndarray:
    """Mask keeping each footprint that overlaps no earlier kept one."""
    import shapely

    pairs = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    later = pairs[:, pairs[0] < pairs[1]]
    keep = np.ones(len(geoms), dtype=bool)
    for i, j in zip(*later, strict=True):
        if keep[i]:
            keep[j] = False
    return keep


def generate_buildings(districts: Any, seed: int = SEED) -> Any:
    """Generate the synthetic demonstration buildings inside the real district boundaries.

    Parameters
    ----------
    districts : GeoDataFrame
        The 16 districts (``data/boundaries``), any CRS.
    seed : int
        Random seed; the same seed gives the same buildings.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, one row per building: ``building_id``, ``institution_id``,
        ``institution_name``, ``institution_type``, ``height`` [m] (NaN where not given),
        ``building:levels`` (NaN where not given), ``roof:shape``, ``synthetic`` (True).
    """
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    d = districts.to_crs(32651).reset_index(drop=True)
    polys = [shapely.make_valid(g) for g in d.geometry]
    weights = _district_weights(d)
    rows: list[dict[str, Any]] = []
    counter = {"inst": 0}

    def add(geom: Any, inst: str | None, name: str | None, itype: str, storeys: int,
            pitched: bool) -> None:
        known = rng.choice(3, p=HEIGHT_KNOWN)
        h = round(storeys * rng.uniform(*STOREY_HEIGHT), 1)
        rows.append({
            "building_id": f"B{len(rows) + 1:05d}",
            "institution_id": inst, "institution_name": name, "institution_type": itype,
            "height": h if known == 0 else np.nan,
            "building:levels": float(storeys) if known == 1 else np.nan,
            "roof:shape": ("gabled" if rng.random() < 0.6 else "hipped") if pitched else "flat",
            "geometry": geom})

    for itype, count in INSTITUTION_COUNTS.items():
        tpl = TEMPLATES[itype]
        for _ in range(count):
            counter["inst"] += 1
            k = int(rng.choice(len(polys), p=weights))
            cx, cy = _random_point(rng, polys[k])
            inst = f"I{counter['inst']:04d}"
            name = f"Demo {itype.replace('_', ' ')} {counter['inst']} (synthetic)"
            angle = rng.normal(0, 12)  # campus grid: near east-west blocks
            n = int(rng.integers(tpl["n"][0], tpl["n"][1] + 1))
            y_off = 0.0
            for j in range(n):
                length = rng.uniform(*tpl["length"])
                width = rng.uniform(*tpl["width"])
                storeys = int(rng.integers(tpl["storeys"][0], tpl["storeys"][1] + 1))
                x_off = rng.uniform(-20, 20)
                a = np.radians(angle)
                bx = cx + x_off * np.cos(a) - y_off * np.sin(a)
                by = cy + x_off * np.sin(a) + y_off * np.cos(a)
                add(_rect(bx, by, length, width, angle), inst, name, itype, storeys,
                    rng.random() < PITCHED_SHARE)
                # next block north of this one, spaced by about its height (sunlight spacing)
                y_off += width / 2 + max(12.0, 1.0 * storeys * 3.6) + tpl["width"][1] / 2
                if j == 0 and rng.random() < 0.5:  # a gatehouse: too small for PV
                    add(_rect(bx + length / 2 + 8, by - width / 2 - 6, 4.0, 3.0, angle), inst,
                        name, itype, 1, False)
            # housing around the campus, some tall enough to shade it
            for _ in range(int(rng.integers(NEIGHBOURS[0], NEIGHBOURS[1] + 1))):
                r = rng.uniform(60, 160) + y_off / 2
                theta = rng.uniform(0, 2 * np.pi)
                storeys = int(rng.integers(NEIGHBOUR_STOREYS[0], NEIGHBOUR_STOREYS[1] + 1))
                add(_rect(cx + r * np.cos(theta), cy + y_off / 2 + r * np.sin(theta),
                          rng.uniform(40, 70), rng.uniform(11, 15), angle + rng.normal(0, 5)),
                    None, None, "not_public", storeys, rng.random() < 0.15)
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs=32651)
    gdf = gdf[_first_without_overlap(gdf.geometry.to_numpy())].reset_index(drop=True)
    gdf["building_id"] = [f"B{i + 1:05d}" for i in range(len(gdf))]
    gdf = gdf.to_crs(4326)
    gdf["synthetic"] = True
    gdf.attrs = {"title": "Synthetic demonstration buildings in Shanghai (NOT real buildings)",
                 "label": "synthetic", "seed": seed}
    return gdf


# ---------------------------------------------------------------------------------------------
# a synthetic city, for benchmarks and scale tests

#: Share of each institution type among the buildings of the synthetic city (the rest are
#: not public). Same types as the demonstration district, at a city's proportions: public
#: institutions own a few per cent of a city's buildings (pvsite's assumption).
CITY_TYPE_SHARES = {"school": 0.015, "hospital": 0.004, "government": 0.004,
                    "university": 0.003, "other_public": 0.004}
#: Storey bands of the synthetic city and their shares: low-rise, mid-rise, towers.
CITY_STOREYS = (((2, 6), 0.70), ((7, 18), 0.20), ((19, 40), 0.10))
CITY_CELL_M = 45.0  # one building per 45 m x 45 m cell: about 500 buildings per km^2


def synthetic_city(n: int, *, seed: int = 0, crs: Any = "EPSG:4326",
                   centre: tuple[float, float] = (121.47, 31.23)) -> Any:
    """A dense synthetic city of ``n`` buildings for benchmarks and scale tests (NOT real).

    Parameters
    ----------
    n : int
        Number of buildings.
    seed : int
        Random seed; the same seed gives the same city.
    crs : CRS, default 'EPSG:4326'
        CRS of the result (the city is laid out in UTM zone 51N, EPSG:32651).
    centre : (float, float)
        Longitude and latitude of the city's centre [deg].

    Returns
    -------
    GeoDataFrame
        Rectangles on a square grid of ``CITY_CELL_M`` cells (one building each, 15-40 m by
        10-20 m, turned by N(0, 8 deg)), with ``building_id``, ``institution_id``,
        ``institution_type`` (shares in ``CITY_TYPE_SHARES``), ``height`` /
        ``building:levels`` (60 % / 30 % / 10 % neither, as the demonstration district),
        ``roof:shape`` (5 % pitched) and ``synthetic`` True, ready for
        :func:`pvsite.estimate`.

    Examples
    --------
    >>> city = synthetic_city(1000, seed=1)
    >>> len(city), bool(city["synthetic"].all()), city.crs.to_epsg()
    (1000, True, 4326)
    """
    import geopandas as gpd
    import pyproj
    import shapely

    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    i = np.arange(n)
    cx0, cy0 = pyproj.Transformer.from_crs(4326, 32651, always_xy=True).transform(*centre)
    cx = cx0 + (i % side - side / 2) * CITY_CELL_M + rng.uniform(-3, 3, n)
    cy = cy0 + (i // side - side / 2) * CITY_CELL_M + rng.uniform(-3, 3, n)
    length, width = rng.uniform(15, 40, n), rng.uniform(10, 20, n)
    angle = np.radians(np.clip(rng.normal(0, 8, n), -20, 20))
    dx = np.array([-1, 1, 1, -1])[None, :] * length[:, None] / 2
    dy = np.array([-1, -1, 1, 1])[None, :] * width[:, None] / 2
    c, s = np.cos(angle)[:, None], np.sin(angle)[:, None]
    xs, ys = cx[:, None] + dx * c - dy * s, cy[:, None] + dx * s + dy * c
    rings = np.stack([xs, ys], axis=-1)
    geoms = shapely.polygons(np.concatenate([rings, rings[:, :1]], axis=1))
    types = np.array([*CITY_TYPE_SHARES, "not_public"], dtype=object)
    shares = np.array([*CITY_TYPE_SHARES.values()])
    itype = rng.choice(types, size=n, p=np.append(shares, 1 - shares.sum()))
    band = rng.choice(len(CITY_STOREYS), size=n, p=[b[1] for b in CITY_STOREYS])
    lo = np.array([b[0][0] for b in CITY_STOREYS])[band]
    hi = np.array([b[0][1] for b in CITY_STOREYS])[band]
    storeys = rng.integers(lo, hi + 1)
    school = itype == "school"
    storeys[school] = np.minimum(storeys[school], 5)  # GB 50099-2011 4.3.2
    height = np.round(storeys * rng.uniform(*STOREY_HEIGHT, n), 1)
    known = rng.choice(3, size=n, p=HEIGHT_KNOWN)
    pitched = rng.random(n) < 0.05
    shape = np.where(pitched, np.where(rng.random(n) < 0.6, "gabled", "hipped"), "flat")
    public = itype != "not_public"
    gdf = gpd.GeoDataFrame({
        "building_id": np.char.add("C", np.char.zfill(i.astype(str), 7)),
        "institution_id": pd.Series(np.char.add("CI", np.char.zfill((i // 3).astype(str), 6)),
                                    dtype=object).where(public, None).to_numpy(),
        "institution_type": itype,
        "height": np.where(known == 0, height, np.nan),
        "building:levels": np.where(known == 1, storeys.astype(float), np.nan),
        "roof:shape": shape,
        "synthetic": True,
    }, geometry=geoms, crs=32651)
    gdf.attrs = {"title": f"Synthetic city of {n} buildings (NOT real)", "label": "synthetic",
                 "seed": seed}
    return gdf.to_crs(crs) if crs is not None else gdf
