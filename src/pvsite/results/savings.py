"""CO2 and standard coal saved by the electricity a roof generates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..assumptions import Assumptions

__all__ = ["savings"]


def savings(annual_kwh: pd.Series, *, assumptions: Assumptions | None = None) -> pd.DataFrame:
    """CO2 avoided and standard coal saved per year.

    Parameters
    ----------
    annual_kwh : Series
        Annual AC energy [kWh].
    assumptions : Assumptions, optional
        ``grid_emission_factor`` [kg CO2/kWh] (default 0.42, Shanghai, 沪环气〔2022〕34号),
        ``coal_factor_calorific`` [kgce/kWh] (default 0.1229, GB/T 2589-2020) and
        ``coal_factor_consumption`` [kgce/kWh] (default 0.3055, CEC 2020 average coal
        consumption of thermal power supply).

    Returns
    -------
    DataFrame
        ``co2_avoided_t`` [t CO2/a], ``coal_saved_tce`` [t standard coal/a, calorific-equivalent
        method] and ``coal_saved_tce_consumption`` [t standard coal/a, coal-consumption
        method], on the input's index.

    Examples
    --------
    >>> savings(pd.Series([10_000.0])).round(4).iloc[0].tolist()
    [4.2, 1.229, 3.055]
    """
    a = assumptions or Assumptions()
    kwh = np.asarray(annual_kwh, dtype=float)
    return pd.DataFrame({
        "co2_avoided_t": kwh * a.grid_emission_factor / 1000.0,
        "coal_saved_tce": kwh * a.coal_factor_calorific / 1000.0,
        "coal_saved_tce_consumption": kwh * a.coal_factor_consumption / 1000.0,
    }, index=annual_kwh.index)
