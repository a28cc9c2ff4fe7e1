"""plot_uncertainty: one band per district, the target's share marked."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest

import pvsite

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def result(shanghai_weather):
    return pvsite.estimate(pvsite.datasets.shanghai_buildings().head(120), shanghai_weather)


def test_bands_and_targets(result):
    import matplotlib.pyplot as plt

    rep = pvsite.shortfall(result, target_kw=2_000, uncertainty=40)
    ax = pvsite.plot_uncertainty(rep, result=result)
    rows = rep.uncertainty[(rep.uncertainty["level"] == "district")
                           & (rep.uncertainty["quantity"] == "capacity_kwp")]
    widths = sorted(p.get_width() for p in ax.patches if p.get_gid() == "band")
    np.testing.assert_allclose(widths, np.sort(rows["p50"].to_numpy() / 1000))
    target = next(line for line in ax.lines if line.get_gid() == "target")
    assert np.sum(target.get_xdata()) == pytest.approx(2.0)  # shares of 2 MW add up
    assert f"{rep.p_reachable:.0%}" in ax.get_title()
    ax2 = pvsite.plot_uncertainty(rep, level="institution_type", quantity="annual_kwh")
    assert not [line for line in ax2.lines if line.get_gid() == "target"]
    plt.close("all")


def test_needs_a_range(result):
    with pytest.raises(TypeError, match="uncertainty=200"):
        pvsite.plot_uncertainty(pvsite.shortfall(result))
