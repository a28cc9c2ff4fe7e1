"""Brute-force, independent reference for the shading loss of a whole roof.

This module is a *test oracle* for pvsite's multi-point shading model. It deliberately shares
no code with pvsite's kernels: it does not import ``pvsite.shading``, ``pvsite.energy`` or any
pvsite geometry helper. From pvsite it uses only the bundled weather year
(``pvsite.datasets.shanghai_weather()``) and the system parameters of ``pvsite.Assumptions()``.
Everything else is pvlib, numpy, pandas and shapely, and the geometry is done from first
principles, the slow and obvious way:

* **Obstacles** are prisms: a shapely footprint extruded from the ground (z = 0) to a height.
  A ray is blocked by a prism when it crosses one of the footprint's wall segments (every
  ring, exterior and holes, so convex, concave and courtyard footprints all work) at a height
  between 0 and the prism's height, or when it meets the flat top face inside the footprint.
  :func:`rays_blocked` is that exact test, vectorised with numpy broadcasting.
* **Observers** are a regular grid over the target roof (shrunk by a setback), at the height
  of the modules.
* **Beam and circumsolar** irradiance (pvlib's Perez model, ``return_components=True``) are
  lost in the hours when the ray from an observer toward the sun is blocked.
* **Isotropic sky diffuse and the horizon band** are scaled by the observer's sky view factor
  for the tilted module plane: the integral of cos(incidence) over a fine grid of sky
  directions (default 1 deg of azimuth x 0.5 deg of elevation, each direction weighted by its
  solid angle, cos(elevation) d(az) d(el)), counting only directions in front of the plane and
  not blocked by any prism, divided by the same integral with no obstacles.
* **Ground-reflected** irradiance is left unchanged.
* **Energy** follows the pvlib chain of ``tests/_reference.py``: physical IAM on the beam (and,
  here, on the circumsolar part with the beam's angle of incidence), SAPM cell temperature on
  the plane-of-array total, PVWatts DC (1 kWp), the PVWatts loss factor and the PVWatts
  inverter. The loss is ``1 - sum(AC shaded) / sum(AC unshaded)`` over all observers (equally
  weighted) and all hours.

Frame: local metres, x east, y north, z up; compass azimuths (0 = north, 90 = east).

Run ``python tests/_brute_shading.py`` to print the loss and run time of every scene below.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pvlib
import shapely
from pvlib.temperature import TEMPERATURE_MODEL_PARAMETERS
from shapely.geometry import MultiPoint, Polygon, box

import pvsite

#: Neighbours that never rise above this elevation, seen from any observer, are ignored [deg].
MIN_ELEVATION_DEG = 2.0
#: Work budget: number of array elements of one vectorised block (memory ~ 8 bytes each).
_BLOCK = 4_000_000


# --------------------------------------------------------------------------------------------
# Geometry: prisms and the exact ray test
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prism:
    """A footprint extruded from z = 0 to ``height``, with its wall segments as arrays."""

    polygon: shapely.Geometry
    height: float
    ax: np.ndarray
    ay: np.ndarray
    bx: np.ndarray
    by: np.ndarray

    @classmethod
    def from_polygon(cls, polygon, height: float) -> Prism:
        """Build from a shapely Polygon or MultiPolygon (every ring becomes walls)."""
        rings = []
        for part in getattr(polygon, "geoms", [polygon]):
            rings.append(np.asarray(part.exterior.coords))
            rings.extend(np.asarray(r.coords) for r in part.interiors)
        a = np.concatenate([r[:-1, :2] for r in rings])
        b = np.concatenate([r[1:, :2] for r in rings])
        keep = np.hypot(*(b - a).T) > 0
        a, b = a[keep], b[keep]
        shapely.prepare(polygon)
        return cls(polygon, float(height), a[:, 0], a[:, 1], b[:, 0], b[:, 1])


def as_prisms(neighbours) -> list[Prism]:
    """``[(polygon, height), ...]`` (or Prisms) as a list of :class:`Prism`."""
    return [n if isinstance(n, Prism) else Prism.from_polygon(*n) for n in neighbours]


def _wall_crossings(x0, y0, ux, uy, p: Prism) -> np.ndarray:
    """Horizontal distance along each ray to each wall segment it crosses, NaN where none.

    The ray's horizontal projection is ``(x0, y0) + t (ux, uy)`` with ``(ux, uy)`` a unit
    vector and ``t > 0``; segment ``k`` is ``A_k + s (B_k - A_k)``, ``0 <= s <= 1``. Solving
    with 2-D cross products gives ``t = (w x e) / (u x e)`` and ``s = (w x u) / (u x e)`` with
    ``w = A - P`` and ``e = B - A``. Rays parallel to a wall never cross it (measure zero).
    Returns an array of shape ``broadcast(x0, y0, ux, uy) + (n_segments,)``.
    """
    ex, ey = p.bx - p.ax, p.by - p.ay
    wx = p.ax - np.asarray(x0)[..., None]
    wy = p.ay - np.asarray(y0)[..., None]
    ux = np.asarray(ux)[..., None]
    uy = np.asarray(uy)[..., None]
    den = ux * ey - uy * ex
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (wx * ey - wy * ex) / den
        s = (wx * uy - wy * ux) / den
    ok = (den != 0) & (t > 1e-9) & (s >= 0.0) & (s <= 1.0)
    return np.where(ok, t, np.nan)


def rays_blocked(x0, y0, z0, azimuth, elevation, prisms, *, top=True) -> np.ndarray:
    """Whether rays from ``(x0, y0, z0)`` toward ``(azimuth, elevation)`` [deg] hit any prism.

    All five inputs broadcast together (numpy rules) and the result has the broadcast shape.
    A ray hits a prism when it crosses a wall segment at a height in ``[0, height]``, or, with
    ``top``, when it meets the plane ``z = height`` inside the footprint. For an upward ray
    whose origin is horizontally outside the footprint and below the top, the top-face test can
    never add a hit (the ray must cross a wall below the top to get over the footprint), so
    ``top=False`` is exact there and much cheaper; :func:`sky_view_factor` relies on that.
    The broadcasting is exploited: the horizontal crossings depend only on the origin and the
    azimuth, so passing azimuths and elevations on different axes shares that work.
    """
    az = np.radians(np.asarray(azimuth, dtype=float))
    ux, uy = np.sin(az), np.cos(az)
    tan_el = np.tan(np.radians(np.asarray(elevation, dtype=float)))
    x0, y0, z0 = (np.asarray(v, dtype=float) for v in (x0, y0, z0))
    shape = np.broadcast_shapes(x0.shape, y0.shape, z0.shape, az.shape, tan_el.shape)
    hit = np.zeros(shape, dtype=bool)
    for p in as_prisms(prisms):
        t = _wall_crossings(x0, y0, ux, uy, p)
        z = z0[..., None] + t * tan_el[..., None]
        hit |= ((z >= 0.0) & (z <= p.height)).any(axis=-1)
        if top:
            with np.errstate(divide="ignore", invalid="ignore"):
                t_top = np.broadcast_to((p.height - z0) / tan_el, shape)
            cand = np.isfinite(t_top) & (t_top > 0) & ~hit
            if cand.any():
                qx = np.broadcast_to(x0 + t_top * ux, shape)[cand]
                qy = np.broadcast_to(y0 + t_top * uy, shape)[cand]
                hit[cand] = shapely.contains_xy(p.polygon, qx, qy)
    return hit


def max_elevation(points_xyz: np.ndarray, prism: Prism) -> float:
    """Highest elevation [deg] at which ``prism`` can appear from any of the points."""
    z = float(np.min(points_xyz[:, 2]))
    if prism.height <= z:
        return -90.0
    d = MultiPoint(points_xyz[:, :2]).distance(prism.polygon)
    return 90.0 if d == 0 else math.degrees(math.atan2(prism.height - z, d))


def _check_observers(points_xyz: np.ndarray, prisms: list[Prism]) -> None:
    for p in prisms:
        inside = shapely.contains_xy(p.polygon, points_xyz[:, 0], points_xyz[:, 1])
        if np.any(inside & (points_xyz[:, 2] < p.height)):
            raise ValueError("an observer point lies inside a neighbour prism")


# --------------------------------------------------------------------------------------------
# Observers, sky view factor, sun blocking
# --------------------------------------------------------------------------------------------


def observer_points(target, spacing: float = 2.0, setback: float = 0.0) -> np.ndarray:
    """(n, 2) cell centres of a ``spacing`` grid strictly inside ``target`` shrunk by
    ``setback``; the shrunk polygon's representative point when no centre falls inside."""
    area = target.buffer(-setback) if setback > 0 else target
    if area.is_empty:
        area = target
    x0, y0, x1, y1 = area.bounds
    xs = np.arange(x0 + spacing / 2, x1, spacing)
    ys = np.arange(y0 + spacing / 2, y1, spacing)
    gx, gy = (g.ravel() for g in np.meshgrid(xs, ys))
    inside = shapely.contains_xy(area, gx, gy)
    if not inside.any():
        rp = area.representative_point()
        return np.array([[rp.x, rp.y]])
    return np.column_stack([gx[inside], gy[inside]])


