"""From footprints to roofs: metric CRS, heights, roof type and roof planes.

Every function takes and returns data on the caller's index. A roof *plane* is a part of a roof
with one tilt and azimuth: a flat roof is one plane (its footprint), a gabled roof two, a hipped
roof four, a shed (skillion) roof one.
"""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..crs import present
from ..inputs.tags import tag_number, warn_unrecognised
from ._split import get_parts

__all__ = ["building_height", "planes_from_dsm", "roof_planes", "roof_type"]

#: ``roof:shape`` values (OSM) treated as flat; any other given value is pitched.
FLAT_SHAPES = frozenset({"flat", "", "none", "nan", "terrace", "roof_terrace"})
#: Shapes pvsite splits into planes; other pitched shapes (dome, onion, ...) are unsuitable.
PLANE_SHAPES = ("gabled", "hipped", "skillion", "half-hipped", "pyramidal", "saltbox")
#: The other ``roof:shape`` values of the OSM wiki (Key:roof:shape): known, pitched, not split.
OTHER_OSM_SHAPES = frozenset({
    "gambrel", "mansard", "dome", "onion", "round", "side_hipped", "side_half-hipped",
    "crosspitched", "double_saltbox", "quadruple_saltbox", "sawtooth", "butterfly", "cone",
    "many", "zakomar", "tented"})
#: Chinese names of roof shapes: 平屋顶/平顶/平屋面 (flat), 坡屋顶 (pitched: read as gabled,
#: the common form), 双坡/人字 (two slopes: gabled), 四坡/庑殿 (four slopes: hipped), 歇山
#: (hip-and-gable: hipped, its small gable ignored), 单坡 (one slope: skillion), 攒尖
#: (pyramidal), 穹顶/圆顶 (dome), 锯齿 (sawtooth).
ROOF_SHAPE_ALIASES = {
    "平屋顶": "flat", "平顶": "flat", "平": "flat", "平屋面": "flat", "平台": "flat",
    "屋顶平台": "flat", "坡屋顶": "gabled", "坡顶": "gabled", "坡屋面": "gabled",
    "双坡": "gabled", "双坡顶": "gabled", "双坡屋顶": "gabled", "两坡": "gabled",
    "人字": "gabled", "人字顶": "gabled", "硬山": "gabled", "悬山": "gabled",
    "四坡": "hipped", "四坡顶": "hipped", "四坡屋顶": "hipped", "庑殿": "hipped",
    "歇山": "hipped", "单坡": "skillion", "单坡顶": "skillion", "单坡屋顶": "skillion",
    "攒尖": "pyramidal", "穹顶": "dome", "圆顶": "dome", "锯齿": "sawtooth",
    "锯齿形": "sawtooth",
}
#: Tallest height trusted [m]: the Shanghai Tower, the city's tallest building, is 632 m.
MAX_HEIGHT_M = 700.0
#: Most storeys trusted (the Shanghai Tower has 128 above ground).
MAX_LEVELS = 150
#: Pitch of a pitched roof without ``roof:angle`` [deg]. A pvsite assumption: pitched roofs on
#: Chinese public buildings are commonly 20-30 deg; 25 deg is the middle.
DEFAULT_PITCH = 25.0


