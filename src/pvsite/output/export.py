"""Write results to files other tools open: GeoJSON, GeoPackage, GeoParquet, CSV.

Every writer is atomic: it writes a temporary file beside the target and renames it, so a
crash never leaves half a file under the final name.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["EXCEL_SHEETS", "join_geoparquet", "results_folder", "to_csv", "to_excel",
           "to_geojson", "to_geopackage", "to_geoparquet", "write_layers", "write_weather_csv"]

#: The sheets of :func:`to_excel`, in order, and what each holds.
EXCEL_SHEETS: dict[str, str] = {
    "buildings": "one row per input building: the estimate (no geometry, no horizon)",
    "institutions": "totals per institution (pvsite.rollup(result, 'institution'))",
    "districts": "totals per district, Chinese and English names",
    "types": "totals per institution type",
    "shortfall": "per district: potential, plan, target and gap",
    "plan": "the ranked roofs that reach the target, in plan order",
    "notes": "data labels and sources, the target and how it was read",
}
#: Units by column-name ending, for columns whose description gives none.
_SUFFIX_UNITS = (("_kwh_per_kwp", "kWh/kWp"), ("_yuan_per_kwh", "yuan/kWh"), ("_kwp", "kWp"),
                 ("_kw", "kW"), ("_kwh", "kWh"), ("_m2", "m^2"), ("_tce", "tce"), ("_t", "t"),
                 ("_yuan", "yuan"), ("_years", "a"), ("_deg", "deg"), ("_m", "m"))


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


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (one of another user counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(parent: Path, name: str) -> None:
    """Remove ``.NAME.tmp-PID-*`` and ``.NAME.old-PID-*`` folders whose process is dead."""
    for kind in ("tmp", "old"):
        for p in parent.glob(f".{name}.{kind}-*-*"):
            pid = p.name[len(f".{name}.{kind}-"):].split("-")[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                shutil.rmtree(p, ignore_errors=True)


def _swap_in(tmp: Path, path: Path) -> None:
    """Rename the folder ``tmp`` onto ``path``, moving an existing ``path`` aside first."""
    aside: list[Path] = []
    try:
        for _ in range(100):  # another run may put its folder there between two renames
            try:
                os.rename(tmp, path)  # onto a missing (or empty) folder: atomic
                return
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
            old = path.parent / f".{path.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
            with contextlib.suppress(FileNotFoundError):
                os.rename(path, old)  # the window: from here to the rename above, no `path`
                aside.append(old)
        raise OSError(f"{path}: could not rename the new results into place")
    finally:
        for old in aside:
            shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def results_folder(path: str | Path) -> Iterator[Path]:
    """Yield a new temporary folder beside ``path``; put it in place of ``path`` at the end.

    A reader of ``path`` sees the earlier run's files or the new run's, never a mix: the
    files are written into ``.NAME.tmp-PID-RANDOM`` in the same parent folder, and when the
    block succeeds the old ``path`` is renamed aside and the new folder renamed onto
    ``path`` (both :func:`os.rename`, atomic on one file system), then the old one removed.
    Between those two renames (microseconds) ``path`` does not exist: a reader then finds
    no folder, never a mixed one. Two runs into one folder each write their own temporary
    folder, and the last to finish wins whole. If the block raises (an error, or
    ``SystemExit``/``KeyboardInterrupt`` from a signal handler), the temporary folder is
    removed and ``path`` is left as it was. A process killed with SIGKILL leaves ``path``
    whole and its temporary folder behind; the next call removes such folders whose
    process id is no longer running.

    Parameters
    ----------
    path : str or Path
        The results folder; its parent is made if missing.

    Yields
    ------
    Path
        The temporary folder to write into.
    """
    path = Path(path)
    parent = path.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(parent, path.name)
    tmp = parent / f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    tmp.mkdir()
    try:
        yield tmp
        _swap_in(tmp, path.absolute())
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


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


def _is_array_column(series: pd.Series) -> bool:
    """Whether a column holds lists or arrays (``horizon_deg``): flat files leave it out."""
    return series.dtype == object and bool(series.map(
        lambda v: isinstance(v, (list, tuple, np.ndarray))).any())


def _flat(table: Any, horizon: bool) -> Any:
    """``table`` without array columns (or with them as one-line JSON text if ``horizon``)."""
    geometry = table.geometry.name if hasattr(table, "geometry") else None
    arrays = [c for c in table.columns if c != geometry and _is_array_column(table[c])]
    if not arrays:
        return table
    if not horizon:
        return table.drop(columns=arrays)
    out = table.copy()
    for c in arrays:
        out[c] = out[c].map(lambda v: json.dumps(_json_value(v), separators=(",", ":")))
    return out


def _rounded_geometry(gj: dict[str, Any], decimals: int) -> dict[str, Any]:
    """A GeoJSON geometry with its coordinates rounded (a GeometryCollection's members too)."""
    if gj["type"] == "GeometryCollection":
        return {"type": gj["type"],
                "geometries": [_rounded_geometry(g, decimals) for g in gj["geometries"]]}
    return {"type": gj["type"], "coordinates": _round_coords(gj["coordinates"], decimals)}


def geojson_text(gdf: Any, *, decimals: int = 7, metadata: dict[str, Any] | None = None,
                 key: bool = False) -> str:
    """GeoJSON text of a GeoDataFrame per RFC 7946: WGS84, counter-clockwise exteriors.

    Deterministic (one feature per line, keys in column order), so files written from the
    same data are identical byte for byte. Missing and non-finite values become ``null``.
    With ``key``, each feature's ``id`` is its row's index label, also kept as the first
    property, ``building`` (``building_index`` where the input has a ``building`` column, as
    OpenStreetMap data do): the key that joins it back to the CSV tables. Where labels repeat
    (a plan with a building's roof and its facade) ids stay unique: the ``rank`` column's
    value if the frame has one, else the row number. (Without ``key``, the text of the
    bundled data files, which scripts/make_data.py writes byte for byte.)
    """
    import shapely

    wgs = gdf.to_crs(4326) if gdf.crs is not None and gdf.crs.to_epsg() != 4326 else gdf
    geoms = shapely.orient_polygons(wgs.geometry.to_numpy(), exterior_cw=False)
    props = wgs.drop(columns=wgs.geometry.name)
    if key:
        props = props.copy()
        props.insert(0, _key_name(props.columns), props.index)
    columns = list(props.columns)
    records = props.to_numpy(dtype=object)
    if gdf.index.is_unique:
        ids = [_json_value(v) for v in gdf.index]
    else:  # GDAL, QGIS and Leaflet expect one feature per id
        ids = (gdf["rank"].tolist() if "rank" in gdf.columns and gdf["rank"].is_unique
               else list(range(len(gdf))))
    lines = []
    for fid, geom, row in zip(ids, geoms, records, strict=True):
        if geom is None or shapely.is_empty(geom):
            gj = None
        else:
            gj = _rounded_geometry(shapely.geometry.mapping(geom), decimals)
        feature: dict[str, Any] = {"type": "Feature"}
        if key:
            feature["id"] = fid if isinstance(fid, (int, float)) else str(fid)
        feature["properties"] = {c: _json_value(v) for c, v in zip(columns, row, strict=True)}
        feature["geometry"] = gj
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
        The file written; each feature's ``id`` and first property ``building`` are its index
        label (``building_index`` if the result has a ``building`` column, as OSM data do).
        ``result.attrs['label']`` (e.g. "synthetic") goes into a top-level
        ``metadata`` member.
    """
    path = Path(path)
    meta = {k: v for k, v in result.attrs.items() if isinstance(v, (str, int, float))}
    text = geojson_text(result, decimals=decimals, metadata=meta or None, key=True)
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _plain(result: Any, horizon: bool = True) -> Any:
    """Columns GDAL and Arrow can store: arrays dropped or, if ``horizon``, JSON text."""
    out = _flat(result, horizon)
    geometry = out.geometry.name if hasattr(out, "geometry") else None
    for col in out.columns:
        if col == geometry:
            continue
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, dict)).any():
            out = out.copy() if out is result else out
            out[col] = out[col].map(lambda v: json.dumps(_json_value(v)))
    return out


def _with_key(result: Any) -> Any:
    """``result`` with its index as a first ``building`` column (the key that joins files)."""
    out = result.copy()
    out.insert(0, _key_name(out.columns), out.index.to_numpy())
    return out.reset_index(drop=True)  # the key is a column: GDAL need not write the index


def _key_name(columns: Any) -> str:
    """``building``, or ``building_index`` if the table has a ``building`` column (OSM tag)."""
    return "building" if "building" not in columns else "building_index"


def to_geopackage(result: Any, path: str | Path, *, layer: str = "buildings",
                  horizon: bool = False) -> Path:
    """Write a GeoDataFrame as a GeoPackage layer (its own CRS), atomically.

    Parameters
    ----------
    result : GeoDataFrame
        Written with its index as a ``building`` column (the key to join the CSV tables;
        ``building_index`` if it has a ``building`` column already, as OSM data do).
    path : str or Path
        Target file.
    layer : str, default 'buildings'
        Layer name.
    horizon : bool, default False
        Keep array columns (``horizon_deg``) as JSON text; by default they are left out.

    Returns
    -------
    Path
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        _plain(_with_key(result), horizon).to_file(tmp, layer=layer, driver="GPKG",
                                                   engine="pyogrio")
    return path


def to_geoparquet(result: Any, path: str | Path) -> Path:
    """Write a GeoDataFrame as GeoParquet (its own CRS; arrays as JSON text), atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        _plain(result).to_parquet(tmp)
    return path


def join_geoparquet(parts: list[Path], path: str | Path, *, rows: int = 65_536) -> Path:
    """One GeoParquet from parts written by :func:`to_geoparquet`, atomically.

    The parts (the same columns, in one CRS) are copied ``rows`` at a time, so memory holds
    one batch whatever their size. A column that is empty in one part (all missing: Arrow's
    null type) takes its type from the others; the GeoParquet metadata is the first part's,
    with the bounding box and geometry types of them all, so ``geopandas.read_parquet``
    reads the file back with its CRS and index.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    schemas = [pq.read_schema(p) for p in parts]
    geos = [json.loads(s.metadata[b"geo"]) for s in schemas]
    geo = geos[0]
    for name, spec in geo["columns"].items():
        boxes = np.array([g["columns"][name]["bbox"] for g in geos
                          if len(g["columns"][name].get("bbox") or ()) == 4], dtype=float)
        boxes = boxes[np.isfinite(boxes).all(axis=1)] if boxes.size else boxes
        if boxes.size:
            spec["bbox"] = [*boxes[:, :2].min(axis=0).tolist(), *boxes[:, 2:].max(axis=0).tolist()]
        else:
            spec.pop("bbox", None)
        spec["geometry_types"] = sorted({t for g in geos
                                         for t in g["columns"][name].get("geometry_types", [])})
    schema = pa.unify_schemas(schemas, promote_options="permissive")
    schema = schema.with_metadata({**schemas[0].metadata, b"geo": json.dumps(geo).encode()})
    with atomic_path(path) as tmp:
        with pq.ParquetWriter(tmp, schema) as writer:
            for part in parts:
                for batch in pq.ParquetFile(part).iter_batches(batch_size=rows):
                    table = pa.Table.from_batches([batch])
                    writer.write_table(table.cast(schema) if table.schema != schema else table)
    return path


def _decimal(value: float) -> str:
    """A float as a plain decimal (never 1.14387e+07), at most 6 decimals, trailing 0s cut."""
    if not math.isfinite(value):
        return "" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return np.format_float_positional(round(value, 6), trim="-")


#: Decimals kept in CSV files, by column-name ending (first match; others keep 6): 0.01 kWh,
#: 1 W, 10 cm^2, 0.1 kg, finer than any input (pvsite assumption: display precision only).
_CSV_DECIMALS = (("_yuan_per_kwh", 4), ("_kwh_per_kwp", 3), ("_kwh", 2), ("_kwp", 3),
                 ("_kw", 3), ("_m2", 3), ("_yuan", 2), ("_tce", 4), ("_t", 4), ("_m", 3))


def _csv_frame(table: Any, horizon: bool) -> pd.DataFrame:
    """Any table pvsite returns as a plain DataFrame a CSV can hold."""
    import shapely

    if isinstance(table, pd.Series):
        table = table.to_frame(table.name if table.name is not None else "value")
    df = pd.DataFrame(_flat(table, horizon)).copy()
    for col in df.columns:
        if str(df[col].dtype) == "geometry":  # a plain Series of geometries: no .to_wkt
            df[col] = shapely.to_wkt(np.asarray(df[col], dtype=object))
    if isinstance(df.columns, pd.MultiIndex):
        df.columns = [" ".join(str(x) for x in c if str(x)) for c in df.columns]
    for col in df.columns:
        if pd.api.types.is_float_dtype(df[col].dtype):
            places = next((n for end, n in _CSV_DECIMALS if str(col).endswith(end)), 6)
            df[col] = df[col].round(places)
    return df


def to_csv(table: Any, path: str | Path, *, horizon: bool = False) -> Path:
    """Write a table as CSV that Excel opens (UTF-8 with a BOM), atomically.

    Parameters
    ----------
    table : DataFrame, GeoDataFrame or Series
        Any table pvsite returns, with any index (a MultiIndex becomes several columns).
    path : str or Path
        Target file.
    horizon : bool, default False
        Keep array columns (``horizon_deg``) as one-line JSON text; by default left out.

    Returns
    -------
    Path
        Written as ``utf-8-sig`` (so Excel on a Chinese Windows reads 嘉定区, not mojibake),
        with newline line ends, numbers as plain decimals with no exponent (0.01 kWh, 0.001
        kWp, 0.001 m^2, 6 decimals for shares and other columns), a geometry column as WKT,
        missing values empty.

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> p = to_csv(pd.DataFrame({"kwh": [11438700.0]}),
    ...            pathlib.Path(tempfile.mkdtemp()) / "t.csv")
    >>> p.read_text(encoding="utf-8-sig").splitlines()[1]
    '0,11438700'
    """
    path = Path(path)
    df = _csv_frame(table, horizon)
    with atomic_path(path) as tmp:
        df.to_csv(tmp, float_format=_decimal, lineterminator="\n", encoding="utf-8-sig")
    return path


def _unit(column: str, docs: dict[str, str]) -> str:
    """The unit of a column: the last [...] of its description, else from its name's ending."""
    import re

    found = re.findall(r"\[([^\]]+)\]", docs.get(column, ""))
    if found:
        return found[-1]
    return next((u for end, u in _SUFFIX_UNITS if column.endswith(end)), "")


def _sheet(table: pd.DataFrame, docs: dict[str, str], index: str | None) -> pd.DataFrame:
    """A sheet's table: index as first column(s), arrays left out, units in the header.

    An unnamed index is named ``index``; with ``index=None`` it is dropped.
    """
    df = _csv_frame(table, horizon=False)
    if index is None:
        df = df.reset_index(drop=True)
    else:
        df = df.rename_axis([index] if df.index.nlevels == 1 and not df.index.name
                            else df.index.names).reset_index()
    df.columns = [f"{c} [{_unit(str(c), docs)}]" if _unit(str(c), docs) else str(c)
                  for c in df.columns]
    return df


def to_excel(result: Any, path: str | Path, *, report: Any = None,
             target_kw: float | None = None) -> Path:
    """Write the results a planner opens as one Excel workbook (.xlsx), atomically.

    Parameters
    ----------
    result : GeoDataFrame
        From :func:`pvsite.estimate`.
    path : str or Path
        Target ``.xlsx`` file.
    report : ShortfallReport, optional
        From :func:`pvsite.shortfall`; default ``pvsite.shortfall(result, target_kw)``.
    target_kw : float, optional
        Capacity target [kW] when ``report`` is not given; default ``Assumptions().target_kw``.

    Returns
    -------
    Path
        A workbook with the sheets of :data:`EXCEL_SHEETS` (buildings, institutions,
        districts, types, shortfall, plan, notes); each header cell names the column and its
        unit (``capacity_kwp [kWp]``), the header row is frozen, district names are in
        Chinese (``district``) and English (``district_en``).
    """
    from ..results.rollup import COLUMNS as ROLLUP_COLUMNS
    from ..results.rollup import rollup
    from ..results.schema import OUTPUT_COLUMNS
    from ..results.shortfall import PLAN_COLUMNS, TABLE_COLUMNS, shortfall

    path = Path(path)
    if report is None:
        report = shortfall(result, target_kw)
    docs = {**OUTPUT_COLUMNS, **ROLLUP_COLUMNS, **TABLE_COLUMNS, **PLAN_COLUMNS}
    geometry = getattr(getattr(result, "geometry", None), "name", None)
    flat = pd.DataFrame(result.drop(columns=geometry) if geometry else result)
    english: dict[str, str] = {}
    if "district_en" in flat:
        pairs = flat[["district", "district_en"]].dropna().drop_duplicates("district")
        english = {str(k): str(v) for k, v in pairs.itertuples(index=False)}

    def named(table: pd.DataFrame) -> pd.DataFrame:
        table = table.copy()
        if "district" in table.columns and "district_en" not in table.columns:
            table.insert(table.columns.get_loc("district") + 1, "district_en",
                         [english.get(str(d), "") for d in table["district"]])
        elif table.index.name == "district" and "district_en" not in table.columns:
            table.insert(0, "district_en", [english.get(str(d), "") for d in table.index])
        return table

    target = report.target_kw
    sheets = {
        "buildings": _sheet(flat, docs, "building"),
        "institutions": _sheet(named(rollup(result, "institution", target_kw=target)), docs,
                               "institution_id"),
        "districts": _sheet(named(rollup(result, "district", target_kw=target)), docs,
                            "district"),
        "types": _sheet(rollup(result, "institution_type", target_kw=target), docs,
                        "institution_type"),
        "shortfall": _sheet(named(report.table), docs, "district"),
        "plan": _sheet(named(report.plan), docs, None),
    }
    notes = [("data", str(result.attrs.get("data_labels", "")) or "as given"),
             ("buildings source", str(result.attrs.get("buildings_source", ""))),
             *([("attribution", str(result.attrs["attribution"]))]
               if result.attrs.get("attribution") else []),
             ("target [kW]", f"{report.target_kw:,.0f} ({report.target_reading})"),
             *[("note", line) for line in report.summary().splitlines()],
             ("counts", "buildings, suitable, capacity_kwp, annual_kwh...: every building, "
                        "public or not; public_*, share_of_target and the shortfall and plan "
                        "sheets: public institutions only"),
             ("units", "in [brackets] after each column name; [-] is a count or a ratio")]
    with atomic_path(path) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                frame.to_excel(writer, sheet_name=name, index=False, inf_rep="inf",
                               freeze_panes=(1, 1))
            pd.DataFrame(notes, columns=["item", "value"]).to_excel(
                writer, sheet_name="notes", index=False)
            for ws in writer.book.worksheets:
                for cells in ws.iter_cols(min_row=1, max_row=min(ws.max_row, 50)):
                    width = max(len(str(c.value)) if c.value is not None else 0 for c in cells)
                    ws.column_dimensions[cells[0].column_letter].width = min(max(width, 8), 60)
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
