"""Hourly AC energy of every building, institution or district, from the one pvlib chain.

Each PV surface belongs to an orientation class (tilt snapped to ``CLASS_TILT_STEP``, azimuth to
``CLASS_AZIMUTH_STEP``, per mounting, as for the shading loss of :mod:`pvsite.energy.shading`).
For each class pvlib's chain (:func:`pvsite.energy.chain.hourly_chain`) gives, once per weather
year and kept in :data:`pvsite.energy.chain.CACHE` (kind ``hourly_class``), the hourly AC power
per kWp and the parts of it carried by beam and by sky diffuse (each part's share of the
effective irradiance times the hour's AC; Perez's circumsolar light counts with the beam,
as in :mod:`pvsite.energy.shading`). Each surface's own shading is then applied hour by
hour from its owner's horizon (the result's ``horizon_deg``, 72 sectors of 5 deg): the beam part
is lost in the hours when the sun is below the horizon in its sector, and the sky-diffuse part
is scaled by the ratio of the plane's sky view factor with and without that horizon
(:func:`pvsite.geometry.horizons.sky_view_factor`, Dozier & Frew 1990).

The annual total of each surface's hourly shape differs from its ``annual_kwh``: classes
instead of the exact orientation, one horizon per building (at its representative point, in 72
coarse sectors, the highest of each five one-degree sectors) where the annual loss uses 360
sectors and, where the pipeline spreads observer points over a roof, their mean. Each
surface's shape is therefore **scaled to its annual_kwh**, so that the hourly table sums to the
annual result exactly; :func:`hourly` reports the largest and smallest scale factors in
``.attrs`` (on the bundled data 0.80-1.15 when this was written, with 99 % of the surfaces
within 5 %: the representative point's horizon sees more or less than the mean of a roof's
observer points). The loop over surfaces and hours is compiled with numba (parallel over
groups), over only the hours when some class makes energy.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numba import prange

from .._diskcache import PARALLEL_FROM, kernel
from ..assumptions import Assumptions
from ..geometry.horizons import sky_view_factor
from ..inputs.weather import check_weather
from .chain import CACHE, energy_key, hourly_chain, solar_position
from .shading import CLASS_AZIMUTH_STEP, CLASS_TILT_STEP

__all__ = ["BY", "groups_of", "hourly", "hourly_array", "surfaces_of"]

#: What :func:`hourly` can group by, and the result column naming each group (None: the index).
BY = {"building": None, "institution": "institution_id", "district": "district"}


def surfaces_of(result: Any, planes: Any = None) -> pd.DataFrame:
    """The PV surfaces whose energy :func:`hourly` spreads over the year.

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate`.
    planes : DataFrame, optional
        The surface table of ``estimate(..., planes=True)`` (``building`` label,
        ``surface_tilt``, ``surface_azimuth``, ``mounting``, ``capacity_kwp``, ``annual_kwh``).
        Without it each building is one surface: its main plane's tilt and azimuth, racked on
        flat roofs and flush on pitched ones, with the building's whole capacity and energy
        (a building's planes of other orientations then share the main plane's hourly shape).

    Returns
    -------
    DataFrame
        ``owner`` (position of the building in ``result``), ``surface_tilt``,
        ``surface_azimuth`` [deg], ``mounting``, ``capacity_kwp`` [kWp], ``annual_kwh`` [kWh];
        only surfaces with energy, of buildings whose status is 'ok'.
    """
    ok = (result["status"] == "ok").to_numpy() if "status" in result else np.ones(len(result),
                                                                                  bool)
    if planes is None:
        flat = (result["roof_type"].astype(str) == "flat").to_numpy()
        table = pd.DataFrame({
            "owner": np.arange(len(result)),
            "surface_tilt": result["surface_tilt"].to_numpy(dtype=float),
            "surface_azimuth": result["surface_azimuth"].to_numpy(dtype=float),
            "mounting": np.where(flat, "racked", "flush"),
            "capacity_kwp": result["capacity_kwp"].to_numpy(dtype=float),
            "annual_kwh": result["annual_kwh"].to_numpy(dtype=float)})
    else:
        owner = result.index.get_indexer(planes["building"])
        if (owner < 0).any():
            raise ValueError("planes name buildings that are not in result; pass the two "
                             "frames of the same estimate(..., planes=True) call.")
        table = pd.DataFrame({
            "owner": owner,
            "surface_tilt": planes["surface_tilt"].to_numpy(dtype=float),
            "surface_azimuth": planes["surface_azimuth"].to_numpy(dtype=float),
            "mounting": planes["mounting"].astype(str).to_numpy(),
            "capacity_kwp": planes["capacity_kwp"].to_numpy(dtype=float),
            "annual_kwh": planes["annual_kwh"].to_numpy(dtype=float)})
    keep = ok[table["owner"].to_numpy()] & (table["annual_kwh"].to_numpy() > 0)
    return table[keep].reset_index(drop=True)


def _class_profiles(weather: pd.DataFrame, classes: np.ndarray, mounting: str,
                    a: Assumptions, solpos: pd.DataFrame) -> np.ndarray:
    """Per class: hourly AC, its beam part and its sky-diffuse part [W/kWp], (classes, 3, hours).

    The beam part includes Perez's circumsolar light where the chain returns it.

    Kept in the energy cache (kind ``hourly_class``) per weather year, mounting, energy
    assumptions and class.
    """
    base = energy_key(weather, mounting, a)
    keys = [(*base, float(t), float(z)) for t, z in classes]
    got = [CACHE.get("hourly_class", k) for k in keys]
    todo = [i for i, g in enumerate(got) if g is None]
    if todo:
        chain = hourly_chain(weather, classes[todo, 0], classes[todo, 1], mounting=mounting,
                             assumptions=a, solpos=solpos, parts=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            to_ac = np.where(chain["effective"] > 0, chain["ac"] / chain["effective"], 0.0)
        # circumsolar (where the chain gives it) comes from the sun's direction: it is lost
        # with the beam, not by view factor, as in pvsite.energy.shading
        circum = chain.get("circumsolar", np.zeros_like(chain["ac"]))
        for j, i in enumerate(todo):
            got[i] = np.stack([chain["ac"][j], (chain["beam"][j] + circum[j]) * to_ac[j],
                               (chain["sky"][j] - circum[j]) * to_ac[j]]).astype(np.float32)
            CACHE.put("hourly_class", keys[i], got[i])
    return np.stack(got)


def groups_of(result: Any, by: str) -> tuple[np.ndarray, pd.Index]:
    """Group position of every building (-1: in no group) and the groups' labels."""
    if by not in BY:
        raise ValueError(f"by={by!r}; use one of {list(BY)}.")
    if BY[by] is None:
        return np.arange(len(result)), pd.Index(result.index)
    col = BY[by]
    if col not in result:
        raise ValueError(f"by={by!r} needs a {col!r} column in result; run pvsite.estimate "
                         "on footprints that have it.")
    codes, labels = pd.factorize(result[col], sort=True)
    return codes, pd.Index(labels, name=col)


def hourly(
    result: Any,
    weather: pd.DataFrame,
    *,
    planes: Any = None,
    by: str = "building",
    freq: str = "h",
    assumptions: Assumptions | None = None,
) -> pd.DataFrame:
    """AC energy per hour [kWh] of each building, institution or district.

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate` (with its ``horizon_deg`` column for shading; without it
        the hourly shape is unshaded, still scaled to ``annual_kwh``).
    weather : DataFrame
        The weather year the result was estimated with.
    planes : DataFrame, optional
        The surface table of the same ``estimate(..., planes=True)`` call: each surface's own
        orientation and mounting (see :func:`surfaces_of` for what happens without it).
    by : {'building', 'institution', 'district'}
        One column per building (the result's index), per ``institution_id`` or per
        ``district``; buildings with no institution id or district are left out of those.
    freq : str, default 'h'
        'h' for hours; any pandas frequency (e.g. 'MS' for months) sums the hours.
    assumptions : Assumptions, optional
        The energy assumptions of the estimate.

    Returns
    -------
    DataFrame
        Index: the weather's (8,760 hours) or its resampling at ``freq``; one float32 column
        per group [kWh]. Each column sums to the group's ``annual_kwh``. ``.attrs['max_scale']``
        is the largest factor by which a surface's hourly shape was scaled to its annual_kwh,
        ``.attrs['min_scale']`` the smallest, ``.attrs['share_within_5pct']`` the share of
        surfaces scaled by less than 5 %.

    Examples
    --------
    >>> import pvsite
    >>> w = pvsite.datasets.shanghai_weather()
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(30), w)
    >>> h = hourly(r, w, by="district")
    >>> len(h), bool(abs(h.sum().sum() / r["annual_kwh"].sum() - 1) < 1e-3)
    (8760, True)
    """
    total, labels, info = hourly_array(result, weather, planes=planes, by=by,
                                       assumptions=assumptions)
    out = pd.DataFrame(total.T, index=weather.index, columns=labels)
    if freq not in ("h", "H"):
        out = out.resample(freq).sum().astype(np.float32)
    out.attrs = {"unit": "kWh", "by": by, "freq": freq, **info}
    return out


def hourly_array(result: Any, weather: pd.DataFrame, *, planes: Any = None,
                 by: str = "building", assumptions: Assumptions | None = None
                 ) -> tuple[np.ndarray, pd.Index, dict[str, Any]]:
    """What :func:`hourly` computes, as an array: (groups, hours) float32 [kWh], labels, info.

    ``info`` has ``max_scale``, ``min_scale`` and ``shading`` (see :func:`hourly`).
    """
    a = assumptions or Assumptions()
    check_weather(weather)
    codes, labels = groups_of(result, by)
    table = surfaces_of(result, planes)
    table = table[codes[table["owner"].to_numpy()] >= 0].reset_index(drop=True)
    total = np.zeros((len(labels), len(weather)), dtype=np.float32)
    has_horizon = "horizon_deg" in result and len(table) > 0
    info = {"max_scale": 1.0, "min_scale": 1.0,
            "shading": "hourly, from horizon_deg" if has_horizon else "not applied"}
    if not len(table):
        return total, labels, info
    n = len(table)
    solpos = solar_position(weather)
    elevation = solpos["apparent_elevation"].to_numpy().astype(np.float32)
    owner = table["owner"].to_numpy()
    tilt = table["surface_tilt"].to_numpy()
    azim = table["surface_azimuth"].to_numpy()
    mounting = table["mounting"].to_numpy()
    # orientation classes per mounting, numbered across mountings
    tilt_c = np.round(tilt / CLASS_TILT_STEP) * CLASS_TILT_STEP
    azim_c = np.mod(np.round(azim / CLASS_AZIMUTH_STEP) * CLASS_AZIMUTH_STEP, 360.0)
    cls = np.empty(n, dtype=np.int64)
    profs: list[np.ndarray] = []
    for m in np.unique(mounting):
        rows = np.flatnonzero(mounting == m)
        key = np.round(tilt_c[rows] * 1000).astype(np.int64) * 1_000_000 + np.round(
            azim_c[rows] * 1000).astype(np.int64)
        _, first, which = np.unique(key, return_index=True, return_inverse=True)
        classes = np.column_stack([tilt_c[rows][first], azim_c[rows][first]])
        cls[rows] = which.ravel() + int(sum(len(q) for q in profs))
        profs.append(_class_profiles(weather, classes, str(m), a, solpos))
    prof = np.concatenate(profs)
    # only the hours with energy in some class (about half the year)
    day = np.flatnonzero((prof[:, 0] > 0).any(axis=0))
    parts = [np.ascontiguousarray(prof[:, k][:, day]) for k in range(3)]
    if has_horizon:
        hz = np.stack(result["horizon_deg"].to_numpy()[owner]).astype(np.float32)
        sectors = hz.shape[1]
        lost_sky = np.zeros(n, dtype=np.float32)
        sh = np.flatnonzero(hz.max(axis=1) > 0)  # surfaces with a horizon
        if sh.size:
            open_ = (1 + np.cos(np.radians(tilt[sh]))) / 2
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(open_ > 0, sky_view_factor(hz[sh], tilt[sh], azim[sh]) / open_,
                                 1.0)
            lost_sky[sh] = 1.0 - np.clip(ratio, 0.0, 1.0)
    else:
        sectors = 72
        hz = np.full((n, sectors), -90.0, dtype=np.float32)
        lost_sky = np.zeros(n, dtype=np.float32)
    sun_sector = (np.floor(solpos["azimuth"].to_numpy()[day] / (360.0 / sectors)).astype(
        np.int64) % sectors)
    group = codes[owner]
    order = np.argsort(group, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=len(labels)))])
    kwh = table["annual_kwh"].to_numpy(dtype=float)
    sums = np.zeros(n)
    _shade_and_sum(order, ptr.astype(np.int64), cls, hz, lost_sky, kwh, parts[0], parts[1],
                   parts[2], sun_sector, elevation[day], day.astype(np.int64), total, sums)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = kwh / sums * 1000.0 / table["capacity_kwp"].to_numpy(dtype=float)
    scale = scale[np.isfinite(scale)]
    if scale.size:
        info.update(max_scale=float(scale.max()), min_scale=float(scale.min()),
                    share_within_5pct=float(np.mean(np.abs(scale - 1) <= 0.05)))
    return total, labels, info


@kernel(parallel_from=PARALLEL_FROM)
def _shade_and_sum(order, ptr, cls, hz, lost_sky, kwh, ac, beam, sky, sector, elev, hours,
                   total, sums):  # pragma: no cover - compiled
    """Shade each surface's class profile hour by hour, scale it to its kWh, add it up.

    Surfaces ``order[ptr[g]:ptr[g + 1]]`` belong to group ``g`` (parallel over groups). The
    shaded profile is ``ac - sky * lost_sky``, less ``beam`` where the sun is below the
    horizon in its sector, at least 0; a surface shaded to nothing keeps the class's ``ac``.
    ``sums`` gets each surface's profile total [Wh/kWp], ``total[g, hours]`` the kWh.
    """
    groups = ptr.size - 1
    days = hours.size
    for g in prange(groups):
        for k in range(ptr[g], ptr[g + 1]):
            i = order[k]
            c = cls[i]
            s = 0.0
            for d in range(days):
                v = ac[c, d] - sky[c, d] * lost_sky[i]
                if hz[i, sector[d]] > elev[d]:
                    v -= beam[c, d]
                if v > 0:
                    s += v
            shaded = s > 0
            if not shaded:
                for d in range(days):
                    s += ac[c, d]
            sums[i] = s
            if s <= 0:
                continue
            w = kwh[i] / s
            for d in range(days):
                if shaded:
                    v = ac[c, d] - sky[c, d] * lost_sky[i]
                    if hz[i, sector[d]] > elev[d]:
                        v -= beam[c, d]
                    if v < 0:
                        v = 0.0
                else:
                    v = ac[c, d]
                total[g, hours[d]] += w * v
