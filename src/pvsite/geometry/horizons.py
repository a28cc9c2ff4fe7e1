"""Horizons of roofs: the skyline each roof sees, from its neighbours and from a surface model.

**Horizon profile**: the elevation angle of the skyline in ``SECTORS`` azimuth sectors (360 of
1 deg), seen from an observer point, from neighbouring buildings as prisms of their footprint
and height, along one ray through the middle of each sector (compiled with numba). Observers
are either one point per roof (its representative point at roof height: :meth:`Skyline.profiles`,
:func:`horizon_profiles`) or any points on the roofs (:meth:`Skyline.point_profiles`, e.g. the
grid of :func:`roof_points` at module height), the points of one roof sharing one neighbour
search (:meth:`Skyline.roof_pairs`). Neighbours come from a grid of the roofs (50 m cells,
also numba): each building can shade roofs within ``(its height - lowest height) /
tan(MIN_ELEVATION)`` of it. For a 100 m tower beside a 10 m roof, one-degree sectors put the
shaded annual energy within 0.5 % of a brute-force ray-vs-box computation, five-degree sectors
2.4 % off (measured when this was written; ``tests/energy/test_shading.py`` checks the
one-degree case to 1 %).

Simplifications and what they cost, measured when this was written:

- ``MIN_ELEVATION`` (8 deg): horizons below it count as 0 and neighbours that cannot rise above
  it are not searched. Beam with the sun below 8 deg carries 0.13 % of the annual AC of a
  south-facing 28 deg plane on the bundled year; on the scenes of
  ``tests/energy/test_whole_roof_shading.py`` (tilt 10 deg) cut-offs of 8, 5 and 2 deg give the
  same whole-roof loss within 0.04 percentage points (street canyon 37.84, 37.87, 37.88 %).
- Results keep a 72-sector summary (``coarsen``, the highest of five sectors) for display
  only; every loss is computed from the 360-sector horizon of each point, so the coarsening
  costs nothing in energy.

:func:`dsm_horizons` marches rays across a surface model (terrain, trees). What a horizon costs
in energy is :mod:`pvsite.energy.shading`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numba import prange

from .._diskcache import PARALLEL_FROM, kernel
from ..crs import present
from ._split import split

__all__ = ["MAX_DISTANCE", "MAX_POINTS", "MIN_ELEVATION", "POINT_SPACING_M", "SECTORS",
           "Skyline", "coarsen", "dsm_horizons", "horizon_profiles", "roof_points",
           "sky_view_factor"]

#: Azimuth sectors of a horizon, one ray each [-]. What fewer would save, measured on
#: synthetic_city(100000) on 2026-12-04: 216 sectors for the roofs' losses took an estimate from
#: 9.19 to 8.58 s (the tracing's cost is as much in the neighbour and edge loops as in the
#: rays) and moved roof losses by 0.135 percentage points on average (bias +0.005, p99 0.68,
#: worst 2.69): kept at 360.
SECTORS = 360
#: Sectors of the horizon profile kept in results and plotted [-].
DISPLAY_SECTORS = 72
#: Horizon below this elevation is ignored, and sets how far a neighbour is searched [deg]. On
#: the bundled Shanghai year, beam with the sun below 8 deg carries 0.13 % of the annual AC
#: energy of a south-facing 28 deg plane (0.01 % below 5 deg).
MIN_ELEVATION = 8.0
#: Farthest a neighbour is searched [m]: a 600 m distant obstacle must stand 84 m above the roof
#: to reach 8 deg.
MAX_DISTANCE = 600.0
_RAYS = 1  # rays per sector
#: Spacing of the observer grid on a roof a neighbour can reach [m], and about the most points a
#: surface gets (the grid coarsens beyond). Chosen for cost: on 20,000 synthetic city roofs
#: (median usable area 215 m^2), against a 4 m grid of up to 36 points per surface (490,000
#: points), 17 m with the refinement of :data:`pvsite.energy.shading.REFINE_SPREAD` (58,000
#: points, 2.9 per roof) puts surface losses within 0.22 percentage points on average (bias
#: -0.06, 99th percentile 1.2, worst 3.5); 20 m (39,000): 0.27 (bias -0.08, p99 1.4), but a
#: 20 m x 20 m hall in a courtyard keeps one point and is 3.5 points low; one point per
#: surface (20,000): 0.45 (bias -0.21, p99 2.3, worst 5.8). Measured when this was written.
POINT_SPACING_M = 17.0
MAX_POINTS = 36


@kernel
def _inside(px, py, ex1, ey1, ex2, ey2, s, e):  # pragma: no cover - compiled
    c = False
    for k in range(s, e):
        if (ey1[k] > py) != (ey2[k] > py):
            x = ex1[k] + (py - ey1[k]) * (ex2[k] - ex1[k]) / (ey2[k] - ey1[k])
            if x > px:
                c = not c
    return c


def _pairs(px: np.ndarray, py: np.ndarray, pz: np.ndarray, powner: np.ndarray,
           pradius: np.ndarray, ob: np.ndarray, cx: np.ndarray, cy: np.ndarray,
           half_diag: np.ndarray, h: np.ndarray, reach: np.ndarray, max_distance: float,
           tan_min: float, cell: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observer-obstacle pairs where the obstacle can rise above ``tan_min``, by observer.

    Observer ``q`` is the disc of radius ``pradius[q]`` [m] around ``(px[q], py[q])`` at
    height ``pz[q]`` on building ``powner[q]`` (never its own obstacle); radius 0 is a point, a
    disc covering a roof gives the obstacles of all the roof's points at once. Observers are
    binned in a grid of ``cell`` metres; each obstacle of ``ob`` visits the cells within its
    reach plus its half-diagonal plus the largest radius. The obstacle's nearest possible
    point is bounded by its bounding circle. Returns CSR ``ptr`` (observers + 1), the
    obstacles of each observer, nearest first, and for each pair that bound on the
    obstacle's distance [m].
    """
    n = px.size
    if n == 0:
        return np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
    # the search writes into buffers of a fixed size and stops at the first obstacle whose pairs
    # do not fit; it goes on from there in larger buffers, sized from the pairs per obstacle so
    # far, that start with the pairs found. (Growing the buffers inside the kernel's loop cost
    # three times the compile time of the kernel without it; searching again from the start
    # cost a second search: the roofs of synthetic_city(100000) have 56 pairs per roof, seven
    # times the first size.)
    size = 8 * n + 1024
    rows, obs, gaps = (np.empty(size, dtype=np.int64), np.empty(size, dtype=np.int64),
                       np.empty(size))
    found = start = 0
    while True:  # at least once: an empty search compiles and returns the empty CSR
        found, done = _pair_search(px, py, pz, powner, pradius, ob[start:], cx, cy, half_diag,
                                   h, reach, max_distance, tan_min, cell, rows, obs, gaps, found)
        start += done
        if start >= ob.size:
            return _by_observer(rows[:found], obs[:found], gaps[:found], n)
        size = found + (int(1.25 * found / start * (ob.size - start)) + 1024 if start and found
                        else size)
        rows, obs, gaps = (_grown(old, found, size) for old in (rows, obs, gaps))


