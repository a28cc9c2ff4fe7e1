"""The energy a horizon costs: shading loss per observer point and per PV surface.

For each orientation class, pvlib's hourly beam and circumsolar diffuse (Perez's circumsolar
part, :func:`pvlib.irradiance.perez` with ``return_components=True``: light from the sun's
direction) of the effective irradiance (:func:`pvsite.energy.chain.hourly_chain`), weighted by
the hour's conversion to AC, are binned by the sun's sector and elevation once per weather year
and kept in the one energy cache (:data:`pvsite.energy.chain.CACHE`). A point's lost beam and
circumsolar is then the sum, over its sectors, of the binned part with the sun below its
horizon: a few hundred look-ups, not 8,760 hours. The rest of the sky diffuse (Perez's
isotropic part and horizon band) is scaled by the ratio of the tilted plane's sky view factor
with and without the neighbours' horizon (Dozier & Frew 1990, IEEE TGRS 28(5):963-969, their
eq. for a tilted surface with a horizon, with the plane's own self-horizon included, so an open
plane gets ``(1 + cos(tilt)) / 2``; the same closed form as
:func:`pvsite.geometry.horizons.sky_view_factor`). Ground-reflected light is unchanged.
:func:`surface_losses` spreads observer points over each surface a neighbour can reach and
averages their losses.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numba import prange

from .._diskcache import PARALLEL_FROM, kernel
from ..assumptions import Assumptions
from ..geometry.horizons import (
    DISPLAY_SECTORS,
    MAX_POINTS,
    POINT_SPACING_M,
    SECTORS,
    _trace_column,
    dsm_horizons,
    roof_points,
)
from .chain import CACHE, energy_key, hourly_chain, solar_position

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CHUNK", "REFINE_SPREAD", "facade_losses", "module_lift", "shading_loss",
           "surface_losses"]

#: Surfaces' owners whose horizons are computed at once (bounds memory: their neighbour pairs,
#: on synthetic_city(30000) 55-63 per roof and 80 per building's walls, and observer points).
CHUNK = 50_000

#: Orientation classes for shading: tilt snapped to 1 deg, azimuth to 5 deg.
CLASS_TILT_STEP, CLASS_AZIMUTH_STEP = 1.0, 5.0
#: Width of the sun-elevation bins of the beam tables [deg].
ELEVATION_STEP = 1.0


def _class_tables(weather: Any, classes: np.ndarray, sectors: int, mounting: str,
                  assumptions: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per orientation class: binned beam and circumsolar, sky, annual AC, beam's running sum.

    Beam and circumsolar diffuse, weighted by each hour's conversion to AC, binned by the
    sun's sector and elevation; the rest of the sky diffuse (isotropic and horizon band) and
    the annual AC as totals. Kept in the energy cache per weather year, mounting, energy
    assumptions and class, so chunks of a city share them.
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
        # circumsolar comes from the sun's direction: lost with the beam, not by view factor
        beam_ac = (chain["beam"] + chain["circumsolar"]) * to_ac
        sky_ac = ((chain["sky"] - chain["circumsolar"]) * to_ac).sum(axis=1)
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
            beam = table.reshape(sectors, nbins).astype(np.float32).astype(float)
            # its running sum over elevation bins, once per class (not per batch of points)
            cum = np.concatenate([np.zeros((sectors, 1)), np.cumsum(beam, axis=1)], axis=1)
            got[i] = (beam, float(sky_ac[j]), float(annual_ac[j]), cum)
            CACHE.put("shading_class", keys[i], got[i])
    return (np.stack([g[0] for g in got]), np.array([g[1] for g in got]),
            np.array([g[2] for g in got]), np.stack([g[3] for g in got]))


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
    which, sky_ac, annual_ac, cum, table = _plane_classes(
        weather, tilt[shaded], azim[shaded], np.full(int(shaded.sum()), mounting), sectors,
        assumptions)
    lost_beam, svf_ratio = _loss_kernel(
        which, np.ascontiguousarray(hz if shaded.all() else hz[shaded]),
        tilt[shaded].copy(), azim[shaded].copy(), cum, table, ELEVATION_STEP,
        *_sector_directions(sectors))
    loss[shaded] = _share_lost(lost_beam, svf_ratio, sky_ac[which], annual_ac[which])
    return loss


def _share_lost(lost_beam: np.ndarray, svf_ratio: np.ndarray, sky_ac: np.ndarray,
                annual_ac: np.ndarray) -> np.ndarray:
    """Lost beam plus the sky diffuse the horizon hides, over the annual AC [0-1]."""
    lost_sky = sky_ac * (1.0 - svf_ratio)
    with np.errstate(invalid="ignore", divide="ignore"):
        frac_lost = np.where(annual_ac > 0, (lost_beam + lost_sky) / annual_ac, 0.0)
    return np.clip(frac_lost, 0.0, 1.0)


def _plane_classes(weather: Any, tilt: np.ndarray, azim: np.ndarray, mounting: np.ndarray,
                   sectors: int, assumptions: Any
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each plane's orientation class and mounting, and the classes' tables.

    Tilt snapped to ``CLASS_TILT_STEP``, azimuth to ``CLASS_AZIMUTH_STEP``. Returns the class
    of each plane (int64) and, per class, the sky diffuse and annual AC totals and the binned
    beam's running sum and bins (:func:`_class_tables`).
    """
    which = np.zeros(tilt.size, dtype=np.int64)
    parts: list[tuple[np.ndarray, ...]] = []
    count = 0
    for m in np.unique(mounting) if tilt.size else ():
        at = np.flatnonzero(mounting == m)
        cls_t = np.round(tilt[at] / CLASS_TILT_STEP) * CLASS_TILT_STEP
        cls_a = np.mod(np.round(azim[at] / CLASS_AZIMUTH_STEP) * CLASS_AZIMUTH_STEP, 360.0)
        # one integer key per class: np.unique on integers, not on rows
        key = np.round(cls_t / CLASS_TILT_STEP).astype(np.int64) * 100_000 + np.round(
            cls_a / CLASS_AZIMUTH_STEP).astype(np.int64)
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        classes = np.column_stack([cls_t[first], cls_a[first]])
        table, sky_ac, annual_ac, cum = _class_tables(weather, classes, sectors, str(m),
                                                      assumptions)
        which[at] = inverse.ravel() + count
        count += first.size
        parts.append((sky_ac, annual_ac, cum, table))
    if not parts:
        nbins = int(np.ceil(90.0 / ELEVATION_STEP))
        return (which, np.zeros(0), np.zeros(0), np.zeros((0, sectors, nbins + 1)),
                np.zeros((0, sectors, nbins)))
    sky_ac, annual_ac, cum, table = (np.concatenate(v) for v in zip(*parts, strict=True))
    return which, sky_ac, annual_ac, cum, table


