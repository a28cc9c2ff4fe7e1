"""Scanline packing of module rows into polygons, compiled with numba.

A plane's usable polygon arrives as edges in its *row frame*: rows run along x, stacked along y
(up-slope / northward). Row ``k`` occupies the band ``[y0 + k * pitch, y0 + k * pitch + depth]``;
within a band, modules of width ``along`` fit wherever the polygon covers the whole band. That
covered set is exact for polygons: between consecutive vertex heights the same edges bound the
polygon, so each interval's ends move linearly and the interval at the slab's two ends bound it.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .._diskcache import PARALLEL_FROM, kernel
from ._split import get_parts

_EPS = 1e-7
#: LLVM optimisation level of the packing kernels (numba's default is 3). At level 1 they
#: compile in about half the time and give the same counts, while the packing is a small share
#: of a large run; pvsite measurement, benchmarks/results/bench_startup.json.
PACK_OPT = 1


@kernel
def _sort_small(a, k):  # pragma: no cover - compiled
    """Sort a[:k] in place: insertion sort for the few values of a footprint's scanline.

    Shell sort (gaps halving down to an insertion sort) above 24 values, written out rather
    than ``a[:k].sort()``: numba's quicksort alone costs about a second to compile.
    """
    gap = 1 if k <= 24 else k // 2
    while gap > 0:
        for i in range(gap, k):
            v = a[i]
            j = i
            while j >= gap and a[j - gap] > v:
                a[j] = a[j - gap]
                j -= gap
            a[j] = v
        gap //= 2


@kernel
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


@kernel
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


@kernel
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


@kernel(parallel_from=PARALLEL_FROM, size_arg=4, opt=PACK_OPT)
def pack(x1, y1, x2, y2, offsets, depth, pitch, along, phases):  # pragma: no cover - compiled
    """Modules and rows per polygon; ``depth``, ``pitch``, ``along`` are per polygon [m]."""
    n = offsets.size - 1
    counts = np.zeros(n, dtype=np.int64)
    rows = np.zeros(n, dtype=np.int64)
    if n == 0:
        return counts, rows
    size = 0  # the most edges of a polygon, by hand: np.max costs 0.6 s to compile
    for p in range(n):
        size = max(size, offsets[p + 1] - offsets[p])
    size = int(size) + 4
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


def polygon_edges(polygons: np.ndarray) -> tuple[np.ndarray, ...]:
    """Edges of (multi)polygons, each polygon moved to put its bounding box's corner at 0.

    Returns ``x1, y1, x2, y2, offsets, x0, y0``: the edges of polygon ``i`` are at
    ``offsets[i]:offsets[i + 1]`` (none for empty or missing polygons), relative to its corner
    ``(x0[i], y0[i])``, which keeps precision in UTM metres.
    """
    import shapely

    polygons = np.asarray(polygons, dtype=object)
    n = polygons.size
    parts, part_idx = get_parts(polygons)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_of_coord = shapely.get_coordinates(rings, return_index=True)
    owner = part_idx[ring_part][ring_of_coord] if coords.size else np.empty(0, dtype=np.int64)
    # an edge joins consecutive coordinates of the same ring (rings are closed)
    start = np.flatnonzero(ring_of_coord[1:] == ring_of_coord[:-1])
    poly = owner[start]
    bounds = shapely.bounds(polygons)
    x0, y0 = bounds[:, 0], bounds[:, 1]
    x, y = coords[:, 0], coords[:, 1]
    # parts, rings and coordinates come in input order, so the edges are grouped by polygon
    offsets = np.concatenate([[0], np.cumsum(np.bincount(poly, minlength=n))]).astype(np.int64)
    return (x[start] - x0[poly], y[start] - y0[poly], x[start + 1] - x0[poly],
            y[start + 1] - y0[poly], offsets, x0, y0)


def rotate_edges(edges: tuple[np.ndarray, ...], rotate_deg: np.ndarray,
                 stretch_y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Edges of :func:`polygon_edges` turned clockwise by ``rotate_deg`` and stretched along y.

    Returns ``x1, y1, x2, y2, offsets`` in each polygon's row frame.
    """
    x1, y1, x2, y2, offsets = edges[:5]
    poly = np.repeat(np.arange(offsets.size - 1), np.diff(offsets))
    theta = np.radians(np.asarray(rotate_deg, dtype=float))[poly]
    c, s = np.cos(theta), np.sin(theta)
    k = np.asarray(stretch_y, dtype=float)[poly]
    return (x1 * c + y1 * s, (-x1 * s + y1 * c) * k, x2 * c + y2 * s, (-x2 * s + y2 * c) * k,
            offsets)


