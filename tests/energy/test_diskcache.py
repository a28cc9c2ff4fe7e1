"""The yield grid on disk: a second process pays a file read, not 700 pvlib runs."""

import numpy as np
import pytest

import pvsite
from pvsite import _diskcache
from pvsite.energy import chain, yields


def test_a_second_call_reads_the_grid_from_disk(shanghai_weather, tmp_path, monkeypatch):
    monkeypatch.setenv("PVSITE_CACHE_DIR", str(tmp_path))
    chain.CACHE.clear()
    first = yields.yield_grid(shanghai_weather, mounting="flush")
    assert len(list(tmp_path.rglob("*.npz"))) == 1
    chain.CACHE.clear()  # a new process: nothing in memory

    def no_chain(*args, **kwargs):
        raise AssertionError("the grid was computed again")

    monkeypatch.setattr(yields, "hourly_chain", no_chain)
    second = yields.yield_grid(shanghai_weather, mounting="flush")
    np.testing.assert_array_equal(first.annual, second.annual)
    assert second(np.array([25.0]), np.array([180.0]))[0] == pytest.approx(
        first(np.array([25.0]), np.array([180.0]))[0], rel=1e-12)
    assert _diskcache.clear() == 1 and not list(tmp_path.rglob("*.npz"))


def test_other_assumptions_get_their_own_file(shanghai_weather, tmp_path, monkeypatch):
    monkeypatch.setenv("PVSITE_CACHE_DIR", str(tmp_path))
    chain.CACHE.clear()
    pvsite.specific_yield(shanghai_weather, 20, 180)
    pvsite.specific_yield(shanghai_weather, 20, 180, assumptions=pvsite.Assumptions(albedo=0.3))
    pvsite.specific_yield(shanghai_weather, 20, 180,
                          assumptions=pvsite.Assumptions(edge_setback_m=3.0))  # not energy
    assert len(list(tmp_path.rglob("*.npz"))) == 2


def test_off_means_off(shanghai_weather, tmp_path, monkeypatch):
    monkeypatch.setenv("PVSITE_CACHE_DIR", "off")
    assert _diskcache.cache_dir() is None
    assert _diskcache.save("yield_grid", ("k",), {"a": np.zeros(1)}) is None
    assert _diskcache.load("yield_grid", ("k",)) is None
