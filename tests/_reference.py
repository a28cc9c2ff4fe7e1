"""Independent references for tests: pvlib's own ModelChain, built here, not from pvsite code."""

import pvlib
from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS

from pvsite import Assumptions


def modelchain_yield(weather, tilt, azimuth, mounting="racked", assumptions=None):
    """Annual AC kWh per kWp from pvlib ModelChain (Perez, physical IAM, no spectral loss,
    SAPM cell temperature, PVWatts DC, PVWatts losses, PVWatts inverter)."""
    a = assumptions or Assumptions()
    name = a.temperature_model_racked if mounting == "racked" else a.temperature_model_flush
    location = pvlib.location.Location(weather.attrs["latitude"], weather.attrs["longitude"],
                                       altitude=weather.attrs["altitude"])
    # PVWatts: DC/AC ratio = array DC / inverter AC; the inverter's pdc0 is its DC input limit
    system = pvlib.pvsystem.PVSystem(
        surface_tilt=tilt, surface_azimuth=azimuth, albedo=a.albedo,
        module_parameters={"pdc0": 1000.0, "gamma_pdc": a.gamma_pdc},
        inverter_parameters={"pdc0": 1000.0 / (a.dc_ac_ratio * a.inverter_efficiency),
                             "eta_inv_nom": a.inverter_efficiency},
        temperature_model_parameters=TEMPERATURE_MODEL_PARAMETERS["sapm"][name],
        losses_parameters={"soiling": a.system_losses, "shading": 0, "snow": 0, "mismatch": 0,
                           "wiring": 0, "connections": 0, "lid": 0, "nameplate_rating": 0,
                           "age": 0, "availability": 0})
    mc = pvlib.modelchain.ModelChain(system, location, aoi_model="physical",
                                     spectral_model="no_loss", transposition_model="perez",
                                     losses_model="pvwatts")
    mc.run_model(weather)
    return float(mc.results.ac.sum()) / 1000.0