def building_height(gdf: Any, *, assumptions: Assumptions | None = None) -> pd.DataFrame:
    """Height of each building from ``height``, else ``building:levels``, else a default.

    Parameters
    ----------
    gdf : GeoDataFrame or DataFrame
        Optional columns ``height`` [m] and ``building:levels`` [storeys].
    assumptions : Assumptions, optional
        ``storey_height_m``, ``default_storeys`` (by the OSM ``building`` value) and
        ``default_height_m``.

    Text is read by :func:`pvsite.inputs.tags.tag_number` (``20 m``, ``约20米``, ``地上5层``,
    ``五层``...); values it cannot read are noted per row and counted in one
    :class:`pvsite.errors.PvsiteWarning` per column.

    Returns
    -------
    DataFrame
        ``height_m`` [m], ``height_source`` ('height', 'levels' or 'default') and
        ``height_note`` (what was not trusted, else '') on the caller's index. Heights of zero
        or below, or above ``MAX_HEIGHT_M``, and storeys of zero or below, or above
        ``MAX_LEVELS``, are not trusted and fall through to the next source.
    """
    a = assumptions or Assumptions()
    n = len(gdf)
    nan = pd.Series(np.nan, index=gdf.index)
    given, unread_h = (tag_number(gdf["height"], height=True) if "height" in gdf
                       else (nan, nan.isna() & False))
    levels, unread_l = (tag_number(gdf["building:levels"], height=False)
                        if "building:levels" in gdf else (nan, nan.isna() & False))
    ok_h = given.between(0, MAX_HEIGHT_M, inclusive="neither")
    ok_l = levels.between(0, MAX_LEVELS, inclusive="neither") & ~ok_h
    # no height, no storeys: the usual storeys of the building's type, else one default
    btype = (gdf["building"].astype("string").str.strip().str.lower()
             if "building" in gdf else pd.Series(pd.NA, index=gdf.index, dtype="string"))
    typical = btype.map(dict(a.default_storeys)).astype(float) * a.storey_height_m
    fallback = typical.fillna(a.default_height_m).to_numpy(dtype=float)
    height = np.where(ok_h, given, np.where(ok_l, levels * a.storey_height_m, fallback))
    source = np.where(ok_h, "height", np.where(ok_l, "levels", "default"))
    bad_h = given.notna() & ~given.between(0, MAX_HEIGHT_M, inclusive="neither")
    bad_l = levels.notna() & ~levels.between(0, MAX_LEVELS, inclusive="neither") & ~ok_h
    note = np.where(bad_h, "implausible height " + given.round(1).astype(str) + " m ignored", "")
    note = np.where(bad_l, np.where(note == "", "", note + "; ") + "implausible "
                    "building:levels " + levels.astype(str) + " ignored", note)
    for unread, col in ((unread_h, "height"), (unread_l & ~ok_h, "building:levels")):
        if unread.any():
            warn_unrecognised(col, gdf[col][unread.to_numpy(dtype=bool)],
                              "those buildings take their height from the next source "
                              "(storeys, else the default); write heights as 20, 20 m or 20米, "
                              "storeys as 5 or 5层.")
            text = gdf[col].astype(str).str.slice(0, 20)
            note = np.where(unread, np.where(note == "", "", note + "; ") + "unreadable "
                            + col + " '" + text + "' ignored", note)
    return pd.DataFrame({"height_m": np.asarray(height, dtype=float)[:n],
                         "height_source": source, "height_note": note}, index=gdf.index)


def roof_type(gdf: Any) -> pd.Series:
    """'flat' or the pitched ``roof:shape`` of each building (flat where none is given).

    OSM values in any case or width, or Chinese names (:data:`ROOF_SHAPE_ALIASES`: 平屋顶 is
    flat, 双坡 gabled, 四坡 hipped...). A value that is neither an OSM shape nor a known name
    is kept as it is (a pitched roof pvsite cannot split: ``unsuitable``) and counted in one
    :class:`pvsite.errors.PvsiteWarning`.

    Examples
    --------
    >>> roof_type(pd.DataFrame({"roof:shape": ["平屋顶", "Gabled", "四坡", None]})).tolist()
    ['flat', 'gabled', 'hipped', 'flat']
    """
    if "roof:shape" not in gdf:
        return pd.Series("flat", index=gdf.index)
    shape = gdf["roof:shape"].astype("string").map(
        lambda t: unicodedata.normalize("NFKC", t).strip().lower(), na_action="ignore")
    shape = shape.astype("string").replace(ROOF_SHAPE_ALIASES).fillna("flat")
    known = shape.isin(FLAT_SHAPES | set(PLANE_SHAPES) | OTHER_OSM_SHAPES).to_numpy(dtype=bool)
    warn_unrecognised("roof:shape", gdf["roof:shape"][~known], "they are kept as given and "
                      "their roofs are unsuitable (cannot be split into planes). Use an OSM "
                      "roof:shape (flat, gabled, hipped, skillion...) or 平屋顶, 双坡, 四坡.")
    return shape.where(~shape.isin(FLAT_SHAPES), "flat").astype(object)


