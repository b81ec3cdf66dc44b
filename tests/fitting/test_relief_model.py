"""ReliefModel: parameter recovery, agreement with lifelines, persistence, sklearn contract."""

import json
import re

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score

from regen import InputError, ReliefModel, load_model
from regen.errors import DataFileError
from regen.fitting.simulate import DEFAULT_TRUTH
from regen.model.bundle import write_bundle
from regen.model.laws import nerve_times
from regen.model.model import Model
from regen.schema.patients import validate_patients

Y = ["relief_last_seen_day", "relief_lost_day", "responded"]
FOUR_ROWS = pd.DataFrame(
    {"nerve": ["GON"] * 4, "relief_last_seen_day": ["1", "2", "3", "4"], "relief_lost_day": ["5", "6", "7", "8"]}
)


@pytest.fixture(scope="module")
def fitted(cohort):
    return ReliefModel(family="lognormal").fit(cohort, cohort[Y])


def test_recovers_the_truth(fitted):
    coef, ci = fitted.coef_, fitted.bundle_["fit"]["coef_ci"]
    entries = fitted.bundle_["relief"]["indications"]
    for name, true in DEFAULT_TRUTH["coef"].items():
        assert ci[name][0] <= true <= ci[name][1], (name, ci[name], true)
    for ind, true in DEFAULT_TRUTH["indication_effect"].items():
        assert entries[ind]["location"] == pytest.approx(true, abs=0.06), ind
        assert entries[ind]["location"] == pytest.approx(coef["intercept"] + coef.get(f"indication[{ind}]", 0.0))
    assert fitted.sigma_ == pytest.approx(DEFAULT_TRUTH["sigma"], rel=0.06)
    for ind, true in DEFAULT_TRUTH["response_prob"].items():
        assert entries[ind]["response_prob"] == pytest.approx(true, abs=0.04)


def test_medians_within_a_few_percent_of_the_truth(cohort, fitted):
    truth = DEFAULT_TRUTH
    patients = cohort.drop(columns=Y)
    pred = fitted.predict(patients)
    cols = validate_patients(patients).columns
    mu = nerve_times(cols, load_model().params)["mu"]
    true_mu = (
        mu
        + np.array([truth["indication_effect"][i] for i in cols["indication"]])
        + truth["coef"]["age"] * (cols["age"] - 50) / 10
        + truth["coef"]["diabetes"] * cols["diabetes"]
    )
    rel = np.abs(pred / np.exp(true_mu) - 1)
    assert np.median(rel) < 0.04 and rel.max() < 0.12


def test_family_auto_picks_lowest_aic_and_says_why(cohort):
    model = ReliefModel(family="auto").fit(cohort.head(1500), cohort[Y].head(1500))
    assert model.family_ == "lognormal"  # the simulated truth
    assert "(lowest)" in model.family_reason_ and "weibull" in model.family_reason_


def test_offset_likelihood_equals_lifelines_on_scaled_bounds(cohort):
    from lifelines import LogNormalAFTFitter

    from regen.fitting.outcomes import load_outcomes

    sub = cohort.head(800)
    model = ReliefModel(family="lognormal", penalizer=0.0, covariates=False).fit(sub)
    data = load_outcomes(sub)
    keep = data.responded
    t_nerve = np.exp(nerve_times(data.columns, load_model().params)["mu"][keep])
    frame = pd.DataFrame({"lower": np.maximum(data.lower[keep], 0.5) / t_nerve, "upper": data.upper[keep] / t_nerve})
    for ind in sorted(set(data.columns["indication"][keep]))[1:]:  # the first level is the reference
        frame[ind] = (data.columns["indication"][keep] == ind).astype(float)
    direct = LogNormalAFTFitter(penalizer=0.0).fit_interval_censoring(frame, "lower", "upper")
    assert model.bundle_["fit"]["log_likelihood"] == pytest.approx(direct.log_likelihood_, rel=1e-6)
    assert model.sigma_ == pytest.approx(float(np.exp(direct.params_[("sigma_", "Intercept")])), rel=1e-4)


def test_fit_offset_stores_the_estimated_coefficient(cohort):
    """The coefficient of log T_nerve that lifelines estimated is the one predictions use (not a fixed 1)."""
    model = ReliefModel(family="lognormal", fit_offset=True).fit(cohort, cohort[Y])
    offsets = {e["offset_coef"] for e in model.bundle_["relief"]["indications"].values()}
    assert len(offsets) == 1
    offset = offsets.pop()
    low, high = model.bundle_["fit"]["coef_ci"]["log_nerve_days"]
    assert offset == model.bundle_["fit"]["offset_coef"] == pytest.approx((low + high) / 2, rel=1e-9)
    assert offset != 1.0 and low <= 1.0 <= high  # estimated, and its interval covers the simulated truth (1)


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


@pytest.mark.slow
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
    early = fitted.predict_percentile(cohort.head(3), 0.75)  # lifelines' convention: S(t) = 0.75
    p50 = fitted.predict_percentile(cohort.head(3))
    assert np.all(early < p50) and np.array_equal(p50, fitted.predict_median(cohort.head(3)))
    assert np.array_equal(p50, fitted.predict(cohort.head(3)))


