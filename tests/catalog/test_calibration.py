"""The calibration on human return-of-sensation data: reproducible, and each row within its tolerance."""

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from regen.catalog.parameters import parameter_values
from regen.mechanism.regrowth import nerve_time

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "calibrate_mechanism.py"


def _script():
    spec = importlib.util.spec_from_file_location("calibrate_mechanism", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cal = _script()
OBS = cal.load_observations()
P = parameter_values()
KINDS = {"mean", "all_before", "all_within", "k_of_n_after", "ratio", "latency_below", "none"}


def test_every_row_says_where_it_comes_from_and_how_it_is_read():
    for obs in OBS:
        for key in ("source", "setting", "endpoint", "finding", "interpretation", "tolerance", "ages_note"):
            assert obs[key].strip(), (obs["id"], key)
        assert obs["likelihood"] in KINDS and obs["role"] in {"likelihood", "check", "context"}
        assert obs["n"] > 0
    assert sum(o["role"] == "likelihood" for o in OBS) >= 6


@pytest.mark.parametrize("obs", [o for o in OBS if o["role"] != "context"], ids=lambda o: o["id"])
def test_each_human_observation_is_reproduced_within_its_tolerance(obs):
    assert cal.check(obs, P, OBS)["ok"] is True


def test_the_mechanism_alone_misses_the_face_without_maturation():
    # the reason for the human maturation phase: with the rabbit 16.8 d the face would take weeks
    rabbit = {**P, "terminal_delay_days": {"value": 16.8, "sd_log": 0.35}}
    face = next(o for o in OBS if o["id"] == "pradel2002_face")
    assert not cal.check(face, rabbit, OBS)["ok"]


@pytest.fixture(scope="module")
def fitted():
    return cal.calibrate()


def test_the_calibration_reproduces_the_shipped_parameters(fitted):
    _, values, _, _ = fitted
    for name, v in values.items():
        assert P[name]["value"] == pytest.approx(v["value"], rel=1e-3), name
        assert P[name]["sd_log"] == pytest.approx(v["sd_log"], rel=1e-3, abs=1e-6), name


def test_the_card_shows_the_current_predicted_vs_published_table():
    card = (ROOT / "data" / "parameters.md").read_text(encoding="utf-8")
    for line in cal.table_observations(OBS, P):
        assert line in card


def test_parameter_uncertainty_is_carried_into_the_shipped_spreads(fitted):
    result, values, _, _ = fitted
    posterior_sd = np.sqrt(np.diag(result["cov"]))[cal.NAMES.index("log_terminal")]
    assert values["terminal_delay_days"]["sd_log"] > posterior_sd
    assert values["discrepancy_sd_log"]["value"] >= np.exp(result["theta"][cal.NAMES.index("log_discrepancy")])


def test_every_default_interval_is_as_wide_as_the_widest_series(nerves):
    # the 80 % spread implied by the widest within-series range (OOOO 2020: all 49 within 6-24 months)
    widest = max(
        2 * cal.Z90 * np.log(o["hi_day"] / o["lo_day"]) / cal.expected_range(int(o["n"]))
        for o in OBS
        if o["likelihood"] == "all_within"
    )
    distances = nerves["default_distance_mm"].to_numpy(float)
    for age in (15.0, 50.0, 75.0):
        n = distances.size
        out = nerve_time(
            default_distance_mm=distances,
            age_years=np.full(n, age),
            diabetes=np.zeros(n, bool),
            smoker=np.zeros(n, bool),
            height_cm=np.full(n, np.nan),
            measured_distance_mm=np.full(n, np.nan),
            params=P,
        )
        width = np.log(out["sensation_return_p90_day"] / out["sensation_return_p10_day"])
        assert np.all(width >= widest)


def test_expected_range_of_normal_draws():
    assert cal.expected_range(2) == pytest.approx(2 / np.sqrt(np.pi), rel=1e-4)
    rng = np.random.default_rng(3)
    draws = rng.standard_normal((20_000, 19))
    assert cal.expected_range(19) == pytest.approx(np.ptp(draws, axis=1).mean(), rel=0.01)