def _local_cuts(shape: str, length: np.ndarray, width: np.ndarray
                ) -> list[tuple[np.ndarray, float]]:
    """Quadrilaterals cutting roofs into planes in the ridge frame (ridge along x).

    For arrays of rectangle lengths and widths; each cut, of shape (m, 4, 2), comes with the
    facing of its down-slope normal (counter-clockwise from +x [deg]).
    """
    L, W = length / 2 + 1, width / 2 + 1  # a little larger than the rectangle: clipped later
    z = np.zeros_like(L)

    def quad(*xy: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        return np.stack([np.stack([x + z, y + z], axis=-1) for x, y in xy], axis=1)

    if shape == "skillion":
        return [(quad((-L, -W), (L, -W), (L, W), (-L, W)), -90.0)]
    if shape in ("hipped", "pyramidal", "half-hipped"):
        r = z if shape == "pyramidal" else np.maximum(length - width, 0.0) / 2
        big = 10 * (L + W)
        return [(quad((-big - r, -big), (big + r, -big), (r, z), (-r, z)), -90.0),
                (quad((-r, z), (r, z), (big + r, big), (-big - r, big)), 90.0),
                (quad((r, z), (big + r, -big), (big + r, big), (big + r, big)), 0.0),
                (quad((-r, z), (-big - r, big), (-big - r, -big), (-big - r, -big)), 180.0)]
    # gabled, saltbox and anything else with a ridge: two planes
    return [(quad((-L, -W), (L, -W), (L, z), (-L, z)), -90.0),
            (quad((-L, z), (L, z), (L, W), (-L, W)), 90.0)]


def _split_pitched(parts: np.ndarray, owner: np.ndarray, part_no: np.ndarray,
                   shapes: np.ndarray, angles: np.ndarray) -> list[dict[str, Any]]:
    """Planes of pitched roof parts, vectorised over parts of the same shape."""
    import shapely

    pitch = np.where((angles > 0) & (angles < 90), angles, DEFAULT_PITCH)
    rect = shapely.minimum_rotated_rectangle(parts)
    coords, idx = shapely.get_coordinates(rect, return_index=True)
    first = np.searchsorted(idx, np.arange(len(parts)))
    count = np.diff(np.append(first, len(idx)))
    splittable = (shapely.get_type_id(rect) == 3) & (count >= 4) & np.isin(shapes, PLANE_SHAPES)
    out: list[dict[str, Any]] = [
        {"building": owner[k], "plane": 100 * part_no[k], "geometry": parts[k],
         "roof_type": shapes[k], "plane_tilt": pitch[k], "plane_azimuth": np.nan}
        for k in np.flatnonzero(~splittable)]
    ok = np.flatnonzero(splittable)
    if not ok.size:
        return out
    c0, c1, c2 = (coords[np.clip(first[ok] + j, 0, len(coords) - 1)] for j in range(3))
    e1, e2 = c1 - c0, c2 - c1
    n1, n2 = np.hypot(*e1.T), np.hypot(*e2.T)
    long_edge = np.where((n1 >= n2)[:, None], e1, e2)
    length, width = np.maximum(n1, n2), np.minimum(n1, n2)
    angle = np.degrees(np.arctan2(long_edge[:, 1], long_edge[:, 0]))
    centre = (c0 + c2) / 2
    cos_a, sin_a = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    for shape in np.unique(shapes[ok]):
        sel = shapes[ok] == shape
        k = ok[sel]
        for j, (local, facing) in enumerate(_local_cuts(shape, length[sel], width[sel])):
            x = centre[sel, 0, None] + local[..., 0] * cos_a[sel, None] - local[..., 1] * sin_a[
                sel, None]
            y = centre[sel, 1, None] + local[..., 0] * sin_a[sel, None] + local[..., 1] * cos_a[
                sel, None]
            ring = np.stack([x, y], axis=-1)
            cut = shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1))
            face = np.full(k.size, facing)
            if shape == "skillion":  # one plane: face whichever long side is nearer south
                az_minus = (90.0 - (angle[sel] - 90.0)) % 360
                face = np.where(np.abs(az_minus - 180) <= 90, -90.0, 90.0)
            piece = shapely.intersection(parts[k], cut)
            keep = ~shapely.is_empty(piece) & (shapely.area(piece) >= 1e-6)
            azimuth = (90.0 - (angle[sel] + face)) % 360
            out.extend({"building": owner[q], "plane": 100 * part_no[q] + j, "geometry": g,
                        "roof_type": shape, "plane_tilt": t, "plane_azimuth": az}
                       for q, g, t, az in zip(k[keep], piece[keep], pitch[k][keep],
                                              azimuth[keep], strict=True))
    return out


