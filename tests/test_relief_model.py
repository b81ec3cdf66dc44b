"""ReliefModel: parameter recovery, agreement with lifelines, persistence, sklearn contract."""

import json

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

from regen import ReliefModel, load_model, simulate_cohort
from regen.errors import DataFileError, ModelFileError
from regen.model import Model
from regen.persistence import read_bundle, write_bundle
from regen.simulate import DEFAULT_TRUTH

Y = ["relief_last_seen_day", "relief_lost_day", "responded"]


@pytest.fixture(scope="module")
def cohort():
    return simulate_cohort(4000, seed=11)


@pytest.fixture(scope="module")
def fitted(cohort):
    return ReliefModel(family="lognormal").fit(cohort, cohort[Y])


def test_recovers_the_truth(fitted):
    coef, ci = fitted.coef_, fitted.bundle_["fit"]["coef_ci"]
    for name, true in DEFAULT_TRUTH["coef"].items():
        assert ci[name][0] <= true <= ci[name][1], (name, ci[name], true)
    for ind, true in DEFAULT_TRUTH["indication_effect"].items():
        est = coef["intercept"] + coef[f"indication[{ind}]"]
        assert est == pytest.approx(true, abs=0.06), ind
    assert fitted.sigma_ == pytest.approx(DEFAULT_TRUTH["sigma"], rel=0.06)
    for ind, true in DEFAULT_TRUTH["response_prob"].items():
        assert fitted.bundle_["response_prob"][ind] == pytest.approx(true, abs=0.04)


def test_medians_within_a_few_percent_of_the_truth(cohort, fitted):
    truth = DEFAULT_TRUTH
    patients = cohort.drop(columns=Y)
    pred = fitted.predict(patients)
    from regen.predict import _mechanism
    from regen.schema import validate_patients

    cols = validate_patients(patients).columns
    mu = _mechanism(cols, load_model().params)["mu"]
    true_mu = (mu + np.array([truth["indication_effect"][i] for i in cols["indication"]])
               + truth["coef"]["age"] * (cols["age"] - 50) / 10 + truth["coef"]["diabetes"] * cols["diabetes"])
    rel = np.abs(pred / np.exp(true_mu) - 1)
    assert np.median(rel) < 0.04 and rel.max() < 0.12


def test_family_auto_picks_lowest_aic_and_says_why(cohort):
    model = ReliefModel(family="auto").fit(cohort.head(1500), cohort[Y].head(1500))
    assert model.family_ == "lognormal"  # the simulated truth
    assert "(lowest)" in model.family_reason_ and "weibull" in model.family_reason_


def test_offset_likelihood_equals_lifelines_on_scaled_bounds(cohort):
    from lifelines import LogNormalAFTFitter

    from regen.outcomes import load_outcomes
    from regen.predict import _mechanism

    sub = cohort.head(800)
    model = ReliefModel(family="lognormal", penalizer=0.0, covariates=False).fit(sub)
    data = load_outcomes(sub)
    keep = data.responded
    t_nerve = np.exp(_mechanism(data.columns, load_model().params)["mu"][keep])
    frame = pd.DataFrame({"lower": np.maximum(data.lower[keep], 0.5) / t_nerve,
                          "upper": data.upper[keep] / t_nerve})
    for ind in model.bundle_["design"]["indications"]:
        frame[ind] = (data.columns["indication"][keep] == ind).astype(float)
    direct = LogNormalAFTFitter(penalizer=0.0).fit_interval_censoring(frame, "lower", "upper")
    assert model.bundle_["fit"]["log_likelihood"] == pytest.approx(direct.log_likelihood_, rel=1e-6)
    assert model.sigma_ == pytest.approx(float(np.exp(direct.params_[("sigma_", "Intercept")])), rel=1e-4)


def test_fit_offset_estimates_a_coefficient_near_one(cohort):
    model = ReliefModel(family="lognormal", fit_offset=True).fit(cohort, cohort[Y])
    assert model.bundle_["offset_coef"] == pytest.approx(1.0, abs=0.15)


def test_non_responders_are_not_short_relief(cohort, fitted):
    # the fitted median equals the responders' truth, not pulled down by non-responders
    assert fitted.censoring_["non_responder"] > 500
    out = Model(fitted.bundle_).predict_columns({"nerve": ["GON"]})
    assert out["p_response"][0] == pytest.approx(0.65, abs=0.05)


def test_save_load_gives_identical_predictions(tmp_path, cohort, fitted):
    path = write_bundle(fitted.to_bundle("clinic", "1"), tmp_path / "m.json")
    text = path.read_text()
    assert "sim-11-1" not in text  # no patient identifiers or rows
    assert json.loads(text)["training"]["rows"] == len(cohort)
    a = Model(fitted.bundle_).predict_columns(cohort.drop(columns=Y).head(50))
    b = load_model(path).predict_columns(cohort.drop(columns=Y).head(50))
    for key in ("relief_end_median_day", "p_relief_180d", "retreatment_due_day"):
        np.testing.assert_array_equal(a[key], b[key])


def test_crafted_model_files_are_refused(tmp_path):
    bundle = read_bundle(load_model.__globals__["model_path"]("default.json"))
    for mutate, message in (
        (lambda b: b.update(sigma=-1), "sigma"),
        (lambda b: b["coef"].update(intercept="__import__('os')"), "not a finite number"),
        (lambda b: b.update(family="cox"), "family"),
        (lambda b: b["parameters"].pop("rate_mm_per_day"), "rate_mm_per_day"),
    ):
        crafted = json.loads(json.dumps(bundle))
        mutate(crafted)
        path = tmp_path / "crafted.json"
        path.write_text(json.dumps(crafted))
        with pytest.raises(ModelFileError, match=message):
            read_bundle(path)
    (tmp_path / "pickle.json").write_bytes(b"\x80\x04\x95")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        read_bundle(tmp_path / "pickle.json")


def test_sklearn_contract(cohort):
    small = cohort.head(900)
    est = ReliefModel(family="weibull", penalizer=0.05)
    assert clone(est).get_params() == est.get_params()
    scores = cross_val_score(est, small, small[Y], cv=3)
    assert scores.shape == (3,) and np.all(scores > 0.6)
    grid = GridSearchCV(ReliefModel(), {"family": ["lognormal", "weibull"]}, cv=2).fit(small, small[Y])
    assert grid.best_params_["family"] in {"lognormal", "weibull"}


def test_joblib_roundtrip(tmp_path, fitted, cohort):
    joblib.dump(fitted, tmp_path / "m.joblib")
    again = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(again.predict(cohort.head(5)), fitted.predict(cohort.head(5)))


def test_survival_function_and_percentiles(fitted, cohort):
    sf = fitted.predict_survival_function(cohort.head(3), [30, 90, 365])
    assert sf.shape == (3, 3) and np.all(np.diff(sf.to_numpy(), axis=0) <= 0)
    p25, p50 = fitted.predict_percentile(cohort.head(3), 0.25), fitted.predict_percentile(cohort.head(3))
    assert np.all(p25 < p50)


def test_no_usable_rows_is_refused():
    bad = pd.DataFrame({"nerve": ["GON"], "relief_last_seen_day": ["60"], "relief_lost_day": ["30"]})
    with pytest.raises(DataFileError, match="no usable outcome rows: 1 of 1 rows are invalid"):
        ReliefModel().fit(bad)
