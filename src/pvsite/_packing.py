"""Scanline packing of module rows into polygons, compiled with numba.

A plane's usable polygon arrives as edges in its *row frame*: rows run along x, stacked along y
(up-slope / northward). Row ``k`` occupies the band ``[y0 + k * pitch, y0 + k * pitch + depth]``;
within a band, modules of width ``along`` fit wherever the polygon covers the whole band. That
covered set is exact for polygons: between consecutive vertex heights the same edges bound the
polygon, so each interval's ends move linearly and the interval at the slab's two ends bound it.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

_EPS = 1e-7


@njit(cache=True)
def _sort_small(a, k):  # pragma: no cover - compiled
    """Sort a[:k] in place: insertion sort for the few values of a footprint's scanline."""
    if k > 24:
        a[:k].sort()
        return
    for i in range(1, k):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


@njit(cache=True)
def _crossings(x1, y1, x2, y2, s, e, y, out):  # pragma: no cover - compiled
    k = 0
    for i in range(s, e):
        ya, yb = y1[i], y2[i]
        if (ya <= y < yb) or (yb <= y < ya):
            t = (y - ya) / (yb - ya)
            out[k] = x1[i] + t * (x2[i] - x1[i])
            k += 1
    _sort_small(out, k)
    return k


@njit(cache=True)
def _covered(x1, y1, x2, y2, s, e, ya, yb, ys, ca, cb, cur_l, cur_r, tmp_l,
             tmp_r):  # pragma: no cover - compiled
    """Intervals of x over which the polygon covers all of [ya, yb]; returns their count."""
    # critical heights: band ends and vertices strictly inside the band
    n = 0
    ys[n] = ya
    n += 1
    for i in range(s, e):
        if ya < y1[i] < yb:
            ys[n] = y1[i]
            n += 1
    ys[n] = yb
    n += 1
    _sort_small(ys, n)
    m = -1  # -1: no constraint yet (the whole line)
    for j in range(n - 1):
        lo, hi = ys[j], ys[j + 1]
        if hi - lo <= 2 * _EPS:
            continue
        ka = _crossings(x1, y1, x2, y2, s, e, lo + _EPS, ca)
        kb = _crossings(x1, y1, x2, y2, s, e, hi - _EPS, cb)
        if ka != kb or ka == 0:
            return 0
        # intervals of this slab
        k = 0
        for i in range(0, ka - 1, 2):
            left = max(ca[i], cb[i])
            right = min(ca[i + 1], cb[i + 1])
            if right > left:
                tmp_l[k] = left
                tmp_r[k] = right
                k += 1
        if m == -1:
            for i in range(k):
                cur_l[i] = tmp_l[i]
                cur_r[i] = tmp_r[i]
            m = k
        else:  # intersect two sorted lists of disjoint intervals
            a = 0
            b = 0
            q = 0
            while a < m and b < k:
                left = max(cur_l[a], tmp_l[b])
                right = min(cur_r[a], tmp_r[b])
                if right > left:
                    ca[q] = left  # reuse ca/cb as scratch for the result
                    cb[q] = right
                    q += 1
                if cur_r[a] < tmp_r[b]:
                    a += 1
                else:
                    b += 1
            for i in range(q):
                cur_l[i] = ca[i]
                cur_r[i] = cb[i]
            m = q
        if m == 0:
            return 0
    return max(m, 0)


@njit(cache=True)
def _pack_one(x1, y1, x2, y2, s, e, depth, pitch, along, phases, buffers):  # pragma: no cover
    ys, ca, cb, cur_l, cur_r, tmp_l, tmp_r = buffers
    ymin = np.inf
    ymax = -np.inf
    for i in range(s, e):
        ymin = min(ymin, y1[i], y2[i])
        ymax = max(ymax, y1[i], y2[i])
    best = 0
    best_rows = 0
    for ph in range(phases):
        y0 = ymin + pitch * ph / phases
        total = 0
        rows = 0
        ya = y0
        while ya + depth <= ymax + 1e-9:
            m = _covered(x1, y1, x2, y2, s, e, ya, ya + depth, ys, ca, cb, cur_l, cur_r,
                         tmp_l, tmp_r)
            got = 0
            for i in range(m):
                got += int(np.floor((cur_r[i] - cur_l[i]) / along + 1e-9))
            if got > 0:
                rows += 1
            total += got
            ya += pitch
        if total > best:
            best = total
            best_rows = rows
    return best, best_rows


@njit(parallel=True, cache=True)
def pack(x1, y1, x2, y2, offsets, depth, pitch, along, phases):  # pragma: no cover - compiled
    """Modules and rows per polygon; ``depth``, ``pitch``, ``along`` are per polygon [m]."""
    n = offsets.size - 1
    counts = np.zeros(n, dtype=np.int64)
    rows = np.zeros(n, dtype=np.int64)
    if n == 0:
        return counts, rows
    size = int(np.max(offsets[1:] - offsets[:-1])) + 4
    chunks = min(n, 256)  # scratch buffers are allocated once per chunk, not per polygon
    for c in prange(chunks):
        buffers = (np.empty(size), np.empty(size), np.empty(size), np.empty(size),
                   np.empty(size), np.empty(size), np.empty(size))
        for p in range(c * n // chunks, (c + 1) * n // chunks):
            s, e = offsets[p], offsets[p + 1]
            if e - s < 3 or not (depth[p] > 0 and pitch[p] > 0 and along[p] > 0):
                continue
            counts[p], rows[p] = _pack_one(x1, y1, x2, y2, s, e, depth[p], pitch[p],
                                           along[p], phases, buffers)
    return counts, rows


def edges_in_row_frame(polygons: np.ndarray, rotate_deg: np.ndarray,
                       stretch_y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Edges of (multi)polygons rotated clockwise by ``rotate_deg`` and stretched along y.

    Returns ``x1, y1, x2, y2, offsets`` with the edges of polygon ``i`` at
    ``offsets[i]:offsets[i + 1]``; empty or missing polygons get no edges.
    """
    import shapely

    polygons = np.asarray(polygons, dtype=object)
    n = polygons.size
    parts, part_idx = shapely.get_parts(polygons, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_of_coord = shapely.get_coordinates(rings, return_index=True)
    owner = part_idx[ring_part][ring_of_coord] if coords.size else np.empty(0, dtype=np.int64)
    # an edge joins consecutive coordinates of the same ring (rings are closed)
    same = ring_of_coord[1:] == ring_of_coord[:-1]
    start = np.flatnonzero(same)
    poly = owner[start]
    theta = np.radians(np.asarray(rotate_deg, dtype=float))[poly]
    c, s = np.cos(theta), np.sin(theta)
    k = np.asarray(stretch_y, dtype=float)[poly]
    # move each polygon's corner to the origin first, to keep precision in UTM metres
    bounds = shapely.bounds(polygons)
    x0, y0 = bounds[:, 0][poly], bounds[:, 1][poly]
    x, y = coords[:, 0], coords[:, 1]

    def tr(ix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xl, yl = x[ix] - x0, y[ix] - y0
        return xl * c + yl * s, (-xl * s + yl * c) * k

    x1, y1 = tr(start)
    x2, y2 = tr(start + 1)
    # parts, rings and coordinates come in input order, so the edges are grouped by polygon
    counts = np.bincount(poly, minlength=n)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return x1, y1, x2, y2, offsets