def _grown(old: np.ndarray, found: int, size: int) -> np.ndarray:
    """A buffer of ``size`` elements that starts with the first ``found`` of ``old``.

    The rest stays untouched, so that the pages the search will not write are never mapped.
    """
    new = np.empty(size, dtype=old.dtype)
    new[:found] = old[:found]
    return new


#: LLVM optimisation level of the neighbour search (numba's default is 3), which every estimate
#: compiles on an empty cache. pvsite measurement, this machine: it runs as fast at level 1
#: (the searches of synthetic_city(100000) with facades, best of 7, three alternating pairs of
#: fresh processes: 1.204 / 1.571 / 1.259 s at level 1, 1.225 / 1.591 / 1.660 s at level 3)
#: and compiles in about 1.7 s instead of 2.3 s.
SEARCH_OPT = 1


@kernel(opt=SEARCH_OPT)
def _pair_search(px, py, pz, powner, pradius, ob, cx, cy, half_diag, h, reach, max_distance,
                 tan_min, cell, rows, obs, gaps, at):  # pragma: no cover - compiled
    """The pairs of :func:`_pairs` in obstacle order, those of as many whole obstacles as fit.

    Writes after the first ``at`` pairs of the buffers; returns how many pairs they then hold
    and how many obstacles of ``ob`` were searched.
    """
    n = px.size
    # extents by hand: numpy's min and max cost a second to compile here
    gx0, gy0, gx1, gy1, rmax = px[0], py[0], px[0], py[0], pradius[0]
    for q in range(1, n):
        gx0, gx1 = min(gx0, px[q]), max(gx1, px[q])
        gy0, gy1 = min(gy0, py[q]), max(gy1, py[q])
        rmax = max(rmax, pradius[q])
    nx = int((gx1 - gx0) / cell) + 1
    ny = int((gy1 - gy0) / cell) + 1
    # observers sorted by cell (counting sort), their coordinates copied in that order
    cell_of = np.empty(n, dtype=np.int64)
    start = np.zeros(nx * ny + 1, dtype=np.int64)
    for q in range(n):
        c = int((px[q] - gx0) / cell) * ny + int((py[q] - gy0) / cell)
        cell_of[q] = c
        start[c + 1] += 1
    for c in range(nx * ny):
        start[c + 1] += start[c]
    fill = start[:-1].copy()
    sx, sy, sh, srad = np.empty(n), np.empty(n), np.empty(n), np.empty(n)
    sid, srow = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
    for q in range(n):
        k = fill[cell_of[q]]
        fill[cell_of[q]] += 1
        sx[k], sy[k], sh[k], srad[k] = px[q], py[q], pz[q], pradius[q]
        sid[k], srow[k] = powner[q], q
    size = rows.size
    npair = at
    for jj in range(ob.size):
        j = ob[jj]
        mark = npair
        r = reach[j] + half_diag[j] + rmax
        ix0 = max(math.floor((cx[j] - r - gx0) / cell), 0)
        ix1 = min(math.floor((cx[j] + r - gx0) / cell), nx - 1)
        iy0 = max(math.floor((cy[j] - r - gy0) / cell), 0)
        iy1 = min(math.floor((cy[j] + r - gy0) / cell), ny - 1)
        for ix in range(ix0, ix1 + 1):
            # the rows of this column that the circle of radius r reaches
            ex = max(gx0 + ix * cell - cx[j], cx[j] - gx0 - (ix + 1) * cell, 0.0)
            if ex > r:
                continue
            half = math.sqrt(r * r - ex * ex)
            ry0 = max(math.floor((cy[j] - half - gy0) / cell), iy0)
            ry1 = min(math.floor((cy[j] + half - gy0) / cell), iy1)
            if ry1 < ry0:
                continue
            for k in range(start[ix * ny + ry0], start[ix * ny + ry1 + 1]):
                if sid[k] == j:
                    continue
                gap = max(math.hypot(cx[j] - sx[k], cy[j] - sy[k]) - half_diag[j] - srad[k],
                          0.0)
                if gap <= max_distance and h[j] - sh[k] > tan_min * gap:
                    if npair == size:
                        return mark, jj
                    rows[npair] = srow[k]
                    obs[npair] = j
                    gaps[npair] = gap
                    npair += 1
    return npair, ob.size


