"""Shared fixtures: the in-process CLI runner, the default model, and one fixture per kind of cohort or file.

Test modules take what they need from here instead of building their own copy: patients without outcomes
(as text, with broken rows), patients with outcomes (a frame, a CSV, text cells), small and thin outcome files,
fitted clinic models, a scored file, the shipped tables, copies of the default model file.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import settings
from typer.testing import CliRunner

import regen
from regen.cli import app
from regen.utils.resources import model_path

ROOT = Path(__file__).resolve().parents[1]
Y = ["relief_last_seen_day", "relief_lost_day", "responded"]

# The same examples on every machine and every run: CI tests what was tested here.
settings.register_profile("regen", derandomize=True, database=None)
settings.load_profile("regen")


# --------------------------------------------------------------------------- the command line and the models
@pytest.fixture(scope="session")
def cli():
    """Run ``regen`` in-process: ``cli("predict", "--nerve", "GON")`` returns the typer Result."""
    runner = CliRunner()

    def run(*args, **kwargs):
        return runner.invoke(app, [str(a) for a in args], **kwargs)

    return run


@pytest.fixture(scope="session")
def model():
    """The embedded default model."""
    return regen.load_model()


@pytest.fixture(scope="session")
def predict(model):
    """One patient's prediction as a dict: ``predict(nerve="GON", age=45)``."""

    def run(**columns):
        return regen.predict_patient(model, **columns)

    return run


@pytest.fixture
def default_bundle():
    """A fresh copy of the embedded default model's bundle (``models/default.json`` as a dict), free to change."""
    return json.loads(model_path("default.json").read_text(encoding="utf-8"))


@pytest.fixture
def model_file(tmp_path, default_bundle):
    """``model_file(name="m.json", bundle=None, **values)``: write a model file in the test's folder.

    The default model with the given mechanism parameters set to new values, or ``bundle`` as it is.
    """

    def write(name="m.json", bundle=None, **values):
        data = copy.deepcopy(default_bundle if bundle is None else bundle)
        for key, value in values.items():
            data["parameters"][key]["value"] = value
        path = tmp_path / name
        path.write_text(json.dumps(data), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def control_chars():
    """Anything a terminal would act on (C0 and C1 controls, bidirectional overrides), but \\t and \\n."""
    return re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="session")
def one_line_error():
    """``one_line_error(res, start)``: the command exited 1 with one ``Error: <start>...`` line and no traceback."""

    def check(res, start):
        assert res.exit_code == 1, res.output
        assert "Traceback" not in res.output and res.stderr.count("\n") == 1
        assert res.stderr.startswith(f"Error: {start}"), res.stderr

    return check


@pytest.fixture
def write_file(tmp_path):
    """``write_file(content, name="in.csv")``: text, bytes or a DataFrame (CSV, no index) in the test's folder."""

    def write(content, name="in.csv"):
        path = tmp_path / name
        if isinstance(content, pd.DataFrame):
            content.to_csv(path, index=False)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


# --------------------------------------------------------------------------- patients without outcomes
@pytest.fixture(scope="session")
def patients():
    """500 synthetic patients without outcomes, as text, with three broken rows (3, 10, 20)."""
    frame = regen.simulate_cohort(500, seed=8).drop(columns=Y).astype(str)
    frame["clinic_note"] = "keep, me"
    frame.loc[3, "age"] = "abc"
    frame.loc[10, "nerve"] = "kneecap"
    frame.loc[20, "treated_on"] = "2026-02-30"
    return frame


@pytest.fixture
def patients_csv(tmp_path, patients):
    """``patients`` as ``in.csv`` in the test's own folder."""
    path = tmp_path / "in.csv"
    patients.to_csv(path, index=False)
    return path


@pytest.fixture
def two_patients_csv(tmp_path):
    """The smallest clean input, ``c.csv`` (patient_id, nerve, age: p1 GON 45, p2 SLGN 64), in the test's folder."""
    path = tmp_path / "c.csv"
    path.write_bytes(b"patient_id,nerve,age\np1,GON,45\np2,SLGN,64\n")
    return path


@pytest.fixture(scope="session")
def scored_csv(tmp_path_factory, cli):
    """Six patients (SLGN or GON, rng seed 3, treated 2026-01-05) as ``regen score`` writes them."""
    folder = tmp_path_factory.mktemp("scored")
    src = folder / "in.csv"
    rng = np.random.default_rng(3)
    pd.DataFrame(
        {
            "patient_id": [f"p{i}" for i in range(6)],
            "nerve": rng.choice(["SLGN", "GON"], 6),
            "treated_on": ["2026-01-05"] * 6,
        }
    ).to_csv(src, index=False)
    res = cli("score", src, "-o", folder / "scored.csv")
    assert res.exit_code == 0, res.output
    return folder / "scored.csv"


# --------------------------------------------------------------------------- patients with outcomes
@pytest.fixture(scope="session")
def cohort():
    """4,000 synthetic patients with outcomes (seed 11); known truth in ``.attrs``."""
    return regen.simulate_cohort(4000, seed=11)


