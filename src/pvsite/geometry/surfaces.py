"""The table of PV surfaces: one row per surface that could carry modules, whatever its kind.

Every later stage acts on this table, not on buildings: layout (:func:`lay_out`) packs modules
on each surface, energy gives each a yield and a shading loss, and results aggregate the
surfaces of each building. A new kind of surface (a facade, a carport canopy) is a new producer
of rows here, with its ``surface`` kind, never a branch in the pipeline.

Columns of a surface row as produced here: ``building`` (the owner's position in the
footprints), ``surface`` (kind: ``'roof'``), ``plane`` (number within the owner),
``geometry`` (outline's horizontal projection in the metric CRS), ``roof_type``,
``plane_tilt`` and ``plane_azimuth`` [deg] (the surface's own orientation, NaN azimuth where
flat or unknown). :func:`lay_out` adds the mounting, areas, modules and kWp
(:func:`pvsite.geometry.layout.layout_planes`) and ``faces_away`` / ``unsplit`` (surfaces
that get no modules, and why).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..assumptions import Assumptions
from ..crs import grid_convergence
from . import layout, roofs
from ._split import split

__all__ = ["SURFACE_KINDS", "lay_out", "roof_surfaces"]

#: Kinds of PV surface the table holds.
SURFACE_KINDS = ("roof",)


def roof_surfaces(metric: Any, usable: np.ndarray, roof_types: pd.Series, *, dsm: Any = None,
                  flat_slope: float = 5.0) -> tuple[pd.DataFrame, pd.Series]:
    """Roof planes of the usable footprints, as surface rows.

    Parameters
    ----------
    metric : GeoDataFrame
        Footprints in a metric CRS (:func:`pvsite.crs.to_metric`).
    usable : ndarray of bool
        Which footprints get roofs (the valid ones).
    roof_types : Series
        From :func:`pvsite.geometry.roofs.roof_type`, on ``metric``'s index.
    dsm : str or Path, optional
        A surface model: the planes measured on it replace those of the footprint for the
        roofs it covers (:func:`pvsite.geometry.roofs.planes_from_dsm`).
    flat_slope : float
        Slope under which a surface-model plane is flat [deg].

    Returns
    -------
    (DataFrame, Series)
        The surface rows, sorted by building and plane; and the roof types, where a surface
        model found pitched planes ``'dsm'`` (``'flat'`` where it found only flat ones).
    """
    rtype = roof_types.copy()
    at = np.flatnonzero(usable)
    planes = roofs.roof_planes(metric[usable], roof_types=rtype[usable])
    planes["building"] = at[planes["building"].to_numpy()]
    if dsm is not None:  # planes measured on a surface model replace those of the footprint
        measured = roofs.planes_from_dsm(metric[usable], dsm, flat_slope=flat_slope)
        measured["building"] = at[measured["building"].to_numpy()]
        covered = np.unique(measured["building"].to_numpy())
        planes = pd.concat([planes[~planes["building"].isin(covered)], measured],
                           ignore_index=True).sort_values(["building", "plane"],
                                                          kind="stable").reset_index(drop=True)
        pitched = measured.groupby("building")["roof_type"].agg(
            lambda t: "dsm" if (t != "flat").any() else "flat")
        rtype.iloc[pitched.index.to_numpy()] = pitched.to_numpy()
    planes.insert(1, "surface", "roof")
    return planes, rtype


def lay_out(surfaces: pd.DataFrame, metric: Any, invalid: np.ndarray, itype: pd.Series, *,
            latitude: float, flat_tilt: float, assumptions: Assumptions | None = None
            ) -> pd.DataFrame:
    """Modules on every surface: setbacks, obstructions, rows, packing, kWp.

    Parameters
    ----------
    surfaces : DataFrame
        From :func:`roof_surfaces` (``building`` positions into ``metric``).
    metric : GeoDataFrame
        The footprints in a metric CRS.
    invalid : ndarray of bool
        Footprints that carry nothing.
    itype : Series
        Institution type of each footprint (:func:`pvsite.institution_type`): sets the
        obstruction share (``Assumptions.obstruction_share``; a type it lacks takes that of
        ``other_public``).
    latitude : float
        Site latitude [deg], for the row spacing and the equator's side.
    flat_tilt : float
        Tilt of rows on flat roofs [deg].
    assumptions : Assumptions, optional

    Returns
    -------
    DataFrame
        ``surfaces`` with the columns of :func:`pvsite.geometry.layout.layout_planes`, and
        ``faces_away`` (a pitched plane facing more than 90 deg from the equator) and
        ``unsplit`` (a pitched roof pvsite cannot split into planes): both get no modules,
        no capacity and no usable area.
    """
    a = assumptions or Assumptions()
    owner = surfaces["building"].to_numpy()
    # the setback rule and the row alignment read the minimum rotated rectangle of the roof a
    # surface is on: its footprint, or the part of a multi-part footprint that holds it
    rect = _roof_rectangles(surfaces, np.where(invalid, None, metric.geometry.to_numpy()))
    setback = layout.edge_setback(None, assumptions=a, rectangles=rect)
    turn = layout.row_alignment(None, a.row_alignment_max_deg, rectangles=rect)
    fallback = a.obstruction_share.get("other_public", max(a.obstruction_share.values()))
    share = itype.map(dict(a.obstruction_share)).fillna(fallback).to_numpy()[owner]
    laid = layout.layout_planes(surfaces, latitude=latitude, flat_tilt=flat_tilt,
                                obstruction_share=share, setback=setback, row_turn=turn,
                                assumptions=a)
    # planes' azimuths are measured on the map, against grid north (the packer works there);
    # modules flush on them face that plus the grid convergence, against true north. Rows on
    # flat roofs are set out facing true north-south (turning them by the convergence, under
    # a degree in a UTM zone, changes no count that matters).
    gamma = grid_convergence(metric)[laid["building"].to_numpy(dtype=int)]
    flush = (laid["mounting"] == "flush").to_numpy()
    for col in ("plane_azimuth", "surface_azimuth"):
        v = laid[col].to_numpy(dtype=float)
        laid[col] = np.where(flush, (v + gamma) % 360, v)
    equator = 180.0 if latitude >= 0 else 0.0
    pitched = (laid["roof_type"] != "flat").to_numpy()
    off = np.abs((laid["surface_azimuth"].to_numpy() - equator + 180) % 360 - 180)
    laid["faces_away"] = pitched & (off > 90)
    laid["unsplit"] = pitched & laid["plane_azimuth"].isna().to_numpy()
    unused = (laid["faces_away"] | laid["unsplit"]).to_numpy()
    for col in ("n_modules", "capacity_kwp", "usable_area_m2"):
        laid.loc[unused, col] = 0
    return laid


def _roof_rectangles(surfaces: pd.DataFrame, footprints: Any) -> np.ndarray:
    """Minimum rotated rectangle of the roof each surface is on, one per surface row.

    A footprint of several parts (a MultiPolygon) is several roofs (each part gets its own
    planes, :func:`pvsite.geometry.roofs.roof_planes`): a surface takes the rectangle of the
    part that holds it, so that its setback (the 76.2 m axis rule) and its rows are those the
    part would get alone. A surface no part holds keeps its footprint's rectangle.
    """
    import shapely

    owner = surfaces["building"].to_numpy(dtype=int)
    rect = split(shapely.minimum_rotated_rectangle, footprints)[owner]
    multi = np.flatnonzero(shapely.get_num_geometries(footprints) > 1)
    on_multi = np.flatnonzero(np.isin(owner, multi))
    if not on_multi.size:
        return rect
    parts, of = shapely.get_parts(footprints[multi], return_index=True)
    part_owner = multi[of]
    inside = shapely.point_on_surface(np.asarray(surfaces.geometry, dtype=object)[on_multi])
    row, part = shapely.STRtree(parts).query(inside, predicate="intersects")
    same = part_owner[part] == owner[on_multi][row]
    row, part = row[same], part[same]
    first = np.unique(row, return_index=True)[1]  # a point on two touching parts: the first
    rect[on_multi[row[first]]] = shapely.minimum_rotated_rectangle(parts[part[first]])
    return rect
