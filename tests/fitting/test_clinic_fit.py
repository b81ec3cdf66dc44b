"""The clinic fit (`regen fit` with a prior): the evidence as a robust prior updated by a clinic's rows.

Each fit is one short MCMC run (1 chain, 250 + 250 iterations) on a simulated clinic with a known truth
(:mod:`regen.fitting.clinic.simulate`); module fixtures share each fit between the tests that read it.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from regen import load_model
from regen.errors import ModelFileError
from regen.fitting.clinic.fit import fit_clinic
from regen.fitting.clinic.prior import read_prior
from regen.fitting.clinic.report import card_text
from regen.fitting.clinic.sampler import Settings
from regen.fitting.clinic.simulate import NERVES, _log_mean, simulate_clinic, typical_truth
from regen.fitting.outcomes import load_outcomes
from regen.fitting.relief_model import fit_version
from regen.model.bundle import validate_bundle
from regen.model.model import Model, thaw

pytest.importorskip("numpyro")

FAST = Settings(chains=1, warmup=250, draws=250, seed=1)


@pytest.fixture(scope="module")
def default():
    model = load_model()
    return model, read_prior(model.bundle)


def _fit(frame, model, **kw):
    return fit_clinic(load_outcomes(frame), model, settings=FAST, **kw)


def _reference(indications=tuple(NERVES.values())):
    nerves = {i: n for n, i in NERVES.items()}
    k = len(indications)
    return {
        "nerve": np.array([nerves[i] for i in indications], dtype=object),
        "indication": np.array(indications, dtype=object),
        "age": np.full(k, 50.0),
        "sex": np.array(["male"] * k, dtype=object),
        "diabetes": np.array(["no"] * k, dtype=object),
        "smoker": np.array(["no"] * k, dtype=object),
    }


def _medians(model, cols):
    return model.predict_columns({k: list(v) for k, v in cols.items()})["relief_end_median_day"]


def _true_medians(truth, default):
    model, prior = default
    return np.exp(_log_mean(truth, model.bundle, prior, _reference()))


@pytest.fixture(scope="module")
def shifted(default):
    """120 patients x 3 cycles whose relief lasts 1.5 x the evidence's centre, patient share 0.8."""
    model, prior = default
    truth = typical_truth(prior, ratio=1.5, icc=0.8)
    frame = simulate_clinic(truth, model.bundle, 120, cycles=3, seed=11)
    return truth, frame, _fit(frame, model)


def test_a_small_clinic_recovers_its_truth_where_the_evidence_alone_misses_it(shifted, default):
    truth, _, fit = shifted
    clinic = Model(validate_bundle(fit.bundle))
    want = _true_medians(truth, default)
    got, evidence = _medians(clinic, _reference()), _medians(default[0], _reference())
    clinic_error = np.abs(np.log(got / want))
    assert clinic_error.max() < math.log(1.25), (got, want)
    assert clinic_error.mean() < np.abs(np.log(evidence / want)).mean()
    assert fit.draws.diagnostics["divergences"] == 0


def test_repeat_cycles_estimate_the_patient_share_and_move_the_next_cycle(shifted, default):
    _, _, fit = shifted
    effect = fit.bundle["fit"]["patient_effect"]
    lo, _ = effect["icc_interval"]
    assert effect["estimated"] and effect["repeat_patients"] > 50
    assert abs(effect["icc_mean"] - 0.8) < 0.15 and lo > 0.5  # truth 0.8; prior centre 0.5
    assert fit.bundle["parameters"]["history_icc"]["value"] == pytest.approx(effect["icc_mean"])
    clinic = Model(validate_bundle(fit.bundle))
    assumed = Model(validate_bundle({**fit.bundle, "parameters": {**fit.bundle["parameters"], "history_icc": {
        "value": 0.5, "sd_log": 0.0}}}))  # fmt: skip
    patient = {"nerve": ["greater_occipital"], "age": [50], "prior_relief_days": ["400;420;380"]}
    plain = _medians(clinic, {"nerve": ["greater_occipital"], "age": [50]})[0]
    estimated, half = _medians(clinic, patient)[0], _medians(assumed, patient)[0]
    assert plain < half < estimated < 400  # a larger patient share moves the forecast closer to the history