def _plane_normal(tilt: float, azimuth: float) -> np.ndarray:
    b, g = math.radians(tilt), math.radians(azimuth)
    return np.array([math.sin(b) * math.sin(g), math.sin(b) * math.cos(g), math.cos(b)])


def sky_grid(tilt: float, azimuth: float, d_az: float = 1.0, d_el: float = 0.5):
    """Cell-centre azimuths (A,), elevations (E,) and weights (A, E) of the sky hemisphere.

    The weight is cos(incidence on the plane) times the cell's solid angle
    ``cos(el) d_az d_el``, zero for directions behind the plane.
    """
    az = np.arange(d_az / 2, 360.0, d_az)
    el = np.arange(d_el / 2, 90.0, d_el)
    a, e = np.radians(az)[:, None], np.radians(el)[None, :]
    d = np.stack(np.broadcast_arrays(np.cos(e) * np.sin(a), np.cos(e) * np.cos(a), np.sin(e)))
    cos_inc = np.tensordot(_plane_normal(tilt, azimuth), d, axes=1)
    w = np.clip(cos_inc, 0.0, None) * np.cos(e) * math.radians(d_az) * math.radians(d_el)
    return az, el, w


def sky_view_factor(points_xyz, prisms, tilt: float, azimuth: float, *, d_az: float = 1.0,
                    d_el: float = 0.5) -> np.ndarray:
    """Sky view factor of the tilted plane at each point, relative to an open sky (1 = none
    lost): blocked directions of the :func:`sky_grid` removed from the weighted sum."""
    pts = np.atleast_2d(np.asarray(points_xyz, dtype=float))
    prisms = as_prisms(prisms)
    az, el, w = sky_grid(tilt, azimuth, d_az, d_el)
    w0 = w.sum()
    svf = np.ones(len(pts))
    top_el = max([max_elevation(pts, p) for p in prisms], default=-90.0)
    rows = el <= top_el + d_el  # directions above every prism cannot be blocked
    if not prisms or not rows.any():
        return svf
    el, w = el[rows], w[:, rows]
    n_seg = max(len(p.ax) for p in prisms)
    chunk = max(1, _BLOCK // (len(az) * len(el) * n_seg))
    for i in range(0, len(pts), chunk):
        p = pts[i:i + chunk]
        blocked = rays_blocked(p[:, 0, None, None], p[:, 1, None, None], p[:, 2, None, None],
                               az[None, :, None], el[None, None, :], prisms, top=False)
        svf[i:i + chunk] = 1.0 - (blocked * w).sum(axis=(1, 2)) / w0
    return svf


def sun_blocked(points_xyz, sun_azimuth, sun_elevation, prisms) -> np.ndarray:
    """(n_points, n_hours) mask of sun rays blocked by any prism (full test, top included)."""
    pts = np.atleast_2d(np.asarray(points_xyz, dtype=float))
    s_az = np.asarray(sun_azimuth, dtype=float)
    s_el = np.asarray(sun_elevation, dtype=float)
    prisms = as_prisms(prisms)
    out = np.zeros((len(pts), len(s_az)), dtype=bool)
    if not prisms:
        return out
    top_el = max(max_elevation(pts, p) for p in prisms)
    hours = np.flatnonzero(s_el <= top_el)  # a higher sun is above every prism
    if hours.size == 0:
        return out
    n_seg = max(len(p.ax) for p in prisms)
    chunk = max(1, _BLOCK // (hours.size * n_seg))
    for i in range(0, len(pts), chunk):
        p = pts[i:i + chunk]
        out[i:i + chunk, hours] = rays_blocked(p[:, 0, None], p[:, 1, None], p[:, 2, None],
                                               s_az[None, hours], s_el[None, hours], prisms)
    return out


# --------------------------------------------------------------------------------------------
# Irradiance and energy (pvlib)
# --------------------------------------------------------------------------------------------


def hourly_components(weather: pd.DataFrame, tilt: float, azimuth: float, albedo: float):
    """Plane-of-array components for every hour, as a DataFrame.

    Columns: beam, circumsolar, sky (isotropic + horizon band), ground, aoi, temp_air,
    wind_speed, apparent elevation and azimuth of the sun. Solar position with the weather's
    air temperature; Perez (allsitescomposite1990) with Kasten-Young relative air mass and
    Spencer extraterrestrial DNI, as pvlib's ModelChain does.
    """
    loc = pvlib.location.Location(weather.attrs["latitude"], weather.attrs["longitude"],
                                  altitude=weather.attrs["altitude"])
    sp = loc.get_solarposition(weather.index, temperature=weather["temp_air"])
    zen, saz = sp["apparent_zenith"], sp["azimuth"]
    am = loc.get_airmass(solar_position=sp, model="kastenyoung1989")["airmass_relative"]
    dni_extra = pvlib.irradiance.get_extra_radiation(weather.index)
    diff = pvlib.irradiance.perez(tilt, azimuth, weather["dhi"], weather["dni"], dni_extra,
                                  zen, saz, am, return_components=True)
    beam = pvlib.irradiance.beam_component(tilt, azimuth, zen, saz, weather["dni"])
    ground = pvlib.irradiance.get_ground_diffuse(tilt, weather["ghi"], albedo=albedo)
    out = pd.DataFrame({
        "beam": beam,
        "circumsolar": diff["poa_circumsolar"],
        "sky": diff["poa_isotropic"] + diff["poa_horizon"],
        "ground": ground,
        "aoi": pvlib.irradiance.aoi(tilt, azimuth, zen, saz),
        "temp_air": weather["temp_air"],
        "wind_speed": weather["wind_speed"],
        "sun_elevation": 90.0 - zen,
        "sun_azimuth": saz,
    }, index=weather.index)
    return out.fillna({c: 0.0 for c in ("beam", "circumsolar", "sky", "ground")})


def _ac(beam, circ, sky, ground, iam, temp_air, wind, assumptions, mounting,
        iam_circumsolar=True):
    """AC power [W] of 1 kWp from plane-of-array components (numpy broadcast)."""
    a = assumptions
    name = {"racked": a.temperature_model_racked, "flush": a.temperature_model_flush,
            "bipv": a.temperature_model_bipv}[mounting]
    tp = TEMPERATURE_MODEL_PARAMETERS["sapm"][name]
    # Perez's horizon band can be negative; pvlib clips the sum of the sky components at 0
    sky = np.maximum(sky, -circ)
    poa = beam + circ + sky + ground
    if iam_circumsolar:
        eff = (beam + circ) * iam + sky + ground
    else:
        eff = beam * iam + circ + sky + ground
    tcell = pvlib.temperature.sapm_cell(poa, temp_air, wind, tp["a"], tp["b"], tp["deltaT"])
    pdc = pvlib.pvsystem.pvwatts_dc(eff, tcell, 1000.0, a.gamma_pdc)
    pdc = pdc * (1.0 - a.system_losses / 100.0)
    return pvlib.inverter.pvwatts(pdc, 1000.0 / (a.dc_ac_ratio * a.inverter_efficiency),
                                  eta_inv_nom=a.inverter_efficiency)


def unshaded_ac(weather, *, tilt, azimuth, mounting="racked", assumptions=None,
                iam_circumsolar=True) -> pd.Series:
    """Hourly AC [W] of 1 kWp with no obstacles (with ``iam_circumsolar=False`` the IAM is
    applied to the beam only, exactly as pvlib's ModelChain does)."""
    a = assumptions or pvsite.Assumptions()
    c = hourly_components(weather, tilt, azimuth, a.albedo)
    iam = pvlib.iam.physical(c["aoi"].to_numpy())
    ac = _ac(c["beam"].to_numpy(), c["circumsolar"].to_numpy(), c["sky"].to_numpy(),
             c["ground"].to_numpy(), iam, c["temp_air"].to_numpy(), c["wind_speed"].to_numpy(),
             a, mounting, iam_circumsolar)
    return pd.Series(ac, index=weather.index)


# --------------------------------------------------------------------------------------------
# The whole-roof loss
# --------------------------------------------------------------------------------------------


def whole_roof_loss(target, neighbours, weather, *, tilt, azimuth, roof_height,
                    module_height=0.0, spacing=2.0, mounting="racked", setback=0.0,
                    assumptions=None, return_points=False):
    """Annual shading loss (0-1) of modules covering ``target``, by brute force.

    ``target`` is a shapely Polygon in local metres (x east, y north); ``neighbours`` a list of
    ``(polygon, height_m)`` prisms standing on the ground. Observers sit on a ``spacing`` grid
    over ``target`` shrunk by ``setback``, at ``roof_height + module_height``. Returns the loss,
    or ``(loss, points)`` with ``return_points``: a DataFrame of x, y, loss and svf per point.
    Rows of modules do not shade each other here (the target itself is not an obstacle).
    """
    a = assumptions or pvsite.Assumptions()
    xy = observer_points(target, spacing, setback)
    pts = np.column_stack([xy, np.full(len(xy), roof_height + module_height)])
    prisms = [p for p in as_prisms(neighbours)
              if max_elevation(pts, p) > MIN_ELEVATION_DEG]
    _check_observers(pts, prisms)

    c = hourly_components(weather, tilt, azimuth, a.albedo)
    day = (c["beam"] + c["circumsolar"] + c["sky"] + c["ground"]) > 0
    c = c[day]
    iam = pvlib.iam.physical(c["aoi"].to_numpy())
    beam, circ = c["beam"].to_numpy(), c["circumsolar"].to_numpy()
    sky, ground = c["sky"].to_numpy(), c["ground"].to_numpy()
    temp, wind = c["temp_air"].to_numpy(), c["wind_speed"].to_numpy()
    ac_open = _ac(beam, circ, sky, ground, iam, temp, wind, a, mounting).sum()

    svf = sky_view_factor(pts, prisms, tilt, azimuth)
    sunlit = beam + circ > 0
    s_az = c["sun_azimuth"].to_numpy()[sunlit]
    s_el = c["sun_elevation"].to_numpy()[sunlit]
    ac_pts = np.empty(len(pts))
    chunk = max(1, _BLOCK // (8 * len(c)))
    for i in range(0, len(pts), chunk):
        p = pts[i:i + chunk]
        lit = np.ones((len(p), len(c)))
        lit[:, sunlit] = ~sun_blocked(p, s_az, s_el, prisms)
        ac = _ac(beam * lit, circ * lit, sky * svf[i:i + chunk, None], ground, iam, temp, wind,
                 a, mounting)
        ac_pts[i:i + chunk] = ac.sum(axis=1)

    point_loss = 1.0 - ac_pts / ac_open if ac_open > 0 else np.zeros(len(pts))
    loss = float(point_loss.mean())
    if return_points:
        return loss, pd.DataFrame({"x": pts[:, 0], "y": pts[:, 1], "loss": point_loss,
                                   "svf": svf})
    return loss


# --------------------------------------------------------------------------------------------
# Scenes (local metres, x east, y north: south is -y)
# --------------------------------------------------------------------------------------------


def _scene(target, neighbours, roof_height, tilt, azimuth, description):
    return {"target": target, "neighbours": neighbours, "roof_height": roof_height,
            "tilt": tilt, "azimuth": azimuth, "description": description}


def tower_south_of_big_roof(where="centred", *, tilt=0.0, azimuth=180.0):
    """120 m (E-W) x 60 m (N-S) roof at 12 m; a 20 x 20 m tower, 60 m tall, 15 m south of it:
    ``"centred"`` on the roof's E-W middle, at the west ``"end"``, or beyond the south-west
    ``"corner"`` (15 m off both the south and the west side)."""
    roof = box(0, 0, 120, 60)
    x0 = {"centred": 50.0, "end": 0.0, "corner": -35.0}[where]
    tower = box(x0, -35, x0 + 20, -15)
    return _scene(roof, [(tower, 60.0)], 12.0, tilt, azimuth,
                  f"120x60 m roof at 12 m, 60 m tower 15 m south ({where})")


def slab_south_of_elongated_roof(*, tilt=0.0, azimuth=180.0):
    """60 m (E-W) x 120 m (N-S) roof at 12 m; a 60 x 12 m slab, 60 m tall, 10 m south."""
    return _scene(box(0, 0, 60, 120), [(box(0, -22, 60, -10), 60.0)], 12.0, tilt, azimuth,
                  "60x120 m roof at 12 m, 60x12 m slab 60 m tall 10 m south")


def _ring():
    return Polygon(box(0, 0, 60, 60).exterior.coords, [box(12, 12, 48, 48).exterior.coords])


def courtyard(*, tilt=0.0, azimuth=180.0):
    """A courtyard building (60 x 60 m outside, 36 x 36 m court, so a 12 m deep ring), 24 m
    high, as the target; a 60 x 12 m slab, 45 m tall, 15 m south of it."""
    return _scene(_ring(), [(box(0, -27, 60, -15), 45.0)], 24.0, tilt, azimuth,
                  "12 m ring (60x60) at 24 m, 45 m slab 15 m south")


def hall_in_courtyard(*, tilt=0.0, azimuth=180.0):
    """A 20 x 20 m hall, 9 m high, in the middle of the court of :func:`courtyard`; the 24 m
    ring is the neighbour (the slab to the south is left out: the ring hides it)."""
    return _scene(box(20, 20, 40, 40), [(_ring(), 24.0)], 9.0, tilt, azimuth,
                  "20x20 m hall at 9 m inside a 24 m ring")


def l_shape_with_tower(*, tilt=0.0, azimuth=180.0):
    """An L of two 60 x 15 m wings (E-W wing along the south, N-S wing on the west), 15 m
    high; a 15 x 15 m tower, 70 m tall, 5 m off the east end of the E-W wing."""
    roof = shapely.union(box(0, 0, 60, 15), box(0, 0, 15, 60))
    return _scene(roof, [(box(65, 0, 80, 15), 70.0)], 15.0, tilt, azimuth,
                  "L of two 60x15 m wings at 15 m, 70 m tower 5 m east of one wing")


def street_canyon(*, tilt=0.0, azimuth=180.0):
    """Two rows of 25 x 20 m blocks either side of a 20 m E-W street (y from 0 to 20).

    South side (y -20..0): 18, 45, 24, 60 m from west to east. North side (y 20..40): 24, 45,
    the 15 m target, 18 m. The blocks of a row touch each other.
    """
    south = [(box(25 * i, -20, 25 * i + 25, 0), h) for i, h in enumerate((18, 45, 24, 60))]
    north = [(box(25 * i, 20, 25 * i + 25, 40), h) for i, h in ((0, 24), (1, 45), (3, 18))]
    return _scene(box(50, 20, 75, 40), south + north, 15.0, tilt, azimuth,
                  "15 m block on the north side of a 20 m street, blocks 18-60 m")


def all_scenes(*, tilt=0.0, azimuth=180.0) -> dict[str, dict]:
    """Every scene above, by name."""
    kw = {"tilt": tilt, "azimuth": azimuth}
    scenes = {f"tower_{w}": tower_south_of_big_roof(w, **kw)
              for w in ("centred", "end", "corner")}
    scenes.update(slab=slab_south_of_elongated_roof(**kw), courtyard=courtyard(**kw),
                  hall_in_courtyard=hall_in_courtyard(**kw),
                  l_shape_with_tower=l_shape_with_tower(**kw), street_canyon=street_canyon(**kw))
    return scenes


def scene_loss(scene, weather, **kwargs):
    """:func:`whole_roof_loss` of a scene dict."""
    return whole_roof_loss(scene["target"], scene["neighbours"], weather, tilt=scene["tilt"],
                           azimuth=scene["azimuth"], roof_height=scene["roof_height"], **kwargs)


if __name__ == "__main__":
    wx = pvsite.datasets.shanghai_weather()
    print(f"{'scene':<20}{'tilt':>5}{'points':>8}{'loss %':>9}{'time s':>8}")
    for tilt in (0.0, 25.0):
        for name, sc in all_scenes(tilt=tilt, azimuth=180.0).items():
            t0 = time.perf_counter()
            value, per_point = scene_loss(sc, wx, return_points=True)
            print(f"{name:<20}{tilt:>5.0f}{len(per_point):>8}{100 * value:>9.2f}"
                  f"{time.perf_counter() - t0:>8.1f}", flush=True)
