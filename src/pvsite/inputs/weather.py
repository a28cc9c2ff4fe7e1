"""Reading a typical weather year, and the checks every weather year passes.

``read_weather`` returns pvlib's column names (``ghi, dni, dhi, temp_air, wind_speed``) on a
tz-aware hourly index labelled at the *middle* of each hour, with the site in ``.attrs``
(``latitude``, ``longitude``, ``altitude``, ``tz``, ``source``).
"""

from __future__ import annotations

import calendar
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
#: Codes that weather files write for a missing value (EPW: 9999 irradiance, 99.9 air
#: temperature, 999 wind speed, 999999 pressure; -999 and -9999 in NSRDB/PVGIS-like CSVs and
#: many station archives). A code is read as missing only where it lies outside the column's
#: ``PLAUSIBLE`` range (an irradiance of 99.9 W/m^2 is a real value).
MISSING_CODES = (-9999.0, -999.9, -999.0, -99.9, -99.0, 99.0, 99.9, 999.0, 999.9, 9999.0,
                 99999.0, 999999.0)
#: Plausible range of each column [W/m^2, degC, m/s, Pa]. Air temperature: the WMO's
#: world records, -89.2 degC (Vostok, 1983) and 56.7 degC (Death Valley, 1913), rounded out;
#: wind speed: an hourly mean above 75 m/s is beyond any recorded tropical cyclone's sustained
#: wind (pvsite assumption); pressure: 30-110 kPa covers every inhabited altitude (pvsite
#: assumption).
PLAUSIBLE = {"ghi": (NEGATIVE_NOISE, MAX_IRRADIANCE), "dni": (NEGATIVE_NOISE, MAX_IRRADIANCE),
             "dhi": (NEGATIVE_NOISE, MAX_IRRADIANCE), "temp_air": (-90.0, 60.0),
             "wind_speed": (0.0, 75.0), "pressure": (30_000.0, 110_000.0)}
