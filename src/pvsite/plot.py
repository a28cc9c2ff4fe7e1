"""Maps and charts of results. Each function takes ``ax=None``, returns the Axes, never shows."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["plot_districts", "plot_shortfall", "plot_siting_map"]

_UNITS = {
    "capacity_kwp": "capacity [kWp]",
    "annual_kwh": "annual energy [kWh]",
    "specific_yield_kwh_per_kwp": "specific yield [kWh/kWp]",
    "usable_area_m2": "usable roof area [m²]",
    "co2_avoided_t": "CO₂ avoided [t/yr]",
    "shading_loss": "shading loss [-]",
}


def _axes(ax: Any, figsize: tuple[float, float] = (9, 8)) -> Any:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _scale_bar(ax: Any) -> None:
    """A scale bar of a round length, about a fifth of the map's width (metric axes)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    nice = 10 ** np.floor(np.log10(width / 5))
    length = max(m * nice for m in (1, 2, 5) if m * nice <= width / 4)
    bx, by = x0 + 0.05 * width, y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="k", lw=3, solid_capstyle="butt")
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx + length / 2, by + 0.015 * (y1 - y0), label, ha="center", va="bottom",
            fontsize=9)


def _north_arrow(ax: Any) -> None:
    ax.annotate("N", xy=(0.95, 0.95), xytext=(0.95, 0.85), xycoords="axes fraction",
                ha="center", va="center", fontsize=12, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "k", "lw": 1.5})


