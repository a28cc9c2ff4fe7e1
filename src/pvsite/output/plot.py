"""Maps and charts of results. Each function takes ``ax=None``, returns the Axes, never shows.

District labels are in English (``district_en``). Other labels (institution and building
names) may be Chinese: they are drawn in a CJK font where the system has one
(:func:`cjk_font`: Noto Sans CJK, Source Han Sans, WenQuanYi...), and otherwise replaced by an
English or ASCII name (``name:en``, the id), never drawn as empty boxes. Maps are drawn in
the local UTM CRS (metres) with a scale bar and a north arrow; the bundled boundaries carry
their ODbL attribution.
"""

from __future__ import annotations

import contextlib
import functools
import html
import math
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["cjk_font", "explore", "plot_districts", "plot_horizon", "plot_shortfall",
           "plot_siting_map"]
__all__ += ["MAP_FORMATS", "OSM_CREDIT", "from_osm", "save_figure"]

#: Formats :func:`save_figure` (and ``pvsite run --map-format``) writes.
MAP_FORMATS = ("png", "pdf", "svg")
#: Resolution of raster maps [dots per inch]: print quality at A4 width for a 9-inch figure.
#: A pvsite choice (300 dpi is the usual print norm; 200 keeps the files small).
MAP_DPI = 200

#: Font families with CJK glyphs, best first; the first one installed is used for Chinese
#: labels (Debian: fonts-noto-cjk, fonts-wqy-zenhei; Windows: Microsoft YaHei, SimHei; macOS:
#: PingFang SC).
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "Noto Sans CJK JP", "Source Han Sans", "WenQuanYi Zen Hei",
                "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC",
                "Droid Sans Fallback", "AR PL UMing CN")

#: What a column is and its unit, for colour bars and labels.
_LABELS: dict[str, tuple[str, str]] = {
    "capacity_kwp": ("capacity", "kWp"),
    "annual_kwh": ("annual energy", "kWh/yr"),
    "specific_yield_kwh_per_kwp": ("specific yield", "kWh/kWp"),
    "roof_area_m2": ("roof area", "m²"),
    "usable_area_m2": ("usable roof area", "m²"),
    "n_modules": ("modules", "-"),
    "co2_avoided_t": ("CO₂ avoided", "t/yr"),
    "coal_saved_tce": ("standard coal saved", "tce/yr"),
    "coal_saved_tce_consumption": ("standard coal saved", "tce/yr"),
    "shading_loss": ("shading loss", "-"),
    "potential_kw": ("technical potential", "kWp"),
    "planned_kw": ("planned capacity", "kWp"),
    "installed_kw": ("installed capacity", "kW"),
    "target_kw": ("share of the target", "kW"),
    "gap_kw": ("gap to the target share", "kW"),
}
#: Units shown one thousand or one million times larger on district maps.
_BIG = {"kWp": ("MWp", 1e-3), "kW": ("MW", 1e-3), "kWh/yr": ("GWh/yr", 1e-6),
        "m²": ("ha", 1e-4)}
#: Columns that add up over buildings (an institution's total means something).
_NOT_ADDITIVE = {"specific_yield_kwh_per_kwp", "shading_loss", "gcr", "surface_tilt",
                 "surface_azimuth", "height_m"}
#: One colour per institution type in every chart (ColorBrewer Dark2).
_TYPE_COLOURS = {"school": "#1b9e77", "hospital": "#d95f02", "government": "#7570b3",
                "university": "#e7298a", "other_public": "#66a61e", "not_public": "#999999"}
_PLAN_COLOUR = "#d7191c"
_GAP_COLOUR = "crimson"
_ATTRIBUTION = "Boundaries: © OpenStreetMap contributors, geoBoundaries (ODbL 1.0)"
_CITY_SCALE_M = 5000.0  # wider than this, footprints are specks and are drawn as points


def _label(column: str, *, big: bool = False) -> tuple[str, str, float]:
    """Name, unit and the factor from the column's unit to the unit shown."""
    name, unit = _LABELS.get(column, (column, ""))
    factor = 1.0
    if big and unit in _BIG:
        unit, factor = _BIG[unit]
    return name, unit, factor


def _with_unit(name: str, unit: str) -> str:
    return f"{name} [{unit}]" if unit else name


def _fmt(value: float, unit: str) -> str:
    """A value with its unit, in MWp/MWh/GWh when it is large."""
    for small, steps in (("kWp", ((1e3, "MWp"),)), ("kWh/yr", ((1e6, "GWh/yr"), (1e3, "MWh/yr"))),
                         ("kW", ((1e3, "MW"),))):
        if unit == small:
            for size, name in steps:
                if abs(value) >= size:
                    return f"{value / size:,.2f} {name}"
    if unit in ("-", ""):
        return f"{value:,.2f}"
    return f"{value:,.0f} {unit}"


def _roofs(n: int) -> str:
    return f"{n:,} roof" + ("" if n == 1 else "s")


def _axes(ax: Any, figsize: tuple[float, float] = (9, 8)) -> Any:
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _data_note(labels: str) -> str:
    """Second title line for labelled data ('generated, synthetic')."""
    return f"\n{labels.upper()} data: a demonstration, not real buildings" if labels else ""


def _short_district(name: Any) -> str:
    """'Pudong New District' -> 'Pudong'; 'Jing'an District' -> 'Jing'an'."""
    text = str(name)
    for suffix in (" New District", " District", " New Area"):
        if text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def _scale_bar(ax: Any) -> None:
    """A scale bar of a round length, at most a quarter of the map's width (metric axes)."""
    import matplotlib.patheffects as pe

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    width = x1 - x0
    nice = 10 ** np.floor(np.log10(width / 5))
    length = max(m * nice for m in (1, 2, 5) if m * nice <= width / 4)
    bx, by = x0 + 0.04 * width, y0 + 0.04 * (y1 - y0)
    halo = [pe.withStroke(linewidth=3, foreground="white")]
    ax.plot([bx, bx + length], [by, by], color="k", lw=3, solid_capstyle="butt", zorder=6,
            path_effects=[pe.withStroke(linewidth=5, foreground="white")], gid="scale-bar")
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx + length / 2, by + 0.012 * (y1 - y0), label, ha="center", va="bottom",
            fontsize=9, zorder=6, path_effects=halo)


def _north_arrow(ax: Any) -> None:
    ax.annotate("N", xy=(0.96, 0.97), xytext=(0.96, 0.88), xycoords="axes fraction",
                ha="center", va="center", fontsize=12, fontweight="bold", zorder=6,
                arrowprops={"arrowstyle": "-|>", "color": "k", "lw": 1.5}, gid="north-arrow")


#: The line in a map's corner when its buildings (or sites, car parks) came from OpenStreetMap.
OSM_CREDIT = "Buildings: © OpenStreetMap contributors (ODbL 1.0)"