def test_the_model_round_trips_and_answers_untreated_indications_from_the_evidence(shifted, default, tmp_path):
    from regen.model.bundle import write_bundle

    _, _, fit = shifted
    path = write_bundle(fit.bundle, tmp_path / "clinic.json")
    loaded = load_model(path)
    assert json.loads(path.read_text()) == fit.bundle and loaded.version == f"regen-fitted@{fit.bundle['version']}"
    assert "patient_id" not in path.read_text() and "s11-" not in path.read_text()  # no rows, no ids
    relief = fit.bundle["relief"]
    # a class the clinic never treated (residual limb): the prior's entries, unchanged
    untreated = thaw(default[0].bundle)["relief"]["indications"]["phantom_limb_pain"]
    assert relief["indications"]["phantom_limb_pain"] == untreated
    # an untreated indication of a treated class: the evidence, shifted by the clinic's setting effect
    assert "shifted by this clinic's joint patients" in relief["indications"]["shoulder_pain"]["evidence"]
    out = loaded.predict_columns({"nerve": ["suprascapular", "greater_occipital"], "age": [60, 60]})
    assert out["evidence"][0].startswith("indication: no clinic rows") and "clinic data" in out["evidence"][1]
    # the published follow-up stays with an entry kept from the evidence (its p90 note too), not with one the
    # clinic's rows changed (their follow-up is not counted: no note)
    assert relief["indications"]["phantom_limb_pain"]["follow_up_day"] == 913
    assert "follow_up_day" not in relief["indications"]["shoulder_pain"]
    assert "extrapolated: no published follow-up" not in out["warnings"][0] + out["warnings"][1]
    kept = loaded.predict_columns({"nerve": ["sciatic"], "indication": ["phantom_limb_pain"]})
    assert "no published follow-up past day 913" in kept["warnings"][0]
    # the clinic model can be the prior of a later fit
    assert read_prior(loaded.bundle).source == loaded.version
    # a grid law's covariates are checked as an AFT law's are
    wild = thaw(loaded.bundle)
    wild["relief"]["covariates"]["coef"]["age"] = 4.0
    with pytest.raises(ModelFileError, match="covariates change log relief time by up to"):
        validate_bundle(wild)


@pytest.fixture(scope="module")
def conflict(default):
    """100 patients whose relief lasts twice the evidence's centre (1 cycle)."""
    model, prior = default
    truth = typical_truth(prior, ratio=2.0)
    frame = simulate_clinic(truth, model.bundle, 100, seed=5)
    return truth, frame, _fit(frame, model)


def test_the_robust_prior_gives_way_to_relief_twice_as_long(conflict, default):
    truth, _, fit = conflict
    got = _medians(Model(validate_bundle(fit.bundle)), _reference())
    want = _true_medians(truth, default)
    evidence = _medians(default[0], _reference())
    error = np.log(got / want)
    # the clinic's typical median within 25 % of the truth, every indication within 50 % (about 20 responders
    # each, mostly interval-censored); every indication closer than the evidence alone
    assert abs(error.mean()) < math.log(1.25) and np.all(np.abs(error) < math.log(1.5)), (got, want)
    assert np.all(np.abs(error) < np.abs(np.log(evidence / want)))
    conflict = fit.bundle["prior"]["conflict"]
    assert set(conflict["classes"]) == {"joint", "own_territory", "post_operative"}
    assert all(0 <= v["location_vague_weight"] <= 1 for v in conflict["classes"].values())
    # the spread's prior weight in patients (own territory: log sigma sd 0.116 in the evidence, about 37 patients)
    spread = fit.bundle["prior"]["spread_effective_sample_size"]
    assert set(spread) == {"joint", "own_territory", "post_operative"} and all(v > 0 for v in spread.values())
    # the card reports the discrepancy per indication: relief longer than the evidence's (80 % interval above 1)
    shifts = conflict["indications"]
    assert set(shifts) == set(NERVES.values())
    verdicts = [v["verdict"] for v in shifts.values()]
    assert verdicts.count("longer") >= 3 and "shorter" not in verdicts, shifts
    assert all(v["ratio_interval"][0] <= v["ratio"] <= v["ratio_interval"][1] for v in shifts.values())
    card = card_text(fit.bundle, "A test clinic.")
    assert "LONGER than the evidence" in card and "range the evidence allows a new clinic" in card
    assert "For the spread between patients" in card


