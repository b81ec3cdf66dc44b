"""The source distribution and the wheel install into a fresh environment and work from another folder.

A fresh virtual environment (no system site packages) gets the built wheel
with its dependencies, resolved by pip as a user's install would; then the
wheel built from the sdist replaces it; then an editable install of the
checkout. Each time `regen predict` runs from an unrelated folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = "Scripts" if os.name == "nt" else "bin"
pytestmark = pytest.mark.slow  # builds an sdist and two wheels, installs them into a fresh environment


def _run(*args, cwd=None, check=True):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(sdist, wheel from the checkout, wheel from the sdist)."""
    if not (ROOT / "pyproject.toml").is_file():
        pytest.fail("tests must run from a regen checkout")
    out = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", out, cwd=ROOT)
    (sdist,) = out.glob("regen_cryo-*.tar.gz")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out / "w", ROOT)
    (wheel,) = (out / "w").glob("regen_cryo-*.whl")
    with tarfile.open(sdist) as tar:
        tar.extractall(out / "src", filter="data")
    (unpacked,) = (out / "src").iterdir()
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out / "s", unpacked)
    (from_sdist,) = (out / "s").glob("regen_cryo-*.whl")
    return sdist, wheel, from_sdist


def test_sdist_has_the_tree_and_no_links(built):
    sdist, _, _ = built
    with tarfile.open(sdist) as tar:
        members = tar.getmembers()
    names = {m.name.split("/", 1)[1] for m in members if "/" in m.name}
    assert not [m.name for m in members if m.issym() or m.islnk()]
    for needed in (
        "cli.py",
        "data/nerves.csv",
        "data/parameters.csv",
        "models/default.json",
        "regen/cli/__init__.py",
        "pyproject.toml",
        "README.md",
    ):
        assert needed in names, needed


@pytest.mark.parametrize("which", [1, 2])
def test_wheels_ship_data_inside_the_package(built, which):
    names = zipfile.ZipFile(built[which]).namelist()
    tops = {n.split("/")[0] for n in names}
    assert not tops & {"models", "data", "tests", "cli.py", "cli", "benchmarks", "scripts"}
    for needed in (
        "regen/cli/__init__.py",
        "regen/data/nerves.csv",
        "regen/data/parameters.csv",
        "regen/data/indications.csv",
        "regen/models/default.json",
    ):
        assert needed in names, needed


def _predict(env_dir: Path, where: Path) -> dict:
    res = _run(
        env_dir / BIN / "regen",
        "predict",
        "--nerve",
        "genicular_superolateral",
        "--age",
        "64",
        "--format",
        "json",
        cwd=where,
    )
    return json.loads(res.stdout)


def test_fresh_environment_installs_and_predicts_from_another_folder(built, tmp_path):
    _, wheel, from_sdist = built
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=False, with_pip=True).create(env_dir)
    py = env_dir / BIN / "python"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    _run(py, "-m", "pip", "install", "-q", wheel)
    first = _predict(env_dir, elsewhere)
    assert first["sensation_return_median_day"] > 0 and "@" in first["model_version"]
    where = _run(py, "-c", "import regen; print(regen.__file__)", cwd=elsewhere).stdout
    assert str(env_dir) in where
    assert _run(py, "-m", "regen", "--version", cwd=elsewhere).stdout.startswith("regen ")
    for top in ("cli", "data", "models"):
        assert _run(py, "-c", f"import {top}", cwd=elsewhere, check=False).returncode != 0, top

    _run(py, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", from_sdist)
    assert _predict(env_dir, elsewhere) == first

    _run(py, "-m", "pip", "install", "-q", "-e", ROOT)  # exact editable mode pulls in `editables`
    assert _predict(env_dir, elsewhere) == first
    where = _run(py, "-c", "import regen; print(regen.__file__)", cwd=elsewhere).stdout
    assert where.strip() == str(ROOT / "regen" / "__init__.py")
    for top in ("cli", "data", "models", "tests"):
        assert _run(py, "-c", f"import {top}", cwd=elsewhere, check=False).returncode != 0, top
