"""The wheel installs into a fresh environment and works from another folder."""

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    if not (ROOT / "pyproject.toml").is_file():
        pytest.fail("tests must run from a regen checkout")
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out), str(ROOT)], check=True)
    (whl,) = out.glob("regen_cryo-*.whl")
    return whl


def test_wheel_ships_data_inside_the_package(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert not tops & {"models", "data", "tests", "cli.py", "cli"}
    for needed in ("regen/cli.py", "regen/data/nerves.csv", "regen/data/parameters.csv",
                   "regen/models/default.json"):
        assert needed in names


def test_installed_wheel_predicts_from_another_folder(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q",
                    "--no-deps", "--force-reinstall", str(wheel)], check=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": ""}
    res = subprocess.run([str(env_dir / "bin" / "regen"), "predict", "--nerve",
                          "genicular_superolateral", "--age", "64", "--format", "json"],
                         cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    out = json.loads(res.stdout)
    assert out["sensation_return_median_day"] > 0 and out["model_version"]
    res = subprocess.run([str(py), "-c", "import regen, pathlib; print(regen.__file__)"],
                         cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert str(env_dir) in res.stdout
    res = subprocess.run([str(py), "-m", "regen", "--version"], cwd=elsewhere, env=env,
                         capture_output=True, text=True, check=True)
    assert res.stdout.startswith("regen ")