#: Bounds of annual GHI [kWh/m^2 a]. A pvsite assumption, wide of the range of long-term
#: annual GHI on land (roughly 700 kWh/m^2 a near the polar circles to 2,800 in the Atacama):
#: a year outside it is in the wrong unit (kWh/m^2 or MJ/m^2 per hour) or not one year.
ANNUAL_GHI_BOUNDS = (300.0, 3500.0)
#: Lowest plausible highest hourly GHI of a year [W/m^2]. A pvsite assumption: clear-sky GHI
#: at summer noon exceeds 600 W/m^2 even at 70 deg latitude, and a typical year has clear hours.
MIN_PEAK_GHI = 300.0
#: Highest DHI/GHI ratio accepted in daylight, by solar zenith: the BSRN recommended quality
#: checks (Long & Dutton, "BSRN Global Network recommended QC tests, V2.0", 2010): diffuse
#: ratio below 1.05 for zenith < 75 deg and below 1.10 for 75-93 deg, where GHI > 50 W/m^2.
DIFFUSE_RATIO_LIMITS = (1.05, 1.10)
#: Share of the tested daylight hours with GHI below DHI above which the year is refused,
#: not repaired (pvsite assumption: a majority of wrong hours means mislabelled columns).
MAX_CLOSURE_REPAIR_SHARE = 0.5
#: Units an irradiance column may really be in, with the factor to W/m^2 (hourly values):
#: 1 kWh/m^2 per hour = 1000 W/m^2; 1 MJ/m^2 per hour = 10^6/3600 W/m^2; 1 J/cm^2 per hour
#: = 10^4/3600 W/m^2.
_IRRADIANCE_UNITS = (("kWh/m^2 per hour (or kW/m^2)", 1000.0),
                     ("MJ/m^2 per hour", 1e6 / 3600), ("J/cm^2 per hour", 1e4 / 3600))
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

    Notes
    -----
    Checks and repairs, each repair also said in one :class:`pvsite.errors.PvsiteWarning`:

    * naive timestamps in a zone with daylight saving (Berlin; Shanghai 1986-1991): read as
      local standard time when no hour repeats (how typical years are written), as
      wall-clock time when the autumn hour repeats in order, else refused;
    * a leap February in a typical year: February 29 dropped when ``coerce_year`` has none;
    * missing-value codes (:data:`MISSING_CODES`: 9999, -999, 99.9, 999...) outside a
      column's plausible range (:data:`PLAUSIBLE`) read as missing, then filled or refused
      by the gap rule (``MAX_GAP_HOURS``); a ``pressure`` column missing longer is dropped;
    * irradiance not in W/m^2: a GHI that peaks below ``MIN_PEAK_GHI`` or sums outside
      ``ANNUAL_GHI_BOUNDS`` is refused, naming the unit it looks like (kWh/m^2 or MJ/m^2 per
      hour) and the factor to W/m^2;
    * GHI below DHI in daylight beyond the BSRN limits (:data:`DIFFUSE_RATIO_LIMITS`):
      repaired by closure ``ghi = dni cos(zenith) + dhi`` (pvlib's solar position at
      mid-hour), or refused when more than ``MAX_CLOSURE_REPAIR_SHARE`` of the hours are wrong
      (swapped or mislabelled columns).

    Raises
    ------
    WeatherDataError
        Unreadable file, missing column, not one year of hours, a gap longer than
        ``MAX_GAP_HOURS``, impossible irradiance or irradiance in another unit, GHI below DHI
        in most daylight hours, naive timestamps that cannot be placed in ``tz``, or a
        latitude/longitude that looks swapped.

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
    repairs: list[str] = list(meta.get("repairs", []))
    notable: list[str] = []  # what the user is warned about
    if data.index.tz is None:
        if meta.get("tz") is None:
            raise WeatherDataError(
                f"{where}: timestamps have no time zone; pass tz= (e.g. 'Asia/Shanghai' or 8).")
        data.index = _localize(data.index, meta["tz"], where, notable)
    meta.setdefault("tz", str(data.index.tz))
    hours = len(data)
    if hours not in (8760, 8784):
        raise WeatherDataError(
            f"{where}: {hours} rows; a typical year has 8760 hourly rows (8784 in a leap year). "
            "Resample to hourly means and give one whole year.")
    keep = [c for c in data.columns if c in (*WEATHER_COLUMNS, "pressure")]
    try:
        values = data[keep].astype(float)
    except (TypeError, ValueError) as exc:
        raise WeatherDataError(f"{where}: the weather columns must be numbers ({exc}); check "
                               "the file's decimal separator and missing-value marks.") from exc
    out = _coerce_year(values, coerce_year, notable)
    wrong = _hour_steps(out.index) != 1.0
    if wrong.any():
        i = int(np.argmax(wrong)) + 1
        raise WeatherDataError(
            f"{where}: timestamps must be hourly, in order, without repeats; row {i} "
            f"({out.index[i]}) breaks that.")
    out = _missing_codes(out, notable)
    if "pressure" in out and _longest_gap(out["pressure"].isna().to_numpy()) > MAX_GAP_HOURS:
        # optional: pvlib's chain takes the pressure of the site's altitude without it
        notable.append("pressure: missing for more than "
                       f"{MAX_GAP_HOURS} h in a row, dropped (the altitude's is used)")
        out = out.drop(columns="pressure")
    try:
        out = _fill_gaps(out, where, notable)
    except WeatherDataError as exc:
        if not notable:
            raise
        # say what was read as missing before the refusal
        raise WeatherDataError(f"{exc} (Before that: {'; '.join(notable)}.)") from None
    _check_units(out, where)
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
    _check_closure(out, lat, lon, where, notable)
    if notable:
        warnings.warn(f"{where}: " + "; ".join(notable), PvsiteWarning, stacklevel=3)
    out.attrs = {**meta, "latitude": lat, "longitude": lon,
                 "altitude": float(meta.get("altitude") or 0.0), "time_label": "middle",
                 "repairs": repairs + notable}
    return out