def plot_siting_map(result: Any, ax: Any = None, *, column: str = "capacity_kwp",
                    districts: Any = None, top: int = 10, title: str | None = None) -> Any:
    """Map buildings coloured by a result column over district boundaries.

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.
    column : str, default 'capacity_kwp'
        Column to colour by; its unit is shown on the colour bar.
    districts : GeoDataFrame or False, optional
        Boundaries to draw; default the bundled Shanghai districts (clipped to the view).
    top : int, default 10
        Label this many buildings with the largest ``column`` value.
    title : str, optional
        Default names the column and the data labels (e.g. 'synthetic, generated').

    Returns
    -------
    matplotlib Axes
        In the result's local UTM CRS (metres), with a scale bar and a north arrow.
        Buildings too small to see at city scale are drawn as points sized by the column.
    """
    from matplotlib.colors import Normalize

    from . import datasets
    from .roofs import to_metric

    ax = _axes(ax)
    metric = to_metric(result)
    ok = metric[(metric["status"] == "ok") & metric.geometry.notna()]
    other = metric[metric["status"] != "ok"]
    xmin, ymin, xmax, ymax = metric.total_bounds
    pad = 0.03 * max(xmax - xmin, ymax - ymin, 200.0)
    if districts is not False:
        d = datasets.shanghai_districts() if districts is None else districts
        d.to_crs(metric.crs).boundary.plot(ax=ax, color="0.55", lw=0.6, zorder=1)
    values = ok[column].astype(float)
    norm = Normalize(vmin=0.0, vmax=float(np.nanpercentile(values, 98)) if len(values) else 1.0)
    span = max(xmax - xmin, ymax - ymin)
    if span > 5000:  # city scale: footprints are specks; draw points sized by value
        pts = ok.geometry.representative_point()
        sizes = 4 + 40 * np.clip(values / (norm.vmax or 1.0), 0, 1)
        sc = ax.scatter(pts.x, pts.y, c=values, s=sizes, cmap="viridis", norm=norm,
                        linewidths=0, zorder=3)
        if len(other):
            op = other[other.geometry.notna() & ~other.geometry.is_empty]
            op = op.geometry.representative_point()
            ax.scatter(op.x, op.y, s=3, color="0.7", zorder=2, label="unsuitable / invalid")
    else:
        ok.plot(ax=ax, column=column, cmap="viridis", norm=norm, zorder=3)
        if len(other):
            other.plot(ax=ax, color="0.8", zorder=2, label="unsuitable / invalid")
        sc = ax.scatter([], [], c=[], cmap="viridis", norm=norm)
    cbar = ax.figure.colorbar(sc, ax=ax, shrink=0.6)
    cbar.set_label(_UNITS.get(column, column))
    if top and len(ok):
        best = ok.nlargest(top, column)
        for geom, (_, row) in zip(best.geometry.representative_point(), best.iterrows(),
                                  strict=True):
            name = row.get("institution_name") or row.get("building_id") or str(row.name)
            ax.annotate(f"{name}\n{row[column]:,.0f}", (geom.x, geom.y), xytext=(4, 4),
                        textcoords="offset points", fontsize=6.5, zorder=4,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.7,
                              "lw": 0})
    ax.set_xlim(xmin - pad, xmax + pad)
    ax.set_ylim(ymin - pad, ymax + pad)
    ax.set_aspect("equal")
    ax.set_xlabel(f"easting [m] ({metric.crs.name})", fontsize=8)
    ax.set_ylabel("northing [m]", fontsize=8)
    ax.tick_params(labelsize=7)
    _scale_bar(ax)
    _north_arrow(ax)
    labels = result.attrs.get("data_labels", "")
    ax.set_title(title or f"Rooftop PV: {_UNITS.get(column, column)}"
                 + (f" — {labels} data" if labels else ""), fontsize=11)
    if len(other):
        ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_districts(table: Any, ax: Any = None, *, column: str = "capacity_kwp",
                   districts: Any = None, target_kw: float | None = None) -> Any:
    """Choropleth of a district roll-up: capacity potential and its share of the target.

    Parameters
    ----------
    table : DataFrame
        ``pvsite.rollup(result, 'district')`` (index: district names as in the boundaries).
    ax : matplotlib Axes, optional
    column : str, default 'capacity_kwp'
    districts : GeoDataFrame, optional
        Boundaries with a ``district`` column; default the bundled ones.
    target_kw : float, optional
        When given, each district is labelled with its share of this target.

    Returns
    -------
    matplotlib Axes
    """
    from . import datasets

    ax = _axes(ax)
    d = (datasets.shanghai_districts() if districts is None else districts).to_crs(32651)
    merged = d.merge(table[[column]], left_on="district", right_index=True, how="left")
    merged[column] = merged[column].fillna(0.0)
    merged.plot(ax=ax, column=column, cmap="YlOrRd", edgecolor="0.4", lw=0.5, legend=True,
                legend_kwds={"label": _UNITS.get(column, column), "shrink": 0.6})
    for _, row in merged.iterrows():
        p = row.geometry.representative_point()
        text = f"{row.get('district_en', row['district']).replace(' District', '')}\n" \
               f"{row[column] / 1000:,.1f} MWp" if column == "capacity_kwp" else \
               f"{row['district']}\n{row[column]:,.0f}"
        if target_kw:
            text += f"\n{row[column] / target_kw:.1%}"
        ax.annotate(text, (p.x, p.y), ha="center", fontsize=6.5)
    ax.set_axis_off()
    ax.set_aspect("equal")
    _scale_bar(ax)
    _north_arrow(ax)
    ax.set_title("Potential by district" + (f" (share of {target_kw / 1000:,.0f} MW target)"
                                           if target_kw else ""))
    return ax


def plot_shortfall(report: Any, ax: Any = None) -> Any:
    """Cumulative kWp of the ranked plan against the target.

    Parameters
    ----------
    report : ShortfallReport
        From :func:`pvsite.shortfall`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
        Cumulative capacity [MWp] over the number of roofs in plan order, coloured by
        institution type, with the target (and installed capacity where it counts) as lines.
    """
    ax = _axes(ax, figsize=(8, 5))
    plan = report.plan
    x = np.arange(1, len(plan) + 1)
    y = plan["cumulative_kwp"].to_numpy() / 1000.0 if len(plan) else np.array([])
    types = plan["institution_type"].to_numpy() if len(plan) else np.array([])
    for t in dict.fromkeys(types):
        sel = types == t
        ax.scatter(x[sel], y[sel], s=6, label=t)
    ax.plot(x, y, color="0.3", lw=0.8)
    ax.axhline(report.target_kw / 1000.0, color="crimson", ls="--",
               label=f"target {report.target_kw / 1000:,.0f} MW")
    ax.set_xlabel("roofs in plan order")
    ax.set_ylabel("cumulative capacity [MWp]")
    status = "reached" if report.reachable else f"short by {report.gap_kw / 1000:,.1f} MW"
    ax.set_title(f"Siting plan ({report.policy}): {len(plan):,} roofs, "
                 f"{report.planned_kw / 1000:,.1f} MWp — target {status}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax
