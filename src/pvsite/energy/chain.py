"""pvlib's chain, once: solar position, irradiance, cell temperature, DC and AC power.

The chain is pvlib's, step for step as ``pvlib.modelchain.ModelChain`` runs it with
``transposition_model='perez'``, ``aoi_model='physical'``, ``spectral_model='no_loss'``,
SAPM cell temperature, ``dc_model='pvwatts'``, ``losses_model='pvwatts'`` and
``ac_model='pvwatts'``:

1. solar position (NREL SPA, ``nrel_numpy``) once per weather year, at the middle of each hour,
   with the year's air temperature and pressure (from the site's altitude where the weather
   has none), for refraction;
2. Perez (1990) sky diffuse with extraterrestrial DNI and Kasten-Young relative airmass,
   isotropic ground reflection (:func:`pvlib.irradiance.get_total_irradiance`);
3. physical incidence-angle modifier on the beam (:func:`pvlib.iam.physical`);
4. SAPM cell temperature from plane-of-array irradiance, air temperature and wind;
5. PVWatts DC power, PVWatts system losses, PVWatts inverter.

Everything computed from it per weather year (the yield grid of :mod:`pvsite.energy.yields`,
the shading tables of :mod:`pvsite.energy.shading`) lives in one cache, :data:`CACHE`, keyed by
:func:`energy_key`: the weather's values, the mounting and the assumptions' energy fields
(:meth:`pvsite.Assumptions.energy_fields`).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..inputs.weather import check_weather

__all__ = ["CACHE", "MOUNTINGS", "EnergyCache", "energy_key", "hourly_chain", "solar_position"]

#: Mounting keywords and what they mean for cell temperature: open-rack rows (flat roofs,
#: carport canopies), modules flush on a pitched roof, modules built into a wall (BIPV).
MOUNTINGS = ("racked", "flush", "bipv")
_CHUNK = 48  # orientations per vectorised pvlib call (bounds memory to ~100 MB)


class EnergyCache:
    """What the chain computed, by kind and key, each kind with its own bound (oldest out).

    Kinds and bounds: ``yield_grid`` (8 grids, ~1 MB each), ``shading_class`` (2,000 classes,
    130 kB each at 360 x 90 bins), ``hourly_class`` (hourly profiles of orientation classes,
    :mod:`pvsite.energy.hourly`), ``optimal_tilt`` (the best orientation of a grid, 64 pairs).
    """

    LIMITS = {"yield_grid": 8, "shading_class": 2_000, "hourly_class": 1_000,
              "optimal_tilt": 64}

    def __init__(self) -> None:
        self._stores: dict[str, OrderedDict[tuple[Any, ...], Any]] = {
            kind: OrderedDict() for kind in self.LIMITS}

    def get(self, kind: str, key: tuple[Any, ...]) -> Any:
        """The cached value, or None; a hit becomes the newest entry."""
        store = self._stores[kind]
        if key not in store:
            return None
        store.move_to_end(key)
        return store[key]

    def put(self, kind: str, key: tuple[Any, ...], value: Any) -> None:
        """Store a value, dropping the oldest entries of its kind beyond the bound."""
        store = self._stores[kind]
        store[key] = value
        while len(store) > self.LIMITS[kind]:
            store.popitem(last=False)

    def clear(self) -> None:
        """Forget everything."""
        for store in self._stores.values():
            store.clear()

    def __len__(self) -> int:
        return sum(len(s) for s in self._stores.values())


#: The one cache of this process.
CACHE = EnergyCache()


def energy_key(weather: pd.DataFrame, mounting: str,
               assumptions: Assumptions | None = None) -> tuple[Any, ...]:
    """Key of everything the chain computes: weather values, mounting, energy assumptions."""
    a = assumptions or Assumptions()
    return (_weather_key(weather), mounting, a.energy_fields())


def _weather_key(weather: pd.DataFrame) -> str:
    """A hash of every weather value the chain reads, its index and the site."""
    h = hashlib.sha1(usedforsecurity=False)
    h.update(np.ascontiguousarray(weather.index.asi8).tobytes())
    # every column the chain reads: pressure too, for the refraction of solar position
    for col in ("ghi", "dni", "dhi", "temp_air", "wind_speed", "pressure"):
        if col in weather:
            h.update(col.encode())
            h.update(np.ascontiguousarray(weather[col].to_numpy(dtype=float)).tobytes())
    h.update(repr(sorted((k, str(v)) for k, v in weather.attrs.items()
                         if k in ("latitude", "longitude", "altitude"))).encode())
    return h.hexdigest()


def solar_position(weather: pd.DataFrame) -> pd.DataFrame:
    """Solar position for every hour of a weather year, as ModelChain computes it.

    Parameters
    ----------
    weather : DataFrame
        From :func:`pvsite.read_weather` (index at the middle of each hour).

    Returns
    -------
    DataFrame
        pvlib's ``apparent_zenith, zenith, azimuth, ...`` [deg] on the weather's index.
    """
    import pvlib

    check_weather(weather)
    loc = pvlib.location.Location(weather.attrs["latitude"], weather.attrs["longitude"],
                                  altitude=weather.attrs.get("altitude", 0.0))
    pressure = weather["pressure"] if "pressure" in weather else None
    return loc.get_solarposition(weather.index, pressure=pressure,
                                 temperature=weather["temp_air"])


def hourly_chain(
    weather: pd.DataFrame,
    surface_tilt: np.ndarray,
    surface_azimuth: np.ndarray,
    *,
    mounting: str = "racked",
    assumptions: Assumptions | None = None,
    solpos: pd.DataFrame | None = None,
    parts: bool = False,
) -> dict[str, np.ndarray]:
    """The chain's hourly arrays for many orientations, shape (orientations, hours).

    The pvlib chain of this module's docstring, vectorised over orientations. Returns ``ac``,
    AC power per kWp DC [W/kWp] (summed over the hours of hourly data: Wh/kWp) and, with
    ``parts=True``, ``beam`` (beam after the incidence-angle modifier), ``sky`` (sky diffuse,
    all of Perez's parts), ``circumsolar`` (Perez's circumsolar part of ``sky``, from
    :func:`pvlib.irradiance.perez` with ``return_components=True``: the diffuse light that
    comes from the sun's direction, shaded with the beam; no incidence-angle modifier, as in
    ``ModelChain``) and ``effective`` (beam and sky with ground-reflected light) [W/m^2]: what
    shading removes, and the irradiance the AC came from. ``ac`` is the same with or without
    ``parts``.
    """
    import pvlib

    a = assumptions or Assumptions()
    temp_params = _temperature_params(mounting, a)
    if solpos is None:
        solpos = solar_position(weather)
    dni, ghi, dhi = (weather[c].to_numpy(dtype=float) for c in ("dni", "ghi", "dhi"))
    # without light every output is 0 (no beam, sky or ground light, no DC, no AC): the chain
    # runs on the lit hours only, half the year, and the others stay 0
    lit = (dni > 0) | (ghi > 0) | (dhi > 0)
    dni, ghi, dhi = dni[lit], ghi[lit], dhi[lit]
    zenith = solpos["apparent_zenith"].to_numpy()[lit]
    sun_az = solpos["azimuth"].to_numpy()[lit]
    dni_extra = pvlib.irradiance.get_extra_radiation(weather.index).to_numpy()[lit]
    airmass = pvlib.atmosphere.get_relative_airmass(zenith)
    temp_air = weather["temp_air"].to_numpy(dtype=float)[lit]
    wind = weather["wind_speed"].to_numpy(dtype=float)[lit]
    pdc0_inverter = 1000.0 / (a.dc_ac_ratio * a.inverter_efficiency)
    tilt = np.atleast_1d(np.asarray(surface_tilt, dtype=float))
    azim = np.atleast_1d(np.asarray(surface_azimuth, dtype=float))
    shape = (tilt.size, len(weather))
    kinds = ("ac", "beam", "sky", "circumsolar", "effective") if parts else ("ac",)
    out = {k: np.zeros(shape) for k in kinds}
    with np.errstate(invalid="ignore", divide="ignore"):
        for s in range(0, tilt.size, _CHUNK):
            t, z = tilt[s:s + _CHUNK, None], azim[s:s + _CHUNK, None]
            irr = pvlib.irradiance.get_total_irradiance(
                t, z, zenith, sun_az, dni, ghi, dhi, dni_extra=dni_extra, airmass=airmass,
                albedo=a.albedo, model="perez")
            aoi = pvlib.irradiance.aoi(t, z, zenith, sun_az)
            beam = irr["poa_direct"] * pvlib.iam.physical(aoi)
            effective = beam + irr["poa_diffuse"]
            t_cell = pvlib.temperature.sapm_cell(irr["poa_global"], temp_air, wind, **temp_params)
            pdc = pvlib.pvsystem.pvwatts_dc(effective, t_cell, 1000.0, a.gamma_pdc)
            pdc = np.nan_to_num(pdc * (1 - a.system_losses / 100.0))
            rows = slice(s, s + _CHUNK)
            out["ac"][rows, lit] = pvlib.inverter.pvwatts(pdc, pdc0_inverter,
                                                          a.inverter_efficiency)
            if parts:
                out["beam"][rows, lit] = np.nan_to_num(beam)
                out["sky"][rows, lit] = np.nan_to_num(irr["poa_sky_diffuse"])
                # the same Perez call as get_total_irradiance's, split into its components
                comp = pvlib.irradiance.perez(t, z, dhi, dni, dni_extra, zenith, sun_az, airmass,
                                              return_components=True)
                out["circumsolar"][rows, lit] = np.nan_to_num(comp["poa_circumsolar"])
                out["effective"][rows, lit] = np.nan_to_num(effective)
    return out


def _temperature_params(mounting: str, a: Assumptions) -> dict[str, float]:
    from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS

    if mounting not in MOUNTINGS:
        raise ValueError(f"mounting={mounting!r}; use one of {list(MOUNTINGS)}.")
    name = {"racked": a.temperature_model_racked, "flush": a.temperature_model_flush,
            "bipv": a.temperature_model_bipv}[mounting]
    sapm = TEMPERATURE_MODEL_PARAMETERS["sapm"]
    if name not in sapm:
        raise ValueError(f"temperature model {name!r} unknown; use one of {sorted(sapm)}.")
    return dict(sapm[name])