def edges_in_row_frame(polygons: np.ndarray, rotate_deg: np.ndarray,
                       stretch_y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Edges of (multi)polygons rotated clockwise by ``rotate_deg`` and stretched along y.

    Returns ``x1, y1, x2, y2, offsets`` with the edges of polygon ``i`` at
    ``offsets[i]:offsets[i + 1]``, relative to its bounding box's corner; empty or missing
    polygons get no edges.
    """
    return rotate_edges(polygon_edges(polygons), rotate_deg, stretch_y)


@kernel(opt=PACK_OPT)
def inset_convex(x, y, offsets, distance, check):  # pragma: no cover - compiled
    """Move each convex ring of ``x, y`` inward by ``distance``; see ``layout._inset_convex``.

    Ring ``i`` is ``offsets[i]:offsets[i + 1]`` without its closing vertex. Each vertex moves
    along its corner's bisector by ``d (n1 + n2) / (1 + n1 . n2)``, ``n1`` and ``n2`` the unit
    inward normals of the edges meeting there. Returns the moved vertices and, per ring, whether
    that is the ring's mitred inset: the ring is convex, and every edge keeps its direction at
    ``distance`` and at ``check``.
    """
    n = offsets.size - 1
    wx = np.empty_like(x)
    wy = np.empty_like(y)
    ok = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        s, e = offsets[i], offsets[i + 1]
        m = e - s
        if m < 3:
            continue
        area2 = 0.0
        for k in range(s, e):
            j = s if k + 1 == e else k + 1
            area2 += x[k] * y[j] - x[j] * y[k]
        if area2 == 0.0:
            continue
        sign = 1.0 if area2 > 0 else -1.0
        good = True
        for pass_ in range(2):
            dist = check[i] if pass_ == 0 else distance[i]
            for k in range(s, e):
                p = e - 1 if k == s else k - 1
                j = s if k + 1 == e else k + 1
                ax, ay = x[k] - x[p], y[k] - y[p]
                bx, by = x[j] - x[k], y[j] - y[k]
                la, lb = np.hypot(ax, ay), np.hypot(bx, by)
                if la <= 1e-9 or lb <= 1e-9 or sign * (ax * by - ay * bx) < -1e-9 * la * lb:
                    good = False
                    break
                n1x, n1y = -sign * ay / la, sign * ax / la
                n2x, n2y = -sign * by / lb, sign * bx / lb
                c = 1.0 + n1x * n2x + n1y * n2y
                if c < 1e-6:
                    good = False
                    break
                wx[k] = x[k] + dist * (n1x + n2x) / c
                wy[k] = y[k] + dist * (n1y + n2y) / c
            if not good:
                break
            # every edge keeps its direction: none has shrunk away or turned round
            for k in range(s, e):
                j = s if k + 1 == e else k + 1
                bx, by = x[j] - x[k], y[j] - y[k]
                if (wx[j] - wx[k]) * bx + (wy[j] - wy[k]) * by <= 1e-9 * (bx * bx + by * by):
                    good = False
                    break
            if not good:
                break
        ok[i] = good
    return wx, wy, ok