def test_a_young_clinic_all_still_relieved_gets_a_model_that_learned(default):
    model, prior = default
    truth = typical_truth(prior, ratio=2.0)
    frame = simulate_clinic(truth, model.bundle, 40, seed=3, follow_up=(60.0, 120.0))
    responders = frame["responded"] == "yes"
    frame.loc[responders, "relief_lost_day"] = np.nan  # nobody has lost relief yet
    data = load_outcomes(frame)
    assert data.censoring_mix["exact"] + data.censoring_mix["interval"] == 0
    fit = _fit(frame, model)
    assert fit.bundle["fit"]["censoring"]["right"] == int(responders.sum())
    ref = _reference()
    clinic = Model(validate_bundle(fit.bundle)).predict_columns({k: list(v) for k, v in ref.items()})
    evidence = model.predict_columns({k: list(v) for k, v in ref.items()})
    # every treated indication: more patients relieved at 90 days than the evidence alone says
    assert np.all(clinic["p_relief_90d"] > evidence["p_relief_90d"])


def test_bad_cycles_are_named_with_row_column_and_value(default, tmp_path, cli):
    model, prior = default
    frame = simulate_clinic(typical_truth(prior), model.bundle, 4, cycles=2, seed=2)
    frame["cycle"] = frame["cycle"].astype(object)
    frame.loc[1, "cycle"] = "1.5"
    frame.loc[2, "cycle"] = "0"
    path = tmp_path / "c.csv"
    frame.to_csv(path, index=False)
    data = load_outcomes(path)
    assert [b[0] for b in data.bad] == [2, 3]
    assert data.bad[0][1] == "cycle: 1.5 is not a whole number from 1 to 1000"
    frame.loc[[1, 2], "cycle"] = 1  # patient 1 has cycle 1 twice
    frame.to_csv(path, index=False)
    res = cli("fit", path, "-o", tmp_path / "m.json")
    assert res.exit_code == 1 and res.stderr.count("\n") == 1, res.output
    assert res.stderr.startswith("Error: rows 1 and 2: patient_id s2-1, nerve") and "cycle 1 appear twice" in res.stderr
    assert not (tmp_path / "m.json").exists()
    res = cli("fit", path, "-o", tmp_path / "m.json", "--prior", "none")  # the data-only fit refuses them too
    assert res.exit_code == 1 and "cycle 1 appear twice" in res.stderr and res.stderr.count("\n") == 1, res.output
    assert not (tmp_path / "m.json").exists()


def test_prior_none_is_the_data_only_fit(tmp_path, cli):
    from regen.fitting.fit_file import fit_file
    from regen.fitting.simulate import simulate_cohort

    path = tmp_path / "c.csv"
    simulate_cohort(300, seed=4).to_csv(path, index=False)
    res = cli("fit", path, "-o", tmp_path / "cli.json", "--family", "lognormal", "--prior", "none")
    assert res.exit_code == 0, res.output
    fit_file(path, tmp_path / "lib.json", family="lognormal")
    assert json.loads((tmp_path / "cli.json").read_text()) == json.loads((tmp_path / "lib.json").read_text())
    assert json.loads((tmp_path / "cli.json").read_text())["relief"]["family"] == "lognormal"
    res = cli("fit", path, "-o", tmp_path / "x.json", "--family", "weibull")
    assert res.exit_code == 2 and "apply to --prior none" in res.stderr


