"""The web layer is thin: only ``regen/web/forecasts.py`` calls into the library; the store calls nothing of it.

Every import in ``regen/web`` and ``regen/store`` is read from the source
(module level and inside functions): a web module other than the adapter may
import only ``regen.web``, ``regen.store`` and ``regen.errors``; the store only
``regen.store`` and ``regen.errors``; and the adapter's module docstring lists
every library module it uses (so the lead's switch list stays true).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "regen"


def _regen_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "regen":
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "regen")
    return found


def _outside(imports: set[str], allowed: tuple[str, ...]) -> list[str]:
    return sorted(m for m in imports if not any(m == a or m.startswith(a + ".") for a in allowed))


@pytest.mark.parametrize("path", sorted((PACKAGE / "web").glob("*.py")), ids=lambda p: p.name)
def test_only_the_adapter_calls_the_library(path):
    if path.name == "forecasts.py":
        return
    assert _outside(_regen_imports(path), ("regen.web", "regen.store", "regen.errors")) == []


@pytest.mark.parametrize("path", sorted((PACKAGE / "store").rglob("*.py")), ids=lambda p: p.name)
def test_the_store_imports_no_library_logic(path):
    assert _outside(_regen_imports(path), ("regen.store", "regen.errors")) == []


def test_the_adapter_lists_every_library_module_it_uses():
    adapter = PACKAGE / "web" / "forecasts.py"
    doc = ast.get_docstring(ast.parse(adapter.read_text(encoding="utf-8")))
    used = _outside(_regen_imports(adapter), ("regen.web", "regen.store", "regen.errors"))
    tree = ast.parse(adapter.read_text(encoding="utf-8"))
    attributes = {
        f"regen.{n.attr}"
        for n in ast.walk(tree)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "regen"
    }
    for name in [m for m in used if m != "regen"] + sorted(attributes):
        assert name in doc, f"{name} is used by the adapter but not in its list"