def from_osm(obj: Any) -> bool:
    """Whether a frame (or report) says its data came from OpenStreetMap (``.attrs``).

    Reads ``attribution`` and ``data_labels``/``label`` in ``obj.attrs``, or a report's
    ``attribution`` and ``labels``; what :func:`pvsite.read_osm` and
    :func:`pvsite.datasets.shanghai_campuses` set and :func:`pvsite.estimate` carries on.
    """
    attrs = dict(getattr(obj, "attrs", None) or {})
    texts = [attrs.get(k, "") for k in ("attribution", "data_labels", "label")]
    texts += [getattr(obj, k, "") for k in ("attribution", "labels")
              if isinstance(getattr(obj, k, ""), str)]
    return any("openstreetmap" in str(t).lower() for t in texts)


def _attribution(ax: Any, *, boundaries: bool = True, osm: bool = False,
                 upper_left: bool = False) -> None:
    """Credits in the lower right (or upper left) corner: the bundled boundaries, OSM data."""
    lines = ([OSM_CREDIT] if osm else []) + ([_ATTRIBUTION] if boundaries else [])
    if lines:
        x, y, ha, va = (0.005, 0.995, "left", "top") if upper_left else (
            0.995, 0.004, "right", "bottom")
        ax.text(x, y, "\n".join(lines), transform=ax.transAxes, ha=ha,
                va=va, fontsize=6, color="0.25", zorder=6, gid="attribution",
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1.0})


def save_figure(fig: Any, path: str | Path, *, format: str | None = None,  # noqa: A002
                dpi: float = MAP_DPI, **savefig_kwargs: Any) -> Path:
    """Save a figure as PNG, PDF or SVG with its Chinese text intact.

    PDF (and PS) embed TrueType/CID fonts (``pdf.fonttype`` 42), so CJK labels stay text that
    can be searched and copied; SVG draws text as paths (``svg.fonttype`` 'path'), so it needs
    no font where it is opened.

    Parameters
    ----------
    fig : matplotlib Figure (or Axes, whose figure is saved)
    path : str or Path
        Where to write (the caller makes it atomic, e.g. ``export.atomic_path``).
    format : {'png', 'pdf', 'svg'}, optional
        Default: the path's suffix.
    dpi : float, default MAP_DPI (200)
        Resolution of PNGs (and of rasters inside PDF/SVG) [dots per inch].
    **savefig_kwargs
        Anything else :meth:`matplotlib.figure.Figure.savefig` takes (``bbox_inches``,
        ``transparent``, ``metadata``...).

    Returns
    -------
    Path

    Examples
    --------
    >>> import matplotlib.pyplot as plt, tempfile, pathlib
    >>> fig, ax = plt.subplots()
    >>> out = save_figure(fig, pathlib.Path(tempfile.mkdtemp()) / "m.svg")
    >>> out.read_text(encoding="utf-8").startswith("<?xml")
    True
    >>> plt.close(fig)
    """
    import matplotlib

    fig = getattr(fig, "figure", fig)
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "png").lower()
    if fmt not in MAP_FORMATS:
        from ..errors import ArgumentError

        raise ArgumentError(f"format={fmt!r}; use one of {list(MAP_FORMATS)}.")
    # fonts embedded as TrueType (PDF/PS) and text as outlines (SVG): CJK labels survive any viewer
    with matplotlib.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "path"}):
        fig.savefig(path, format=fmt, dpi=dpi, **savefig_kwargs)
    return path


def _map_frame(ax: Any, crs: Any) -> None:
    """Equal axes without coordinate ticks (the scale bar gives distances), CRS named below."""
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel(f"{crs.name}, metres" if crs is not None else "", fontsize=7, color="0.35")
    ax.set_ylabel("")


def cjk_font() -> str | None:
    """The name of an installed font family with Chinese glyphs, or None if there is none.

    Returns
    -------
    str or None
        The first of :data:`CJK_FAMILIES` that matplotlib's font manager knows, else any
        family whose name says CJK; None when the system has no such font (then maps label in
        English or by id).

    Examples
    --------
    >>> name = cjk_font()
    >>> name is None or isinstance(name, str)
    True
    """
    return _find_cjk_font()


#: File names of CJK fonts, for fonts installed after matplotlib cached its font list.
_CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "droidsansfallback",
              "simhei", "msyh", "pingfang", "uming", "ukai")


@functools.lru_cache(maxsize=1)
def _find_cjk_font() -> str | None:
    from matplotlib import font_manager

    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        for family in CJK_FAMILIES:
            if family in names:
                return family
        return next((n for n in sorted(names) if "CJK" in n), None)

    found = known()
    if found is None:  # matplotlib's cached list predates the font: look at the files once
        for path in font_manager.findSystemFonts():
            if any(k in Path(path).name.lower().replace("-", "") for k in _CJK_FILES):
                with contextlib.suppress(Exception):  # a font file matplotlib cannot read
                    font_manager.fontManager.addfont(path)
        found = known()
    return found


def _has_cjk(text: Any) -> bool:
    """Whether ``text`` has a character outside what matplotlib's DejaVu Sans draws (CJK)."""
    return any(0x2E80 <= ord(ch) <= 0x9FFF or 0xAC00 <= ord(ch) <= 0xD7AF
               or 0xF900 <= ord(ch) <= 0xFAFF or 0xFF00 <= ord(ch) <= 0xFFEF
               for ch in str(text))


def _readable(names: Sequence[Any], fallbacks: Sequence[Any]) -> list[str]:
    """Each name, or its fallback (then '') where it is Chinese and no CJK font is installed."""
    font = cjk_font()
    out = []
    for name, alt in zip(names, fallbacks, strict=True):
        text = "" if name is None or (isinstance(name, float) and math.isnan(name)) else str(name)
        if not text or (font is None and _has_cjk(text)):
            text = "" if alt is None or (isinstance(alt, float) and math.isnan(alt)) else str(alt)
        out.append(text)
    return out


def _strip_cjk(text: str) -> str:
    """``text`` without CJK characters (the last resort with no CJK font: never boxes)."""
    kept = "".join(" " if _has_cjk(ch) else ch for ch in text)
    return "\n".join(" ".join(line.split()) for line in kept.split("\n")).strip() or "?"


