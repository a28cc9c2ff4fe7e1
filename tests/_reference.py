"""Independent references for tests: pvlib's own ModelChain, built here, not from pvsite code."""

import pvlib
from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS

from pvsite import Assumptions


def modelchain_yield(weather, tilt, azimuth, mounting="racked", assumptions=None):
    """Annual AC kWh per kWp from pvlib ModelChain (Perez, physical IAM, no spectral loss,
    SAPM cell temperature, PVWatts DC, PVWatts losses, PVWatts inverter)."""
    a = assumptions or Assumptions()
    name = {"racked": a.temperature_model_racked, "flush": a.temperature_model_flush,
            "bipv": a.temperature_model_bipv}[mounting]
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


def planes_one_by_one(footprints, path, flat_slope=5.0, min_plane_area_m2=4.0):
    """Roof planes from a surface model, building by building: a window around each
    footprint, its pixel mask, slope and aspect by central differences, one plane per class
    (flat, or 8 aspect classes of 45 deg), tilt the mean slope, azimuth the circular mean
    aspect, outline the union of the class's pixels. Footprints and raster in one CRS.
    Returns (building position, tilt, azimuth or NaN, area) rows, flat planes first."""
    import numpy as np
    import rasterio
    import rasterio.features
    import rasterio.windows
    import shapely
    from shapely.geometry import shape

    rows = []
    with rasterio.open(path) as src:
        px_w, px_h = abs(src.transform.a), abs(src.transform.e)
        full = rasterio.windows.Window(0, 0, src.width, src.height)
        for i, geom in enumerate(footprints):
            win = rasterio.windows.from_bounds(*geom.buffer(2 * max(px_w, px_h)).bounds,
                                               transform=src.transform)
            win = win.round_offsets().round_lengths().intersection(full)
            z = src.read(1, window=win).astype(float)
            tr = src.window_transform(win)
            inside = rasterio.features.geometry_mask([geom], z.shape, tr, invert=True)
            dz_dy, dz_dx = np.gradient(z, px_h, px_w)
            slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
            aspect = np.degrees(np.arctan2(-dz_dx, dz_dy)) % 360
            cls = np.where(slope < flat_slope, -1,
                           np.floor(((aspect + 22.5) % 360) / 45).astype(int))
            for c in np.unique(cls[inside]):
                sel = inside & (cls == c)
                if sel.sum() * px_w * px_h < min_plane_area_m2:
                    continue
                parts = [shape(g) for g, v in rasterio.features.shapes(
                    sel.astype(np.uint8), mask=sel, transform=tr) if v == 1]
                outline = shapely.intersection(shapely.union_all(parts), geom)
                a = np.radians(aspect[sel])
                az = np.degrees(np.arctan2(np.sin(a).mean(), np.cos(a).mean())) % 360
                rows.append((i, 0.0 if c == -1 else slope[sel].mean(),
                             np.nan if c == -1 else az, outline.area))
    return rows
