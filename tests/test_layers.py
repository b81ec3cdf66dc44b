"""Imports run one way: contracts -> maths -> model -> fitting -> I/O and presentation.

Every import inside regen/ (module level or inside a function) is read from the
source; a module may import only modules of its own layer or a lower one, and
there is no cycle at all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "regen"

#: Each module of regen/ and its layer (a new module must be placed here).
LAYERS = {
    0: ("_version", "errors", "resources", "columns", "parsing", "catalog", "catalog_checks", "parameters",
        "dates", "headers", "schema", "column_docs", "tables", "datasets", "files"),
    1: ("aft", "mechanism", "fronts", "planning", "covariates", "turnbull"),
    2: ("relief", "laws", "bundle", "prediction", "model", "scoring", "prediction_text"),
    3: ("outcomes", "relief_model", "fitting", "evaluation", "describe", "simulate", "summary_fit",
        "validation"),
    4: ("io", "dask_engine", "report", "report_tables", "plots", "listing", "cli_options", "cli_predict", "cli",
        "__main__"),
}
LAYER = {name: level for level, names in LAYERS.items() for name in names}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "regen":
                found.update(alias.name for alias in node.names)
            elif node.module.startswith("regen."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("regen."))
    return found


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")
GRAPH = {name: _imports(PACKAGE / f"{name}.py") & set(MODULES) for name in MODULES}


def test_every_module_has_a_layer():
    assert sorted(set(MODULES) - set(LAYER)) == []


@pytest.mark.parametrize("name", MODULES)
def test_no_import_from_a_higher_layer(name):
    higher = sorted(t for t in GRAPH[name] if LAYER[t] > LAYER[name])
    assert higher == [], f"{name} (layer {LAYER[name]}) imports {higher}"


def test_no_import_cycle():
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in GRAPH[node]:
            if state.get(target) == 1:
                pytest.fail("import cycle: " + " -> ".join([*path, node, target]))
            if target not in state:
                visit(target, [*path, node])
        state[node] = 2

    for name in MODULES:
        if name not in state:
            visit(name, [])


def test_the_checker_sees_function_level_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from regen.cli import app\n    import regen.model\n")
    assert _imports(module) == {"cli", "model"}
