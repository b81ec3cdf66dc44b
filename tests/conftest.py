"""Shared fixtures: the in-process CLI runner, the default model, synthetic cohorts."""

from __future__ import annotations

import pytest
from hypothesis import settings
from typer.testing import CliRunner

import regen
from regen.cli import app

Y = ["relief_last_seen_day", "relief_lost_day", "responded"]

# The same examples on every machine and every run: CI tests what was tested here.
settings.register_profile("regen", derandomize=True, database=None)
settings.load_profile("regen")


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


@pytest.fixture(scope="session")
def cohort():
    """4,000 synthetic patients with outcomes (seed 11); known truth in ``.attrs``."""
    return regen.simulate_cohort(4000, seed=11)


@pytest.fixture(scope="session")
def patients():
    """500 synthetic patients without outcomes, as text, with three broken rows (3, 10, 20)."""
    frame = regen.simulate_cohort(500, seed=8).drop(columns=Y).astype(str)
    frame["clinic_note"] = "keep, me"
    frame.loc[3, "age"] = "abc"
    frame.loc[10, "nerve"] = "kneecap"
    frame.loc[20, "treated_on"] = "2026-02-30"
    return frame
