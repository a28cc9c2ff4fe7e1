"""Hourly electricity load of each institution: modelled from type and floor area, or metered.

**Modelled**: each building's annual load is its floor area (footprint area x storeys, storeys
``round(height_m / storey_height_m)``, at least 1) times an annual intensity per institution type
(:attr:`pvsite.Assumptions.load_intensity_kwh_per_m2`, cited there). It is spread over the
weather's year by a shape per type, the product of

- a **daily** shape (24 relative values) for working days and for rest days (:data:`DAILY`):
  offices and schools by day on working days, hospitals around the clock;
- a **weekly** calendar: Monday to Friday work, weekends and the Chinese public holidays of the
  year rest, with the make-up working days (调休) worked (:data:`HOLIDAYS`, from the General
  Office of the State Council's yearly notices on public holidays, 国务院办公厅关于部分节假日
  安排的通知, for 2022-2025);
- **school terms**: schools and universities run their rest-day shape (a little above it) in
  their winter and summer vacations (:data:`VACATIONS`);
- a **seasonal** factor by month (:data:`SEASONAL`): cooling in summer, heating in winter.

The shapes, vacations and seasonal factors are pvsite assumptions (no published Shanghai
hourly load profile per institution type was found); they set when the energy is used, the
intensities how much. **Metered**: a DataFrame of hourly kWh per institution (as a building
energy monitoring platform exports it), checked and aligned to the weather's hours by
:func:`check_metered`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import INSTITUTION_TYPES, Assumptions
from ..crs import present, to_metric
from ..energy.hourly import groups_of
from ..errors import LoadDataError, PvsiteWarning

__all__ = ["CHARGING_SHAPE", "DAILY", "HOLIDAYS", "SEASONAL", "VACATIONS", "LoadDataError",
           "charging_profile", "check_metered",
           "floor_area_m2", "load_array", "load_profile", "type_shapes", "working_days"]


def _d(spans: list[tuple[int, int, float]]) -> np.ndarray:
    out = np.zeros(24)
    for start, end, v in spans:
        out[start:end] = v
    return out


#: Daily load shapes (relative, hour starting at 0..23 h): (working day, rest day) per type.
#: pvsite assumptions: offices and schools used by day on working days with a base load at
#: night; hospitals around the clock with a daytime rise; universities with evenings (labs,
#: dormitories); housing ('not_public') with morning and evening peaks.
DAILY: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "government": (_d([(0, 7, .25), (7, 8, .6), (8, 12, 1), (12, 13, .8), (13, 18, 1),
                       (18, 19, .6), (19, 22, .4), (22, 24, .3)]), _d([(0, 24, .3)])),
    "school": (_d([(0, 7, .15), (7, 8, .6), (8, 12, 1), (12, 13, .8), (13, 17, 1),
                   (17, 18, .5), (18, 22, .3), (22, 24, .15)]), _d([(0, 24, .15)])),
    "university": (_d([(0, 7, .3), (7, 8, .6), (8, 18, 1), (18, 23, .7), (23, 24, .4)]),
                   _d([(0, 7, .3), (7, 23, .5), (23, 24, .3)])),
    "hospital": (_d([(0, 7, .7), (7, 8, .85), (8, 18, 1), (18, 22, .85), (22, 24, .75)]),
                 _d([(0, 7, .7), (7, 22, .85), (22, 24, .7)])),
    "other_public": (_d([(0, 7, .25), (7, 8, .6), (8, 18, 1), (18, 21, .6), (21, 24, .3)]),
                     _d([(0, 7, .25), (7, 21, .5), (21, 24, .25)])),
    "not_public": (_d([(0, 6, .3), (6, 9, .7), (9, 17, .4), (17, 18, .7), (18, 23, 1),
                       (23, 24, .5)]),) * 2,
}
#: Seasonal factor by month, Jan..Dec (pvsite assumption: air-conditioning in July-August,
#: heat pumps in winter, mild spring and autumn in Shanghai).
SEASONAL = np.array([1.1, 1.05, 0.85, 0.8, 0.9, 1.05, 1.3, 1.3, 1.1, 0.85, 0.85, 1.05])
#: School and university vacations as (month, day) spans, inclusive (pvsite assumption, after
#: the usual Shanghai calendar: summer from July to the end of August, winter about four
#: weeks around the Spring Festival), and the share of the working-day load kept in them.
VACATIONS: dict[str, tuple[list[tuple[tuple[int, int], tuple[int, int]]], float]] = {
    "school": ([((1, 20), (2, 18)), ((7, 1), (8, 31))], 0.0),
    "university": ([((1, 15), (2, 25)), ((7, 10), (8, 31))], 0.3),
}

#: Chinese public holidays (rest days) and make-up working days by year, from the yearly
#: notices of the General Office of the State Council (国务院办公厅关于YYYY年部分节假日安排的
#: 通知; 2024: 国办发明电〔2023〕7号, 2025: 国办发明电〔2024〕12号), as Xinhua, People's Daily
#: and the Chinese government website published them (2021-10-25, 2022-12-08, 2023-10-25,
#: 2024-11-12): (holiday spans (start, end) inclusive, make-up working days).
HOLIDAYS: dict[int, tuple[list[tuple[str, str]], list[str]]] = {
    2022: ([("2022-01-01", "2022-01-03"), ("2022-01-31", "2022-02-06"),
            ("2022-04-03", "2022-04-05"), ("2022-04-30", "2022-05-04"),
            ("2022-06-03", "2022-06-05"), ("2022-09-10", "2022-09-12"),
            ("2022-10-01", "2022-10-07")],
           ["2022-01-29", "2022-01-30", "2022-04-02", "2022-04-24", "2022-05-07",
            "2022-10-08", "2022-10-09"]),
    2023: ([("2023-01-01", "2023-01-02"), ("2023-01-21", "2023-01-27"),
            ("2023-04-05", "2023-04-05"), ("2023-04-29", "2023-05-03"),
            ("2023-06-22", "2023-06-24"), ("2023-09-29", "2023-10-06")],
           ["2023-01-28", "2023-01-29", "2023-04-23", "2023-05-06", "2023-06-25",
            "2023-10-07", "2023-10-08"]),
    2024: ([("2024-01-01", "2024-01-01"), ("2024-02-10", "2024-02-17"),
            ("2024-04-04", "2024-04-06"), ("2024-05-01", "2024-05-05"),
            ("2024-06-10", "2024-06-10"), ("2024-09-15", "2024-09-17"),
            ("2024-10-01", "2024-10-07")],
           ["2024-02-04", "2024-02-18", "2024-04-07", "2024-04-28", "2024-05-11",
            "2024-09-14", "2024-09-29", "2024-10-12"]),
    2025: ([("2025-01-01", "2025-01-01"), ("2025-01-28", "2025-02-04"),
            ("2025-04-04", "2025-04-06"), ("2025-05-01", "2025-05-05"),
            ("2025-05-31", "2025-06-02"), ("2025-10-01", "2025-10-08")],
           ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]),
}
#: Holidays of a year not in :data:`HOLIDAYS`: the fixed-date ones only (New Year, Labour Day,
#: National Day), as (month, day) spans.
_FIXED = [((1, 1), (1, 1)), ((5, 1), (5, 3)), ((10, 1), (10, 7))]


def working_days(index: pd.DatetimeIndex) -> np.ndarray:
    """Whether each hour of a (local time) index falls on a working day (bool array).

    Monday to Friday, less the public holidays of :data:`HOLIDAYS`, plus its make-up working
    days; for a year not in the table only fixed-date holidays, with a warning.

    Examples
    --------
    >>> import pandas as pd
    >>> days = pd.date_range("2023-01-27 12:00", periods=3, freq="D", tz="Asia/Shanghai")
    >>> working_days(days).tolist()  # Spring Festival holiday, then two make-up Saturdays
    [False, True, True]
    """
    dates = pd.DatetimeIndex(index).tz_localize(None).normalize()
    work = np.asarray(dates.day_of_week < 5)
    for year in np.unique(dates.year):
        if year in HOLIDAYS:
            spans, makeup = HOLIDAYS[year]
            rest = [(pd.Timestamp(s), pd.Timestamp(e)) for s, e in spans]
            extra = pd.DatetimeIndex(makeup)
        else:
            warnings.warn(f"the public holidays of {year} are not in pvsite's table "
                          "(pvsite.results.loads.HOLIDAYS, 2022-2025); only New Year, 1-3 May "
                          "and 1-7 October are taken as holidays.", PvsiteWarning, stacklevel=3)
            rest = [(pd.Timestamp(year, *s), pd.Timestamp(year, *e)) for s, e in _FIXED]
            extra = pd.DatetimeIndex([])
        for start, end in rest:
            work[(dates >= start) & (dates <= end)] = False
        work[dates.isin(extra)] = True
    return work


def _in_spans(index: pd.DatetimeIndex, spans: list[tuple[tuple[int, int], tuple[int, int]]]
              ) -> np.ndarray:
    md = np.asarray(index.month) * 100 + np.asarray(index.day)
    out = np.zeros(len(index), dtype=bool)
    for (m0, d0), (m1, d1) in spans:
        out |= (md >= m0 * 100 + d0) & (md <= m1 * 100 + d1)
    return out


def type_shapes(index: pd.DatetimeIndex) -> pd.DataFrame:
    """Hourly load shape of each institution type on an index, each summing to 1 [-].

    Parameters
    ----------
    index : DatetimeIndex
        Hours in local time (a weather year's index).

    Returns
    -------
    DataFrame
        On ``index``, one column per type of :data:`pvsite.assumptions.INSTITUTION_TYPES`.
    """
    hour = np.asarray(index.hour)
    work = working_days(index)
    season = SEASONAL[np.asarray(index.month) - 1]
    out = {}
    for kind in INSTITUTION_TYPES:
        day_work, day_rest = DAILY[kind]
        shape = np.where(work, day_work[hour], day_rest[hour])
        if kind in VACATIONS:
            spans, keep = VACATIONS[kind]
            off = _in_spans(index, spans)
            vac = day_rest[hour] + keep * (day_work[hour] - day_rest[hour]) * work
            shape = np.where(off, vac, shape)
        shape = shape * season
        out[kind] = shape / shape.sum()
    return pd.DataFrame(out, index=index)


def floor_area_m2(result: Any, *, assumptions: Assumptions | None = None) -> pd.Series:
    """Floor area of each building [m^2]: footprint area x storeys (0 for invalid ones).

    Storeys are ``round(height_m / storey_height_m)``, at least 1.
    """
    a = assumptions or Assumptions()
    metric = to_metric(result[[result.geometry.name]])
    area = np.where(present(metric.geometry.to_numpy()), metric.geometry.area.to_numpy(), 0.0)
    storeys = np.maximum(np.round(result["height_m"].to_numpy(dtype=float)
                                  / a.storey_height_m), 1.0)
    area = np.nan_to_num(area * storeys)
    if "status" in result:
        area = np.where((result["status"] == "invalid").to_numpy(), 0.0, area)
    return pd.Series(area, index=result.index, name="floor_area_m2")


def load_profile(
    result: Any,
    weather: pd.DataFrame,
    *,
    by: str = "institution",
    metered: pd.DataFrame | None = None,
    assumptions: Assumptions | None = None,
) -> pd.DataFrame:
    """Hourly electricity load [kWh] of each institution (or building, or district).

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate` (``institution_type``, ``height_m``, footprints).
    weather : DataFrame
        The weather year: its hours (local time) and its year's public holidays.
    by : {'institution', 'building', 'district'}
        As :func:`pvsite.energy.hourly.hourly`.
    metered : DataFrame, optional
        Measured hourly load per group [kWh] (columns the group labels): checked and aligned
        to the weather's hours by :func:`check_metered` and returned instead of the model.
    assumptions : Assumptions, optional
        ``load_intensity_kwh_per_m2`` and ``storey_height_m``.

    Returns
    -------
    DataFrame
        On the weather's index, one float32 column per group [kWh]. Modelled loads sum, per
        building, to floor area x the type's intensity.

    Examples
    --------
    >>> import pvsite
    >>> w = pvsite.datasets.shanghai_weather()
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(30), w)
    >>> load = load_profile(r, w)
    >>> load.shape[0], bool((load >= 0).all().all())
    (8760, True)
    """
    if metered is not None:
        return check_metered(metered, weather, groups=groups_of(result, by)[1])
    total, labels = load_array(result, weather, by=by, assumptions=assumptions)
    out = pd.DataFrame(total.T, index=weather.index, columns=labels)
    out.attrs = {"unit": "kWh", "by": by, "source": "modelled: floor area x intensity x shape"}
    return out


def load_array(result: Any, weather: pd.DataFrame, *, by: str = "institution",
               assumptions: Assumptions | None = None) -> tuple[np.ndarray, pd.Index]:
    """The modelled load of :func:`load_profile` as a (groups, hours) float32 array, labels."""
    from scipy import sparse

    a = assumptions or Assumptions()
    codes, labels = groups_of(result, by)
    types = result["institution_type"].astype(str).to_numpy()
    intensity = np.array([a.load_intensity_kwh_per_m2.get(t, 0.0) for t in types])
    annual = floor_area_m2(result, assumptions=a).to_numpy() * intensity
    shapes = type_shapes(weather.index)
    kind_pos = pd.Index(shapes.columns).get_indexer(types)
    keep = (codes >= 0) & (kind_pos >= 0)
    m = sparse.csr_matrix((annual[keep], (codes[keep], kind_pos[keep])),
                          shape=(len(labels), shapes.shape[1]))
    # (groups, types) @ (types, hours), in float64 one block of groups at a time
    total = np.empty((len(labels), len(weather)), dtype=np.float32)
    per_type = np.ascontiguousarray(shapes.to_numpy().T)
    for s in range(0, len(labels), 4096):
        total[s:s + 4096] = m[s:s + 4096] @ per_type
    return total, labels


_UNITS = {"kwh": 1.0, "wh": 1e-3, "mwh": 1e3}


def check_metered(metered: pd.DataFrame, weather: pd.DataFrame, *,
                  groups: Any = None) -> pd.DataFrame:
    """A metered hourly load [kWh per hour], checked and put on the weather's hours.

    Parameters
    ----------
    metered : DataFrame
        One column per group, hourly energy. Units from ``metered.attrs['unit']`` ('kWh',
        default, 'Wh' or 'MWh'). With a DatetimeIndex, hours are matched by month, day and
        hour of day in the weather's time zone (a naive index is taken as local time; 29
        February is dropped), so a metered year of any calendar year fits a typical year;
        without one, the rows must be as many as the weather's hours, in order.
    weather : DataFrame
        The weather year.
    groups : sequence, optional
        The group labels the load must cover (e.g. the institution ids of a result).

    Returns
    -------
    DataFrame
        On the weather's index, float32 [kWh], the columns of ``metered``.

    Raises
    ------
    LoadDataError
        Not a DataFrame, unknown unit, wrong length, hours missing, non-numeric, missing or
        negative values, or groups missing.
    """
    if not isinstance(metered, pd.DataFrame):
        raise LoadDataError(f"metered load must be a DataFrame of hourly kWh per group, not "
                            f"{type(metered).__name__}.")
    unit = str(metered.attrs.get("unit", "kWh")).strip().lower()
    if unit not in _UNITS:
        raise LoadDataError(f"metered load unit {metered.attrs.get('unit')!r} unknown; set "
                            "metered.attrs['unit'] to 'kWh', 'Wh' or 'MWh' (energy per hour).")
    try:
        values = metered.apply(pd.to_numeric, errors="raise").astype(float)
    except (ValueError, TypeError) as err:
        raise LoadDataError(f"metered load has non-numeric values ({err}); give kWh as "
                            "numbers.") from None
    n = len(weather)
    if isinstance(values.index, pd.DatetimeIndex):
        idx = values.index
        tz = weather.index.tz
        if idx.tz is None and tz is not None:
            idx = idx.tz_localize(tz)
        elif tz is not None:
            idx = idx.tz_convert(tz)
        keys = idx.month * 1_000_000 + idx.day * 1_000 + idx.hour
        if keys.duplicated().any():
            raise LoadDataError("metered load has repeated hours; give one row per hour of "
                                "one year.")
        want = weather.index.month * 1_000_000 + weather.index.day * 1_000 + weather.index.hour
        pos = pd.Index(keys).get_indexer(want)
        if (pos < 0).any():
            missing = int((pos < 0).sum())
            raise LoadDataError(f"metered load lacks {missing} of the weather's {n} hours; "
                                "give a whole year of hourly values (fill gaps first).")
        values = values.iloc[pos]
    elif len(values) != n:
        raise LoadDataError(f"metered load has {len(values)} rows, the weather {n} hours; give "
                            "one row per hour of the year or a DatetimeIndex.")
    arr = values.to_numpy() * _UNITS[unit]
    if np.isnan(arr).any():
        raise LoadDataError(f"metered load has {int(np.isnan(arr).sum())} missing values; fill "
                            "them before use.")
    if (arr < 0).any():
        cols = list(values.columns[(arr < 0).any(axis=0)])[:5]
        raise LoadDataError(f"metered load is negative in columns {cols}; give consumption "
                            "only (net metering with PV already behind the meter is not "
                            "supported).")
    if groups is not None:
        lacking = [g for g in groups if g not in values.columns]
        if lacking:
            raise LoadDataError(f"metered load has no column for {len(lacking)} groups, e.g. "
                                f"{lacking[:3]}; give one column per group.")
    out = pd.DataFrame(arr.astype(np.float32), index=weather.index, columns=values.columns)
    out.attrs = {"unit": "kWh", "source": "metered"}
    return out


#: Share of a day's charging at a workplace car park in each hour of the day (0-23, local
#: time) [0-1], summing to 1: cars plug in as staff arrive, most between 8:00 and 11:00, and
#: charging tails off through the afternoon; none at night. A pvsite assumption (no measured
#: Chinese workplace profile was found), shaped after the morning arrival peak that
#: workplace charging shows in the field (Level 2 charging at offices and campuses peaks at
#: 8-9 am on weekdays). Every day alike, as ``Assumptions.charging_sessions_per_day`` counts
#: all 365 days.
CHARGING_SHAPE = np.array([0.0] * 8 + [0.15, 0.20, 0.18, 0.12, 0.08, 0.09, 0.08, 0.05, 0.03,
                                       0.02] + [0.0] * 6)


def charging_profile(annual_kwh: Any, index: pd.DatetimeIndex, *,
                     shape: Any = CHARGING_SHAPE) -> np.ndarray:
    """Hourly charging demand of car parks: each one's annual demand over the year's hours.

    Parameters
    ----------
    annual_kwh : array-like
        Annual charging demand of each car park [kWh].
    index : DatetimeIndex
        The weather's hours (local time; ``index.hour`` picks the share of the day).
    shape : array-like of 24, default :data:`CHARGING_SHAPE`
        Share of a day's demand in each hour of the day [0-1], summing to 1.

    Returns
    -------
    ndarray
        (car parks, hours) [kWh]: each row sums to its ``annual_kwh`` (the same every day).

    Examples
    --------
    >>> idx = pd.date_range("2023-01-01 00:30", periods=48, freq="h", tz="Asia/Shanghai")
    >>> d = charging_profile([730.0], idx)
    >>> float(d.sum()), float(d[0, 9])  # 730 kWh over two days: 365 a day, 20 % at 9:00
    (730.0, 73.0)
    """
    day = np.asarray(shape, dtype=float)
    day = day / day.sum()
    per_day = np.asarray(annual_kwh, dtype=float) / (len(index) / 24.0)
    return per_day[:, None] * day[np.asarray(index.hour)][None, :]