def _place_labels(ax: Any, xy: Sequence[tuple[float, float]], texts: Sequence[str], *,
                  fontsize: float = 7.0, centred_first: bool = False, gid: str = "label",
                  colors: Sequence[str] | None = None, outward: bool = False) -> list[Any]:
    """Annotate points with labels that overlap each other little.

    Greedy, in the given order: each label tries positions around its point (and on it with
    ``centred_first``), nearest first, and takes the first whose box, estimated from its
    characters, overlaps no label placed before, covers no other labelled point and stays in
    the axes; otherwise the position that overlaps least. With ``outward``, directions away
    from the middle of the crowd of points come first, so that leader lines fan out instead of
    crossing. Labels away from their point get a leader line. Sizes are in points, so the
    result does not depend on the backend.
    """
    fig = ax.figure
    fig.draw_without_rendering()  # apply layout and aspect: the data->display transform is final
    family: list[str] | None = None
    if any(_has_cjk(t) for t in texts):
        font = cjk_font()
        if font is None:
            texts = [_strip_cjk(t) if _has_cjk(t) else t for t in texts]
        else:
            family = [font, "DejaVu Sans"]
    to_pt = 72.0 / fig.dpi
    pts = ax.transData.transform(np.asarray(xy, dtype=float).reshape(-1, 2)) * to_pt
    frame = ax.get_window_extent()
    fx0, fy0, fx1, fy1 = (frame.x0 * to_pt, frame.y0 * to_pt, frame.x1 * to_pt,
                          frame.y1 * to_pt)
    middle = np.median(pts, axis=0) if len(pts) else np.zeros(2)
    degrees = np.array([45, 135, 315, 225, 0, 180, 90, 270, 20, 160, 340, 200], dtype=float)
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for i, ((px, py), text) in enumerate(zip(pts, texts, strict=True)):
        angles = degrees
        if outward and np.hypot(px - middle[0], py - middle[1]) > 1:
            away = math.degrees(math.atan2(py - middle[1], px - middle[0]))
            off = np.abs((degrees - away + 180) % 360 - 180)
            angles = degrees[np.argsort(off, kind="stable")]
        candidates: list[tuple[float, float, str, str, float]] = []
        if centred_first:
            candidates.append((0.0, 0.0, "center", "center", 0.0))
        for r in (4.0, 12.0, 24.0, 40.0, 60.0, 85.0, 115.0):
            for deg in angles:
                c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
                ha = "left" if c > 0.3 else "right" if c < -0.3 else "center"
                va = "bottom" if s > 0.3 else "top" if s < -0.3 else "center"
                candidates.append((r * c, r * s, ha, va, r))
        lines = text.split("\n")
        w = 0.58 * fontsize * max(len(line) for line in lines) + 4
        h = 1.22 * fontsize * len(lines) + 3
        others = np.delete(pts, i, axis=0)
        best, best_cost = candidates[0], math.inf
        for cand in candidates:
            dx, dy, ha, va, _ = cand
            x0 = px + dx - {"left": 0.0, "right": w, "center": w / 2}[ha]
            y0 = py + dy - {"bottom": 0.0, "top": h, "center": h / 2}[va]
            x1, y1 = x0 + w, y0 + h
            cost = sum(max(0.0, min(x1, b[2]) - max(x0, b[0]))
                       * max(0.0, min(y1, b[3]) - max(y0, b[1])) for b in placed)
            cost += 30.0 * np.count_nonzero((others[:, 0] > x0 - 2) & (others[:, 0] < x1 + 2)
                                            & (others[:, 1] > y0 - 2) & (others[:, 1] < y1 + 2))
            outside = (max(0.0, fx0 - x0) + max(0.0, x1 - fx1)) * h + \
                      (max(0.0, fy0 - y0) + max(0.0, y1 - fy1)) * w
            cost += 4.0 * outside
            if cost < best_cost:
                best, best_cost, box = cand, cost, (x0, y0, x1, y1)
            if cost == 0:
                break
        dx, dy, ha, va, r = best
        placed.append(box)
        arrow = ({"arrowstyle": "-", "color": "0.3", "lw": 0.6, "shrinkA": 0, "shrinkB": 2}
                 if r >= 20 else None)
        ann = ax.annotate(text, xy[i], xytext=(dx, dy), textcoords="offset points", ha=ha,
                          va=va, fontsize=fontsize, zorder=7, arrowprops=arrow, family=family,
                          color=colors[i] if colors is not None else "k", annotation_clip=False,
                          bbox={"boxstyle": "round,pad=0.15", "fc": "white", "alpha": 0.8,
                                "lw": 0})
        ann.set_in_layout(False)
        ann.set_gid(gid)
        out.append(ann)
    return out


def _plan_mask(plan: Any, result: Any) -> np.ndarray:
    """Which rows of ``result`` are in a plan (a ShortfallReport or its ``plan`` DataFrame)."""
    df = getattr(plan, "plan", plan)
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"plan= takes a ShortfallReport or its plan DataFrame, not "
                        f"{type(plan).__name__}.")
    if "building_id" in df and "building_id" in result:
        return result["building_id"].isin(df["building_id"]).to_numpy()
    if "building" in df:
        return result.index.isin(df["building"])
    raise ValueError("plan= has neither a 'building_id' nor a 'building' column: pass the "
                     "ShortfallReport from pvsite.shortfall(...) or its .plan.")