def _sector_directions(sectors: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosine and sine of each sector's middle azimuth.

    Python, not a kernel (as :func:`pvsite.geometry.horizons._ray_tables`): ``math`` calls the
    C library that compiled code calls, so the values are the kernel's.
    """
    phi = [(k + 0.5) * 2 * math.pi / sectors for k in range(sectors)]
    return np.array([math.cos(v) for v in phi]), np.array([math.sin(v) for v in phi])


@kernel
def _plane_loss(hz, tn, c, tilt, azim, cphi, sphi, cum, table, step
                ):  # pragma: no cover - compiled
    """Lost AC-weighted beam and the sky-view-factor ratio of one plane (see sky_view_factor).

    ``hz``: its horizon [deg] per sector and ``tn`` its tangent; ``c``: its class in ``cum``
    and ``table``. The view factor's terms by the tangent (``cos^2 H = 1 / (1 + tan^2 H)``,
    ``sin H cos H = tan H / (1 + tan^2 H)``; a horizon is above the plane's self-horizon where
    its tangent is), which spares three to five trigonometric calls per sector.
    """
    sectors = hz.size
    nbins = table.shape[2]
    s_t = np.radians(tilt)
    a_t = np.radians(azim)
    cs, ss, ts = np.cos(s_t), np.sin(s_t), np.tan(s_t)
    ca, sa = np.cos(a_t), np.sin(a_t)
    total = 0.0
    hidden = 0.0  # sky view the horizon takes away, summed over sectors
    for k in range(sectors):
        if hz[k] <= 0:
            continue  # open sector: no beam lost, no sky hidden
        x = min(hz[k] / step, nbins)
        k0 = min(int(np.floor(x)), nbins - 1)
        total += cum[c, k, k0] + (x - k0) * table[c, k, k0]
        cd = cphi[k] * ca + sphi[k] * sa  # cos(phi - azimuth)
        hm = np.radians(hz[k])
        cos2 = 1.0 / (1.0 + tn[k] * tn[k])
        if cd >= 0:  # no self-horizon (arctan 0 = 0, cos 0 = 1, sin 0 = 0: same sums)
            hidden += cs * (1.0 - cos2) + ss * cd * (hm + tn[k] * cos2)
            continue
        t_self = -ts * cd
        if tn[k] > t_self:
            self_h = np.arctan(t_self)
            cos2_self = 1.0 / (1.0 + t_self * t_self)
            hidden += (cs * (cos2_self - cos2)
                       + ss * cd * ((hm + tn[k] * cos2) - (self_h + t_self * cos2_self)))
    open_ = (1 + cs) / 2  # the open plane's view factor, (1/sectors) sum of the terms
    return total, max(open_ - hidden / sectors, 0.0) / open_ if open_ > 0 else 1.0


@kernel(parallel_from=PARALLEL_FROM)
def _loss_kernel(which, hz, tilt, azim, cum, table, step, cphi, sphi
                 ):  # pragma: no cover - compiled
    """Lost AC-weighted beam and the sky-view-factor ratio of each plane (see sky_view_factor).

    ``cphi, sphi``: from :func:`_sector_directions`.
    """
    n, sectors = hz.shape
    lost = np.zeros(n)
    ratio = np.ones(n)
    for p in prange(n):
        tn = np.zeros(sectors)
        for k in range(sectors):
            if hz[p, k] > 0:
                tn[k] = np.tan(np.radians(hz[p, k]))
        lost[p], ratio[p] = _plane_loss(hz[p], tn, which[p], tilt[p], azim[p], cphi, sphi,
                                        cum, table, step)
    return lost, ratio


#: LLVM optimisation level of the traced losses' serial twin, which inputs of fewer than
#: ``PARALLEL_FROM`` points run, on a first estimate's path (numba's default is 3; the parallel
#: variant keeps it). pvsite measurement, this machine, fresh caches: the kernel and those it
#: calls compile in 3.7-4.2 s at level 1 instead of 5.9 s, and run as fast (0.21 / 0.32 s at
#: level 1, 0.20 / 0.31 s at level 3, two same-hour pairs, 8,000 points of synthetic_city(2500));
#: results identical (the levels keep IEEE arithmetic: no fast-math).
SMALL_OPT = 1


@kernel(parallel_from=PARALLEL_FROM, serial_opt=SMALL_OPT)
def _traced_losses(ox, oy, zptr, oz, face, group, pair_ptr, pair_obs, ex1, ey1, ex2, ey2,
                   eoff, heights, cx, cy, half_diag, sectors, rays, min_tan, tables, extra,
                   which, tilt, azim, cum, table, step, coarse, cphi, sphi
                   ):  # pragma: no cover - compiled
    """The losses of :func:`_loss_kernel` at each point, its horizon used where it is traced.

    Points in the columns of :func:`pvsite.geometry.horizons._horizons`, whose arguments
    come first (up to ``tables``). ``extra``: a horizon [deg] per group (a surface model's)
    whose higher sectors count, or shape (0, sectors); ``which``, ``tilt``, ``azim``: each
    point's class and plane; ``coarse``: filled with each point's horizon in its fewer
    sectors (the highest of those merged), or shape (0, k); ``cphi, sphi``: from
    :func:`_sector_directions`. No array of points x sectors is
    held: the losses of tracing every horizon first (within rounding: the tangent is used
    as traced, not recomputed from the angle).
    """
    lost = np.zeros(oz.size)
    ratio = np.ones(oz.size)
    merge = sectors // coarse.shape[1] if coarse.shape[1] else 1
    for i in prange(ox.size):
        z0 = zptr[i]
        m = zptr[i + 1] - z0
        best = np.zeros((m, sectors))
        top = np.empty(m)
        _trace_column(best, top, i, ox, oy, zptr, oz, face, group, pair_ptr, pair_obs, ex1,
                      ey1, ex2, ey2, eoff, heights, cx, cy, half_diag, sectors, rays, min_tan,
                      tables)
        hz, tn = np.zeros(sectors), np.zeros(sectors)
        for u in range(m):
            for k in range(sectors):
                b = best[u, k]
                if 0 < b < math.inf:
                    hz[k], tn[k] = math.degrees(math.atan(b)), b
                else:
                    hz[k], tn[k] = 0.0, 0.0
                if extra.shape[0] and extra[group[i], k] > hz[k]:
                    hz[k] = extra[group[i], k]
                    tn[k] = math.tan(math.radians(hz[k]))
            p = z0 + u
            lost[p], ratio[p] = _plane_loss(hz, tn, which[p], tilt[p], azim[p], cphi, sphi,
                                            cum, table, step)
            if coarse.shape[0]:
                for k in range(coarse.shape[1]):
                    v = hz[k * merge]
                    for kk in range(k * merge + 1, (k + 1) * merge):
                        v = max(v, hz[kk])
                    coarse[p, k] = v
    return lost, ratio


def module_lift(surfaces: Any, assumptions: Any = None) -> np.ndarray:
    """Height of the modules' middle above the roof [m], where shading is seen from.

    Racked rows: half the row's rise, ``slant * sin(tilt) / 2``, the slant being the module's
    length in portrait and its width in landscape (``orientation``); other mountings: 0.
    """
    a = assumptions or Assumptions()
    tilt = np.radians(surfaces["surface_tilt"].to_numpy(dtype=float))
    orient = (surfaces["orientation"].to_numpy() if "orientation" in surfaces
              else np.full(len(surfaces), "portrait"))
    slant = np.where(orient == "landscape", a.module_width_m, a.module_length_m)
    racked = surfaces["mounting"].to_numpy() == "racked"
    return np.where(racked, np.nan_to_num(slant * np.sin(tilt) / 2), 0.0)


#: Surfaces whose points' losses differ by more than this get a grid twice as fine (up to
#: four times as many points) [0-1]: on the scenes of the tests, the hall in a courtyard goes
#: from 4 points 1.9 percentage points low to 9 points 1.0 low. On 20,000 synthetic city roofs
#: it adds 12 % more points (58,000 instead of 51,000). A surface of one point (under 17 m a
#: side) is done again where that point loses more than this: a 16 m x 16 m roof at 5 m
#: between two 30 m slabs 3 m east and west went from 1 point 1.9 percentage points low to 4
#: points 0.2 low (brute force 57.9 %), and 3 m west of a 40 m slab from 1.8 high to 1.2 low;
#: a surface too small for the finer grid gets cells half its side (a 12 m x 5 m carport canopy
#: beside a 12 m building: 3 points, 2.9 points low against 4.3 with one). On
#: synthetic_city(100000): 11 % more points (319,174 instead of 287,180), 9.1 s against 8.7 s,
#: annual energy 0.002 % lower. Measured when this was written.
REFINE_SPREAD = 0.08


def _point_losses(ctx: tuple, px: np.ndarray, py: np.ndarray, pz: np.ndarray,
                  group: np.ndarray, prow: np.ndarray, keep: bool, walls: bool = False,
                  sectors: int = SECTORS) -> tuple[np.ndarray, np.ndarray | None]:
    """Loss at each observer point of surface ``prow``; with ``keep``, its coarse horizon.

    The horizon in ``DISPLAY_SECTORS`` sectors [deg], float32. ``ctx``: the skyline, the
    chunk's roof pairs, surface-model horizons (or None), weather, surface tilts, azimuths,
    mountings and assumptions. ``walls``: the points stand in front of vertical walls facing
    their surface's azimuth, so the half of the sky behind each wall is not searched (it
    carries neither beam nor sky diffuse for such a plane: the same losses). Each point's
    horizon is used where it is traced (:func:`_traced_losses`), never stored whole: the
    losses of :meth:`pvsite.geometry.horizons.Skyline.point_profiles` and
    :func:`shading_loss` within rounding (1e-12 relative), the same display horizons.
    """
    skyline, pairs, extra, weather, tilt, azim, mounting, a = ctx
    coarse = np.zeros((px.size if keep else 0, DISPLAY_SECTORS), dtype=np.float32)
    if px.size == 0:
        return np.zeros(0), coarse if keep else None
    plane_tilt, plane_azim = tilt[prow], azim[prow]
    # classes of the surfaces that have points (a class is its surface's), taken to the
    # points: the same classes in the same order as from the points, without sorting each
    # point's key (0.8 s of 8.8 on the 1.6 million wall points of 10^5 synthetic buildings)
    has = np.flatnonzero(np.bincount(prow, minlength=tilt.size) > 0)
    which, sky_ac, annual_ac, cum, table = _plane_classes(weather, tilt[has], azim[has],
                                                          mounting[has], sectors, a)
    at = np.zeros(tilt.size, dtype=np.int64)
    at[has] = which
    which = at[prow]
    columns = skyline.columns(px, py, pz, group, pairs, face=plane_azim if walls else None,
                              sectors=sectors)
    lost, ratio = _traced_losses(*columns, np.zeros((0, sectors)) if extra is None else extra,
                                 which, plane_tilt, plane_azim, cum, table, ELEVATION_STEP,
                                 coarse, *_sector_directions(sectors))
    return _share_lost(lost, ratio, sky_ac[which], annual_ac[which]), coarse if keep else None


def surface_losses(surfaces: Any, skyline: Any, weather: Any, used: np.ndarray, *,
                   dsm: Any = None, dsm_footprints: Any = None, keep_horizons: bool = True,
                   points: bool = False, progress: Any = None, assumptions: Any = None
                   ) -> tuple[np.ndarray, np.ndarray | None, pd.DataFrame | None]:
    """Shading loss of every surface, over observer points spread on its usable area.

    A chunk of owners at a time: one neighbour search per roof
    (:meth:`pvsite.geometry.horizons.Skyline.roof_pairs`) finds the roofs that a neighbour can
    reach at all; only their surfaces get observer points
    (:func:`pvsite.geometry.horizons.roof_points`: a uniform grid of ``POINT_SPACING_M`` over
    the area inside the edge setback, at most about ``MAX_POINTS`` per surface, so a roof under
    17 m a side keeps one point), at the modules' middle height (:func:`module_lift`). Each
    point's horizon (all of a roof's points against its roof's obstacles) gives its loss
    (:func:`shading_loss`); where the losses of a surface's points differ by more than
    ``REFINE_SPREAD``, or its one point loses more than that, the surface is done again on a
    grid twice as fine. A surface's loss is the mean over its points, each standing for an
    equal share of the modules. Roofs no neighbour can reach lose nothing. On the scenes of
    ``tests/energy/test_whole_roof_shading.py`` this is within 1.1 percentage points of a
    brute-force 2 m grid with hourly 3-D rays (issue 15: one point at the roof's
    representative point was up to 9 points off there).

    Parameters
    ----------
    surfaces : DataFrame
        The surface table after layout (``building`` positions, ``geometry``,
        ``surface_tilt``, ``surface_azimuth``, ``mounting``, ``orientation``,
        ``capacity_kwp``).
    skyline : pvsite.geometry.horizons.Skyline
        The footprints and heights the horizons are seen against.
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    used : ndarray of bool
        Surfaces that carry modules (the others get no loss).
    dsm, dsm_footprints : optional
        A surface model and the footprints in its CRS: at every point, the higher of the
        roof's surface-model horizon (:func:`pvsite.geometry.horizons.dsm_horizons`, from the
        roof's representative point) and the neighbours' horizon counts.
    keep_horizons : bool
        Also return each owner's horizon in ``DISPLAY_SECTORS`` sectors [deg]: that of its
        observer point whose loss is nearest its surface's loss (zero where no neighbour
        reaches the roof).
    points : bool
        Also return the observer points with their own loss.
    progress : callable, optional
        A tqdm-like wrapper for the loop over chunks.
    assumptions : Assumptions, optional

    Returns
    -------
    (ndarray, ndarray or None, DataFrame or None)
        Loss per surface [0-1]; horizons, shape (owners, ``DISPLAY_SECTORS``), float32; with
        ``points``, one row per observer point: ``row`` (the surface's position in
        ``surfaces``), ``building`` (owner position), ``x``, ``y`` [m, the footprints' CRS],
        ``z`` (observer height [m]), ``weight`` (its share of the surface's modules [0-1]) and
        ``shading_loss`` [0-1].
    """
    import pandas as pd
    import shapely

    from ..geometry.layout import edge_setback

    a = assumptions or Assumptions()
    owner = surfaces["building"].to_numpy()
    mounting = surfaces["mounting"].to_numpy()
    tilt = surfaces["surface_tilt"].to_numpy(dtype=float)
    azim = surfaces["surface_azimuth"].to_numpy(dtype=float)
    outline = surfaces["geometry"].to_numpy()
    capacity = (surfaces["capacity_kwp"].to_numpy(dtype=float) if "capacity_kwp" in surfaces
                else np.ones(len(surfaces)))
    carries = used & (capacity > 0)
    lift = module_lift(surfaces, a)
    n = skyline.n
    loss = np.zeros(len(surfaces))
    horizons = np.zeros((n, DISPLAY_SECTORS), dtype=np.float32) if keep_horizons else None
    pieces = []
    chunks = skyline.chunks(CHUNK)
    for chunk in (progress(chunks) if progress is not None else chunks):
        pairs = skyline.roof_pairs(chunk)
        reached = np.diff(pairs[0]) > 0
        extra = None
        if dsm is not None:  # terrain and trees: the higher of two horizons
            extra = dsm_horizons(dsm_footprints[chunk], None, dsm)
            reached |= extra.max(axis=1) > 0
        local = np.full(n, -1)
        local[chunk] = np.arange(chunk.size)
        rows = np.flatnonzero((local[owner] >= 0) & carries)
        rows = rows[reached[local[owner[rows]]]]
        own = np.unique(owner[rows])
        back = np.zeros(n)
        back[own] = edge_setback(skyline.geoms[own], assumptions=a)

        ctx = (skyline, pairs, extra, weather, tilt, azim, mounting, a)
        keep = horizons is not None

        def grid(sub, spacing, most, rows=rows, back=back):
            """Points on the surfaces ``rows[sub]``: x, y, z, surface row, position in rows."""
            px, py, k = roof_points(outline[rows[sub]], back[owner[rows[sub]]],
                                    spacing=spacing, max_points=most)
            prow = rows[sub][k]
            return px, py, skyline.h[owner[prow]] + lift[prow], prow, sub[k]

        # a grid on each reached surface
        px, py, pz, prow, which = grid(np.arange(rows.size), POINT_SPACING_M, MAX_POINTS)
        ploss, coarse = _point_losses(ctx, px, py, pz, local[owner[prow]], prow, keep)
        # where the loss varies across a surface, a grid twice as fine
        # (points come sorted by surface)
        start = np.flatnonzero(np.r_[True, which[1:] != which[:-1]]) if which.size else which
        spread = (np.maximum.reduceat(ploss, start) - np.minimum.reduceat(ploss, start)
                  if which.size else ploss)
        # a surface of one point shows no spread: one that loses more than the spread allowed
        # could be shaded unevenly (a small roof close to a tall neighbour)
        uneven = spread > REFINE_SPREAD
        uneven |= (np.diff(np.r_[start, which.size]) == 1) & (ploss[start] > REFINE_SPREAD)
        fine = which[start[uneven]]
        if fine.size:
            stay = ~np.isin(which, fine)
            # twice as fine, and on a surface too small for that, cells half its side
            side = np.sqrt(shapely.area(outline[rows[fine]]))
            f = grid(fine, np.minimum(POINT_SPACING_M, side) / 2, 4 * MAX_POINTS)
            fl, fc = _point_losses(ctx, f[0], f[1], f[2], local[owner[f[3]]], f[3], keep)
            px, py, pz, prow, which = (np.concatenate([v[stay], w]) for v, w in
                                       zip((px, py, pz, prow, which), f, strict=True))
            ploss = np.concatenate([ploss[stay], fl])
            if keep and coarse is not None and fc is not None:
                coarse = np.concatenate([coarse[stay], fc])
        count = np.bincount(which, minlength=rows.size)
        weight = 1.0 / count[which]
        loss[rows] = np.bincount(which, weights=ploss * weight, minlength=rows.size)
        if keep and prow.size and horizons is not None and coarse is not None:
            # each roof's horizon for display: that of the point of its main surface (most
            # kWp) whose loss is nearest that surface's (the typical point, not the worst)
            cap = capacity[prow]
            order = np.lexsort((-cap, owner[prow]))
            first = np.r_[True, owner[prow][order][1:] != owner[prow][order][:-1]]
            main = np.full(n, -1)
            main[owner[prow][order[first]]] = prow[order[first]]
            on = np.flatnonzero(prow == main[owner[prow]])
            # to 1e-9: points as near as each other (the two of a surface of two, whose mean
            # lies halfway) are a tie, taken in point order, not by the last bit's rounding
            gap = np.round(np.abs(ploss[on] - loss[prow[on]]), 9)
            order = np.lexsort((gap, owner[prow[on]]))
            first = np.r_[True, owner[prow[on]][order][1:] != owner[prow[on]][order][:-1]]
            best = on[order[first]]
            horizons[owner[prow[best]]] = coarse[best]
        if points:
            pieces.append(pd.DataFrame({"row": prow, "building": owner[prow], "x": px,
                                        "y": py, "z": pz, "weight": weight,
                                        "shading_loss": ploss}))
    frame = None
    if points:
        cols = ["row", "building", "x", "y", "z", "weight", "shading_loss"]
        frame = (pd.concat(pieces, ignore_index=True) if pieces
                 else pd.DataFrame({c: [] for c in cols}))
    return loss, horizons, frame


#: Observers stand this far in front of a wall [m], so that the wall's own building is
#: behind them.
FACADE_OFFSET_M = 0.5
#: Vertical spacing of the observer points on a wall [m]: shade climbs a wall from the
#: ground, so a tall wall needs several heights. What the grid (``POINT_SPACING_M`` along the
#: wall, this up it) costs, against a 2 m x 1 m grid on the 12,000 walls of the 3,000 most
#: central buildings of ``synthetic_city(30000)``: facade loss off by 0.75 percentage points on
#: average (0.45 weighted by area, bias +0.25), 99th percentile 5.7, worst 24.0; 8 m x 4 m:
#: 0.28 (p99 2.2, worst 19.6) in 2.8x the time; one place per wall: 0.86 (p99 5.7). Measured
#: when this was written, before walls were refined (``FACADE_REFINE_SPREAD``) and saw their
#: own building.
FACADE_RISE_STEP_M = 8.0
#: Facades whose points' losses differ by more than this are done again on a grid twice as
#: fine along the wall and up it [0-1] (:func:`facade_losses`). Higher than the roofs'
#: ``REFINE_SPREAD`` for time: with facades, synthetic_city(50000) took 11.8 s without
#: refinement, 15.1 s at 0.15, 17.9 s at 0.08 (same hour, one run each); a narrow 60 m tower
#: off one end of a 40 m wall is refined at 0.08 only (0.9 points low to 0.1 high against the
#: brute force). Measured when this was written.
FACADE_REFINE_SPREAD = 0.15


def facade_points(facades: Any, *, spacing: float = POINT_SPACING_M,
                  rise_step: float = FACADE_RISE_STEP_M
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Observer points on each facade: a grid along the wall and up it, just in front of it.

    Cell centres every ``spacing`` [m] along the wall and every ``rise_step`` [m] up its
    usable height above the ground floor (at least one of each), ``FACADE_OFFSET_M`` in front
    of the wall. Returns ``x, y, z`` [m] and the facade's row of each point, sorted by row.
    """
    import shapely

    lines = np.asarray(facades["geometry"].to_numpy(), dtype=object)
    rise = facades["wall_height_m"].to_numpy(dtype=float)
    base = (facades["wall_base_m"].to_numpy(dtype=float) if "wall_base_m" in facades
            else np.zeros(len(facades)))
    n_along, n_up, length = _wall_grid(facades, spacing, rise_step)
    per = n_along * n_up
    row = np.repeat(np.arange(len(facades)), per)
    k = np.arange(row.size) - np.repeat(np.cumsum(per) - per, per)
    i_along, i_up = k % n_along[row], k // n_along[row]
    frac = (i_along + 0.5) / n_along[row]
    ends, which = shapely.get_coordinates(lines, return_index=True)
    two = (ends.shape[0] == 2 * len(lines) and np.array_equal(which[0::2], which[1::2])
           and np.array_equal(which[1::2], np.arange(len(lines))))
    if two:
        # straight walls (two vertices each): GEOS's own arithmetic, without building points
        # (the same coordinates to the bit: the fraction of the length, over the length)
        p0, p1, span = ends[0::2][row], ends[1::2][row], length[row]
        with np.errstate(invalid="ignore", divide="ignore"):
            along = np.where(span > 0, (frac * span) / span, 0.0)
        xy = p0 + along[:, None] * (p1 - p0)
    else:
        xy = shapely.get_coordinates(shapely.line_interpolate_point(lines[row], frac,
                                                                    normalized=True))
    az = np.radians(facades["surface_azimuth"].to_numpy(dtype=float))[row]
    x = xy[:, 0] + FACADE_OFFSET_M * np.sin(az)
    y = xy[:, 1] + FACADE_OFFSET_M * np.cos(az)
    z = base[row] + (i_up + 0.5) / n_up[row] * rise[row]
    return x, y, z, row


def facade_losses(facades: Any, skyline: Any, weather: Any, *, assumptions: Any = None,
                  spacing: float = POINT_SPACING_M, rise_step: float = FACADE_RISE_STEP_M,
                  sectors: int = SECTORS, refine: bool = True) -> np.ndarray:
    """Shading loss of each facade by its neighbours, over points in front of the wall.

    The points of :func:`facade_points`, each with its horizon against the other buildings
    (one neighbour search per building, from its walls' lowest point; the building itself is
    an obstacle too, :func:`_with_own`: the far side of its courtyard and its other wings
    shade its walls, while the half of the sky behind each wall is hidden by the plane's own
    self-horizon in :func:`shading_loss`), and the loss of a vertical plane facing the
    wall's normal; a facade's loss is the mean over its points.

    Parameters
    ----------
    facades : DataFrame
        Facade rows of the surface table (``building`` positions, ``geometry`` the wall's base
        line, ``surface_azimuth``, ``wall_base_m``, ``wall_height_m``, ``mounting``).
    skyline : pvsite.geometry.horizons.Skyline
        The footprints and heights the horizons are seen against.
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    assumptions : Assumptions, optional
    spacing, rise_step : float
        The points' grid along the wall and up it [m] (:func:`facade_points`).
    sectors : int
        Azimuth sectors of each point's horizon. On the 12,000 walls of the 3,000 most
        central buildings of ``synthetic_city(30000)``, against a 2 m x 1 m grid at 360
        sectors: the default grid is off by 0.75 percentage points on average (p99 5.7) at
        360 sectors, 0.82 (p99 5.9) at 180, 1.00 (p99 5.8) at 90; 90 sectors took the
        traced part of 10^5 buildings' walls from 6.3 to 4.0 s. Measured when this was
        written.
    refine : bool
        Where the losses of a wall's points differ by more than ``FACADE_REFINE_SPREAD``, do
        the wall again on a grid twice as fine along it and up it (as roofs are). The inner
        wall of a 24 m courtyard ring (36 m court) facing south: 23.1 % on the default grid,
        25.5 % refined, 26.4 % on a 2 m x 1 m grid, brute force 28.5 %.

    Returns
    -------
    ndarray
        Loss per facade [0-1].
    """
    a = assumptions or Assumptions()
    loss = np.zeros(len(facades))
    if not len(facades):
        return loss
    owner = facades["building"].to_numpy()
    tilt = facades["surface_tilt"].to_numpy(dtype=float)
    azim = facades["surface_azimuth"].to_numpy(dtype=float)
    mounting = facades["mounting"].to_numpy()
    # the owners a chunk at a time, as for roofs: the neighbour search and the points of a
    # chunk's walls are what memory holds at once
    chunk_of = np.full(skyline.n, -1)
    for c, idx in enumerate(skyline.chunks(CHUNK)):
        chunk_of[idx] = c
    by_chunk = np.argsort(chunk_of[owner], kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(chunk_of[owner][by_chunk]) != 0, True])

    def wall_losses(rows: np.ndarray, spacing: float, rise_step: float
                    ) -> tuple[np.ndarray, np.ndarray]:
        """Loss of the facades ``rows`` over their points, and the spread of those points."""
        walls = facades.iloc[rows]
        px, py, pz, prow = facade_points(walls, spacing=spacing, rise_step=rise_step)
        # the points of a wall column by column (its heights at one place together: their
        # rays are traced once), their losses put back in facade_points' order for the mean
        col = _column_order(walls, spacing=spacing, rise_step=rise_step)
        own, inverse = np.unique(owner[rows], return_inverse=True)
        lowest = np.full(own.size, np.inf)
        np.minimum.at(lowest, inverse[prow], pz)
        # from each building's footprint grown by the points' distance in front of its walls
        pairs = _with_own(skyline.roof_pairs(own, z=lowest, pad=FACADE_OFFSET_M), own,
                          skyline.ok)
        ctx = (skyline, pairs, None, weather, tilt[rows], azim[rows], mounting[rows], a)
        ploss = np.empty(px.size)
        ploss[col], _ = _point_losses(ctx, px[col], py[col], pz[col], inverse[prow[col]],
                                      prow[col], False, walls=True, sectors=sectors)
        count = np.bincount(prow, minlength=rows.size)
        sums = np.bincount(prow, weights=ploss, minlength=rows.size)
        top, bottom = np.zeros(rows.size), np.ones(rows.size)
        np.maximum.at(top, prow, ploss)
        np.minimum.at(bottom, prow, ploss)
        return (np.where(count > 0, sums / np.maximum(count, 1), 0.0),
                np.where(count > 0, top - bottom, 0.0))

    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        rows = by_chunk[lo:hi]
        loss[rows], spread = wall_losses(rows, spacing, rise_step)
        # where the loss varies across a wall, a grid twice as fine along it and up it
        redo = rows[spread > FACADE_REFINE_SPREAD]
        if refine and redo.size:
            loss[redo] = wall_losses(redo, spacing / 2, rise_step / 2)[0]
    return loss


def _with_own(pairs: tuple[np.ndarray, np.ndarray, np.ndarray], own: np.ndarray,
              ok: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each building's pairs with the building itself first: its other wings shade its walls.

    A wall's points stand in front of it, outside the footprint, so the building is an
    obstacle like any other: the half of the sky behind the wall is hidden already (by the
    plane's own self-horizon), what else of the building stands in front (the far side of a
    courtyard, the other wing of an L) is traced.
    """
    ptr, obs, gap = pairs
    add = np.asarray(ok, dtype=bool)[own].astype(np.int64)
    counts = np.diff(ptr) + add
    new_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    new_obs = np.empty(int(new_ptr[-1]), dtype=np.int64)
    new_gap = np.zeros(int(new_ptr[-1]))
    first = new_ptr[:-1][add > 0]
    new_obs[first] = own[add > 0]
    rest = np.ones(new_obs.size, dtype=bool)
    rest[first] = False
    new_obs[rest], new_gap[rest] = obs, gap
    return new_ptr, new_obs, new_gap


def _wall_grid(facades: Any, spacing: float, rise_step: float
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points of each facade along the wall and up it (at least one of each), its length [m]."""
    import shapely

    length = shapely.length(np.asarray(facades["geometry"].to_numpy(), dtype=object))
    rise = facades["wall_height_m"].to_numpy(dtype=float)
    return (np.maximum(np.round(length / spacing), 1).astype(int),
            np.maximum(np.round(rise / rise_step), 1).astype(int), length)


def _column_order(facades: Any, *, spacing: float = POINT_SPACING_M,
                  rise_step: float = FACADE_RISE_STEP_M) -> np.ndarray:
    """Positions in :func:`facade_points`' order of its points taken column by column.

    Each facade's points are ``i_along + i_up * n_along`` there; here ``i_up`` runs fastest,
    so the points one above the other at each place along the wall come together.
    """
    n_along, n_up, _ = _wall_grid(facades, spacing, rise_step)
    per = n_along * n_up
    first = np.cumsum(per) - per
    row = np.repeat(np.arange(len(facades)), per)
    k = np.arange(row.size) - first[row]
    return first[row] + (k % n_up[row]) * n_along[row] + k // n_up[row]