def roof_planes(metric: Any, *, roof_types: pd.Series | None = None) -> pd.DataFrame:
    """Split each roof into planes with a tilt and azimuth.

    Parameters
    ----------
    metric : GeoDataFrame
        Footprints in a metric CRS (:func:`to_metric`), valid polygons. Optional column
        ``roof:angle`` [deg] gives the pitch of pitched roofs.
    roof_types : Series, optional
        From :func:`roof_type`; computed if not given.

    Returns
    -------
    DataFrame
        One row per plane: ``building`` (the row's position in ``metric``), ``plane``
        (0, 1, ... for the parts of a flat multi-part footprint; ``100 * part + j`` for the
        planes ``j`` of pitched ones),
        ``geometry`` (the plane's horizontal projection, shapely), ``roof_type``,
        ``plane_tilt`` [deg] (0 for flat roofs) and ``plane_azimuth`` [deg clockwise from
        north] (NaN for flat roofs). Flat and pitched roofs of a shape pvsite cannot split
        give one plane each; the latter are marked with ``plane_azimuth`` NaN and
        ``roof_type`` kept for the caller to flag.
    """
    types = roof_types if roof_types is not None else roof_type(metric)
    angle_col = (pd.to_numeric(metric["roof:angle"], errors="coerce")
                 if "roof:angle" in metric else pd.Series(np.nan, index=metric.index))
    # each part of a multi-part footprint is a roof of its own, inside one building
    parts, owner = get_parts(metric.geometry.to_numpy())
    first = np.searchsorted(owner, owner)
    part_no = np.arange(len(owner)) - first
    flat = (types == "flat").to_numpy()[owner]
    out: list[dict[str, Any]] = []
    flat_idx = np.flatnonzero(flat)
    frame = pd.DataFrame({"building": owner[flat_idx], "plane": part_no[flat_idx],
                          "geometry": parts[flat_idx], "roof_type": "flat",
                          "plane_tilt": 0.0, "plane_azimuth": np.nan})
    missing = np.setdiff1d(np.arange(len(metric)), owner)
    for i in missing:  # no geometry at all: one empty plane, flagged by the caller
        out.append({"building": i, "plane": 0, "geometry": None, "roof_type": types.iloc[i],
                    "plane_tilt": 0.0, "plane_azimuth": np.nan})
    pitched = np.flatnonzero(~flat)
    if pitched.size:
        out.extend(_split_pitched(parts[pitched], owner[pitched], part_no[pitched],
                                  types.to_numpy()[owner[pitched]],
                                  angle_col.to_numpy(dtype=float)[owner[pitched]]))
    planes_df = pd.concat([frame, pd.DataFrame(out, columns=frame.columns)],
                          ignore_index=True) if out else frame
    return planes_df.sort_values(["building", "plane"], kind="stable").reset_index(drop=True)


#: Aspect classes of DSM roof planes: 8 bins of 45 deg centred on N, NE, E, ... [deg].
DSM_ASPECT_CLASSES = 8


#: Tile edge [pixels] in which planes_from_dsm reads, rasterises and polygonises its buildings.
_DSM_TILE = 1024

#: rasterio's in-memory rasters (behind geometry_mask and shapes) are not safe to create from
#: several threads at once (seen with Dask's threaded scheduler: they lose their transform)
_MEM_LOCK = threading.Lock()