@kernel
def _by_observer(rows, obs, gaps, n):  # pragma: no cover - compiled
    """Pairs grouped by observer (counting sort), each observer's nearest first: CSR."""
    ptr = np.zeros(n + 1, dtype=np.int64)
    for q in range(rows.size):
        ptr[rows[q] + 1] += 1
    for q in range(n):
        ptr[q + 1] += ptr[q]
    put = ptr[:-1].copy()
    out = np.empty(rows.size, dtype=np.int64)
    out_gap = np.empty(rows.size)
    for q in range(rows.size):
        out[put[rows[q]]] = obs[q]
        out_gap[put[rows[q]]] = gaps[q]
        put[rows[q]] += 1
    # nearest first: near obstacles raise the horizon early, so that :func:`_horizons` can
    # pass over the farther ones they hide. Insertion sort: stable, the lists are short, and
    # numba's own sorts cost seconds to compile
    for q in range(n):
        for a in range(ptr[q] + 1, ptr[q + 1]):
            g, o = out_gap[a], out[a]
            b = a - 1
            while b >= ptr[q] and out_gap[b] > g:
                out_gap[b + 1], out[b + 1] = out_gap[b], out[b]
                b -= 1
            out_gap[b + 1], out[b + 1] = g, o
    return ptr, out, out_gap


#: A facade's observer skips the sectors more than ``90 + FACE_MARGIN`` deg from the wall's
#: facing: the wall hides them, and the margin exceeds the 2.5 deg by which
#: :mod:`pvsite.energy.shading` snaps azimuths to its classes, so no sun position that
#: reaches the plane (or its class) is in a skipped sector [deg].
FACE_MARGIN = 3.0