@pytest.fixture(scope="session")
def cohort_csv(tmp_path_factory, cli):
    """1,500 synthetic patients with outcomes (seed 5), as ``regen simulate`` writes them."""
    path = tmp_path_factory.mktemp("cohort") / "cohort.csv"
    res = cli("simulate", "-n", "1500", "--seed", "5", "-o", path)
    assert res.exit_code == 0, res.output
    return path


@pytest.fixture(scope="session")
def cohort_text():
    """``cohort_text(n, seed)``: a synthetic cohort with outcomes as the text cells of its CSV (blank where empty)."""

    def make(n, seed):
        return regen.simulate_cohort(n, seed=seed).astype(object).where(lambda f: f.notna(), "").astype(str)

    return make


@pytest.fixture(scope="session")
def clinic_fits(tmp_path_factory, cli):
    """Two cohorts (400 patients, seeds 21 and 22) fitted by ``regen fit --family lognormal``; the first also with
    ``--name clinic``. ``{"a" | "b" | "named": (data csv, model json, fit result)}``."""
    folder = tmp_path_factory.mktemp("fits")
    out = {}
    for key, seed in (("a", 21), ("b", 22)):
        data = folder / f"{key}.csv"
        regen.simulate_cohort(400, seed=seed).to_csv(data, index=False)
        res = cli("fit", data, "-o", folder / f"{key}.json", "--family", "lognormal", "--prior", "none")
        assert res.exit_code == 0, res.output
        out[key] = (data, folder / f"{key}.json", res)
    res = cli(
        "fit", out["a"][0], "-o", folder / "named.json", "--family", "lognormal", "--name", "clinic", "--prior", "none"
    )
    assert res.exit_code == 0, res.output
    out["named"] = (out["a"][0], folder / "named.json", res)
    return out


#: A small outcome table (synthetic): occipital followed to day 56, knee to day 150.
OUTCOMES = {
    "nerve": ["GON"] * 8 + ["IPBSN"] * 6,
    "indication": ["occipital_neuralgia"] * 8 + ["knee_osteoarthritis"] * 6,
    "relief_last_seen_day": ["0", "7", "7", "30", "30", "56", "56", "56", "30", "30", "90", "90", "150", "150"],
    "relief_lost_day": ["7", "30", "30", "56", "56", "", "", "", "90", "90", "150", "150", "", ""],
}


@pytest.fixture
def outcomes_csv(tmp_path):
    """A small outcome table, ``outcomes.csv`` (14 patients): occipital followed to day 56, knee to day 150."""
    path = tmp_path / "outcomes.csv"
    pd.DataFrame(OUTCOMES).to_csv(path, index=False)
    return path


THIN_HEADER = "nerve,relief_last_seen_day,relief_lost_day\n"
#: Outcome tables too thin for a fit: what fit, evaluate and describe must say is missing.
THIN = {
    "one row": THIN_HEADER + "GON,30,60\n",
    "all censored": THIN_HEADER + "GON,30,\nGON,40,\nSLGN,50,\n",
    "all non-responders": THIN_HEADER + "GON,0,7\nGON,0,14\nSLGN,0,10\n",
    "no relief_lost_day column": "nerve,relief_last_seen_day\nGON,30\nGON,40\nSLGN,50\n",
}


@pytest.fixture
def outcome_file(tmp_path):
    """``outcome_file(case)``: ``outcomes.csv`` in the test's folder holding a thin table (``"one row"``,
    ``"all censored"``, ``"all non-responders"``, ``"no relief_lost_day column"``) or any outcome text given.

    ``outcome_file.one_indication(n, age=False)``: ``n`` occipital rows, all observed (relief ends on day
    40 + 5 i, last seen on day 20 + 3 i), with an age of 30 + i (or 30 + 2 i when ``age="spread"``).
    """

    def write(case):
        path = tmp_path / "outcomes.csv"
        path.write_text(THIN.get(case, case), encoding="utf-8")
        return path

    def one_indication(n, age=False):
        step = 2 if age == "spread" else 1
        rows = [f"GON,{20 + 3 * i},{40 + 5 * i}" + (f",{30 + step * i}" if age else "") for i in range(n)]
        return THIN_HEADER.replace("\n", ",age\n" if age else "\n") + "\n".join(rows) + "\n"

    write.one_indication = one_indication
    return write


# --------------------------------------------------------------------------- published studies (the shipped tables)
@pytest.fixture(scope="session")
def studies():
    """``data/studies.csv``: published relief outcomes, one row per reported number."""
    return pd.read_csv(ROOT / "data" / "studies.csv", dtype={"used": str})


@pytest.fixture(scope="session")
def indications():
    """``data/indications.csv``: the indication catalog."""
    return pd.read_csv(ROOT / "data" / "indications.csv")


@pytest.fixture(scope="session")
def nerves():
    """``data/nerves.csv``: the nerve catalog."""
    return pd.read_csv(ROOT / "data" / "nerves.csv")