def plot_siting_map(result: Any, ax: Any = None, *, column: str = "capacity_kwp",
                    districts: Any = None, top: int = 10, title: str | None = None,
                    plan: Any = None, label_by: str = "auto", carports: Any = None,
                    walls: Any = None) -> Any:
    """Map buildings coloured by a result column over district boundaries.

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate`, or part of it (one campus and its neighbours).
    ax : matplotlib Axes, optional
        Where to draw; a new figure if None.
    column : str, default 'capacity_kwp'
        Column to colour by; its unit is on the colour bar (per building).
    districts : GeoDataFrame or False, optional
        Boundaries to draw; default the bundled Shanghai districts (with their attribution).
        ``False`` draws none.
    top : int, default 10
        Label this many sites with the largest ``column`` value (0: none).
    title : str, optional
        Default names the column and, in capitals, the labels of the data ('SYNTHETIC').
    plan : ShortfallReport or DataFrame, optional
        Outline (at campus scale) or ring (at city scale) the roofs of this siting plan, matched
        on ``building_id`` (or the result's index in the plan's ``building`` column).
    label_by : {'auto', 'institution', 'building'}
        What a labelled site is. 'auto': institutions (their total) at city scale when the
        result has ``institution_id`` and the column adds up, buildings otherwise.
    carports : GeoDataFrame, optional
        Car parks to draw beside the roofs, hatched and coloured by their canopies' kWp
        (:func:`pvsite.carports`); by default the result's own car park rows
        (``estimate(..., parking=...)``, ``site_kind == 'car_park'``), which never join
        the roofs' colours.
    walls : GeoDataFrame, optional
        Facades to draw as thick lines coloured by kWp: rows of the surface table with
        ``surface == 'facade'`` (``estimate(..., facades=True, planes=True)``), e.g. those of
        the BIPV pilots (:func:`pvsite.pilots` with ``kind='facade'``).

    Returns
    -------
    matplotlib Axes
        In the result's local UTM CRS (metres), with a scale bar and a north arrow. Wider than
        5 km, footprints are drawn as points sized by the column, largest on top.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pvsite
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(30),
    ...                     pvsite.datasets.shanghai_weather())
    >>> ax = plot_siting_map(r, top=3)
    >>> len([t for t in ax.texts if t.get_gid() == "site-label"])
    3
    >>> plt.close("all")
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D

    from ..crs import to_metric
    from ..inputs import datasets

    if column not in result:
        raise ValueError(f"column={column!r} is not a column of the result; use one of "
                         f"{[c for c in _LABELS if c in result]}.")
    if label_by not in ("auto", "institution", "building"):
        raise ValueError(f"label_by={label_by!r}; use one of ['auto', 'institution', "
                         "'building'].")
    ax = _axes(ax)
    result, carports = _car_park_rows(result, carports)
    metric = to_metric(result)
    present = (metric.geometry.notna() & ~metric.geometry.is_empty).to_numpy()
    metric = metric[present]
    in_plan = _plan_mask(plan, result)[present] if plan is not None else None
    is_ok = (metric["status"] == "ok").to_numpy()
    ok, other = metric[is_ok], metric[~is_ok]
    name, unit, _ = _label(column)
    labels = str(result.attrs.get("data_labels", ""))
    ax.set_title(title or f"Rooftop PV: {name} per building" + _data_note(labels), fontsize=11)
    if not len(metric):
        ax.text(0.5, 0.5, "no building with a geometry", transform=ax.transAxes, ha="center")
        return ax
    xmin, ymin, xmax, ymax = _with_lots(metric.total_bounds, carports, metric.crs)
    span = max(xmax - xmin, ymax - ymin, 200.0)
    pad = 0.04 * span
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half_w, half_h = (xmax - xmin) / 2 + pad, (ymax - ymin) / 2 + pad
    half_w, half_h = max(half_w, 100.0), max(half_h, 100.0)
    city = span > _CITY_SCALE_M

    bundled = districts is None
    shown = False
    if districts is not False:
        import shapely

        d = (datasets.shanghai_districts() if bundled else districts).to_crs(metric.crs)
        view = shapely.box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
        shown = bool(d.boundary.intersects(view).any())
        d.boundary.plot(ax=ax, color="0.45", lw=0.7, zorder=1)
        if city and "district_en" in d:  # names of the larger districts, faint, underneath
            area = d.geometry.area.to_numpy()
            for geom, en, a in zip(d.geometry.representative_point(), d["district_en"], area,
                                   strict=True):
                if a > 0.015 * area.sum() and abs(geom.x - cx) < half_w \
                        and abs(geom.y - cy) < half_h:
                    ax.text(geom.x, geom.y, _short_district(en), ha="center", va="center",
                            fontsize=8, color="0.55", style="italic", zorder=1)

    values = ok[column].astype(float).to_numpy()
    finite = values[np.isfinite(values)]
    # a few very large roofs should not wash out the rest: cap at the 98th percentile of many.
    # Amounts (kWp, kWh...) start at 0; ratios (specific yield...) span their own range.
    additive = column not in _NOT_ADDITIVE
    many = len(finite) >= 50
    if len(finite):
        vmax = float(np.percentile(finite, 98) if many else finite.max())
        vmin = 0.0 if additive else float(np.percentile(finite, 2) if many else finite.min())
    else:
        vmin, vmax = 0.0, 1.0
    if vmax <= vmin:
        vmax = vmin + (abs(vmin) * 0.01 or 1.0)
    norm = Normalize(vmin=vmin, vmax=vmax)
    cmap = "viridis"
    handles: list[Any] = []
    plan_ok = in_plan[is_ok] if in_plan is not None else None
    if city:
        order = np.argsort(np.nan_to_num(values, nan=-1.0), kind="stable")  # largest on top
        pts = ok.geometry.representative_point().to_numpy()[order]
        px = np.array([p.x for p in pts])
        py = np.array([p.y for p in pts])
        sizes = (5 + 45 * np.clip(np.nan_to_num(values[order]) / vmax, 0, 1) if additive
                 else np.full(len(order), 14.0))
        if len(other):
            op = other.geometry.representative_point()
            ax.scatter(op.x, op.y, s=4, marker="x", color="0.6", lw=0.6, zorder=2)
        ax.scatter(px, py, c=values[order], s=sizes, cmap=cmap, norm=norm, linewidths=0,
                   zorder=3)
        if plan_ok is not None and plan_ok.any():
            sel = plan_ok[order]
            ax.scatter(px[sel], py[sel], s=sizes[sel] + 30, facecolors="none",
                       edgecolors=_PLAN_COLOUR, linewidths=0.7, zorder=4, gid="plan")
    else:
        ok.plot(ax=ax, column=column, cmap=cmap, norm=norm, edgecolor="0.25", lw=0.3, zorder=3)
        if len(other):
            other.plot(ax=ax, facecolor="0.9", edgecolor="0.35", lw=0.4, hatch="////",
                       zorder=2)
        if in_plan is not None and in_plan.any():
            metric[in_plan].boundary.plot(ax=ax, color=_PLAN_COLOUR, lw=1.8, zorder=4,
                                          gid="plan")
    if in_plan is not None:
        planned = float(ok.loc[plan_ok, "capacity_kwp"].sum()) if plan_ok is not None else 0.0
        handles.append(Line2D([], [], ls="none", marker="o" if city else "s", mfc="none",
                              mec=_PLAN_COLOUR, mew=1.4, ms=8,
                              label=f"in the plan: {_roofs(int(in_plan.sum()))}, "
                                    f"{_fmt(planned, 'kWp')} in view"))
    if len(other):
        handles.append(Line2D([], [], ls="none", marker="x" if city else "s", color="0.6",
                              mfc="0.88", ms=6, label=f"unsuitable or invalid ({len(other):,})"))

    sm = ScalarMappable(norm=norm, cmap=cmap)
    over = bool(len(finite) and finite.max() > vmax + 1e-9 * abs(vmax))
    under = bool(len(finite) and finite.min() < vmin - 1e-9 * abs(vmin))
    extend = {(True, True): "both", (True, False): "max", (False, True): "min"}.get(
        (over, under), "neither")
    cbar = ax.figure.colorbar(sm, ax=ax, shrink=0.6, extend=extend)
    cbar.set_label(f"{_with_unit(name, unit)} per building")

    handles += _draw_carports_and_walls(ax, carports, walls, metric.crs, city=city)
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    _map_frame(ax, metric.crs)
    _scale_bar(ax)
    _north_arrow(ax)
    _attribution(ax, boundaries=shown and bundled, osm=from_osm(result))
    if handles:
        ax.legend(handles=handles, loc="upper left", fontsize=8, framealpha=0.9)

    if top and len(ok):
        by = label_by
        if by == "auto":
            by = ("institution" if city and "institution_id" in ok
                  and ok["institution_id"].notna().any() and column not in _NOT_ADDITIVE
                  else "building")
        anchor_pts = ok.geometry.representative_point()
        if by == "institution":
            inst = ok[ok["institution_id"].notna()]
            totals = inst.groupby("institution_id")[column].agg(["sum", "size"])
            best = totals.nlargest(top, "sum")
            # anchor: the institution's building with the largest value
            lead = inst.sort_values(column, ascending=False).drop_duplicates("institution_id")
            lead = lead.set_index("institution_id").loc[best.index]
            english = next((lead[c] for c in ("institution_name_en", "name:en", "name_en")
                            if c in lead), pd.Series(best.index.astype(str), index=best.index))
            names = _readable(lead["institution_name"] if "institution_name" in lead
                              else english, english.where(english.notna(), best.index.astype(str)))
            xy = [(p.x, p.y) for p in lead.geometry.representative_point()]
            texts = [f"{nm}\n{_fmt(row['sum'], unit)}, {_roofs(int(row['size']))}"
                     for nm, (_, row) in zip(names, best.iterrows(), strict=True)]
        else:
            best = ok.nlargest(top, column)
            index = pd.Series([f"#{i}" for i in best.index], index=best.index)
            english = next((best[c] for c in ("name:en", "name_en", "building_id", "osm_id")
                            if c in best and best[c].notna().any()), index)
            named = best["name"] if "name" in best else None  # OSM names before positions
            ids = (best["building_id"] if "building_id" in best
                   else named if named is not None and named.notna().any() else index)
            ids = _readable(ids, english.where(english.notna(), index))
            xy = [(p.x, p.y) for p in anchor_pts.loc[best.index]]
            texts = [f"{bid}\n{_fmt(v, unit)}" for bid, v in zip(ids, best[column], strict=True)]
        _place_labels(ax, xy, texts, fontsize=6.5 if city else 7.0, gid="site-label")
    return ax


def _car_park_rows(result: Any, carports: Any) -> tuple[Any, Any]:
    """The result's building rows, and the car parks to draw (given, or its own rows)."""
    if "site_kind" not in result:
        return result, carports
    lot = (result["site_kind"] == "car_park").to_numpy()
    if carports is None and lot.any():
        own = result[lot].rename(columns={"capacity_kwp": "roof_capacity_kwp"})
        carports = own.rename(columns={"carport_capacity_kwp": "capacity_kwp"})
    return result[~lot], carports


