"""pilots: the plan's pilot projects ranked, public institutions only, spread when asked."""

import pandas as pd
import pytest

from pvsite import pilots


def candidates():
    return pd.DataFrame({
        "institution_type": ["school", "hospital", "not_public", "school", "government"],
        "district": ["A", "A", "A", "B", "B"],
        "status": ["ok", "ok", "ok", "ok", "unsuitable"],
        "capacity_kwp": [100.0, 300.0, 900.0, 50.0, 400.0],
        "annual_kwh": [110e3, 330e3, 990e3, 55e3, 0.0],
        "n_spaces": [40, 120, 360, 20, 160], "n_chargers": [4, 12, 36, 2, 16]})


def test_ranked_by_energy_public_and_usable_only():
    p = pilots(candidates(), kind="carport")
    assert p["rank"].tolist() == [1, 2, 3]
    assert p["annual_kwh"].tolist() == [330e3, 110e3, 55e3]  # not_public and unsuitable out


def test_spread_gives_each_district_its_turn():
    p = pilots(candidates(), kind="carport", spread=True, n=2)
    assert p["district"].tolist() == ["A", "B"]


def test_wrong_table_says_what_to_pass():
    with pytest.raises(ValueError, match="facades=True"):
        pilots(candidates(), kind="facade")
    with pytest.raises(ValueError, match="kind="):
        pilots(candidates(), kind="roof")