def _localize(idx: pd.DatetimeIndex, tz: Any, where: str, notes: list[str]) -> pd.DatetimeIndex:
    """Naive timestamps on the stated time zone, through its daylight-saving changes.

    Plain localisation where that works. Where the zone changes clocks within the data (Berlin;
    Shanghai 1986-1991), timestamps without a repeat are read as local *standard* time (how
    EPW, TMY3 and most typical years are written: the zone's lower UTC offset of January and
    July); timestamps with the autumn hour repeated are read as wall-clock time, the repeats
    in order. Anything else is refused.
    """
    zone = _tzinfo(tz)
    try:
        return idx.tz_localize(zone)
    except Exception:  # noqa: BLE001 - pandas/pytz/zoneinfo raise different DST errors
        pass
    if not idx.has_duplicates:
        year = int(idx[0].year)
        offsets = [pd.Timestamp(f"{year}-{m}-15", tz=zone).utcoffset() for m in ("01", "07")]
        standard = min(o for o in offsets if o is not None)
        fixed = datetime.timezone(standard)
        notes.append(f"naive timestamps read as {tz} standard time (UTC"
                     f"{standard / pd.Timedelta(hours=1):+g} h all year, no daylight saving), "
                     "as typical years are written; pass tz-aware timestamps if they are not")
        return idx.tz_localize(fixed)
    try:
        out = idx.tz_localize(zone, ambiguous="infer", nonexistent="raise")
    except Exception as exc:  # noqa: BLE001
        raise WeatherDataError(
            f"{where}: naive timestamps cross {tz}'s daylight-saving changes and cannot be "
            f"placed ({exc}); give tz-aware timestamps, or local standard time without "
            "repeats.") from exc
    notes.append(f"naive timestamps read as {tz} wall-clock time (daylight saving included)")
    return out


