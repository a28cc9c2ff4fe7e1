"""Write results to files other tools open: GeoJSON, GeoPackage, GeoParquet, CSV.

Every writer is atomic: it writes a temporary file beside the target and renames it, so a
crash never leaves half a file under the final name.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["to_csv", "to_geojson", "to_geopackage", "to_geoparquet", "write_layers",
           "write_weather_csv"]


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        tmp_path.unlink()  # writers (GDAL) may refuse to overwrite; let them create it
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _json_value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(v) else float(v)
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    if isinstance(v, (list, tuple, np.ndarray)):
        return [_json_value(x) for x in v]
    return v if isinstance(v, (str, int)) else str(v)


def _round_coords(obj: Any, decimals: int) -> Any:
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(float(x), decimals) for x in obj]
        return [_round_coords(x, decimals) for x in obj]
    return obj


def geojson_text(gdf: Any, *, decimals: int = 7, metadata: dict[str, Any] | None = None) -> str:
    """GeoJSON text of a GeoDataFrame per RFC 7946: WGS84, counter-clockwise exteriors.

    Deterministic (one feature per line, keys in column order), so files written from the
    same data are identical byte for byte. Missing and non-finite values become ``null``.
    """
    import shapely

    wgs = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    geoms = shapely.orient_polygons(wgs.geometry.to_numpy(), exterior_cw=False)
    props = wgs.drop(columns=wgs.geometry.name)
    columns = list(props.columns)
    records = props.to_numpy(dtype=object)
    lines = []
    for geom, row in zip(geoms, records, strict=True):
        if geom is None or shapely.is_empty(geom):
            gj = None
        else:
            gj = shapely.geometry.mapping(geom)
            gj = {"type": gj["type"], "coordinates": _round_coords(gj["coordinates"], decimals)}
        feature = {"type": "Feature",
                   "properties": {c: _json_value(v) for c, v in zip(columns, row, strict=True)},
                   "geometry": gj}
        lines.append(json.dumps(feature, ensure_ascii=False, separators=(",", ":"),
                                allow_nan=False))
    head: dict[str, Any] = {"type": "FeatureCollection"}
    if metadata:
        head["metadata"] = metadata
    opening = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1]
    return opening + ',"features":[\n' + ",\n".join(lines) + "\n]}\n"


def to_geojson(result: Any, path: str | Path, *, decimals: int = 7) -> Path:
    """Write a result (or any GeoDataFrame) as RFC 7946 GeoJSON, atomically.

    Parameters
    ----------
    result : GeoDataFrame
        Any CRS; written in WGS84 longitude/latitude with counter-clockwise exterior rings.
    path : str or Path
        Target file.
    decimals : int, default 7
        Coordinate decimals (7 is about 1 cm).

    Returns
    -------
    Path
        The file written. ``result.attrs['label']`` (e.g. "synthetic") goes into a top-level
        ``metadata`` member.
    """
    path = Path(path)
    meta = {k: v for k, v in result.attrs.items() if isinstance(v, (str, int, float))}
    text = geojson_text(result, decimals=decimals, metadata=meta or None)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _plain(result: Any) -> Any:
    """Columns GDAL and Arrow can store: lists and dicts become JSON text."""
    out = result.copy()
    geometry = out.geometry.name if hasattr(out, "geometry") else None
    for col in out.columns:
        if col == geometry:
            continue
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, (list, dict,
                                                                              np.ndarray))).any():
            out[col] = out[col].map(lambda v: json.dumps(_json_value(v)))
    return out


def to_geopackage(result: Any, path: str | Path, *, layer: str = "buildings") -> Path:
    """Write a GeoDataFrame as a GeoPackage layer (its own CRS), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        _plain(result).to_file(tmp, layer=layer, driver="GPKG", engine="pyogrio")
    return path


def to_geoparquet(result: Any, path: str | Path) -> Path:
    """Write a GeoDataFrame as GeoParquet (its own CRS), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        _plain(result).to_parquet(tmp)
    return path


def to_csv(table: Any, path: str | Path, *, float_format: str = "%.6g") -> Path:
    """Write a table as UTF-8 CSV, atomically; a geometry column is written as WKT."""
    import shapely

    path = Path(path)
    df = pd.DataFrame(table).copy()
    for col in df.columns:
        if str(df[col].dtype) == "geometry":  # a plain Series of geometries: no .to_wkt
            df[col] = shapely.to_wkt(np.asarray(df[col], dtype=object))
    with atomic_path(path) as tmp:
        df.to_csv(tmp, float_format=float_format, lineterminator="\n")
    return path


def write_layers(layers: dict[str, Any], path: str | Path) -> Path:
    """Write several GeoDataFrames as the layers of one GeoPackage, atomically."""
    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            frame.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    return Path(path)


def write_weather_csv(weather: pd.DataFrame, path: str | Path) -> None:
    """Write weather in pvsite's CSV format (metadata as '# key: value' lines), atomically."""
    keys = ("title", "label", "source", "latitude", "longitude", "altitude", "tz", "time_label")
    lines = [f"# pvsite weather v1: {weather.attrs.get('title', '')}\n"]
    lines += [f"# {k}: {json.dumps(weather.attrs[k], ensure_ascii=False)}\n"
              for k in keys if k in weather.attrs]
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.writelines(lines)
        weather.to_csv(f, float_format="%.2f", date_format="%Y-%m-%dT%H:%M:%S%z",
                       index_label="time", lineterminator="\n")
