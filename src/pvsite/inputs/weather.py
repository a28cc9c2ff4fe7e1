"""Reading a typical weather year, and the checks every weather year passes.

``read_weather`` returns pvlib's column names (``ghi, dni, dhi, temp_air, wind_speed``) on a
tz-aware hourly index labelled at the *middle* of each hour, with the site in ``.attrs``
(``latitude``, ``longitude``, ``altitude``, ``tz``, ``source``).
"""

from __future__ import annotations

import datetime
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import PvsiteWarning, WeatherDataError

__all__ = ["check_site_distance", "check_weather", "read_weather"]

#: Buildings farther than this from the weather's site get a warning [km].
MAX_WEATHER_DISTANCE_KM = 150.0

WEATHER_COLUMNS = ("ghi", "dni", "dhi", "temp_air", "wind_speed")
#: Longest run of missing hours that is filled by linear interpolation [h].
MAX_GAP_HOURS = 3
#: Highest plausible hourly irradiance [W/m^2]; the solar constant is about 1,361.
MAX_IRRADIANCE = 1500.0
#: Negative irradiance down to this is sensor noise at night and set to 0 [W/m^2].
NEGATIVE_NOISE = -10.0
_TIME_OFFSETS = {"start": pd.Timedelta(minutes=30), "middle": pd.Timedelta(0),
                 "end": pd.Timedelta(minutes=-30)}


def read_weather(
    source: str | Path | pd.DataFrame,
    *,
    time_label: str | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    altitude: float | None = None,
    tz: str | float | None = None,
    name: str | None = None,
    coerce_year: int = 2023,
) -> pd.DataFrame:
    """Read a typical meteorological year into pvlib's columns, validated.

    Parameters
    ----------
    source : path or DataFrame
        An EnergyPlus EPW file (``.epw``), a PVGIS TMY file (``.csv``, ``.json`` or ``.epw`` as
        PVGIS writes them), an NSRDB TMY3 file (``.csv``), a pvsite weather CSV (what
        :func:`pvsite.datasets.shanghai_weather` is stored as), or a DataFrame with the columns
        ``ghi, dni, dhi, temp_air, wind_speed`` [W/m^2, W/m^2, W/m^2, degC, m/s].
    time_label : {'start', 'middle', 'end'}, optional
        Which instant of each hour the timestamps name. Files carry their own convention: EPW
        files label an hour by its end ("Hour 1 is 00:01 to 01:00", EnergyPlus EPW data
        dictionary) and ``pvlib.iotools.read_epw`` moves that to its start; TMY3 files label it by
        its end and pvlib keeps that; PVGIS TMY by its start. A DataFrame needs it here unless
        its ``.attrs`` has ``time_label``.
    latitude, longitude, altitude, tz : optional
        The site [deg N, deg E, m, tz name or UTC offset in hours]. Read from the file's header
        where it has one; needed for a DataFrame unless in its ``.attrs``.
    name : str, optional
        Human-readable name of the source, stored in ``.attrs['source']``.
    coerce_year : int, default 2023
        Typical years take each month from a different year; all timestamps are moved to
        this one year so the index is monotonic (as ``pvlib.iotools.read_epw`` does).

    Returns
    -------
    DataFrame
        Hourly ``ghi, dni, dhi`` [W/m^2], ``temp_air`` [degC], ``wind_speed`` [m/s] (and
        ``pressure`` [Pa] where the source has it) on a tz-aware index labelled at the middle
        of each hour, so that solar position is taken where the hour's average irradiance
        belongs. ``.attrs`` holds ``latitude, longitude, altitude, tz, source, time_label``
        ('middle'), ``repairs`` (a list of what was filled or clipped) and any other metadata
        of the file.

    Raises
    ------
    WeatherDataError
        Unreadable file, missing column, not one year of hours, a gap longer than
        ``MAX_GAP_HOURS``, impossible irradiance, or a latitude/longitude that looks swapped.

    Examples
    --------
    >>> import pvsite
    >>> w = pvsite.read_weather(pvsite.datasets.path("weather"))
    >>> len(w), w.attrs["time_label"], round(w.attrs["latitude"], 2)
    (8760, 'middle', 31.2)
    """
    if isinstance(source, pd.DataFrame):
        data = source.copy()
        meta: dict[str, Any] = dict(source.attrs)
        meta.setdefault("source", name or "DataFrame")
        where = "the DataFrame"
    else:
        path = Path(source)
        where = str(path)
        if not path.exists():
            raise WeatherDataError(f"{path}: no such weather file.")
        data, meta = _read_weather_file(path)
        if name:
            meta["source"] = name
    given = {"latitude": latitude, "longitude": longitude, "altitude": altitude, "tz": tz,
             "time_label": time_label}
    meta.update({k: v for k, v in given.items() if v is not None})
    meta.setdefault("altitude", 0.0)
    return _validate_weather(data, meta, where, coerce_year)