def _with_lots(bounds: Any, carports: Any, crs: Any) -> Any:
    """Map bounds that also take in the car parks drawn."""
    if carports is None or not len(carports):
        return bounds
    b = carports.to_crs(crs).total_bounds
    return (min(bounds[0], b[0]), min(bounds[1], b[1]), max(bounds[2], b[2]),
            max(bounds[3], b[3]))


def _draw_carports_and_walls(ax: Any, carports: Any, walls: Any, crs: Any, *,
                             city: bool = False) -> list[Any]:
    """Car parks hatched and coloured by kWp, facade walls as thick lines; legend handles.

    At city scale, where a wall is a speck, each wall also gets a diamond at its middle.
    """
    from matplotlib.collections import LineCollection
    from matplotlib.colors import Normalize
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: list[Any] = []
    if carports is not None and len(carports):
        lots = carports.to_crs(crs)
        kwp = lots["capacity_kwp"].fillna(0.0).astype(float).to_numpy()
        norm = Normalize(0.0, max(float(kwp.max()), 1.0))
        colours = [(0.85, 0.6, 0.1, 0.25 + 0.6 * v) for v in norm(kwp)]
        lots.plot(ax=ax, color=colours, edgecolor="#8c510a", lw=0.8, hatch="xx", zorder=2.5,
                  gid="carports")
        built = kwp > 0
        handles.append(Patch(facecolor=(0.85, 0.6, 0.1, 0.6), edgecolor="#8c510a", hatch="xx",
                             label=f"car parks ({len(lots):,}; {int(built.sum()):,} with "
                                   f"carports, {_fmt(float(kwp.sum()), 'kWp')}), darker: "
                                   "more kWp"))
    if walls is not None and len(walls):
        import shapely

        lines = walls.to_crs(crs).geometry.to_numpy()
        kwp = walls["capacity_kwp"].fillna(0.0).astype(float).to_numpy()
        segs = [np.asarray(shapely.get_coordinates(g))[:, :2] for g in lines]
        art = LineCollection(segs, array=kwp, cmap="cool",
                             norm=Normalize(0.0, max(float(kwp.max()), 1.0)), linewidths=3.5,
                             zorder=5, gid="facades")
        ax.add_collection(art)
        if city:
            mid = shapely.line_interpolate_point(lines, 0.5, normalized=True)
            ax.scatter(shapely.get_x(mid), shapely.get_y(mid), c=kwp, cmap="cool",
                       norm=art.norm, marker="D", s=28, edgecolors="k", linewidths=0.4,
                       zorder=5, gid="facade-points")
        handles.append(Line2D([], [], color="#ff00ff", lw=3.5,
                              label=f"BIPV facades ({len(lines):,} walls, "
                                    f"{_fmt(float(kwp.sum()), 'kWp')}), colour: kWp"))
    return handles