def test_percentiles_mean_the_same_on_model_and_relief_model_and_match_the_columns(fitted, cohort):
    """predict_percentile(p) is the day S(t) = p among responders: p = 0.9 is the table's p10 day."""
    patients = cohort.head(4).drop(columns=Y)
    model = fitted.to_model()
    out = model.predict(patients)
    for p, column in ((0.9, "relief_end_p10_day"), (0.5, "relief_end_median_day"), (0.1, "relief_end_p90_day")):
        np.testing.assert_allclose(model.predict_percentile(patients, p), out[column], atol=0.051)  # 0.1 d
        np.testing.assert_array_equal(fitted.predict_percentile(patients, p), model.predict_percentile(patients, p))
    with pytest.raises(InputError, match="strictly between 0 and 1"):
        model.predict_percentile(patients, 1.0)


def test_a_fitted_relief_model_scores_frames_and_saves_a_model_and_its_card(fitted, cohort, tmp_path):
    import regen

    scored = regen.score_frame(cohort.head(3).drop(columns=Y), fitted)
    assert scored["model_version"].iloc[0] == fitted.to_model().version
    fitted.save(tmp_path / "clinic.json", name="clinic")
    assert regen.load_model(tmp_path / "clinic.json").version == "clinic@" + fitted.bundle_["version"]
    card = (tmp_path / "clinic.md").read_text()
    assert card.startswith("# Model card: `clinic@") and "## Effects in days" in card


def test_summary_gives_each_coefficient_with_its_effect_in_days(fitted):
    summary = fitted.summary_
    assert {"coef", "exp(coef)", "coef lower 95%", "coef upper 95%", "p", "median days"} <= set(summary.columns)
    assert set(fitted.bundle_["fit"]["coef"]) == set(summary.index)
    age = summary.loc["age"]
    assert age["coef lower 95%"] < age["coef"] < age["coef upper 95%"] and 0 <= age["p"] <= 1
    assert age["median days with the term"] != age["median days"]  # ten years more move the median


def test_y_has_one_form_named_columns(cohort):
    X, y = cohort.drop(columns=Y), cohort[Y]
    with pytest.raises(InputError, match="y must be a DataFrame with the columns relief_last_seen_day"):
        ReliefModel(family="lognormal").fit(X, y.to_numpy())


def test_what_the_data_cannot_support_is_a_fit_warning(cohort):
    from regen.errors import FitWarning

    small = cohort.head(40)
    with pytest.warns(FitWarning, match="observed relief end"):
        ReliefModel(family="lognormal").fit(small)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"penalizer": -1}, "penalizer: -1 is not a finite number from 0"),
        ({"penalizer": "0.1"}, "penalizer: '0.1' is not a finite number from 0"),
        ({"penalizer": float("inf")}, "penalizer: inf is not a finite number from 0"),
        ({"penalizer": float("nan")}, "penalizer: nan is not a finite number from 0"),
        ({"long_after_days": 0}, "long_after_days: 0 is not a finite number above 0"),
        ({"family": "cox"}, "family 'cox' is not one of"),
        ({"fit_offset": "yes"}, "fit_offset: 'yes' is not True or False"),
    ],
)
@pytest.mark.parametrize("data", ["outcomes in X", "X and y"])
def test_bad_estimator_parameters_are_refused_at_fit(cohort, params, message, data):
    """__init__ only stores its arguments (the estimator contract); fit refuses a bad one, naming its value."""
    if data == "outcomes in X":
        X, y = FOUR_ROWS, None
    else:
        X, y = cohort.head(100), cohort[Y].head(100)
    with pytest.raises(InputError, match="^" + re.escape(message)):
        ReliefModel(**params).fit(X, y)


@pytest.mark.slow
def test_two_fits_with_other_settings_get_other_versions(cohort):
    """On 7663a8f a Weibull and a log-normal fit of one file were both regen-fitted@<data hash>."""
    cohort = cohort.head(300)
    versions = {
        ReliefModel(family=family, penalizer=penalizer).fit(cohort).to_model().version
        for family in ("weibull", "lognormal")
        for penalizer in (0.01, 0.1)
    }
    assert len(versions) == 4
    model = ReliefModel(family="lognormal").fit(cohort)
    assert model.to_bundle("x")["version"] == model.bundle_["version"] and model.to_bundle("x", "7")["version"] == "7"


def test_a_fit_the_data_cannot_support_is_refused_in_one_line():
    """Too few observed relief ends, or a fit outside the plausible range: one line, not a field error."""
    import pandas as pd

    from regen.errors import InputError
    from regen.fitting.relief_model import ReliefModel

    frame = pd.DataFrame(
        {
            "nerve": ["GON"] * 3 + ["SLGN"] * 40,
            "age": [str(30 + i) for i in range(43)],
            "relief_last_seen_day": ["30", "40", "50"] + ["3000"] * 40,
            "relief_lost_day": ["60", "70", "80"] + [""] * 40,
        }
    )
    with pytest.raises(
        DataFileError,
        match=r"^fitting 2 coefficient\(s\) and a scale: need at least 4 rows "
        r"whose relief end is observed .* of the 43 rows read, 3 have one, and 40 still relieved",
    ):
        ReliefModel(family="lognormal").fit(frame)
    seen = [5000 + 200 * i for i in range(6)]
    decades = pd.DataFrame(
        {
            "nerve": ["GON"] * 6,
            "relief_last_seen_day": [str(d) for d in seen],
            "relief_lost_day": [str(d + 100) for d in seen],
        }
    )
    with pytest.raises(
        InputError,
        match=r"^the fitted model is not plausible \(field relief\.indications"
        r"\['occipital_neuralgia'\] gives a median relief end of day 5\.\d+e\+03",
    ):
        ReliefModel(family="lognormal", long_after_days=10000.0).fit(decades)