def _missing_codes(data: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    """Missing-value codes (``MISSING_CODES``) outside a column's plausible range -> NaN."""
    out = data.copy()
    codes = np.array(MISSING_CODES)
    for col in out.columns:
        lo, hi = PLAUSIBLE.get(col, (-np.inf, np.inf))
        v = out[col].to_numpy()
        hit = np.isin(v, codes) & ((v < lo) | (v > hi))
        if hit.any():
            found = ", ".join(f"{c:g}" for c in np.unique(v[hit]))
            notes.append(f"{col}: {int(hit.sum())} missing-value codes ({found}) read as missing")
            out.loc[hit, col] = np.nan
    return out


def _check_units(data: pd.DataFrame, where: str) -> None:
    """Refuse irradiance that is not in W/m^2, saying which unit it looks like and the fix."""
    hours = 8760.0 / len(data)  # a leap year's sum is scaled to 8760 h
    for col in ("ghi", "dni", "dhi"):
        v = data[col].to_numpy()
        peak = float(v.max())
        annual = float(np.clip(v, 0, None).sum()) * hours / 1000  # [kWh/m^2 a]
        low = peak < MIN_PEAK_GHI if col == "ghi" else 0 < peak < MIN_PEAK_GHI / 10
        if col == "ghi" and peak > 0 and not low and not (
                ANNUAL_GHI_BOUNDS[0] <= annual <= ANNUAL_GHI_BOUNDS[1]):
            raise WeatherDataError(
                f"{where}: column 'ghi' sums to {annual:,.1f} kWh/m^2 a, outside the "
                f"{ANNUAL_GHI_BOUNDS[0]:.0f}-{ANNUAL_GHI_BOUNDS[1]:,.0f} found on Earth; give "
                "one year of hourly mean irradiance in W/m^2.")
        if peak <= 0 or not low:
            continue
        # the unit whose conversion gives a peak nearest a clear-sky noon (~1000 W/m^2)
        fits = [(abs(np.log(peak * f / 1000.0)), unit, f) for unit, f in _IRRADIANCE_UNITS
                if peak * f <= MAX_IRRADIANCE]
        hint = ""
        if fits:
            _, unit, f = min(fits)
            hint = (f" It looks like {unit}: multiply by {f:,.4g} (df['{col}'] *= {f:.4g}) "
                    "to get W/m^2.")
        raise WeatherDataError(
            f"{where}: column '{col}' peaks at {peak:.4g} and sums to {annual:.4g} "
            f"'kWh/m^2 a': too little for W/m^2.{hint or ' Give hourly mean W/m^2.'}")


def _check_closure(data: pd.DataFrame, lat: float, lon: float, where: str,
                   notes: list[str]) -> None:
    """Repair daylight hours with GHI below DHI by closure, ``ghi = dni cos(z) + dhi``.

    Tested where GHI or DHI exceeds 50 W/m^2 with the sun up, against
    ``DIFFUSE_RATIO_LIMITS``; the solar zenith (pvlib, SPA) is taken at the labels (mid-hour).
    More than ``MAX_CLOSURE_REPAIR_SHARE`` of the tested hours wrong: refused.
    """
    import pvlib

    ghi, dni, dhi = (data[c].to_numpy() for c in ("ghi", "dni", "dhi"))
    zenith = pvlib.solarposition.get_solarposition(data.index, lat, lon)["zenith"].to_numpy()
    tested = (zenith < 90) & ((ghi > 50) | (dhi > 50))
    limit = np.where(zenith < 75, DIFFUSE_RATIO_LIMITS[0], DIFFUSE_RATIO_LIMITS[1])
    bad = tested & (dhi > limit * ghi)
    if not bad.any():
        return
    share = bad.sum() / max(int(tested.sum()), 1)
    if share > MAX_CLOSURE_REPAIR_SHARE:
        raise WeatherDataError(
            f"{where}: GHI is below DHI in {int(bad.sum()):,} of {int(tested.sum()):,} daylight "
            f"hours ({share:.0%}); the columns look swapped or mislabelled. Check which column "
            "is global (ghi), direct normal (dni) and diffuse (dhi) horizontal irradiance.")
    closure = dni * np.clip(np.cos(np.radians(zenith)), 0, None) + dhi
    data.loc[bad, "ghi"] = np.minimum(closure[bad], MAX_IRRADIANCE)
    notes.append(f"ghi: below dhi in {int(bad.sum())} daylight hours ({share:.1%}), repaired "
                 "by closure ghi = dni cos(zenith) + dhi")


def _hour_steps(idx: pd.DatetimeIndex) -> np.ndarray:
    """Steps between consecutive timestamps [h]."""
    return np.asarray((idx[1:] - idx[:-1]) / pd.Timedelta(hours=1), dtype=float)


def _coerce_year(data: pd.DataFrame, year: int, notes: list[str]) -> pd.DataFrame:
    """Move a typical year's timestamps to ``year``; a leap February's 29th is dropped there."""
    idx = data.index
    if np.all(_hour_steps(idx) == 1.0):
        return data
    tz = idx.tz
    local = idx.tz_localize(None)
    leap_day = np.asarray((local.month == 2) & (local.day == 29))
    if leap_day.any() and not calendar.isleap(year):
        notes.append(f"February 29 ({int(leap_day.sum())} hours of a leap-year February) "
                     f"dropped: the typical year is set in {year}, which has none")
        data = data[~leap_day]
        idx = data.index
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


def _runs(isna: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Starts and ends (exclusive) of the runs of True."""
    edges = np.diff(np.concatenate([[0], isna.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _longest_gap(isna: np.ndarray) -> int:
    """Longest run of True [rows]."""
    starts, ends = _runs(isna)
    return int(np.max(ends - starts)) if starts.size else 0


def _fill_gaps(data: pd.DataFrame, where: str, notes: list[str]) -> pd.DataFrame:
    nan = data.isna()
    if not nan.to_numpy().any():
        return data
    for col in data.columns:
        isna = nan[col].to_numpy()
        if not isna.any():
            continue
        starts, ends = _runs(isna)
        longest = int(np.max(ends - starts))
        if longest > MAX_GAP_HOURS:
            i = int(starts[np.argmax(ends - starts)])
            raise WeatherDataError(
                f"{where}: column '{col}' has {longest} missing hours from row {i} "
                f"({data.index[i]}); pvsite fills gaps of up to {MAX_GAP_HOURS} h and refuses "
                "longer ones. Fill them from another year or source before reading.")
        notes.append(f"{col}: {int(isna.sum())} missing hours in {len(starts)} gaps "
                     f"(longest {longest} h) filled by linear interpolation")
    return data.interpolate(limit_direction="both")


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