def planes_from_dsm(metric: Any, dsm: Any, *, flat_slope: float = 5.0,
                    min_plane_area_m2: float = 4.0) -> pd.DataFrame:
    """Roof planes of each building from a digital surface model (GeoTIFF).

    The raster is read a tile at a time (``_DSM_TILE`` pixels; each tile's window covers the
    whole of the footprints centred in it, plus two pixels), with the footprints reprojected
    to the raster's CRS where they differ. Each pixel belongs to the footprint its centre lies
    in; slope and aspect come from central differences of the heights; pixels flatter than
    ``flat_slope`` form a flat plane, the others are grouped by aspect class (8 classes of 45
    deg). Each group becomes a plane whose tilt is the mean slope, azimuth the circular mean
    aspect, and outline the union of its pixels clipped to the footprint. The result equals a
    building-by-building reading (tested); 5,000 footprints on a 1 m raster take about 1.3 s.

    Parameters
    ----------
    metric : GeoDataFrame
        Footprints in a metric CRS.
    dsm : str, Path or rasterio dataset
        Surface heights [m] on a projected grid.
    flat_slope : float, default 5 deg
        Pixels flatter than this are flat [deg].
    min_plane_area_m2 : float, default 4 m^2
        Smaller groups of pixels are dropped (edge noise).

    Returns
    -------
    DataFrame
        As :func:`roof_planes`: ``building`` (position), ``plane``, ``geometry`` (horizontal
        outline, in ``metric``'s CRS), ``roof_type`` ('flat' or 'dsm'), ``plane_tilt`` [deg],
        ``plane_azimuth`` [deg, NaN for flat]. Buildings outside the raster get no planes.
    """
    import rasterio
    import rasterio.windows
    import shapely

    columns = ["building", "plane", "geometry", "roof_type", "plane_tilt", "plane_azimuth"]
    found: list[pd.DataFrame] = []
    src = rasterio.open(dsm) if not hasattr(dsm, "read") else dsm
    try:
        geoms = metric.geometry
        back = (src.crs is not None and metric.crs is not None and src.crs != metric.crs)
        if back:
            geoms = geoms.to_crs(src.crs)
        geoms = geoms.to_numpy()
        there = np.flatnonzero(present(geoms))
        px_w, px_h = abs(src.transform.a), abs(src.transform.e)
        pixel_area = px_w * px_h
        full = rasterio.windows.Window(0, 0, src.width, src.height)
        bounds = shapely.bounds(geoms[there])
        # buildings in tiles of _DSM_TILE pixels, by the centre of their bounds: one read, one
        # rasterisation and one polygonisation per tile
        col = ((bounds[:, 0] + bounds[:, 2]) / 2 - src.transform.c) / px_w
        row = (src.transform.f - (bounds[:, 1] + bounds[:, 3]) / 2) / px_h
        key = np.floor(row / _DSM_TILE) * 1e9 + np.floor(col / _DSM_TILE)
        order = np.argsort(key, kind="stable")
        cuts = np.flatnonzero(np.diff(key[order])) + 1
        for group in np.split(order, cuts):
            members = there[group]
            b = bounds[group]
            win = rasterio.windows.from_bounds(
                b[:, 0].min() - 2 * max(px_w, px_h), b[:, 1].min() - 2 * max(px_w, px_h),
                b[:, 2].max() + 2 * max(px_w, px_h), b[:, 3].max() + 2 * max(px_w, px_h),
                transform=src.transform).round_offsets().round_lengths()
            try:
                win = win.intersection(full)
            except rasterio.errors.WindowError:
                continue  # outside the raster
            z = src.read(1, window=win, masked=True).astype(float).filled(np.nan)
            if z.shape[0] < 3 or z.shape[1] < 3:
                continue
            found.append(_dsm_tile_planes(z, src.window_transform(win), geoms, members,
                                          px_w, px_h, flat_slope,
                                          min_plane_area_m2 / pixel_area))
    finally:
        if not hasattr(dsm, "read"):
            src.close()
    if not found:
        # typed even when no roof is covered, so that callers can index with "building"
        return pd.DataFrame(columns=columns).astype(
            {"building": np.int64, "plane": np.int64, "plane_tilt": float,
             "plane_azimuth": float})
    out = pd.concat(found, ignore_index=True).sort_values(["building", "code"], kind="stable")
    out["plane"] = out.groupby("building").cumcount().astype(np.int64)
    if back:
        import geopandas as gpd

        out["geometry"] = gpd.GeoSeries(out["geometry"].to_numpy(), crs=src.crs).to_crs(
            metric.crs).to_numpy()
    return out[columns].reset_index(drop=True)


