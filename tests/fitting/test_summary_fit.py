"""The summary likelihood, the hierarchical fit and the relief section it produces."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from regen.fitting.summary_fit import CLASSES, Priors, fit_laplace, fit_summaries, row_loglik, slope_decision, used_rows

ENTRY_KEYS = {
    "location",
    "location_sd",
    "offset_coef",
    "response_prob",
    "long_responder_fraction",
    "studies",
    "patients",
    "sources",
}


def _rows(**cols):
    n = len(next(iter(cols.values())))
    base = {k: np.full(n, np.nan) for k in ("n", "count", "day", "value", "low", "high")}
    base.update({k: np.asarray(v, dtype=float) for k, v in cols.items() if k != "kind"})
    return np.asarray(cols["kind"]), base


def test_row_loglik_matches_reference_distributions():
    kind, data = _rows(
        kind=[
            "proportion_relieved",
            "responders",
            "median_duration_days",
            "mean_duration_days",
            "duration_interval_days",
        ],
        n=[40, 30, 25, 50, 3],
        count=[12, 21, np.nan, np.nan, np.nan],
        day=[60, np.nan, np.nan, np.nan, np.nan],
        value=[np.nan, np.nan, 70, 200, np.nan],
        low=[np.nan] * 4 + [90],
        high=[np.nan] * 4 + [180],
    )
    m, logit, sigma = np.array([4.0, 4.0, 4.2, 5.0, 4.8]), np.array([0.5, 0.8, 0, 0, 0]), 0.7
    got = row_loglik(kind, m, logit, sigma, data)
    r = 1 / (1 + np.exp(-0.5))
    p = r * stats.norm.sf((np.log(60) - 4.0) / sigma)
    log_comb = np.log([stats.binom.pmf(12, 40, p) / (p**12 * (1 - p) ** 28)])[0]
    assert got[0] == pytest.approx(stats.binom.logpmf(12, 40, p) - log_comb, rel=1e-9)
    r2 = 1 / (1 + np.exp(-0.8))
    assert got[1] == pytest.approx(21 * np.log(r2) + 9 * np.log(1 - r2), rel=1e-9)
    half_log_2pi = 0.5 * np.log(2 * np.pi)  # the likelihood drops the normal constant
    assert got[2] == pytest.approx(stats.norm.logpdf(np.log(70), 4.2, sigma * np.sqrt(np.pi / 50)) + half_log_2pi)
    se = np.sqrt(np.expm1(sigma**2) / 50)
    assert got[3] == pytest.approx(stats.norm.logpdf(np.log(200), 5.0 + sigma**2 / 2, se) + half_log_2pi)
    prob = stats.norm.cdf((np.log(180) - 4.8) / sigma) - stats.norm.cdf((np.log(90) - 4.8) / sigma)
    assert got[4] == pytest.approx(3 * np.log(prob), rel=1e-9)


def _simulated_table(rng, locations, sigma=0.6, response=0.8, settings=2, n=400):
    """Published shares at three days from known indication locations (one class)."""
    out = []
    for ind, loc in locations.items():
        for s in range(settings):
            m = loc + rng.normal(0, 0.2)
            for day in (30, 90, 270):
                p = response * stats.norm.sf((np.log(day) - m) / sigma)
                out.append(
                    {
                        "study": f"{ind}-{s}",
                        "citation": f"sim {ind} {s}",
                        "indication": ind,
                        "nerves": "x",
                        "n": n,
                        "day": day,
                        "kind": "proportion_relieved",
                        "count": rng.binomial(n, p),
                        "value": np.nan,
                        "low": np.nan,
                        "high": np.nan,
                        "used": "yes",
                    }
                )
    return pd.DataFrame(out)


def test_fit_recovers_simulated_locations_and_sigma():
    rng = np.random.default_rng(3)
    truth = {"ind_a": 3.5, "ind_b": 4.5, "ind_c": 5.5}
    rows = used_rows(_simulated_table(rng, truth))
    fit = fit_laplace(rows, dict.fromkeys(truth, "own_territory"), {})
    assert fit.sigma == pytest.approx(0.6, abs=0.15)
    for ind, loc in truth.items():
        mean, var = fit.contrast({"a0": 1, "d[own_territory]": 1, f"u[{ind}]": 1})
        assert abs(mean - loc) < 0.35 and var > 0
    # response is identified where relief outlasts the first reported day (ind_c: median 245 days)
    assert fit.contrast({"rho0": 1, "r[own_territory]": 1, "e[ind_c]": 1})[0] == pytest.approx(np.log(4), abs=0.5)


@pytest.fixture(scope="module")
def shipped(studies, indications):
    """The relief section fitted on the shipped tables (copies: the session's tables stay as read)."""
    studies, indications = studies.copy(), indications.copy()
    return fit_summaries(studies, {}, indications), studies, indications


def test_relief_section_has_the_interface_shape(shipped):
    relief, studies, indications = shipped
    json.dumps(relief, allow_nan=False)  # plain, finite JSON: it goes into the model bundle as it is
    assert relief["family"] == "lognormal" and relief["sigma"] > 0 and relief["setting_sd"] > 0
    assert set(relief["classes"]) == set(CLASSES)
    with_data = set(studies.loc[studies["used"] == "yes", "indication"])
    assert set(relief["indications"]) == with_data
    for ind, entry in relief["indications"].items():
        assert set(entry) == ENTRY_KEYS | {"class"}
        assert entry["class"] == indications.set_index("id").loc[ind, "pain_class"]
        assert 0 < entry["response_prob"] < 1 and entry["location_sd"] > 0 and entry["studies"] >= 1
    for entry in relief["classes"].values():
        assert set(entry) == ENTRY_KEYS
    assert relief["default"] == {
        "location": 0.0,
        "location_sd": 0.0,
        "offset_coef": 1.0,
        "response_prob": 1.0,
        "long_responder_fraction": 0.0,
        "studies": 0,
        "patients": 0,
    }


def test_class_prediction_carries_the_between_indication_spread(shipped):
    relief, *_ = shipped
    tau = relief["fit"]["tau"]
    for c, entry in relief["classes"].items():
        assert entry["location_sd"] >= tau, c
        members = [e for e in relief["indications"].values() if e["class"] == c]
        assert all(e["location_sd"] <= entry["location_sd"] + 1e-3 for e in members), c
    # a class with no study at all is still answered, and more widely than any class with data
    empty = relief["classes"]["residual_limb"]
    assert empty["studies"] == 0 and empty["location_sd"] > max(
        e["location_sd"] for c, e in relief["classes"].items() if e["studies"]
    )


def test_slope_on_nerve_time_is_decided_from_data(shipped):
    relief, *_ = shipped
    slopes = relief["fit"]["slopes"]
    assert set(slopes) == set(CLASSES)
    for c, d in slopes.items():
        assert relief["classes"][c]["offset_coef"] == pytest.approx(d["chosen"], abs=1e-6)
        if d["slope"] is not None:
            assert d["slope_95"][0] < d["slope"] < d["slope_95"][1]
            assert (d["chosen"] != 0) == (d["slope_95"][0] > 0)


@pytest.mark.slow
def test_a_positive_slope_is_kept_when_the_data_follow_the_nerve_time():
    rng = np.random.default_rng(11)
    log_t = {"n1": 3.0, "n2": 4.0, "n3": 5.0, "n4": 6.0}
    table = _simulated_table(rng, {f"ind_{k}": v + 0.5 for k, v in log_t.items()}, settings=1)
    table["nerves"] = table["indication"].str[4:]
    rows, ic = used_rows(table), {f"ind_{k}": "joint" for k in log_t}
    decision = slope_decision(rows, ic, log_t, fit_laplace(rows, ic, log_t, priors=Priors()))
    assert decision["joint"]["chosen"] == pytest.approx(1.0, abs=0.5)
    assert decision["joint"]["log_evidence"]["1"] > decision["joint"]["log_evidence"]["0"]
    assert decision["own_territory"]["chosen"] == 0.0  # no data in that class
