"""One formatter and one linter over the whole tree (ruff, configured in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TREE = ["regen", "tests", "scripts", "benchmarks", "cli.py"]


def _ruff() -> list[str]:
    beside = Path(sys.executable).with_name("ruff")
    found = str(beside) if beside.exists() else shutil.which("ruff")
    if found is None:
        pytest.fail("ruff is not installed: pip install '.[test]'")
    return [found]


@pytest.mark.parametrize("command", [["format", "--check", "--quiet"], ["check", "--quiet"]])
def test_ruff(command):
    done = subprocess.run([*_ruff(), *command, *TREE], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
