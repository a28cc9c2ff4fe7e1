"""Compiled kernels: serial twins agree with their parallel variants; numba's cache folder."""

import numpy as np
import pytest

from pvsite import _diskcache
from pvsite.energy.shading import _loss_kernel, _sector_directions
from pvsite.geometry._packing import _sort_small


def test_sort_small_sorts_like_numpy():
    rng = np.random.default_rng(0)
    for k in (0, 1, 5, 24, 25, 100):
        a = rng.random(k + 3)
        want = np.r_[np.sort(a[:k]), a[k:]]
        _sort_small(a, k)
        assert np.array_equal(a, want)


@pytest.mark.slow  # compiles the parallel variant on a fresh machine
def test_twin_picks_serial_below_the_size_and_both_agree(monkeypatch):
    rng = np.random.default_rng(1)
    n, sectors, nbins = 40, 36, 90
    table = rng.random((2, sectors, nbins))
    cum = np.concatenate([np.zeros((2, sectors, 1)), np.cumsum(table, axis=2)], axis=2)
    args = (rng.integers(0, 2, n), rng.random((n, sectors)) * 30, rng.random(n) * 40,
            rng.random(n) * 360, cum, table, 1.0, *_sector_directions(sectors))
    serial = _loss_kernel.serial(*args)
    parallel = _loss_kernel.parallel(*args)
    for s, p in zip(serial, parallel, strict=True):
        np.testing.assert_allclose(s, p, rtol=1e-12, atol=0)
    monkeypatch.setattr(_loss_kernel, "parallel_from", n + 1)
    np.testing.assert_array_equal(_loss_kernel(*args)[0], serial[0])


def test_numba_cache_goes_to_the_user_folder_when_the_package_is_read_only(monkeypatch,
                                                                             tmp_path):
    from numba.core import config

    monkeypatch.setattr(config, "CACHE_DIR", "")
    monkeypatch.setattr(_diskcache.os, "access", lambda *_: False)
    monkeypatch.setattr("platformdirs.user_cache_dir", lambda _name: str(tmp_path))
    assert _diskcache._numba_cache_dir() == tmp_path / "numba"
    assert config.CACHE_DIR == str(tmp_path / "numba")
    assert _diskcache.numba_cache_cold()  # nothing compiled there yet


def test_a_kernel_given_opt_compiles_at_that_level_and_restores_numbas(monkeypatch):
    from numba import njit
    from numba.core import config, event

    monkeypatch.delenv("NUMBA_OPT", raising=False)
    seen = []

    class Listener(event.Listener):
        def on_start(self, ev):
            seen.append(int(config.OPT))

        def on_end(self, ev):
            pass

    def triple(x):
        return 3 * x

    level = int(config.OPT)
    assert isinstance(_diskcache.kernel(opt=1)(triple), _diskcache._Entry)
    compiled = _diskcache._Entry(njit(triple), 1)  # not cached: it compiles here
    with event.install_listener("numba:compile", Listener()):
        assert compiled(np.arange(3.0)).tolist() == [0.0, 3.0, 6.0]
    assert seen and set(seen) == {1} and int(config.OPT) == level
    with pytest.raises(RuntimeError), _diskcache._opt_level(0):
        assert int(config.OPT) == 0
        raise RuntimeError("restored even so")
    assert int(config.OPT) == level
    monkeypatch.setenv("NUMBA_OPT", "2")  # the user's own level wins over pvsite's
    with _diskcache._opt_level(0):
        assert int(config.OPT) == level


def test_a_twin_given_serial_opt_compiles_its_serial_twin_at_that_level(monkeypatch):
    from numba import njit, prange
    from numba.core import config, event

    monkeypatch.delenv("NUMBA_OPT", raising=False)
    seen = []

    class Listener(event.Listener):
        def on_start(self, ev):
            seen.append((ev.data["dispatcher"].py_func.__qualname__.split(".")[-1],
                         int(config.OPT)))

        def on_end(self, ev):
            pass

    def doubled(x):
        out = np.empty(x.size)
        for i in prange(x.size):
            out[i] = 2 * x[i]
        return out

    level = int(config.OPT)
    twin = _diskcache._Twin(doubled, 4, 0, None, 1)
    twin.serial, twin.parallel = njit(twin.serial.py_func), njit(doubled)  # not cached here
    with event.install_listener("numba:compile", Listener()):
        assert twin(np.arange(3.0)).tolist() == [0.0, 2.0, 4.0]  # serial: below 4 items
        assert twin(np.arange(5.0)).tolist() == [0.0, 2.0, 4.0, 6.0, 8.0]
    own = [(name, opt) for name, opt in seen if name.startswith("doubled")]
    assert own == [("doubled_serial", 1), ("doubled", level)] and int(config.OPT) == level