def plot_districts(table: Any, ax: Any = None, *, column: str = "capacity_kwp",
                   districts: Any = None, target_kw: float | None = None,
                   report: Any = None, title: str | None = None) -> Any:
    """Choropleth of potential by district, with each district's plan or gap to the target.

    Parameters
    ----------
    table : DataFrame or None
        Indexed by district as in the boundaries' ``district`` (or ``district_en``) column:
        ``pvsite.rollup(result, 'district')`` or ``report.table``. None with ``report``: the
        report's table, coloured by ``potential_kw`` (eligible public roofs).
    ax : matplotlib Axes, optional
    column : str, default 'capacity_kwp'
        Column of ``table`` to colour by, shown in MWp (kW columns) or GWh/yr (kWh).
    districts : GeoDataFrame, optional
        Boundaries with a ``district`` column (and ``district_en`` for labels); default the
        bundled Shanghai districts.
    target_kw : float, optional
        Without ``report``: label each district with its value as a share of this target.
    report : ShortfallReport, optional
        From :func:`pvsite.shortfall`: label each district with its planned capacity, or its
        gap to its share of the target (hatched) when the plan falls short there.
    title : str, optional

    Returns
    -------
    matplotlib Axes
        Districts without a row in ``table`` are light grey; rows that match no boundary are
        listed in a note.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pvsite
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(30),
    ...                     pvsite.datasets.shanghai_weather())
    >>> ax = plot_districts(None, report=pvsite.shortfall(r, target_kw=500))
    >>> ax.get_images() == [] and "MWp" in ax.figure.axes[-1].get_ylabel()
    True
    >>> plt.close("all")
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import Patch

    from ..inputs import datasets

    if hasattr(table, "plan") and hasattr(table, "table"):  # a ShortfallReport given first
        table, report = None, table
    if table is not None and ("status" in table or "geometry" in table):
        raise ValueError("plot_districts takes a table by district, not the per-building "
                         "result: pass pvsite.rollup(result, 'district'), or "
                         "report=pvsite.shortfall(result).")
    if table is None:
        if report is None:
            raise ValueError("plot_districts needs a table, or report= (a ShortfallReport).")
        table = report.table
        column = "potential_kw" if column == "capacity_kwp" else column
    if column not in table:
        raise ValueError(f"column={column!r} is not a column of the table; use one of "
                         f"{list(table.columns)}.")
    ax = _axes(ax)
    bundled = districts is None
    d = datasets.shanghai_districts() if bundled else districts
    if d.crs is not None and d.crs.is_geographic:
        d = d.to_crs(d.estimate_utm_crs())
    d = d.reset_index(drop=True)
    names = table.index.astype(str)
    key = "district"
    if "district_en" in d and not names.isin(d["district"].astype(str)).any() \
            and names.isin(d["district_en"].astype(str)).any():
        key = "district_en"
    d_keys = d[key].astype(str)
    name, unit, factor = _label(column, big=True)
    value = d_keys.map(pd.Series(table[column].to_numpy(dtype=float), index=names)) * factor
    have = value.notna().to_numpy()
    vmax = float(value.max()) if have.any() and value.max() > 0 else 1.0
    norm = Normalize(vmin=0.0, vmax=vmax)
    cmap = "YlOrRd"

    gap = planned = share = None
    short = np.zeros(len(d), dtype=bool)
    if report is not None:
        rt = report.table
        rt_names = rt.index.astype(str)

        def per_district(col: str) -> pd.Series:
            return d_keys.map(pd.Series(rt[col].to_numpy(dtype=float), index=rt_names))

        gap, planned, share = (per_district(c) for c in ("gap_kw", "planned_kw", "target_kw"))
        # short: more than 1 % below the share (less would read 'plan 4.9 of 4.9 MW' in red)
        short = (gap > np.maximum(0.01 * share.fillna(0.0), 1e-6)).to_numpy()

    def draw(on: Any) -> None:
        if have.any():
            d[have].assign(_v=value[have]).plot(ax=on, column="_v", cmap=cmap, norm=norm,
                                                edgecolor="white", lw=0.8, zorder=1)
        if (~have).any():
            d[~have].plot(ax=on, facecolor="0.93", edgecolor="white", lw=0.8, zorder=1)
        d.boundary.plot(ax=on, color="0.4", lw=0.4, zorder=2)
        if short.any():
            d[short].plot(ax=on, facecolor="none", edgecolor=_GAP_COLOUR, hatch="//", lw=0.8,
                          zorder=3)

    draw(ax)
    sm = ScalarMappable(norm=norm, cmap=cmap)
    cbar = ax.figure.colorbar(sm, ax=ax, shrink=0.6)
    cbar.set_label(_with_unit(name, unit))
    labels = str(getattr(report, "labels", "") or getattr(table, "attrs", {}).get(
        "data_labels", ""))
    default = f"Rooftop PV {name} by district"
    if report is not None:
        default += f" vs the {report.target_kw / 1000:,.0f} MW target"
    ax.set_title(title or default + _data_note(labels), fontsize=11)

    # a caption under the map: totals, and how to read the labels
    total = float(np.nansum(table[column].to_numpy(dtype=float))) * factor
    caption = [f"All districts: {total:,.1f} {unit}."]
    if report is not None:
        caption[0] += (f" Target {report.target_kw / 1000:,.0f} MW: plan "
                       f"{report.planned_kw / 1000:,.1f} MWp on {len(report.plan):,} roofs"
                       + (f", short by {report.gap_kw / 1000:,.1f} MW." if report.gap_kw > 0
                          else ", target reached."))
        how = (", the city target shared out by technical potential"
               if report.district_targets == "shared"
               else "")
        caption.append(f"'plan X of Y MW': the plan's capacity in the district and the "
                       f"district's share of the target (Y{how}); red, hatched: X more "
                       "than 1 % below Y.")
    elif target_kw:
        caption.append(f"Percentages: share of the {target_kw / 1000:,.0f} MW target.")
    off_map = table.loc[~names.isin(d_keys), column]
    off_map = off_map[off_map.fillna(0) != 0]
    if len(off_map):
        caption.append("Not on the map: " + ", ".join(
            f"{k} {v * factor:,.1f} {unit}" for k, v in off_map.items()) + ".")
    ax.text(0.0, -0.01, "\n".join(textwrap.fill(c, 105) for c in caption),
            transform=ax.transAxes, ha="left", va="top", fontsize=7.5, gid="caption")
    _map_frame(ax, d.crs)
    ax.set_xlabel("")
    _scale_bar(ax)
    _north_arrow(ax)
    _attribution(ax, boundaries=bundled, osm=from_osm(report) or from_osm(table))
    if short.any():
        ax.legend(handles=[Patch(facecolor="none", edgecolor=_GAP_COLOUR, hatch="//",
                                 label="plan > 1 % below the district's share of the target")],
                  loc="lower right", bbox_to_anchor=(1.0, 0.06), fontsize=7, framealpha=0.9)

    def text_of(i: int) -> tuple[str, str]:
        label = _short_district(d["district_en"].iloc[i] if "district_en" in d
                                else d_keys.iloc[i])
        colour = "k"
        if have[i]:
            label += f" {value.iloc[i]:,.1f} {unit}"
            if planned is not None and share is not None and pd.notna(planned.iloc[i]):
                label += f"\nplan {planned.iloc[i] / 1000:,.1f} of {share.iloc[i] / 1000:,.1f} MW"
                colour = _GAP_COLOUR if short[i] else "k"
            elif target_kw and unit in ("MWp", "MW"):
                label += f"\n{value.iloc[i] / factor / target_kw:.0%} of target"
        return label, colour

    # small districts crowded together (Shanghai's urban core) go into an inset
    area = d.geometry.area.to_numpy()
    small = area < 0.015 * area.sum()
    ax.figure.draw_without_rendering()  # layout and aspect final: corners in data units
    inset = _inset_box(ax, d, small, draw) if small.sum() >= 3 else None
    anchors = d.geometry.representative_point()
    for on, sel in ((ax, ~small if inset is not None else np.ones(len(d), dtype=bool)),
                    (inset, small)):
        if on is None:
            continue
        idx = [i for i in np.argsort(-area, kind="stable") if sel[i]]
        pairs = [text_of(i) for i in idx]
        _place_labels(on, [(anchors.iloc[i].x, anchors.iloc[i].y) for i in idx],
                      [t for t, _ in pairs], fontsize=6.5, centred_first=True,
                      gid="district-label", colors=[c for _, c in pairs], outward=True)
    return ax


def _inset_box(ax: Any, d: Any, small: np.ndarray, draw: Any) -> Any:
    """An inset magnifying the small districts, in the corner of ``ax`` the map covers least."""
    import shapely

    x0, y0, x1, y1 = d[small].total_bounds
    xmin, xmax = ax.get_xlim()
    ymin, ymax = ax.get_ylim()
    if (x1 - x0) * (y1 - y0) > 0.15 * (xmax - xmin) * (ymax - ymin):
        return None  # small districts spread over the map: no core to magnify
    land = shapely.union_all(d.geometry.to_numpy())
    size = 0.42
    corners = [(0.01, 0.57), (0.51, 0.57), (0.01, 0.1), (0.51, 0.1)]

    def cover(cx: float, cy: float) -> float:
        box = shapely.box(xmin + cx * (xmax - xmin), ymin + cy * (ymax - ymin),
                          xmin + (cx + size) * (xmax - xmin), ymin + (cy + size) * (ymax - ymin))
        core = shapely.box(x0, y0, x1, y1)
        return land.intersection(box).area / box.area + 10.0 * box.intersects(core)

    cx, cy = min(corners, key=lambda c: cover(*c))
    inset = ax.inset_axes([cx, cy, size, size])
    draw(inset)
    # data extent of the small districts, widened to the box's shape so the scale stays equal
    bbox = ax.get_window_extent()
    box_ratio = (size * bbox.width) / (size * bbox.height)
    pad = 0.08 * max(x1 - x0, y1 - y0)
    w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    if w / h < box_ratio:
        w = h * box_ratio
    else:
        h = w / box_ratio
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    inset.set_xlim(mx - w / 2, mx + w / 2)
    inset.set_ylim(my - h / 2, my + h / 2)
    _map_frame(inset, None)
    inset.set_gid("inset")
    ax.indicate_inset_zoom(inset, edgecolor="0.3", alpha=0.8)
    return inset

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
        Cumulative capacity [MWp] over the roofs in plan order, filled by institution type, with
        the target as a dashed line (``gid='target'``), where the plan reaches it, or, when it
        does not, the gap annotated. When the target counts installed capacity, the plan
        starts from it.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import pvsite
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(30),
    ...                     pvsite.datasets.shanghai_weather())
    >>> ax = plot_shortfall(pvsite.shortfall(r, target_kw=500))
    >>> [tuple(line.get_ydata()) for line in ax.lines if line.get_gid() == "target"]
    [(0.5, 0.5)]
    >>> plt.close("all")
    """
    import matplotlib.patheffects as pe
    from matplotlib.patches import Patch

    plan = getattr(report, "plan", None)
    if not isinstance(plan, pd.DataFrame) or "cumulative_kwp" not in plan:
        raise TypeError(f"plot_shortfall takes a ShortfallReport, not {type(report).__name__}: "
                        "pass pvsite.shortfall(result).")
    ax = _axes(ax, figsize=(8, 5))
    n = len(plan)
    counts_installed = str(report.target_reading).startswith("total")
    base = report.installed_kw / 1000.0 if counts_installed else 0.0
    target = report.target_kw / 1000.0
    x = np.arange(n + 1)
    y = base + np.concatenate([[0.0], plan["cumulative_kwp"].to_numpy(dtype=float) / 1000.0])
    handles: list[Any] = []
    if base > 0:
        ax.axhspan(0, base, color="0.88", lw=0)
        handles.append(Patch(color="0.88", label=f"installed {base:,.1f} MW"))
    if n:
        types = plan["institution_type"].astype(str).to_numpy()
        cuts = np.flatnonzero(types[1:] != types[:-1]) + 1
        for s, e in zip(np.r_[0, cuts], np.r_[cuts, n], strict=True):
            colour = _TYPE_COLOURS.get(types[s], "0.4")
            ax.fill_between(x[s:e + 1], base, y[s:e + 1], color=colour, alpha=0.35, lw=0)
            ax.plot(x[s:e + 1], y[s:e + 1], color=colour, lw=1.8)
        caps = plan.groupby("institution_type", sort=False)["capacity_kwp"].agg(["size", "sum"])
        for t, row in caps.iterrows():
            handles.append(Patch(facecolor=_TYPE_COLOURS.get(str(t), "0.4"), alpha=0.7,
                                 label=f"{t}: {_roofs(int(row['size']))}, "
                                       f"{row['sum'] / 1000:,.1f} MWp"))
    else:
        ax.text(0.5, 0.5, "no eligible roof", transform=ax.transAxes, ha="center",
                color=_GAP_COLOUR)
    ax.axhline(target, color="k", ls="--", lw=1.2, gid="target")
    halo = [pe.withStroke(linewidth=3, foreground="white")]
    ax.text(0.01, target, f"target {target:,.0f} MW", transform=ax.get_yaxis_transform(),
            ha="left", va="bottom", fontsize=9, path_effects=halo)
    top = max(float(y.max()), target) * 1.12
    if report.gap_kw > 1e-6:
        ax.annotate("", xy=(n, target), xytext=(n, y[-1]), zorder=5,
                    arrowprops={"arrowstyle": "<|-|>", "color": _GAP_COLOUR, "lw": 1.5,
                                "shrinkA": 0, "shrinkB": 0})
        ax.text(n, (y[-1] + target) / 2, f"gap {report.gap_kw / 1000:,.1f} MW \n"
                "every eligible roof \nis in the plan ", ha="right", va="center",
                color=_GAP_COLOUR, fontsize=9, path_effects=halo, gid="gap")
    elif n:
        reach = int(np.searchsorted(y, target - 1e-9))
        reach = min(max(reach, 1), n)
        ax.plot([reach], [y[reach]], "o", color="k", ms=5, zorder=5)
        ax.annotate(f"target reached with roof {reach:,}", (reach, y[reach]), xytext=(-8, 10),
                    textcoords="offset points", ha="right", va="bottom", fontsize=9,
                    path_effects=halo)
    ax.set_xlim(0, max(n, 1) * 1.03)
    ax.set_ylim(0, top)
    ax.set_xlabel("roofs in plan order")
    ax.set_ylabel("cumulative capacity [MWp]")
    status = ("reached" if report.gap_kw <= 1e-6
              else f"short by {report.gap_kw / 1000:,.1f} MW")
    ax.set_title(f"Siting plan ({report.policy}): {n:,} roofs, "
                 f"{report.planned_kw / 1000:,.1f} MWp — target {status}"
                 + _data_note(str(getattr(report, "labels", ""))), fontsize=11)
    if handles:
        ax.legend(handles=handles, loc="lower right", fontsize=8, framealpha=0.9)
    ax.grid(alpha=0.3)
    _attribution(ax, boundaries=False, osm=from_osm(report), upper_left=True)
    return ax