def _ray_tables(sectors: int, rays: int) -> tuple[np.ndarray, ...]:
    """Each ray an edge's azimuth span can give ([-2 pi, 2 pi]): its direction and sector.

    Ray ``r`` at azimuth ``(r + 0.5) * width / rays``, stored at ``r + 2 * sectors * rays +
    1``; also the direction of each sector's centre. Python, not a kernel (a few thousand
    sines, milliseconds): compiling it cost the first estimate about 0.4 s. ``math`` calls
    the same C library as compiled code, so the values are those the kernel computed.
    """
    width = 2 * math.pi / sectors
    nray = sectors * rays
    r = range(-2 * nray - 1, 2 * nray + 2)
    ray_dx = np.array([math.sin((k + 0.5) * width / rays) for k in r])
    ray_dy = np.array([math.cos((k + 0.5) * width / rays) for k in r])
    ray_sector = np.array([(k // rays) % sectors for k in r], dtype=np.int64)
    centre_dx = np.array([math.sin((k + 0.5) * width) for k in range(sectors)])
    centre_dy = np.array([math.cos((k + 0.5) * width) for k in range(sectors)])
    return ray_dx, ray_dy, ray_sector, centre_dx, centre_dy


@kernel
def _trace_column(best, top, i, ox, oy, zptr, oz, face, group, pair_ptr, pair_obs, ex1, ey1,
                  ex2, ey2, eoff, heights, cx, cy, half_diag, sectors, rays, min_tan, tables
                  ):  # pragma: no cover - compiled
    """The horizon of column ``i``'s points as tangents of the elevation, into ``best``.

    ``best``: zeros, shape (points of the column, sectors); on return the steepest rise found
    per point and sector, ``inf`` in the sectors behind a wall. ``top``: scratch, one per
    point. ``tables``: from :func:`_ray_tables`. The other arguments as for :func:`_horizons`.
    """
    ray_dx, ray_dy, ray_sector, centre_dx, centre_dy = tables
    width = 2 * math.pi / sectors
    nray = sectors * rays
    behind_cos = -math.sin(math.radians(FACE_MARGIN))
    # an obstacle whose bounding circle lies wholly further than this from a wall's facing
    # [rad] is met only by rays in sectors behind it (1e-6 rad to spare on rounding)
    behind_angle = math.pi / 2 + math.radians(FACE_MARGIN) + 1e-6
    z0 = zptr[i]
    m = zptr[i + 1] - z0
    # sectors behind a wall: marked as already at the highest possible horizon
    walled = not math.isnan(face[i])
    fx, fy = 0.0, 0.0
    if walled:
        fx, fy = math.sin(math.radians(face[i])), math.cos(math.radians(face[i]))
        for k in range(sectors):
            if centre_dx[k] * fx + centre_dy[k] * fy < behind_cos:
                for u in range(m):
                    best[u, k] = math.inf
    g = group[i]
    for q in range(pair_ptr[g], pair_ptr[g + 1]):
        j = pair_obs[q]
        bx, by = cx[j] - ox[i], cy[j] - oy[i]
        dist = math.hypot(bx, by)
        near = dist - half_diag[j] - 1e-6
        live = False
        if near > 0:
            # outside the obstacle's bounding circle: no ray meets it nearer than `near`,
            # nor outside the circle's angular span
            spread = math.asin(min(half_diag[j] / dist, 1.0)) + 1e-9
            if walled and (math.acos(max(min((bx * fx + by * fy) / dist, 1.0), -1.0))
                           - spread > behind_angle):
                continue  # every ray that meets it is in a sector behind the wall
            centre = math.atan2(bx, by)
            k0 = math.floor((centre - spread) / width)
            k1 = math.floor((centre + spread) / width)
            for u in range(m):
                top[u] = -1.0
                dh = heights[j] - oz[z0 + u]
                if dh <= 0:
                    continue
                tu = dh / near
                if tu < min_tan:
                    continue
                for kk in range(k0, k1 + 1):
                    if best[u, kk % sectors] < tu:
                        top[u] = tu
                        live = True
                        break
        else:
            for u in range(m):
                top[u] = math.inf if heights[j] - oz[z0 + u] > 0 else -1.0
                live = live or top[u] > 0
            if live and _inside(ox[i], oy[i], ex1, ey1, ex2, ey2, eoff[j], eoff[j + 1]):
                continue  # overlapping footprints: not a neighbour
        if not live:
            continue
        s, e = eoff[j], eoff[j + 1]
        for k in range(s, e):
            x1, y1 = ex1[k] - ox[i], ey1[k] - oy[i]
            x2, y2 = ex2[k] - ox[i], ey2[k] - oy[i]
            # rings are oriented with the building on the left of each edge: a ray meets
            # the building first on an edge that has the roof on its right, so edges
            # facing away are skipped (half the work, same horizon)
            if (x2 - x1) * (-y1) - (y2 - y1) * (-x1) >= 0:
                continue
            a1 = math.atan2(x1, y1)  # azimuth clockwise from north
            a2 = math.atan2(x2, y2)
            d = a2 - a1
            if d > math.pi:
                d -= 2 * math.pi
            elif d < -math.pi:
                d += 2 * math.pi
            lo = a1 if d >= 0 else a1 + d
            hi = lo + abs(d)
            # rays at sector sub-angles within [lo, hi]
            first = math.floor(lo / width * rays)
            last = math.ceil(hi / width * rays)
            for r in range(first, last + 1):
                ang = (r + 0.5) * width / rays
                if ang < lo or ang > hi:
                    continue
                sector = ray_sector[r + 2 * nray + 1]
                wanted = False  # a point where the obstacle could still rise above
                for u in range(m):
                    if best[u, sector] < top[u]:
                        wanted = True
                        break
                if not wanted:
                    continue
                dx, dy = ray_dx[r + 2 * nray + 1], ray_dy[r + 2 * nray + 1]
                # ray t*(dx, dy) meets segment p1 + u*(p2 - p1)
                sx, sy = x2 - x1, y2 - y1
                den = dx * sy - dy * sx
                if abs(den) < 1e-12:
                    continue
                t = (x1 * sy - y1 * sx) / den
                if t <= 0.1:
                    continue
                for u in range(m):
                    if best[u, sector] >= top[u]:
                        continue  # no point of the obstacle can rise above it here
                    tan_e = (heights[j] - oz[z0 + u]) / t
                    if tan_e < min_tan:
                        continue
                    if tan_e > best[u, sector]:
                        best[u, sector] = tan_e


@kernel(parallel_from=PARALLEL_FROM)
def _horizons(ox, oy, zptr, oz, face, group, pair_ptr, pair_obs, ex1, ey1, ex2, ey2, eoff,
              heights, cx, cy, half_diag, sectors, rays, min_tan, tables
              ):  # pragma: no cover - compiled
    """Horizon [deg] at each observer point against the obstacles of its ``group``.

    Points come in columns: column ``i`` stands at ``(ox[i], oy[i])`` and holds the points
    ``zptr[i]`` to ``zptr[i + 1]``, at heights ``oz`` (a wall's points one above the other;
    a roof's points one per column). A column's points share every ray's meeting with an
    obstacle's edge (its distance does not depend on the height); each point keeps its own
    horizon, so the result is that of the points one by one. ``pair_ptr``/``pair_obs`` (CSR
    from :func:`_pairs`, nearest first) list the obstacles of each group; the points of one
    roof share their roof's group, so its neighbour search runs once. ``face`` [deg]: the
    facing of a wall's column, whose sectors behind the wall stay 0 (NaN: every sector). For
    a point, an obstacle is passed over, without changing any sector, where its bounding
    circle (centre ``cx, cy``, radius ``half_diag``) shows that it cannot rise above
    ``min_tan`` or above the horizon already found in every sector it spans. ``tables``: from
    :func:`_ray_tables`. Returns shape (``oz.size``, sectors).
    """
    out = np.zeros((oz.size, sectors))
    for i in prange(ox.size):
        z0 = zptr[i]
        m = zptr[i + 1] - z0
        best = np.zeros((m, sectors))  # tangent of the elevation, per point of the column
        top = np.empty(m)  # per point: the most the obstacle can rise (-1: passed over)
        _trace_column(best, top, i, ox, oy, zptr, oz, face, group, pair_ptr, pair_obs, ex1,
                      ey1, ex2, ey2, eoff, heights, cx, cy, half_diag, sectors, rays, min_tan,
                      tables)
        for u in range(m):
            for k in range(sectors):
                if 0 < best[u, k] < math.inf:
                    out[z0 + u, k] = math.degrees(math.atan(best[u, k]))
    return out


def horizon_profiles(footprints: Any, heights: Any, *, sectors: int = SECTORS,
                     min_elevation: float = MIN_ELEVATION,
                     max_distance: float = MAX_DISTANCE) -> np.ndarray:
    """Horizon elevation of each roof in azimuth sectors, from its neighbours' heights.

    Parameters
    ----------
    footprints : array of shapely (Multi)Polygons
        In a metric CRS [m]; missing or empty ones neither see nor cast a horizon.
    heights : array of float
        Building heights [m] (roof level of the observer and top of the obstacle).
    sectors : int, default 360
        Azimuth sectors of ``360 / sectors`` deg, the first centred at ``180 / sectors`` deg
        east of north.
    min_elevation : float, default 2 deg
        Lower horizons count as 0; also sets the search radius of each obstacle,
        ``(h_j - min(h)) / tan(min_elevation)``, capped at ``max_distance`` [m].

    Returns
    -------
    ndarray
        Shape (buildings, sectors), horizon elevation [deg] per sector.

    Examples
    --------
    A 100 m tower 30 m south of a 20 m x 20 m, 10 m high building: seen from the roof's centre
    (40 m from the tower), atan(90 / 40) = 66.0 deg due south; the tower sees nothing.

    >>> import shapely
    >>> h = horizon_profiles([shapely.box(-10, 0, 10, 20), shapely.box(-10, -50, 10, -30)],
    ...                      [10.0, 100.0])
    >>> round(float(h[0, 180]), 1), round(float(h[1].max()), 1)
    (66.0, 0.0)
    """
    return Skyline(footprints, heights, min_elevation=min_elevation,
                   max_distance=max_distance).profiles(sectors=sectors)


class Skyline:
    """Buildings as prisms, prepared once, to compute horizon profiles of any set of roofs.

    Parameters are those of :func:`horizon_profiles`. ``profiles(observers)`` returns the
    horizons of the roofs at those positions, seen against every building; computing them
    in spatially compact chunks (``chunks``) bounds memory for a city. ``points``: a point on
    each footprint's surface (the roofs' observers), when the caller has them already.
    """

    def __init__(self, footprints: Any, heights: Any, *, min_elevation: float = MIN_ELEVATION,
                 max_distance: float = MAX_DISTANCE, points: Any = None) -> None:
        import shapely

        from ._packing import polygon_edges

        geoms = np.asarray(footprints, dtype=object)
        h = np.asarray(heights, dtype=float)
        n = geoms.size
        self.n = n
        self.geoms = geoms
        there = present(geoms)
        polygonal = np.zeros(n, dtype=bool)
        polygonal[there] = np.isin(shapely.get_type_id(geoms[there]), (3, 6, 7))
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        finite = np.ones(n, dtype=bool)
        finite[owner[~np.isfinite(coords).all(axis=1)]] = False
        self.ok = polygonal & finite & np.isfinite(h)
        self.h = np.where(self.ok, h, 0.0)
        self.points = np.full(n, None, dtype=object)
        self.points[self.ok] = (split(shapely.point_on_surface, geoms[self.ok]) if points is None
                                else np.asarray(points, dtype=object)[self.ok])
        self.x = np.nan_to_num(shapely.get_x(self.points))
        self.y = np.nan_to_num(shapely.get_y(self.points))
        self.tan_min = float(np.tan(np.radians(min_elevation)))
        self.max_distance = float(max_distance)
        # no roof observer stands below the lowest roof: each obstacle's reach from there
        self.base = float(self.h[self.ok].min()) if self.ok.any() else 0.0
        self.reach, self.obstacles = self._reach(self.base)
        # each footprint lies within half its bounding box's diagonal of the box's centre
        bounds = np.where(self.ok[:, None], shapely.bounds(geoms), 0.0)
        self.half_diag = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) / 2
        self.cx = (bounds[:, 0] + bounds[:, 2]) / 2
        self.cy = (bounds[:, 1] + bounds[:, 3]) / 2
        solid = np.full(n, None, dtype=object)
        # exteriors anticlockwise, holes clockwise: the building lies left of every edge
        solid[self.ok] = split(shapely.orient_polygons, geoms[self.ok], exterior_cw=False)
        x1, y1, x2, y2, off, x0, y0 = polygon_edges(solid)
        # polygon_edges moved each polygon to its own corner: move back
        owner = np.repeat(np.arange(n), np.diff(off))
        self.edges = (x1 + x0[owner], y1 + y0[owner], x2 + x0[owner], y2 + y0[owner], off)

    def _reach(self, floor: float) -> tuple[np.ndarray, np.ndarray]:
        """Each building's reach from observers at ``floor`` [m] or higher, and those reaching.

        How far [m] it can rise above ``min_elevation`` (up to ``max_distance``), and the
        positions of the buildings that can at all.
        """
        reach = np.where(self.ok, np.clip((self.h - floor) / self.tan_min, 0,
                                          self.max_distance), 0.0)
        return reach, np.flatnonzero(self.ok & (reach > 0))

    def chunks(self, size: int = 50_000) -> list[np.ndarray]:
        """Positions of the roofs in spatially compact groups of about ``size``."""
        if self.n == 0:
            return []
        cell = 2000.0  # [m]
        key = np.lexsort((np.floor(self.x / cell), np.floor(self.y / cell)))
        return [key[i:i + size] for i in range(0, self.n, size)]

    def profiles(self, observers: np.ndarray | None = None, *, sectors: int = SECTORS
                 ) -> np.ndarray:
        """Horizon elevation [deg] of the roofs at ``observers`` (default all), (m, sectors)."""
        idx = np.arange(self.n) if observers is None else np.asarray(observers, dtype=np.int64)
        out = np.zeros((idx.size, sectors))
        live = idx[self.ok[idx]]
        if live.size == 0 or self.obstacles.size == 0:
            return out
        ob = self._near(self.x[live], self.y[live], 0.0)
        pair_ptr, pair_obs, _ = _pairs(self.x[live], self.y[live], self.h[live],
                                    live.astype(np.int64), np.zeros(live.size), ob.astype(np.int64),
                                    self.cx, self.cy, self.half_diag, self.h, self.reach,
                                    self.max_distance, self.tan_min, 50.0)
        out[self.ok[idx]] = _horizons(self.x[live], self.y[live],
                                      np.arange(live.size + 1), self.h[live],
                                      np.full(live.size, np.nan), np.arange(live.size),
                                      pair_ptr, pair_obs, *self.edges, self.h, self.cx,
                                      self.cy, self.half_diag, sectors, _RAYS, self.tan_min,
                                      _ray_tables(sectors, _RAYS))
        return out

    def _near(self, x: np.ndarray, y: np.ndarray, pad: float,
              reach: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Obstacles that can reach the bounding box of ``x, y`` grown by ``pad`` [m].

        ``reach``: from :meth:`_reach` (default: for observers on roofs).
        """
        far, ob = reach if reach is not None else (self.reach, self.obstacles)
        margin = far[ob] + self.half_diag[ob] + pad
        near = ((self.cx[ob] + margin >= x.min()) & (self.cx[ob] - margin <= x.max())
                & (self.cy[ob] + margin >= y.min()) & (self.cy[ob] - margin <= y.max()))
        return ob[near].astype(np.int64)

    def roof_pairs(self, owners: np.ndarray, z: np.ndarray | None = None, *, pad: float = 0.0
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Obstacles that can rise above ``min_elevation`` anywhere on each roof of ``owners``.

        One search per roof, from the disc of its bounding box's half-diagonal (plus ``pad``
        [m]: observers standing outside the footprint, as in front of its walls) around the
        box's centre at roof height (or at ``z`` [m], one per owner: the lowest observer of its
        walls, for facades, which may stand below every roof: the search then reaches as far
        as an obstacle rises above that height): a superset of the obstacles of every point on
        the roof (higher observers, such as modules on racks, see less). Returns CSR ``ptr``
        (len(owners) + 1), the obstacles' positions and a bound on each pair's distance [m]; a
        roof with none has no horizon anywhere.
        """
        idx = np.asarray(owners, dtype=np.int64)
        live = self.ok[idx]
        height = None if z is None else np.asarray(z, dtype=float)[live]
        reach = (self._reach(float(height.min()))
                 if height is not None and height.size and height.min() < self.base
                 else (self.reach, self.obstacles))
        if not live.any() or reach[1].size == 0:
            return (np.zeros(idx.size + 1, dtype=np.int64), np.empty(0, dtype=np.int64),
                    np.empty(0))
        at = idx[live]
        rad = self.half_diag[at] + pad
        ob = self._near(self.cx[at], self.cy[at], float(rad.max()), reach)
        ptr, obs, gap = _pairs(self.cx[at], self.cy[at], self.h[at] if height is None else height,
                          at, rad, ob, self.cx, self.cy, self.half_diag, self.h, reach[0],
                          self.max_distance, self.tan_min, 50.0)
        # roofs that are not live get no obstacles
        counts = np.zeros(idx.size, dtype=np.int64)
        counts[live] = np.diff(ptr)
        return np.concatenate([[0], np.cumsum(counts)]), obs, gap

    def point_profiles(self, x: np.ndarray, y: np.ndarray, z: np.ndarray, group: np.ndarray,
                       pairs: tuple[np.ndarray, np.ndarray], *, face: Any = None,
                       sectors: int = SECTORS) -> np.ndarray:
        """Horizon elevation [deg] at observer points, shape (points, sectors).

        ``x, y`` [m] in the footprints' CRS, ``z`` the observer's height [m] (roof plus
        modules), ``group`` the row of each point's roof in ``pairs`` (from
        :meth:`roof_pairs`): the points of a roof share its neighbour search. ``face`` [deg],
        one per point or None: the facing of a wall the point stands in front of; the sectors
        more than ``90 + FACE_MARGIN`` deg from it are hidden by the wall and left 0.
        Consecutive points at the same ``x, y`` with the same ``group`` and ``face`` (a wall's
        points one above the other) are traced as one column: each ray's meeting with an edge
        once for all their heights, the same horizons as one by one. On the walls of 100,000
        synthetic city buildings (three heights per place on average) this took the walls'
        horizons from 20.1 to 15.3 s.
        """
        if len(x) == 0:
            return np.zeros((0, sectors))
        return _horizons(*self.columns(x, y, z, group, pairs, face=face, sectors=sectors))

    def columns(self, x: np.ndarray, y: np.ndarray, z: np.ndarray, group: np.ndarray,
                pairs: tuple[np.ndarray, np.ndarray], *, face: Any = None,
                sectors: int = SECTORS) -> tuple[Any, ...]:
        """The arguments of the horizon kernels for the points of :meth:`point_profiles`.

        Consecutive points at the same ``x, y`` with the same ``group`` and ``face`` become one
        column (:func:`_horizons`).
        """
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        g = np.asarray(group, dtype=np.int64)
        facing = (np.full(len(x), np.nan) if face is None
                  else np.asarray(face, dtype=float))
        # consecutive points at the same place, facing and roof: one column (a wall's points
        # one above the other), whose rays are traced once for all its heights
        same = ((x[1:] == x[:-1]) & (y[1:] == y[:-1]) & (g[1:] == g[:-1])
                & ((facing[1:] == facing[:-1]) | (np.isnan(facing[1:]) & np.isnan(facing[:-1]))))
        head = np.flatnonzero(np.r_[True, ~same])
        return (x[head], y[head], np.r_[head, len(x)].astype(np.int64),
                np.asarray(z, dtype=float), facing[head], g[head], pairs[0], pairs[1],
                *self.edges, self.h, self.cx, self.cy, self.half_diag, sectors, _RAYS,
                self.tan_min, _ray_tables(sectors, _RAYS))


def roof_points(surfaces: Any, setback: Any, *, spacing: float = POINT_SPACING_M,
                max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Observer points on a uniform grid over each surface's usable area.

    The usable area is the outline shrunk by ``setback`` (the outline itself where nothing is
    left). Its bounding box is cut into cells of about ``max(spacing, sqrt(area /
    max_points))`` metres a side, fitted to the box, and the centres inside the area are the
    points (midpoint rule: each point stands for an equal share of the modules); a surface
    with no centre inside gets its area's ``point_on_surface``.

    Parameters
    ----------
    surfaces : array of shapely Polygons
        Surface outlines in a metric CRS [m].
    setback : float or array of float
        Edge setback of each surface [m].
    spacing : float or array of float
        Grid spacing [m] (per surface).
    max_points : int
        About the most points a surface gets (the grid coarsens on larger surfaces).

    Returns
    -------
    (ndarray, ndarray, ndarray)
        ``x``, ``y`` [m] and the position of each point's surface in ``surfaces``.

    Examples
    --------
    A 20 m x 10 m roof, no setback, 5 m spacing: a 4 x 2 grid of cell centres.

    >>> import shapely
    >>> x, y, which = roof_points([shapely.box(0, 0, 20, 10)], 0.0, spacing=5.0)
    >>> x.tolist(), y.tolist()
    ([2.5, 2.5, 7.5, 7.5, 12.5, 12.5, 17.5, 17.5], [2.5, 7.5, 2.5, 7.5, 2.5, 7.5, 2.5, 7.5])
    """
    import shapely

    geoms = np.asarray(surfaces, dtype=object)
    n = geoms.size
    if n == 0:
        return np.zeros(0), np.zeros(0), np.zeros(0, dtype=np.int64)
    back = np.broadcast_to(np.asarray(setback, dtype=float), (n,))
    area = split(shapely.buffer, geoms, -back, join_style="mitre")
    lost = shapely.is_empty(area) | (shapely.area(area) <= 0)
    area[lost] = geoms[lost]
    size = shapely.area(area)
    side = np.maximum(np.broadcast_to(np.asarray(spacing, dtype=float), (n,)),
                      np.sqrt(size / max_points))
    x, y, which = _grid(area, np.arange(n), side)
    # a coarse grid can miss a thin shape (a ring, an L): halve the cells once where fewer
    # than half the expected points fell inside
    got = np.bincount(which, minlength=n)
    want = np.minimum(size / side**2, max_points)
    redo = np.flatnonzero((got < 0.5 * want) | (got == 0))
    if redo.size:
        keep = ~np.isin(which, redo)
        x2, y2, w2 = _grid(area[redo], redo, side[redo] / 2)
        x, y, which = (np.concatenate([x[keep], x2]), np.concatenate([y[keep], y2]),
                       np.concatenate([which[keep], w2]))
    none = np.bincount(which, minlength=n) == 0
    rp = shapely.point_on_surface(area[none])
    x = np.concatenate([x, shapely.get_x(rp)])
    y = np.concatenate([y, shapely.get_y(rp)])
    which = np.concatenate([which, np.flatnonzero(none)])
    order = np.argsort(which, kind="stable")
    return x[order], y[order], which[order]


def _grid(area: np.ndarray, label: np.ndarray, side: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell centres inside each polygon of a grid of about ``side`` [m] fitted to its box."""
    import shapely

    b = shapely.bounds(area)
    w, d = b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]
    nx = np.maximum(np.ceil(w / side - 1e-9), 1).astype(np.int64)
    ny = np.maximum(np.ceil(d / side - 1e-9), 1).astype(np.int64)
    which = np.repeat(np.arange(area.size), nx * ny)
    first = np.concatenate([[0], np.cumsum(nx * ny)[:-1]])
    k = np.arange(which.size) - first[which]
    i, j = k // ny[which], k % ny[which]
    x = b[which, 0] + (i + 0.5) * w[which] / nx[which]
    y = b[which, 1] + (j + 0.5) * d[which] / ny[which]
    inside = shapely.contains_xy(area[which], x, y)
    return x[inside], y[inside], label[which[inside]]


def coarsen(horizon_deg: np.ndarray, sectors: int = DISPLAY_SECTORS) -> np.ndarray:
    """Horizon profile in fewer, wider sectors: the highest elevation of the sectors merged."""
    h = np.atleast_2d(np.asarray(horizon_deg, dtype=float))
    return h.reshape(h.shape[0], sectors, h.shape[1] // sectors).max(axis=2)


def sky_view_factor(horizon_deg: np.ndarray, surface_tilt: Any, surface_azimuth: Any
                    ) -> np.ndarray:
    """Isotropic sky view factor of tilted planes with a horizon [0-1].

    ``(1/2pi) sum_phi [cos S cos^2 H + sin S cos(phi - A) (pi/2 - H - sin H cos H)] dphi``
    (Dozier & Frew 1990) with ``H`` the larger of the horizon and the plane's own
    self-horizon ``atan(-tan S cos(phi - A))``. With no horizon it equals ``(1 + cos S) / 2``.

    Parameters
    ----------
    horizon_deg : ndarray
        Shape (n, sectors): horizon elevation per sector [deg].
    surface_tilt, surface_azimuth : float or ndarray of shape (n,)
        Plane tilt and azimuth [deg].

    Returns
    -------
    ndarray
        Shape (n,).
    """
    hz = np.radians(np.atleast_2d(np.asarray(horizon_deg, dtype=float)))
    sectors = hz.shape[1]
    phi = np.radians((np.arange(sectors) + 0.5) * 360.0 / sectors)[None, :]
    s = np.radians(np.asarray(surface_tilt, dtype=float)).reshape(-1, 1)
    a = np.radians(np.asarray(surface_azimuth, dtype=float)).reshape(-1, 1)
    self_h = np.arctan(np.clip(-np.tan(s) * np.cos(phi - a), 0, None))
    hm = np.maximum(hz, self_h)
    terms = (np.cos(s) * np.cos(hm) ** 2
             + np.sin(s) * np.cos(phi - a) * (np.pi / 2 - hm - np.sin(hm) * np.cos(hm)))
    return terms.mean(axis=1)


#: Edge [pixels] of the blocks whose highest pixel lets a surface-model ray skip samples.
_BLOCK = 16


def _block_max(z: np.ndarray) -> np.ndarray:
    """Highest finite height of each ``_BLOCK`` x ``_BLOCK`` block of ``z`` (-inf if none)."""
    rows, cols = z.shape
    br, bc = -(-rows // _BLOCK), -(-cols // _BLOCK)
    padded = np.full((br * _BLOCK, bc * _BLOCK), -np.inf)
    padded[:rows, :cols] = z
    padded[~np.isfinite(padded)] = -np.inf  # in place: one copy of the raster, not two
    return padded.reshape(br, _BLOCK, bc, _BLOCK).max(axis=(1, 3))


@kernel(parallel_from=PARALLEL_FROM)
def _raster_horizons(ox, oy, oz, start, z, bmax, x0, y0, res, sectors, max_distance, min_tan
                     ):  # pragma: no cover - compiled
    n = ox.size
    rows, cols = z.shape
    out = np.zeros((n, sectors))
    for i in prange(n):
        for k in range(sectors):
            ang = (k + 0.5) * 2 * np.pi / sectors
            dx, dy = np.sin(ang), np.cos(ang)
            best = 0.0
            d = start[i]
            while d <= max_distance:
                col = int(np.floor((ox[i] + d * dx - x0) / res))
                row = int(np.floor((y0 - (oy[i] + d * dy)) / res))
                if row < 0 or col < 0 or row >= rows or col >= cols:
                    break
                # the block's highest pixel first: most samples can't beat the horizon so far
                # (or the cut-off), and then the raster itself is not read
                if (bmax[row // _BLOCK, col // _BLOCK] - oz[i]) >= max(best, min_tan) * d:
                    h = z[row, col]
                    if np.isfinite(h):
                        t = (h - oz[i]) / d
                        if t > best:
                            best = t
                d += max(res, d * 0.004)  # finer near the roof, coarser far (0.23 deg)
            out[i, k] = np.degrees(np.arctan(best)) if best >= min_tan else 0.0
    return out


def dsm_horizons(footprints: Any, heights: Any, dsm: Any, *, sectors: int = SECTORS,
                 min_elevation: float = MIN_ELEVATION, max_distance: float = MAX_DISTANCE
                 ) -> np.ndarray:
    """Horizon of each roof from a digital surface model: terrain, trees and buildings.

    Rays leave the roof's representative point at its height, one through the middle of each
    sector, starting just beyond the roof's own bounding box, and march across the raster
    (steps of one pixel, growing with distance to 0.4 % of it), keeping the steepest rise.

    Parameters
    ----------
    footprints : array of shapely polygons
        In the raster's CRS [m].
    heights : array of float or None
        Roof heights above the same datum as the raster [m]; None reads them from the raster
        at each roof's representative point (the roof's own surface).
    dsm : str, Path or rasterio dataset
        Surface heights [m] on a projected grid with square pixels.
    sectors, min_elevation, max_distance
        As for :func:`horizon_profiles`.

    Returns
    -------
    ndarray
        Shape (buildings, sectors): horizon elevation [deg]; 0 where the roof is off the raster.
    """
    import rasterio
    import shapely

    geoms = np.asarray(footprints, dtype=object)
    n = geoms.size
    h = np.zeros(n) if heights is None else np.asarray(heights, dtype=float)
    ok = present(geoms) & np.isfinite(h)
    out = np.zeros((n, sectors))
    if not ok.any():
        return out
    pts = shapely.point_on_surface(geoms[ok])
    b = shapely.bounds(geoms[ok])
    start = np.hypot(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]) / 2 + 0.5
    src = rasterio.open(dsm) if not hasattr(dsm, "read") else dsm
    try:
        window = rasterio.windows.from_bounds(
            b[:, 0].min() - max_distance, b[:, 1].min() - max_distance,
            b[:, 2].max() + max_distance, b[:, 3].max() + max_distance, src.transform)
        try:
            window = window.round_offsets().round_lengths().intersection(
                rasterio.windows.Window(0, 0, src.width, src.height))
        except rasterio.errors.WindowError:
            return out  # the raster lies beyond every roof's reach
        z = src.read(1, window=window, masked=True).astype(float).filled(np.nan)
        tr = src.window_transform(window)
        if heights is None:  # the roof's own surface, under its representative point
            col = np.floor((shapely.get_x(pts) - tr.c) / abs(tr.a)).astype(int)
            row = np.floor((tr.f - shapely.get_y(pts)) / abs(tr.e)).astype(int)
            inside = (row >= 0) & (col >= 0) & (row < z.shape[0]) & (col < z.shape[1])
            sampled = np.full(len(pts), np.nan)
            sampled[inside] = z[row[inside], col[inside]]
            keep = np.flatnonzero(ok)
            ok[keep[~np.isfinite(sampled)]] = False
            h[keep] = np.nan_to_num(sampled)
            pts, start = pts[np.isfinite(sampled)], start[np.isfinite(sampled)]
    finally:
        if not hasattr(dsm, "read"):
            src.close()
    out[ok] = _raster_horizons(shapely.get_x(pts), shapely.get_y(pts), h[ok], start, z,
                               _block_max(z),
                               tr.c, tr.f, abs(tr.a), sectors, float(max_distance),
                               float(np.tan(np.radians(min_elevation))))
    return out
