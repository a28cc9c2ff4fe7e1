"""The energy a horizon costs: shading loss per roof plane, from pvlib's chain.

For each orientation class, pvlib's hourly beam and sky-diffuse parts of the effective
irradiance (:func:`pvsite.energy.chain.hourly_chain`), weighted by the hour's conversion to AC,
are binned by the sun's sector and elevation once per weather year and kept in the one energy
cache (:data:`pvsite.energy.chain.CACHE`). A roof's lost beam is then the sum, over its
sectors, of the binned beam with the sun below its horizon: a few hundred look-ups, not 8,760
hours. Sky diffuse (Perez, treated as isotropic here) is scaled by the ratio of the tilted
plane's sky view factor with and without the neighbours' horizon (Dozier & Frew 1990, IEEE TGRS
28(5):963-969, their eq. for a tilted surface with a horizon, with the plane's own self-horizon
included, so an open plane gets ``(1 + cos(tilt)) / 2``; the same closed form as
:func:`pvsite.geometry.horizons.sky_view_factor`). Ground-reflected light is unchanged.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit, prange

from ..assumptions import Assumptions
from ..geometry.horizons import DISPLAY_SECTORS, coarsen, dsm_horizons
from .chain import CACHE, energy_key, hourly_chain, solar_position

__all__ = ["CHUNK", "shading_loss", "surface_losses"]

#: Surfaces' owners whose horizons are computed at once (bounds memory: 50,000 x 360 sectors
#: ~ 140 MB).
CHUNK = 50_000

#: Orientation classes for shading: tilt snapped to 1 deg, azimuth to 5 deg.
CLASS_TILT_STEP, CLASS_AZIMUTH_STEP = 1.0, 5.0
#: Width of the sun-elevation bins of the beam tables [deg].
ELEVATION_STEP = 1.0


def _class_tables(weather: Any, classes: np.ndarray, sectors: int, mounting: str,
                  assumptions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per orientation class: AC-weighted beam by sun sector and elevation bin, sky, annual AC.

    Kept in the energy cache per weather year, mounting, energy assumptions and class, so
    chunks of a city share them.
    """
    a = assumptions or Assumptions()
    base = (*energy_key(weather, mounting, a), sectors)
    keys = [(*base, float(t), float(z)) for t, z in classes]
    got = [CACHE.get("shading_class", k) for k in keys]
    todo = [i for i, g in enumerate(got) if g is None]
    if todo:
        solpos = solar_position(weather)
        chain = hourly_chain(weather, classes[todo, 0], classes[todo, 1], mounting=mounting,
                             assumptions=a, solpos=solpos, parts=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            to_ac = np.where(chain["effective"] > 0, chain["ac"] / chain["effective"], 0.0)
        beam_ac = chain["beam"] * to_ac
        sky_ac = (chain["sky"] * to_ac).sum(axis=1)
        annual_ac = chain["ac"].sum(axis=1)
        elevation = solpos["apparent_elevation"].to_numpy()
        up = elevation > 0
        nbins = int(np.ceil(90.0 / ELEVATION_STEP))
        sector = (np.floor(solpos["azimuth"].to_numpy()[up] / (360.0 / sectors)).astype(int)
                  % sectors)
        ebin = np.clip(np.floor(elevation[up] / ELEVATION_STEP).astype(int), 0, nbins - 1)
        cell = sector * nbins + ebin
        for j, i in enumerate(todo):
            table = np.bincount(cell, weights=beam_ac[j, up], minlength=sectors * nbins)
            got[i] = (table.reshape(sectors, nbins).astype(np.float32), float(sky_ac[j]),
                      float(annual_ac[j]))
            CACHE.put("shading_class", keys[i], got[i])
    return (np.stack([g[0] for g in got]).astype(float), np.array([g[1] for g in got]),
            np.array([g[2] for g in got]))


def shading_loss(weather: Any, surface_tilt: Any, surface_azimuth: Any, horizon_deg: Any, *,
                 mounting: str = "racked", assumptions: Any = None) -> np.ndarray:
    """Share of each plane's unshaded annual AC energy lost to its horizon [0-1].

    Parameters
    ----------
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    surface_tilt, surface_azimuth : array-like, shape (n,)
        Plane orientations [deg]; snapped to classes of ``CLASS_TILT_STEP`` x
        ``CLASS_AZIMUTH_STEP`` for the loss (the yield itself is not snapped).
    horizon_deg : array-like, shape (n, sectors)
        Horizon elevation per sector [deg], from :func:`horizon_profiles`.
    mounting : {'racked', 'flush'}
    assumptions : Assumptions, optional

    Returns
    -------
    ndarray
        Shape (n,): lost beam (sun below the horizon in its sector) plus lost sky diffuse (sky
        view factor with the horizon over that without), each hour weighted by its conversion
        to AC, over the annual AC energy of the orientation class.
    """
    hz = np.atleast_2d(np.asarray(horizon_deg, dtype=float))
    tilt = np.broadcast_to(np.asarray(surface_tilt, dtype=float), (hz.shape[0],))
    azim = np.broadcast_to(np.asarray(surface_azimuth, dtype=float), (hz.shape[0],))
    n, sectors = hz.shape
    loss = np.zeros(n)
    shaded = hz.max(axis=1) > 0 if n else np.zeros(0, dtype=bool)
    if not shaded.any():
        return loss
    cls_t = np.round(tilt[shaded] / CLASS_TILT_STEP) * CLASS_TILT_STEP
    cls_a = np.mod(np.round(azim[shaded] / CLASS_AZIMUTH_STEP) * CLASS_AZIMUTH_STEP, 360.0)
    # one integer key per class: np.unique on integers, not on rows
    key = np.round(cls_t / CLASS_TILT_STEP).astype(np.int64) * 100_000 + np.round(
        cls_a / CLASS_AZIMUTH_STEP).astype(np.int64)
    uniq, first, which = np.unique(key, return_index=True, return_inverse=True)
    classes = np.column_stack([cls_t[first], cls_a[first]])
    which = which.ravel()
    table, sky_ac, annual_ac = _class_tables(weather, classes, sectors, mounting, assumptions)
    cum = np.concatenate([np.zeros((len(classes), sectors, 1)), np.cumsum(table, axis=2)],
                         axis=2)
    lost_beam, svf_ratio = _loss_kernel(
        which.astype(np.int64), np.ascontiguousarray(hz[shaded]), tilt[shaded].copy(),
        azim[shaded].copy(), cum, table, ELEVATION_STEP)
    lost_sky = sky_ac[which] * (1.0 - svf_ratio)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac_lost = np.where(annual_ac[which] > 0, (lost_beam + lost_sky) / annual_ac[which],
                             0.0)
    loss[shaded] = np.clip(frac_lost, 0.0, 1.0)
    return loss


@njit(parallel=True, cache=True)
def _loss_kernel(which, hz, tilt, azim, cum, table, step):  # pragma: no cover - compiled
    """Lost AC-weighted beam and the sky-view-factor ratio of each plane (see sky_view_factor)."""
    n, sectors = hz.shape
    nbins = table.shape[2]
    lost = np.zeros(n)
    ratio = np.ones(n)
    phi = (np.arange(sectors) + 0.5) * 2 * np.pi / sectors
    cphi, sphi = np.cos(phi), np.sin(phi)
    for p in prange(n):
        c = which[p]
        s_t = np.radians(tilt[p])
        a_t = np.radians(azim[p])
        cs, ss, ts = np.cos(s_t), np.sin(s_t), np.tan(s_t)
        ca, sa = np.cos(a_t), np.sin(a_t)
        total = 0.0
        hidden = 0.0  # sky view the horizon takes away, summed over sectors
        for k in range(sectors):
            if hz[p, k] <= 0:
                continue  # open sector: no beam lost, no sky hidden
            x = min(hz[p, k] / step, nbins)
            k0 = min(int(np.floor(x)), nbins - 1)
            total += cum[c, k, k0] + (x - k0) * table[c, k, k0]
            cd = cphi[k] * ca + sphi[k] * sa  # cos(phi - azimuth)
            self_h = np.arctan(max(-ts * cd, 0.0))
            hm = np.radians(hz[p, k])
            if hm > self_h:
                hidden += (cs * (np.cos(self_h) ** 2 - np.cos(hm) ** 2)
                           + ss * cd * ((hm + np.sin(hm) * np.cos(hm))
                                        - (self_h + np.sin(self_h) * np.cos(self_h))))
        lost[p] = total
        open_ = (1 + cs) / 2  # the open plane's view factor, (1/sectors) sum of the terms
        ratio[p] = max(open_ - hidden / sectors, 0.0) / open_ if open_ > 0 else 1.0
    return lost, ratio


def surface_losses(surfaces: Any, skyline: Any, weather: Any, used: np.ndarray, *,
                   dsm: Any = None, dsm_footprints: Any = None, keep_horizons: bool = True,
                   progress: Any = None, assumptions: Any = None
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """Shading loss of every surface from its owner's horizon, a chunk of owners at a time.

    Parameters
    ----------
    surfaces : DataFrame
        The surface table after layout (``building`` positions, ``surface_tilt``,
        ``surface_azimuth``, ``mounting``).
    skyline : pvsite.geometry.horizons.Skyline
        The footprints and heights the horizons are seen against.
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    used : ndarray of bool
        Surfaces that carry modules (the others get no loss).
    dsm, dsm_footprints : optional
        A surface model and the footprints in its CRS: the higher of its horizon and the
        neighbours' counts (:func:`pvsite.geometry.horizons.dsm_horizons`).
    keep_horizons : bool
        Also return each owner's horizon in ``DISPLAY_SECTORS`` sectors [deg].
    progress : callable, optional
        A tqdm-like wrapper for the loop over chunks.
    assumptions : Assumptions, optional

    Returns
    -------
    (ndarray, ndarray or None)
        Loss per surface [0-1]; horizons, shape (owners, ``DISPLAY_SECTORS``), float32.
    """
    owner = surfaces["building"].to_numpy()
    mounting = surfaces["mounting"].to_numpy()
    tilt = surfaces["surface_tilt"].to_numpy(dtype=float)
    azim = surfaces["surface_azimuth"].to_numpy(dtype=float)
    n = skyline.n
    loss = np.zeros(len(surfaces))
    horizons = np.zeros((n, DISPLAY_SECTORS), dtype=np.float32) if keep_horizons else None
    chunks = skyline.chunks(CHUNK)
    for chunk in (progress(chunks) if progress is not None else chunks):
        prof = skyline.profiles(chunk)
        if dsm is not None:  # terrain and trees: the higher of two horizons
            prof = np.maximum(prof, dsm_horizons(dsm_footprints[chunk], None, dsm))
        if horizons is not None:
            horizons[chunk] = coarsen(prof)
        local = np.full(n, -1)
        local[chunk] = np.arange(chunk.size)
        rows = np.flatnonzero((local[owner] >= 0) & used)
        for m in ("racked", "flush"):
            sel = rows[mounting[rows] == m]
            if sel.size:
                loss[sel] = shading_loss(weather, tilt[sel], azim[sel], prof[local[owner[sel]]],
                                         mounting=m, assumptions=assumptions)
    return loss, horizons
