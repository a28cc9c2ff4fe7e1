"""Institution sites mapped without buildings: what their roofs might hold, as a range.

Real maps (OpenStreetMap above all) often draw a school's or a hospital's grounds and none of
its buildings. Their roofs are then missing from the potential. :func:`unmapped_sites` lists
such sites with a capacity range, from the share of a site that buildings cover on the sites
of the same type that do have buildings in the same data (their spread gives the range), and
the capacity per square metre of footprint that the estimate found on those buildings. A range,
never a certain roof: the shortfall keeps them apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..crs import present, to_metric
from ..inputs.sites import containing_site

__all__ = ["DEFAULT_COVERAGE", "MIN_SITES", "unmapped_sites"]

#: Fewest mapped sites of a type from which its coverage range is derived; with fewer, the
#: type takes :data:`DEFAULT_COVERAGE`.
MIN_SITES = 3
#: Share of a site's area covered by building footprints (low, high) where the data hold too
#: few mapped sites of the type. A pvsite assumption: Chinese campus plans keep building
#: coverage (建筑密度) of schools and hospitals at roughly a fifth to a third of the site; no
#: citable per-type figure was found.
DEFAULT_COVERAGE = {"school": (0.15, 0.30), "university": (0.10, 0.25),
                    "hospital": (0.20, 0.40), "government": (0.15, 0.35),
                    "other_public": (0.15, 0.35)}
#: The quantiles of the mapped sites' coverage that bound the range.
QUANTILES = (0.25, 0.75)


def _column(df: Any, names: tuple[str, ...], default: Any = None) -> np.ndarray:
    for name in names:
        if name in df.columns:
            return df[name].to_numpy(dtype=object)
    return np.full(len(df), default, dtype=object)


def unmapped_sites(result: Any, sites: Any, *, min_sites: int = MIN_SITES) -> Any:
    """Sites with no building of ``result`` inside, each with a capacity range.

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate` (``capacity_kwp``, ``status``, ``district``).
    sites : GeoDataFrame
        Institution site polygons with a CRS and a type (``site_type`` or
        ``institution_type``), as ``read_osm(path, layer="sites")`` or
        :func:`pvsite.datasets.shanghai_campuses` return them.
    min_sites : int
        Fewest mapped sites of a type to derive its coverage from (else
        :data:`DEFAULT_COVERAGE`).

    Returns
    -------
    GeoDataFrame
        One row per unmapped site, in the sites' CRS: ``site_id``, ``site_name``,
        ``site_type``, ``district``, ``area_m2`` [m^2], ``coverage_low``, ``coverage_high``
        (share of the site under buildings [0-1]), ``coverage_source`` (where they came from:
        how many mapped sites of the type, or the pvsite assumption), ``kwp_per_m2`` (capacity
        per m^2 of footprint on the mapped buildings of that type [kWp/m^2]),
        ``capacity_kwp_low`` and ``capacity_kwp_high`` [kWp]. ``.attrs['coverage']`` holds the
        table of ratios per type with their sources.

    Examples
    --------
    >>> import pvsite
    >>> b, s = pvsite.datasets.shanghai_campuses("shu")
    >>> r = pvsite.estimate(b, pvsite.datasets.shanghai_weather(), sites=s, shading=False)
    >>> u = pvsite.unmapped_sites(r, s)
    >>> ordered = bool((u["capacity_kwp_low"] <= u["capacity_kwp_high"]).all())
    >>> ordered, "hospital" in set(u["site_type"])
    (True, True)
    """
    import geopandas as gpd

    from ..geometry.institutions import districts_of

    site_m = to_metric(sites)
    area = np.where(present(site_m.geometry.to_numpy()), site_m.geometry.area, 0.0)
    stype = pd.Series(_column(sites, ("site_type", "institution_type"), "other_public"),
                      index=sites.index).fillna("other_public")
    pos = containing_site(result, sites)
    metric = to_metric(result)
    footprint = np.where(present(metric.geometry.to_numpy()), metric.geometry.area, 0.0)
    inside = pd.DataFrame({"site": pos, "footprint": footprint,
                           "kwp": result["capacity_kwp"].to_numpy(dtype=float)})
    inside = inside[inside["site"] >= 0]
    covered = inside.groupby("site")["footprint"].sum().reindex(np.arange(len(sites)),
                                                                 fill_value=0.0)
    kwp = inside.groupby("site")["kwp"].sum().reindex(np.arange(len(sites)), fill_value=0.0)
    mapped = covered.to_numpy() > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(area > 0, covered.to_numpy() / area, np.nan)
    rows = []
    all_kwp = kwp[mapped].sum() / max(covered[mapped].sum(), 1e-9) if mapped.any() else np.nan
    for t in sorted(set(stype)):
        of = (stype == t).to_numpy() & mapped & np.isfinite(share)
        if of.sum() >= min_sites:
            lo, hi = np.quantile(np.clip(share[of], 0, 1), QUANTILES)
            source = (f"{int(of.sum())} mapped {t} sites of these data (quartiles of their "
                      "building coverage)")
        else:
            lo, hi = DEFAULT_COVERAGE.get(t, DEFAULT_COVERAGE["other_public"])
            source = (f"pvsite assumption ({int(of.sum())} mapped {t} sites in these data, "
                      f"fewer than {min_sites})")
        per_m2 = (kwp[of].sum() / covered[of].sum() if of.any() and covered[of].sum() > 0
                  else all_kwp)
        rows.append({"site_type": t, "coverage_low": float(lo), "coverage_high": float(hi),
                     "coverage_source": source, "kwp_per_m2": float(per_m2),
                     "mapped_sites": int(of.sum())})
    ratios = pd.DataFrame(rows).set_index("site_type")
    empty = ~mapped
    out = gpd.GeoDataFrame({
        "site_id": _column(sites, ("site_id", "institution_id"))[empty],
        "site_name": _column(sites, ("site_name", "institution_name", "name"))[empty],
        "site_type": stype.to_numpy()[empty],
    }, geometry=sites.geometry.to_numpy()[empty], crs=sites.crs, index=sites.index[empty])
    dist = districts_of(site_m[empty], None)
    out["district"] = dist["district"].to_numpy() if "district" in dist else None
    out["area_m2"] = area[empty]
    for col in ("coverage_low", "coverage_high", "coverage_source", "kwp_per_m2"):
        out[col] = ratios.loc[out["site_type"], col].to_numpy()
    out["capacity_kwp_low"] = out["area_m2"] * out["coverage_low"] * out["kwp_per_m2"]
    out["capacity_kwp_high"] = out["area_m2"] * out["coverage_high"] * out["kwp_per_m2"]
    out.attrs = {"coverage": ratios, "attribution": sites.attrs.get("attribution", "")}
    return out