def plot_horizon(horizon: Any, ax: Any = None, *, weather: Any = None,
                 title: str | None = None) -> Any:
    """Polar chart of a roof's horizon with the sun's path at the solstices and equinox.

    Parameters
    ----------
    horizon : array-like or Series
        Horizon elevation per azimuth sector [deg], sectors of equal width clockwise from north
        (the ``horizon_deg`` column of :func:`pvsite.estimate`), or a result row holding it.
    ax : matplotlib polar Axes, optional
        A new polar figure if None.
    weather : DataFrame, optional
        From :func:`pvsite.read_weather`: its site gives the sun paths (21 March, 21 June,
        21 December, every 10 min while the sun is up).
    title : str, optional

    Returns
    -------
    matplotlib Axes
        Polar: north at the top, azimuth clockwise, zenith at the centre and the horizontal at
        the rim (radius = 90 deg - elevation). The grey area is the sky the neighbours hide.

    Examples
    --------
    >>> import numpy as np
    >>> ax = plot_horizon(np.r_[np.zeros(30), np.full(12, 40.0), np.zeros(30)])
    >>> ax.name
    'polar'
    """
    import matplotlib.pyplot as plt

    row_title = None
    if hasattr(horizon, "get") and "horizon_deg" in getattr(horizon, "index", []):
        row_title = str(horizon.get("building_id", horizon.name))
        horizon = horizon["horizon_deg"]
    h = np.asarray(horizon, dtype=float).ravel()
    if h.size == 0:
        raise ValueError("horizon is empty; pass the horizon_deg of a result row.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 6), subplot_kw={"projection": "polar"},
                             layout="constrained")
    if getattr(ax, "name", "") != "polar":
        raise ValueError("plot_horizon needs a polar Axes: plt.subplots(subplot_kw="
                         "{'projection': 'polar'}).")
    ax.set_theta_zero_location("N")
    ax.set_theta_direction(-1)
    edges = np.radians(np.linspace(0, 360, h.size + 1))
    theta = np.repeat(edges, 2)[1:-1]
    r = 90.0 - np.repeat(h, 2)
    ax.fill_between(theta, r, 90.0, color="0.55", alpha=0.7, lw=0, label="horizon")
    ax.plot(theta, r, color="0.3", lw=0.8)
    if weather is not None:
        import pandas as pd
        import pvlib

        for day, colour in (("2023-06-21", "tab:red"), ("2023-03-21", "tab:orange"),
                            ("2023-12-21", "tab:blue")):
            times = pd.date_range(day, periods=24 * 6, freq="10min", tz="UTC") - pd.Timedelta(
                hours=weather.attrs["longitude"] / 15)
            sp = pvlib.solarposition.get_solarposition(
                times, weather.attrs["latitude"], weather.attrs["longitude"])
            up = sp["apparent_elevation"] > 0
            ax.plot(np.radians(sp["azimuth"][up]), 90 - sp["apparent_elevation"][up],
                    color=colour, lw=1.5, label=f"sun {day[5:]}")
    ax.set_rlim(0, 90)
    ax.set_rticks([0, 30, 60, 90])
    ax.set_yticklabels(["90°", "60°", "30°", "0°"], fontsize=7)
    ax.set_xticks(np.radians(np.arange(0, 360, 45)))
    ax.set_xticklabels(["N", "NE", "E", "SE", "S", "SW", "W", "NW"])
    ax.legend(loc="lower left", bbox_to_anchor=(-0.1, -0.12), fontsize=7, frameon=False)
    ax.set_title(title or (f"Horizon of {row_title}" if row_title else "Horizon"), fontsize=10)
    return ax


