"""The house rules of ../shared/DESIGN.md, read from the package's own imports.

Every ``import`` and ``from ... import`` in src/pvsite, at module level and inside functions,
is resolved to a pvsite module; then: data flows one way (inputs -> geometry -> energy ->
results -> output), nothing imports the CLI, there is no import cycle, no stage draws or
imports the exporters, and no reader writes a result file.
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "pvsite"
#: Stages in the order data flows through them; a stage may import only earlier ones.
STAGES = ("inputs", "geometry", "energy", "results", "output")
#: Modules every stage may use, which import no stage themselves.
FOUNDATION = {"pvsite.assumptions", "pvsite.errors", "pvsite.crs", "pvsite._diskcache"}
#: What drawing or writing takes: never imported by a stage other than output.
DRAWING = ("matplotlib", "folium", "lonboard", "openpyxl")
#: Calls that write a result file (temporary files of a reader, e.g. GDAL's OSM config in a
#: TemporaryDirectory, are not results).
WRITERS = (".to_file(", ".to_csv(", ".to_parquet(", ".savefig(", ".to_excel(")
# (the energy stage's yield grid is kept on disk by the foundation module pvsite._diskcache:
# a cache of a computation, not a result)


def _modules():
    mods = {}
    for path in SRC.rglob("*.py"):
        parts = ("pvsite", *path.relative_to(SRC).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        mods[name] = path
    return mods


MODULES = _modules()


def _imports(name, path):
    """Every module ``name`` imports (absolute names), module level and inside functions."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(up + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES}
    return found


IMPORTS = {name: _imports(name, path) for name, path in MODULES.items()}


def _stage(name):
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def test_the_layout_has_one_subpackage_per_stage():
    for stage in STAGES:
        assert f"pvsite.{stage}" in MODULES, f"src/pvsite/{stage}/__init__.py is missing"
    # the top floor: the chain, the CLI, the dask runner, the GeoParquet streamer, and the
    # two foundations
    for top in ("pipeline", "cli", "distributed", "streaming", "assumptions", "errors"):
        assert f"pvsite.{top}" in MODULES


def test_data_flows_one_way():
    wrong = []
    for name, imports in IMPORTS.items():
        here = _stage(name)
        for target in imports:
            if not target.startswith("pvsite.") or target == name:
                continue
            there = _stage(target)
            if name in FOUNDATION and target not in FOUNDATION:
                wrong.append(f"{name} (foundation) imports {target}")
            elif here is not None and there is None and target not in FOUNDATION:
                wrong.append(f"{name} (stage {here}) imports the top-level {target}")
            elif here is not None and there is not None and \
                    STAGES.index(there) > STAGES.index(here):
                wrong.append(f"{name} ({here}) imports {target} ({there}), a later stage")
    assert not wrong, "\n".join(sorted(wrong))


def test_nothing_imports_the_cli():
    assert not [n for n, imports in IMPORTS.items()
                if "pvsite.cli" in imports and n != "pvsite.cli"]


def test_no_import_cycle():
    graph = {n: {m for m in imports if m in MODULES and m != n and not m.endswith("__init__")
                 and MODULES[m].name != "__init__.py"}
             for n, imports in IMPORTS.items() if MODULES[n].name != "__init__.py"}
    state, cycle = {}, []

    def visit(n, path):
        state[n] = 1
        for m in sorted(graph.get(n, ())):
            if state.get(m) == 1:
                cycle.append(" -> ".join(path[path.index(m):] + [m]))
            elif m not in state:
                visit(m, path + [m])
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n, [n])
    assert not cycle, cycle[0]


@pytest.mark.parametrize("stage", STAGES[:-1])
def test_stages_neither_draw_nor_write(stage):
    bad = []
    for name, imports in IMPORTS.items():
        if _stage(name) != stage:
            continue
        bad += [f"{name} imports {t}" for t in imports if t.split(".")[0] in DRAWING]
        bad += [f"{name} imports {t}" for t in imports if t.startswith("pvsite.output")]
        text = MODULES[name].read_text(encoding="utf-8")
        bad += [f"{name} calls {w}" for w in WRITERS if w in text]
    assert not bad, "\n".join(bad)


def test_the_architecture_test_sees_imports_inside_functions():
    # pipeline imports geopandas inside estimate(); distributed imports dask inside a function
    assert "geopandas" in IMPORTS["pvsite.pipeline"]
    assert "dask" in IMPORTS["pvsite.distributed"]
    assert "pvsite.inputs.datasets" in IMPORTS["pvsite.geometry.institutions"]


def test_estimate_is_a_short_chain():
    """``pipeline.estimate`` chains the stages' steps: its body (docstring aside) stays short."""
    tree = ast.parse(MODULES["pvsite.pipeline"].read_text(encoding="utf-8"))
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "estimate")
    body = fn.body[1:] if isinstance(fn.body[0], ast.Expr) else fn.body
    assert body[-1].end_lineno - body[0].lineno + 1 <= 120