def _dsm_tile_planes(z: np.ndarray, tr: Any, geoms: np.ndarray, members: np.ndarray,
                     px_w: float, px_h: float, flat_slope: float,
                     min_pixels: float) -> pd.DataFrame:
    """Planes of the buildings ``members`` (positions in ``geoms``) on one tile of heights."""
    import rasterio.features
    import shapely
    from shapely.geometry import shape

    # which building each pixel's centre lies in (0: none); a later footprint wins an overlap
    with _MEM_LOCK:
        owner = rasterio.features.rasterize(
            zip(geoms[members], range(1, members.size + 1), strict=True), out_shape=z.shape,
            transform=tr, fill=0, dtype="int32")
    dz_dy, dz_dx = np.gradient(z, px_h, px_w)  # rows run south: y = -row
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    # the surface falls toward (-dz/dx east, +dz/drow south): azimuth of the downslope
    aspect = np.degrees(np.arctan2(-dz_dx, dz_dy)) % 360
    good = (owner > 0) & np.isfinite(slope)
    # class 0 flat, 1-8 the aspect classes of 45 deg centred on N, NE, ... NW
    code = np.where(slope < flat_slope, 0,
                    np.floor(((np.nan_to_num(aspect) + 22.5) % 360) / 45).astype(int) + 1)
    label = np.where(good, (owner - 1) * 9 + code, -1).astype(np.int32)
    flat_label = label[good]
    n_labels = members.size * 9
    count = np.bincount(flat_label, minlength=n_labels)
    kept = np.flatnonzero((count >= min_pixels - 1e-9) & (count > 0))
    if not kept.size:
        return pd.DataFrame(columns=["building", "code", "geometry", "roof_type", "plane_tilt",
                                     "plane_azimuth"])
    tilt = np.bincount(flat_label, weights=slope[good], minlength=n_labels)[kept] / count[kept]
    rad = np.radians(aspect[good])
    s_sum = np.bincount(flat_label, weights=np.sin(rad), minlength=n_labels)[kept]
    c_sum = np.bincount(flat_label, weights=np.cos(rad), minlength=n_labels)[kept]
    azimuth = np.degrees(np.arctan2(s_sum, c_sum)) % 360
    is_kept = np.zeros(n_labels, dtype=bool)
    is_kept[kept] = True
    mask = good & is_kept[np.clip(label, 0, None)]
    # outlines: the pixels of each kept label, polygonised at once, then joined per label
    with _MEM_LOCK:
        pieces = [(shape(g), int(v)) for g, v in rasterio.features.shapes(
            label, mask=mask, transform=tr)]
    polys = np.array([g for g, _ in pieces], dtype=object)
    values = np.array([v for _, v in pieces], dtype=np.int64)
    # most planes are one connected piece; the others are joined
    labels, first, n_pieces = np.unique(values, return_index=True, return_counts=True)
    joined = polys[first]
    for j in np.flatnonzero(n_pieces > 1):
        joined[j] = shapely.union_all(polys[values == labels[j]])
    building = members[kept // 9]
    flat = kept % 9 == 0
    outline = shapely.intersection(joined[np.searchsorted(labels, kept)], geoms[building])
    return pd.DataFrame({"building": building, "code": kept % 9, "geometry": outline,
                         "roof_type": np.where(flat, "flat", "dsm"),
                         "plane_tilt": np.where(flat, 0.0, tilt),
                         "plane_azimuth": np.where(flat, np.nan, azimuth)})
