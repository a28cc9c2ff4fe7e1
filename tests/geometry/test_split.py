"""Shapely's calls in parts on threads give what one call gives."""

import numpy as np
import shapely

from pvsite.geometry import _split


def _shapes(n: int) -> np.ndarray:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 1e4, n), rng.uniform(0, 1e4, n)
    boxes = shapely.box(x, y, x + rng.uniform(5, 40, n), y + rng.uniform(5, 40, n))
    # every fifth element a two-part multipolygon, so that parts shift the index
    multi = shapely.multipolygons([[b, shapely.affinity.translate(b, 100, 0)] for b in boxes[::5]])
    boxes[::5] = multi
    return boxes


def test_split_equals_one_call_with_per_element_arguments():
    n = _split.SPLIT_FROM + 5_001
    geoms = _shapes(n)
    dist = -np.linspace(0.1, 2.0, n)
    whole = shapely.buffer(geoms, dist, join_style="mitre")
    parts = _split.split(shapely.buffer, geoms, dist, join_style="mitre")
    assert parts.shape == (n,)
    assert shapely.equals_exact(whole, parts, tolerance=0).all()
    assert (_split.split(shapely.is_valid, geoms) == shapely.is_valid(geoms)).all()


def test_get_parts_keeps_the_index():
    geoms = _shapes(_split.SPLIT_FROM * 2 + 7)
    want, want_index = shapely.get_parts(geoms, return_index=True)
    got, got_index = _split.get_parts(geoms)
    np.testing.assert_array_equal(got_index, want_index)
    assert shapely.equals_exact(got, want, tolerance=0).all()


def test_short_arrays_stay_whole():
    geoms = _shapes(10)
    assert _split._bounds(len(geoms)) is None
    assert (_split.split(shapely.area, geoms) == shapely.area(geoms)).all()