#: Columns shown in :func:`explore`'s tooltip, where the result has them.
EXPLORE_TOOLTIP = ("building_id", "institution_name", "institution_type", "district_en",
                   "capacity_kwp", "annual_kwh", "specific_yield_kwh_per_kwp", "shading_loss",
                   "status", "reason")
_OSM_DATA = "Buildings: © OpenStreetMap contributors, ODbL 1.0"


def explore(result: Any, *, column: str = "capacity_kwp", tooltip: Sequence[str] | None = None,
            tiles: str | None = "OpenStreetMap") -> Any:
    """An interactive map of a result for Jupyter and the browser (folium, Leaflet).

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate`.
    column : str, default 'capacity_kwp'
        Column to colour the buildings by (a continuous colour bar with its unit; buildings
        without a value are grey).
    tooltip : sequence of str, optional
        Columns shown when the pointer is over a building; default those of
        :data:`EXPLORE_TOOLTIP` the result has.
    tiles : str or None, default 'OpenStreetMap'
        Background map, fetched by the browser when the page is opened (None: no background,
        a page that needs no network but Leaflet's scripts).

    Returns
    -------
    folium.Map
        The buildings as one GeoJSON layer named 'buildings' (``id`` and ``building`` = the
        result's index), with the data labels (SYNTHETIC...) and, for OpenStreetMap data, its
        ODbL attribution in a box on the map. ``.save('map.html')`` writes it.

    Examples
    --------
    >>> import pvsite
    >>> r = pvsite.estimate(pvsite.datasets.shanghai_buildings().head(20),
    ...                     pvsite.datasets.shanghai_weather(), shading=False)
    >>> m = explore(r, tiles=None)
    >>> "pvsite-attribution" in m.get_root().render()
    True
    """
    import branca.colormap
    import folium
    import geopandas as gpd

    if not isinstance(result, gpd.GeoDataFrame):
        raise TypeError(f"explore takes the GeoDataFrame of pvsite.estimate, not "
                        f"{type(result).__name__}.")
    if column not in result:
        raise ValueError(f"column={column!r} is not a column of the result; use one of "
                         f"{[c for c in _LABELS if c in result]}.")
    tips = [c for c in (tooltip if tooltip is not None else EXPLORE_TOOLTIP)
            if c in result and c != column]
    present = result.geometry.notna() & ~result.geometry.is_empty
    frame = result.loc[present, [*tips, column, result.geometry.name]].to_crs(4326)
    # a GeometryCollection (an invalid input row) has no tooltip in Leaflet: draw its parts
    mixed = frame.geom_type.to_numpy() == "GeometryCollection"
    if mixed.any():
        from ..geometry._validate import polygonal_parts

        frame = frame.copy()
        parts = polygonal_parts(frame.geometry[mixed])
        frame.loc[mixed, frame.geometry.name] = [
            g.envelope if p.is_empty else p
            for p, g in zip(parts, frame.geometry[mixed], strict=True)]
    frame.insert(0, "building", frame.index.astype(str))
    values = frame[column].astype(float)
    name, unit, _ = _label(column)
    finite = values[np.isfinite(values)]
    vmax = float(finite.max()) if len(finite) and finite.max() > 0 else 1.0
    vmin = min(float(finite.min()), 0.0) if len(finite) else 0.0
    cmap = branca.colormap.LinearColormap(
        ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"], vmin=vmin, vmax=vmax,
        caption=_with_unit(name, unit))  # ColorBrewer YlOrRd, as the static maps

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        v = feature["properties"].get(column)
        fill = cmap(v) if isinstance(v, (int, float)) and math.isfinite(v) else "#cccccc"
        return {"fillColor": fill, "color": "#444444", "weight": 0.5, "fillOpacity": 0.85}

    x0, y0, x1, y1 = frame.total_bounds if len(frame) else (121.0, 31.0, 122.0, 32.0)
    m = folium.Map(tiles=tiles, control_scale=True)
    m.fit_bounds([[y0, x0], [y1, x1]])
    folium.GeoJson(frame, name="buildings", style_function=style,
                   tooltip=folium.GeoJsonTooltip(["building", *tips, column])).add_to(m)
    cmap.add_to(m)
    labels = str(result.attrs.get("data_labels", ""))
    source = str(result.attrs.get("buildings_source", ""))
    notes = [f"pvsite on {labels.upper()} data" if labels else "pvsite"]
    if "openstreetmap" in (labels + source).lower() or from_osm(result):
        notes.append(_OSM_DATA)
    root: Any = m.get_root()
    root.html.add_child(folium.Element(
        '<div id="pvsite-attribution" style="position:absolute;bottom:48px;left:8px;'
        'z-index:999;background:rgba(255,255,255,0.85);font:11px sans-serif;padding:2px 4px">'
        + " | ".join(html.escape(n) for n in notes) + "</div>"))
    return m
