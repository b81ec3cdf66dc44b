"""Imports run one way, down an ordered list of folders.

Every import inside regen/ (module level or inside a function) is read from the
source; a module may import only its own folder or a folder above it in
:data:`LAYERS` (the root modules ``errors`` and ``_version`` from anywhere), and
there is no cycle between modules at all. The developer docs' architecture page
lists the same folders in the same order.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "regen"
DOCS = PACKAGE.parent / "docs" / "developer" / "architecture.md"

#: The layers, lowest first: a folder may import the folders before it, never after it.
LAYERS = [
    "utils",
    "catalog",
    "schema",
    "files",
    "stats",
    "mechanism",
    "planning",
    "model",
    "fitting",
    "batch",
    "reporting",
    "store",
    "web",
    "cli",
]
#: Modules at the package root, each with its reason.
ROOT_MODULES = {
    "__init__": "the public API (lazy: import regen stays fast)",
    "__main__": "python -m regen",
    "_version": "the version, read by the build backend",
    "errors": "the exception hierarchy every layer raises",
}
BASE = ("errors", "_version")  # importable from any layer


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(["regen", *parts])


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                raise AssertionError(f"{path}: relative import (write the full regen.* path)")
            if node.module == "regen":
                found.update(f"regen.{alias.name}" for alias in node.names)
            elif node.module.startswith("regen."):
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("regen."))
    return found


SOURCES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {t for t in _imports(path) if t in SOURCES and t != name} for name, path in SOURCES.items()}


def _layer(module: str) -> str | None:
    """The folder a module lives in (None for a root module)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in LAYERS) else None


def test_the_folders_are_the_layers():
    folders = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    assert len(LAYERS) <= 14
    assert [f for f in folders if f not in LAYERS] == []
    nested = (
        PACKAGE / "store" / "migrations",  # Alembic's environment and revisions: scripts Alembic runs
        PACKAGE / "fitting" / "evidence",  # the evidence model: one idea in several modules (needs the bayes extra)
        PACKAGE / "fitting" / "clinic",  # a clinic's fit from the evidence: the same (needs the bayes extra)
    )
    stray = sorted(
        p.parent.name
        for p in PACKAGE.rglob("*.py")
        if p.parent != PACKAGE and p.parent.parent != PACKAGE and not any(n in p.parents for n in nested)
    )
    assert stray == [], f"modules below a layer folder's own level: {stray}"


def test_the_root_holds_only_its_modules():
    assert sorted(p.stem for p in PACKAGE.glob("*.py")) == sorted(ROOT_MODULES)


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_no_import_from_a_higher_layer(name):
    here = _layer(name)
    if here is None:
        return  # the root: __init__ re-exports the public API, __main__ runs the CLI
    higher = sorted(t for t in GRAPH[name] if _layer(t) is not None and LAYERS.index(_layer(t)) > LAYERS.index(here))
    assert higher == [], f"{name} ({here}) imports {higher}"
    root = sorted(
        t for t in GRAPH[name] | _from_root(SOURCES[name]) if _layer(t) is None and t.split(".")[-1] not in BASE
    )
    assert root == [], f"{name} imports the package root {root}: import from the layer that defines it"


def _from_root(path: Path) -> set[str]:
    """Names a module takes from ``regen`` itself (``from regen import load_model``): the public API, not a layer."""
    return {
        f"regen.{a.name}"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module == "regen"
        for a in node.names
        if f"regen.{a.name}" not in SOURCES
    }


def test_no_import_cycle():
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(GRAPH[node]):
            if state.get(target) == 1:
                pytest.fail("import cycle: " + " -> ".join([*path, node, target]))
            if target not in state:
                visit(target, [*path, node])
        state[node] = 2

    for name in sorted(SOURCES):
        if name not in state and _layer(name) is not None:
            visit(name, [])


def test_the_checker_sees_function_level_imports(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from regen.cli import app\n    import regen.model.model\n")
    assert _imports(module) == {"regen.cli", "regen.cli.app", "regen.model.model"}


def test_the_tests_mirror_the_layers():
    """tests/<layer>/test_<subject>.py tests the code of a layer, tests/project/ the whole project; nothing on top."""
    tests = PACKAGE.parent / "tests"
    folders = sorted(p.name for p in tests.iterdir() if p.is_dir() and not p.name.startswith((".", "__")))
    assert [f for f in folders if f not in [*LAYERS, "project"]] == []
    assert sorted(p.name for p in tests.glob("*.py")) == ["conftest.py"]


def test_the_architecture_page_lists_the_layers_in_order():
    rows = re.findall(r"^\|\s*`([a-z_]+)`\s*\|", DOCS.read_text(encoding="utf-8"), flags=re.M)
    assert rows == LAYERS
