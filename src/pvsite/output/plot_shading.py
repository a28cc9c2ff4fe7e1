"""A roof as a heat map of its annual shading loss, with the neighbours that cause it.

Takes ``ax=None``, returns the Axes, imports matplotlib lazily and never shows, like the
functions of :mod:`pvsite.output.plot`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..geometry.horizons import MAX_DISTANCE, MIN_ELEVATION

__all__ = ["plot_roof_shading"]


def _cell(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Grid spacing in x and y of a roof's observer points [m] (their smallest steps)."""
    def step(v: np.ndarray) -> float:
        d = np.diff(np.unique(np.round(v, 6)))
        return float(d.min()) if d.size else 0.0
    sx, sy = step(x), step(y)
    if sx == 0 and sy == 0:
        return 2.0, 2.0  # one point: a small square marks it
    return (sx or sy), (sy or sx)


def plot_roof_shading(result: Any, building: Any, points: Any, ax: Any = None, *,
                      cmap: str = "magma_r", vmax: float | None = None,
                      margin_m: float = 40.0) -> Any:
    """Draw one roof as a heat map of annual shading loss, with the neighbours that shade it.

    Each observer point of the roof is a cell of its grid coloured by its own loss; the roof's
    outline is drawn over them. Neighbours that rise above ``MIN_ELEVATION`` (8 deg) seen from
    the roof's modules are filled grey and labelled with their height; other buildings near
    the roof are outlined. The title gives the roof's ``shading_loss`` (module-weighted mean of
    its points). Drawn in the points' CRS (the local UTM zone) [m].

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate` (``height_m``, ``shading_loss``, geometry).
    building : label
        The roof's label in ``result``'s index.
    points : GeoDataFrame
        From ``pvsite.estimate(..., shading_points=True)`` (the last element returned).
    ax : matplotlib Axes, optional
    cmap : str
        Matplotlib colour map of the loss.
    vmax : float, optional
        Loss at the top of the colour scale [0-1]; default the roof's highest point loss.
    margin_m : float
        How far beyond the roof and its shading neighbours the view extends [m].

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import geopandas as gpd, shapely, pvsite
    >>> g = gpd.GeoDataFrame({"height": [12.0, 60.0], "roof:shape": "flat"}, crs=32651,
    ...     geometry=[shapely.box(5e5, 345e4, 5e5 + 60, 345e4 + 40),
    ...               shapely.box(5e5, 345e4 - 22, 5e5 + 60, 345e4 - 10)])
    >>> r, pts = pvsite.estimate(g, pvsite.datasets.shanghai_weather(), districts=False,
    ...                          shading_points=True)
    >>> ax = plot_roof_shading(r, 0, pts)
    >>> ax.get_title().startswith("building 0")
    True
    """
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import PathPatch, Rectangle
    from matplotlib.path import Path

    crs = points.crs
    metric = result.geometry.to_crs(crs) if crs is not None else result.geometry
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 7))
    roof = metric.loc[building]
    mine = points[points["building"] == building]
    x = mine.geometry.x.to_numpy()
    y = mine.geometry.y.to_numpy()
    loss = mine["shading_loss"].to_numpy(dtype=float)
    top = vmax if vmax is not None else max(float(loss.max()) if loss.size else 0.0, 1e-3)
    norm = plt.Normalize(0.0, top)
    if loss.size:
        wx, wy = _cell(x, y)
        cells = [Rectangle((a - wx / 2, b - wy / 2), wx, wy) for a, b in zip(x, y, strict=True)]
        coll = PatchCollection(cells, cmap=cmap, norm=norm, linewidth=0)
        coll.set_array(loss)
        ax.add_collection(coll)
        # cells end at the roof's outline
        parts = [p for p in getattr(roof, "geoms", [roof])]
        verts, codes = [], []
        for part in parts:
            for ring in [part.exterior, *part.interiors]:
                xy = np.asarray(ring.coords)[:, :2]
                verts.append(xy)
                codes.append([Path.MOVETO] + [Path.LINETO] * (len(xy) - 2) + [Path.CLOSEPOLY])
        clip = PathPatch(Path(np.concatenate(verts), np.concatenate(codes)),
                         transform=ax.transData, visible=False)
        ax.add_patch(clip)
        coll.set_clip_path(clip)
    sm = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    ax.figure.colorbar(sm, ax=ax, label="annual shading loss [-]", shrink=0.8)
    # neighbours: which rise above the cut-off seen from the roof (its lowest modules)
    z = float(mine["z"].min()) if len(mine) else float(result.loc[building, "height_m"])
    height = result["height_m"].to_numpy(dtype=float)
    others = np.flatnonzero(result.index != building)
    dist = np.asarray(metric.iloc[others].distance(roof), dtype=float)
    rise = height[others] - z
    near = others[dist <= MAX_DISTANCE]
    shades = others[(dist <= MAX_DISTANCE) & (rise > np.tan(np.radians(MIN_ELEVATION))
                                              * dist)]
    for pos in near:
        geom = metric.iloc[pos]
        if geom is None or geom.is_empty:
            continue
        hit = pos in shades
        for part in getattr(geom, "geoms", [geom]):
            xs, ys = part.exterior.xy
            if hit:
                ax.fill(xs, ys, color="0.6", alpha=0.8, zorder=1)
            ax.plot(xs, ys, color="0.3" if hit else "0.7", lw=0.8, zorder=2)
        if hit:
            c = geom.representative_point()
            ax.annotate(f"{height[pos]:.0f} m", (c.x, c.y), ha="center", va="center",
                        fontsize=8, zorder=3)
    for part in getattr(roof, "geoms", [roof]):
        for ring in [part.exterior, *part.interiors]:
            xs, ys = ring.xy
            ax.plot(xs, ys, color="k", lw=1.2, zorder=4)
    # the view: the roof and the neighbours that shade it
    box = np.array(roof.bounds)
    for pos in shades:
        b = np.array(metric.iloc[pos].bounds)
        box = np.array([min(box[0], b[0]), min(box[1], b[1]), max(box[2], b[2]),
                        max(box[3], b[3])])
    ax.set_xlim(box[0] - margin_m, box[2] + margin_m)
    ax.set_ylim(box[1] - margin_m, box[3] + margin_m)
    ax.set_aspect("equal")
    total = float(result.loc[building, "shading_loss"])
    ax.set_title(f"building {building}: shading loss {100 * total:.1f} % "
                 f"({len(mine)} points)")
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.set_xlabel("x [m]")
    ax.set_ylabel("y [m]")
    from .plot import _attribution, from_osm

    if from_osm(result):  # the ODbL asks for the credit on every map made from OSM data
        _attribution(ax, boundaries=False, osm=True)
    return ax
