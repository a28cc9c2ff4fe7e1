"""The analyst's documents work: the notebook runs on the bundled data without an error, and
docs/data_dictionary.md is up to date with the code and lists exactly the columns written."""

import importlib.util
import json
from pathlib import Path

import pandas as pd
import pytest

import pvsite
from pvsite.cli import OUTPUT_FILES, main

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "shanghai_50mw.ipynb"


def _make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebook_is_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
    first = "".join(nb["cells"][0]["source"])
    assert "SYNTHETIC" in first and "GENERATED" in first and "read_footprints" in first


def test_notebook_code_lines_fit_the_line_length():
    # ruff's line-length (pyproject.toml) holds in the notebook's code cells too
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    long = [line for cell in nb["cells"] if cell["cell_type"] == "code"
            for line in "".join(cell["source"]).splitlines() if len(line) > 100]
    assert long == []


@pytest.mark.notebook
def test_notebook_runs_without_errors(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat", reason="pip install -e '.[test]'")
    nbclient = pytest.importorskip("nbclient", reason="pip install -e '.[test]'")
    monkeypatch.setenv("MPLBACKEND", "Agg")  # the kernel inherits it: no display needed
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # raises CellExecutionError on the first cell that fails
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    stderr = "".join(o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
                     if o.output_type == "stream" and o.name == "stderr")
    for bad in ("Glyph", "PvsiteWarning", "Traceback"):  # e.g. CJK names without a font
        assert bad not in stderr, stderr
    assert list(tmp_path.iterdir()) == []  # the export went to a temporary folder


def test_data_dictionary_is_up_to_date():
    text = (ROOT / "docs" / "data_dictionary.md").read_text(encoding="utf-8")
    assert text == _make_docs().render(), "run: python scripts/make_docs.py"


def test_data_dictionary_lists_the_columns_written(tmp_path):
    b = pvsite.datasets.shanghai_buildings().head(40)
    src = tmp_path / "in.gpkg"
    b.to_file(src)
    out = tmp_path / "out"
    assert main(["run", "--footprints", str(src), "--target-kw", "1000", "--no-maps",
                 "--out", str(out)]) == 0
    assert {p.name for p in out.iterdir()} == {n for n in OUTPUT_FILES if not n.endswith(".png")}
    for name, (_, columns) in OUTPUT_FILES.items():
        if columns:
            header = list(pd.read_csv(out / name, nrows=0).columns)
            assert header == list(columns), name
    header = list(pd.read_csv(out / "buildings.csv", nrows=0).columns)
    demo = _make_docs().DEMO_INPUT_COLUMNS
    assert set(b.columns) - {"geometry"} == set(demo)
    assert header[0] == "building"
    # horizon_deg (72 numbers a row) stays out of flat files unless asked for
    assert set(header[1:]) == set(demo) | set(pvsite.OUTPUT_COLUMNS) - {"horizon_deg"}
