"""Chinese labels with a real CJK font (Debian's fonts-noto-cjk, which .ci/run installs)."""

import warnings

import matplotlib.pyplot as plt
import pytest

import pvsite
from pvsite.output import plot

pytestmark = pytest.mark.skipif(plot.cjk_font() is None,
                                reason="no CJK font on this machine (Debian: fonts-noto-cjk)")


def test_chinese_site_names_are_drawn_in_the_cjk_font():
    result = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(30),
                             pvsite.datasets.shanghai_weather(), shading=False)
    named = result.copy()
    named["institution_name"] = "上海市第一中学"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ax = plot.plot_siting_map(named, top=3, label_by="institution")
        ax.figure.canvas.draw()
    assert [str(w.message) for w in caught if "Glyph" in str(w.message)] == []
    labels = [t for t in ax.texts if t.get_gid() == "site-label"]
    assert [t.get_text().split("\n")[0] for t in labels] == ["上海市第一中学"] * 3
    assert all(t.get_fontfamily()[0] == plot.cjk_font() for t in labels)
    plt.close("all")