def test_an_implausible_shifted_entry_keeps_the_evidence(default):
    """A shifted entry whose reference patients' median would exceed 10 years is not written (the fit keeps
    the prior's entry and lists it in fit.unshifted)."""
    from regen.fitting.clinic.fit import _plausible

    bundle = thaw(default[0].bundle)
    entry = dict(bundle["relief"]["indications"]["mortons_neuroma"])
    assert _plausible(bundle, "indications", "mortons_neuroma", entry)
    assert not _plausible(bundle, "indications", "mortons_neuroma", {**entry, "m0": 11.0})


def test_the_same_data_settings_and_seed_give_the_same_model_version(default):
    """The version identifies what the model is (its data, settings and seed), not how long sampling took."""
    model, prior = default
    frame = simulate_clinic(typical_truth(prior), model.bundle, 12, seed=3)
    quick = Settings(chains=1, warmup=60, draws=60, seed=4)
    first, second = (fit_clinic(load_outcomes(frame), model, settings=quick) for _ in range(2))
    assert first.bundle["version"] == second.bundle["version"]
    assert first.bundle["relief"] == second.bundle["relief"]  # the same draws
    slower = {**first.bundle, "fit": {**first.bundle["fit"], "diagnostics": {
        **first.bundle["fit"]["diagnostics"], "seconds": 1e6}}}  # fmt: skip
    assert fit_version(slower) == first.bundle["version"]
    other = {**first.bundle, "fit": {**first.bundle["fit"], "diagnostics": {
        **first.bundle["fit"]["diagnostics"], "rhat_max": 2.0}}}  # fmt: skip
    assert fit_version(other) != first.bundle["version"]


def test_the_nerves_of_one_treatment_are_one_relief_end_and_one_cycle(default):
    """New-user pass: a knee export with a row per genicular nerve counted 3-4 relief ends per treatment and
    read the nerves of one treatment as repeat cycles (patient share 0.88 vs 0.59 from one row per treatment)."""
    import pandas as pd

    from regen.fitting.clinic.data import clinic_data

    model, prior = default
    knee = ["genicular_superolateral", "genicular_superomedial", "genicular_inferomedial"]
    rows = []
    for cycle, (seen, lost) in enumerate([(90, 120), (150, 180)], start=1):
        rows += [{"patient_id": "K1", "nerve": n, "cycle": cycle, "relief_last_seen_day": seen,
                  "relief_lost_day": lost} for n in knee]  # fmt: skip
    rows += [{"patient_id": "K2", "nerve": knee[0], "cycle": 1, "relief_last_seen_day": 60, "relief_lost_day": 90}]
    rows += [{"patient_id": "K2", "nerve": knee[1], "cycle": 1, "relief_last_seen_day": 200, "relief_lost_day": None}]
    rows += [{"patient_id": "", "nerve": knee[0], "cycle": 1, "relief_last_seen_day": 60, "relief_lost_day": 90}] * 2
    frame = pd.DataFrame(rows).assign(age=60, responded="yes")
    data = clinic_data(load_outcomes(frame), prior, model.bundle)
    assert data.input_rows == 10 and len(data.dx) == 6  # K1: 2 treatments; K2: 2 different ends; 2 blank-id rows
    assert data.n_patients == 4 and int(data.repeat.sum()) == 4  # K1's 2 cycles and K2's 2 rows share a patient
    nerve_x = clinic_data(load_outcomes(frame.iloc[:3].assign(patient_id=["a", "b", "c"])), prior, model.bundle).x
    assert data.x[0] == pytest.approx(nerve_x.mean())  # a treatment's x: the mean of its nerves'