def _read_weather_file(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    import pvlib

    suffix = path.suffix.lower()
    try:
        head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
        if suffix == ".epw" and not head.startswith("LOCATION"):
            raise WeatherDataError(f"{path}: not an EPW file (its first line should start with "
                                   "'LOCATION').")
        if suffix == ".epw":
            data, m = pvlib.iotools.read_epw(path)
            meta = {"latitude": m["latitude"], "longitude": m["longitude"],
                    "altitude": m["altitude"], "tz": m["TZ"],
                    # EPW hour N covers (N-1):00-N:00; pvlib's read_epw labels it (N-1):00
                    "time_label": "start",
                    "source": f"EPW {m.get('city', '')} {m.get('WMO_code', '')} ({path.name})"}
            data = data.rename(columns={"atmospheric_pressure": "pressure"})
            return data, meta
        if suffix == ".csv" and head.startswith("# pvsite weather"):
            return _read_pvsite_csv(path)
        if suffix in (".csv", ".json") and ("PVGIS" in head or "Latitude (decimal" in head
                                            or '"inputs"' in head):
            data, m = pvlib.iotools.read_pvgis_tmy(path, map_variables=True)
            loc = m.get("inputs", m).get("location", m) if isinstance(m, Mapping) else {}
            meta = {"latitude": loc.get("latitude"), "longitude": loc.get("longitude"),
                    "altitude": loc.get("elevation", 0.0), "tz": "UTC", "time_label": "start",
                    "source": f"PVGIS TMY ({path.name})"}
            return data, meta
        if suffix == ".csv":
            data, m = pvlib.iotools.read_tmy3(path, map_variables=True)
            meta = {"latitude": m["latitude"], "longitude": m["longitude"],
                    "altitude": m["altitude"], "tz": m["TZ"], "time_label": "end",
                    "source": f"TMY3 {m.get('Name', '')} {m.get('USAF', '')} ({path.name})"}
            data = data.rename(columns={"pressure": "pressure_mbar"})
            if "pressure_mbar" in data:
                data["pressure"] = data["pressure_mbar"] * 100.0
            return data, meta
    except WeatherDataError:
        raise
    except Exception as exc:  # pvlib's parsers raise many kinds; say which file and why
        raise WeatherDataError(
            f"{path}: could not be read as weather ({type(exc).__name__}: {exc}). pvsite reads "
            "EPW, PVGIS TMY (csv/json), NSRDB TMY3 csv and pvsite weather csv files."
        ) from exc
    raise WeatherDataError(
        f"{path}: unknown weather format '{suffix}'. pvsite reads EPW, PVGIS TMY (csv/json), "
        "NSRDB TMY3 csv, pvsite weather csv, or a DataFrame via read_weather(df, ...)."
    )


def _read_pvsite_csv(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read the CSV format pvsite writes: '# key: json-value' header lines, then a table."""
    meta: dict[str, Any] = {}
    with path.open(encoding="utf-8") as f:
        next(f)  # '# pvsite weather v1: title'
        for line in f:
            if not line.startswith("#"):
                break
            key, _, value = line[1:].partition(":")
            if value.strip():
                meta[key.strip()] = json.loads(value)
    data = pd.read_csv(path, comment="#", index_col=0)
    data.index = pd.DatetimeIndex(pd.to_datetime(data.index, utc=True)).tz_convert(
        _tzinfo(meta["tz"]))
    return data, meta


def _tzinfo(tz: Any) -> Any:
    """A tz name, or a UTC offset in hours (EPW, TMY3), as something pandas accepts."""
    if isinstance(tz, (int, float, np.integer, np.floating)):
        return datetime.timezone(datetime.timedelta(hours=float(tz)))
    return tz


def _validate_weather(data: pd.DataFrame, meta: dict[str, Any], where: str,
                      coerce_year: int) -> pd.DataFrame:
    missing_meta = [k for k in ("latitude", "longitude", "time_label") if meta.get(k) is None]
    if missing_meta:
        raise WeatherDataError(
            f"{where}: no {', '.join(missing_meta)}. Pass them, e.g. read_weather(df, "
            "latitude=31.2, longitude=121.4, tz='Asia/Shanghai', time_label='start'); "
            "time_label says whether each timestamp names the start, middle or end of its hour.")
    if meta["time_label"] not in _TIME_OFFSETS:
        raise WeatherDataError(f"{where}: time_label={meta['time_label']!r}; use one of "
                               f"{sorted(_TIME_OFFSETS)}.")
    lat, lon = float(meta["latitude"]), float(meta["longitude"])
    if not -90 <= lat <= 90:
        hint = " They look swapped." if -90 <= lon <= 90 else ""
        raise WeatherDataError(f"{where}: latitude {lat} is outside -90..90 (longitude "
                               f"{lon}).{hint} Pass latitude= and longitude= in degrees.")
    if not -180 <= lon <= 180:
        raise WeatherDataError(f"{where}: longitude {lon} is outside -180..180.")
    missing = [c for c in WEATHER_COLUMNS if c not in data.columns]
    if missing:
        raise WeatherDataError(
            f"{where}: missing column(s) {missing}; found {list(data.columns)}. pvsite needs "
            f"{list(WEATHER_COLUMNS)} in pvlib's names (W/m^2, degC, m/s).")
    if not isinstance(data.index, pd.DatetimeIndex):
        raise WeatherDataError(f"{where}: the index must be timestamps (a DatetimeIndex).")
    if data.index.tz is None:
        if meta.get("tz") is None:
            raise WeatherDataError(
                f"{where}: timestamps have no time zone; pass tz= (e.g. 'Asia/Shanghai' or 8).")
        data.index = data.index.tz_localize(_tzinfo(meta["tz"]))
    meta.setdefault("tz", str(data.index.tz))
    hours = len(data)
    if hours not in (8760, 8784):
        raise WeatherDataError(
            f"{where}: {hours} rows; a typical year has 8760 hourly rows (8784 in a leap year). "
            "Resample to hourly means and give one whole year.")
    keep = [c for c in data.columns if c in (*WEATHER_COLUMNS, "pressure")]
    out = _coerce_year(data[keep].astype(float), coerce_year)
    wrong = _hour_steps(out.index) != 1.0
    if wrong.any():
        i = int(np.argmax(wrong)) + 1
        raise WeatherDataError(
            f"{where}: timestamps must be hourly, in order, without repeats; row {i} "
            f"({data.index[i]}) breaks that.")
    repairs: list[str] = list(meta.get("repairs", []))
    out = _fill_gaps(out, where, repairs)
    for col in ("ghi", "dni", "dhi"):
        values = out[col].to_numpy()
        bad = values < NEGATIVE_NOISE
        if bad.any() or (values > MAX_IRRADIANCE).any():
            i = int(np.argmax(bad | (values > MAX_IRRADIANCE)))
            raise WeatherDataError(
                f"{where}: column '{col}' row {i} ({out.index[i]}) is {values[i]:.1f} W/m^2; "
                f"irradiance must lie in 0..{MAX_IRRADIANCE:.0f} W/m^2. Check the units "
                "(W/m^2, not kW/m^2 or J/cm^2) and the file's missing-value code.")
        noise = values < 0
        if noise.any():
            out[col] = np.clip(values, 0, None)
            repairs.append(f"{col}: {int(noise.sum())} small negative values set to 0")
    _check_longitude_timing(out, lon, where)
    out.index = out.index + _TIME_OFFSETS[meta["time_label"]]
    out.attrs = {**meta, "latitude": lat, "longitude": lon,
                 "altitude": float(meta.get("altitude") or 0.0), "time_label": "middle",
                 "repairs": repairs}
    return out


def _hour_steps(idx: pd.DatetimeIndex) -> np.ndarray:
    """Steps between consecutive timestamps [h]."""
    return np.asarray((idx[1:] - idx[:-1]) / pd.Timedelta(hours=1), dtype=float)


def _coerce_year(data: pd.DataFrame, year: int) -> pd.DataFrame:
    idx = data.index
    if np.all(_hour_steps(idx) == 1.0):
        return data
    tz = idx.tz
    local = idx.tz_localize(None)
    # hour-ending labels put the last hour on 1 January of the next year: keep it last
    shifted = pd.to_datetime(
        {"year": year, "month": local.month, "day": local.day, "hour": local.hour,
         "minute": local.minute})
    new = pd.DatetimeIndex(shifted)
    last_is_new_year = (local.month == 1) & (local.day == 1) & (np.arange(len(local)) > 24)
    new = pd.DatetimeIndex(np.where(last_is_new_year, new + pd.DateOffset(years=1), new))
    out = data.copy()
    out.index = new.tz_localize(tz)
    return out.sort_index()


def _fill_gaps(data: pd.DataFrame, where: str, repairs: list[str]) -> pd.DataFrame:
    nan = data.isna()
    if not nan.to_numpy().any():
        return data
    for col in data.columns:
        isna = nan[col].to_numpy()
        if not isna.any():
            continue
        # lengths of runs of NaN
        edges = np.diff(np.concatenate([[0], isna.astype(np.int8), [0]]))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        longest = int(np.max(ends - starts))
        if longest > MAX_GAP_HOURS:
            i = int(starts[np.argmax(ends - starts)])
            raise WeatherDataError(
                f"{where}: column '{col}' has {longest} missing hours from row {i} "
                f"({data.index[i]}); pvsite fills gaps of up to {MAX_GAP_HOURS} h and refuses "
                "longer ones. Fill them from another year or source before reading.")
        repairs.append(f"{col}: {int(isna.sum())} missing hours in {len(starts)} gaps "
                       f"(longest {longest} h) filled by linear interpolation")
    filled = data.interpolate(limit_direction="both")
    warnings.warn(f"{where}: " + "; ".join(repairs), PvsiteWarning, stacklevel=3)
    return filled


def _check_longitude_timing(data: pd.DataFrame, lon: float, where: str) -> None:
    """Catch a swapped latitude/longitude or a wrong time zone from when the sun peaks."""
    ghi = data["ghi"].to_numpy()
    if ghi.max() <= 0:
        raise WeatherDataError(f"{where}: 'ghi' is zero all year.")
    utc = data.index.tz_convert("UTC")
    hour = utc.hour.to_numpy() + utc.minute.to_numpy() / 60
    # circular mean of the hour of day weighted by GHI: the observed solar noon [h UTC]
    angle = 2 * np.pi * hour / 24
    noon = (np.arctan2((ghi * np.sin(angle)).sum(), (ghi * np.cos(angle)).sum())
            * 24 / (2 * np.pi)) % 24
    expected = (12 - lon / 15) % 24
    off = (noon - expected + 12) % 24 - 12
    if abs(off) > 2.5:
        raise WeatherDataError(
            f"{where}: the sun peaks at {noon:.1f} h UTC but longitude {lon} puts solar noon at "
            f"{expected:.1f} h UTC ({off:+.1f} h). The longitude, the time zone or the "
            "time_label is wrong, or latitude and longitude are swapped.")


def check_weather(weather: Any) -> pd.DataFrame:
    """Accept only weather as :func:`pvsite.read_weather` returns it (site in ``.attrs``)."""
    if not isinstance(weather, pd.DataFrame):
        raise WeatherDataError(
            f"weather must be a DataFrame from pvsite.read_weather, not {type(weather).__name__}.")
    if weather.attrs.get("time_label") != "middle" or "latitude" not in weather.attrs:
        raise WeatherDataError(
            "weather has no site or time convention in .attrs; pass it through "
            "pvsite.read_weather(df, latitude=..., longitude=..., tz=..., time_label=...) first.")
    return weather


def check_site_distance(metric: Any, weather: pd.DataFrame) -> None:
    """Warn when footprints lie more than ``MAX_WEATHER_DISTANCE_KM`` from the weather's site."""
    import geopandas as gpd
    import shapely
    from pyproj import Geod

    from ..crs import present

    geoms = metric.geometry.to_numpy()
    ok = present(geoms)
    if not ok.any():
        return
    x0, y0, x1, y1 = shapely.total_bounds(geoms[ok])
    centre = gpd.GeoSeries([shapely.Point((x0 + x1) / 2, (y0 + y1) / 2)],
                           crs=metric.crs).to_crs(4326).iloc[0]
    _, _, d = Geod(ellps="WGS84").inv(centre.x, centre.y, weather.attrs["longitude"],
                                      weather.attrs["latitude"])
    if d / 1000 > MAX_WEATHER_DISTANCE_KM:
        warnings.warn(
            f"the buildings are {d / 1000:,.0f} km from the weather's site "
            f"({weather.attrs['latitude']:.2f}, {weather.attrs['longitude']:.2f}); use weather "
            "measured near them (or check the footprints' CRS: GCJ-02 or swapped coordinates?).",
            PvsiteWarning, stacklevel=3)
