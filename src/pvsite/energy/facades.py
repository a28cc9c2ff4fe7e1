"""The energy of facades: BIPV yield at tilt 90, shading by the neighbours, a yield threshold.

Facade rows of the surface table (:func:`pvsite.geometry.facades.facade_surfaces`) go
through the same chain as roofs: the yield grid at tilt 90 with the ``bipv`` mounting (pvlib's
insulated-back SAPM cell temperature, :attr:`pvsite.Assumptions.temperature_model_bipv`) and
the horizon machinery at points in front of each wall
(:func:`pvsite.energy.shading.facade_losses`). A facade whose specific yield after shading is
under ``facade_min_yield_share`` of the site's best orientation is ``low_yield``: it keeps its
area, carries no capacity, and the building's ``facade_reason`` says how many were left out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from .shading import facade_losses
from .yields import optimal_tilt, specific_yield, surface_yield

__all__ = ["facade_energy"]


def facade_energy(walls: pd.DataFrame, weather: pd.DataFrame, skyline: Any = None, *,
                  assumptions: Assumptions | None = None) -> pd.DataFrame:
    """Yield, shading loss and annual energy of every facade; those under the threshold idle.

    Parameters
    ----------
    walls : DataFrame
        Facade rows of the surface table.
    weather : DataFrame
        From :func:`pvsite.read_weather`.
    skyline : pvsite.geometry.horizons.Skyline, optional
        The buildings that shade the walls; None: no shading.
    assumptions : Assumptions, optional

    Returns
    -------
    DataFrame
        ``walls`` with ``specific_yield`` (unshaded [kWh/kWp]), ``shading_loss``,
        ``low_yield`` (under the threshold: no capacity), ``unshaded_kwh`` and
        ``annual_kwh`` [kWh]; ``.attrs['threshold_kwh_per_kwp']``.
    """
    a = assumptions or Assumptions()
    out = walls.copy()
    out["specific_yield"] = surface_yield(out, weather, np.ones(len(out), dtype=bool),
                                          assumptions=a)
    out["shading_loss"] = (facade_losses(out, skyline, weather, assumptions=a)
                           if skyline is not None else 0.0)
    tilt, azimuth = optimal_tilt(weather, assumptions=a)
    best = specific_yield(weather, tilt, azimuth, assumptions=a)
    threshold = a.facade_min_yield_share * best
    out["low_yield"] = out["specific_yield"] * (1 - out["shading_loss"]) < threshold
    out.loc[out["low_yield"], "capacity_kwp"] = 0.0
    out["unshaded_kwh"] = out["capacity_kwp"] * out["specific_yield"]
    out["annual_kwh"] = out["unshaded_kwh"] * (1 - out["shading_loss"])
    out.attrs["threshold_kwh_per_kwp"] = float(threshold)
    return out
