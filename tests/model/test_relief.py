"""The relief-end law (regen.model.relief): invariants for every family, lookup order, one definition."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regen.model.relief import ReliefDistribution, relief_distribution
from regen.stats import aft

ENTRY = {
    "location": 0.0,
    "location_sd": 0.0,
    "offset_coef": 1.0,
    "response_prob": 1.0,
    "long_responder_fraction": 0.0,
    "studies": 0,
    "patients": 0,
}


def _dist(family, mu, scale, response=0.8, long=0.1):
    n = np.size(mu)
    return ReliefDistribution(
        family,
        np.atleast_1d(np.asarray(mu, float)),
        np.full(n, scale),
        np.full(n, response),
        np.full(n, long),
        np.full(n, "", dtype=object),
        np.full(n, "", dtype=object),
    )


@settings(max_examples=60, deadline=None)
@given(
    family=st.sampled_from(aft.FAMILIES),
    mu=st.floats(1.0, 7.0),
    scale=st.floats(0.1, 2.0),
    response=st.floats(0.0, 1.0),
    long=st.floats(0.0, 0.9),
)
def test_survival_is_a_probability_that_never_rises(family, mu, scale, response, long):
    days = np.array([0.0, 1.0, 7.0, 30.0, 90.0, 365.0, 3650.0, 1e6])
    s = _dist(family, mu, scale, response, long).survival(days)[0]
    assert np.all((s >= 0) & (s <= 1)) and np.all(np.diff(s) <= 1e-12)
    assert s[0] == pytest.approx(response)  # everyone who responds is relieved on day 0
    assert s[-1] >= response * long - 1e-12  # long responders stay


@settings(max_examples=60, deadline=None)
@given(family=st.sampled_from(aft.FAMILIES), mu=st.floats(1.0, 7.0), scale=st.floats(0.1, 2.0), p=st.floats(0.02, 0.98))
def test_quantile_inverts_the_survival_of_relief_that_ends(family, mu, scale, p):
    dist = _dist(family, mu, scale, response=1.0, long=0.0)
    q = dist.quantile(p)
    assert dist.survival(q)[0, 0] == pytest.approx(1 - p, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(
    family=st.sampled_from(aft.FAMILIES),
    mu=st.floats(2.0, 6.0),
    scale=st.floats(0.2, 1.2),
    day=st.floats(1.0, 600.0),
    p=st.floats(0.05, 0.95),
    long=st.floats(0.0, 0.5),
)
def test_given_relief_on_a_day_nothing_ends_before_it(family, mu, scale, day, p, long):
    dist = _dist(family, mu, scale, response=0.7, long=long)
    given = np.array([day])
    cond, plain = dist.quantile(p, given)[0], dist.quantile(p)[0]
    assert np.isfinite(cond) and cond >= day and cond >= plain * (1 - 1e-12)
    s = dist.survival([day / 2, day, day * 2], given)[0]
    assert s[0] == 1.0 and s[1] == 1.0 and 0 <= s[2] <= 1
    assert dist.survival([day], np.array([np.nan]))[0, 0] <= 0.7  # unknown: response counts


def test_conditional_survival_is_the_ratio_of_survivals():
    dist = _dist("weibull", np.log(120.0), 0.6, response=0.9, long=0.2)
    s = dist.responder_survival([50.0, 200.0])[0]
    assert dist.survival([200.0], np.array([50.0]))[0, 0] == pytest.approx(s[1] / s[0])


def _relief(**groups):
    return {
        "family": "lognormal",
        "sigma": 0.4,
        "setting_sd": 0.3,
        "indications": {},
        "classes": {},
        "default": ENTRY,
        **groups,
    }


def test_lookup_indication_then_class_then_mechanism():
    relief = _relief(
        indications={
            "occipital_neuralgia": {**ENTRY, "location": 4.0, "offset_coef": 0.0, "studies": 2, "patients": 57}
        },
        classes={
            "joint": {**ENTRY, "location": 5.0, "location_sd": 1.5, "offset_coef": 0.0, "studies": 3, "patients": 300}
        },
    )
    cols = {"indication": np.array(["occipital_neuralgia", "knee_osteoarthritis", "no_such_thing"], dtype=object)}
    dist = relief_distribution(relief, cols, np.log([100.0, 100.0, 100.0]))
    assert dist.level.tolist() == ["indication", "class", "mechanism"]
    assert dist.mu.tolist() == pytest.approx([4.0, 5.0, np.log(100.0)])
    sd = np.sqrt(0.4**2 + 0.3**2)
    assert dist.scale.tolist() == pytest.approx([sd, np.sqrt(sd**2 + 1.5**2), sd])
    assert dist.evidence[0] == "indication: 2 studies, 57 patients"
    assert dist.evidence[1].startswith("class only: no study of this indication (joint: 3 studies")
    assert dist.evidence[2].startswith("mechanism only")


def test_covariates_move_the_location_by_their_coefficients():
    """Each covariate moves log relief time by its own coefficient, against a reference patient.

    The rows differ from the reference (age 50, no diabetes) one covariate at a time, so no two effects can
    cancel: with covariates switched off every row would sit at the reference and this fails. (Older and
    diabetic together, +0.2 - 0.2, is kept as the last row: alone it could not tell the two cases apart.)
    """
    relief = _relief(
        covariates={"numeric": {"age": [50, 10]}, "binary": ["diabetes"], "coef": {"age": 0.1, "diabetes": -0.2}}
    )
    cols = {
        "indication": np.array(["x"] * 5, dtype=object),
        "age": np.array([50.0, 70.0, 50.0, 35.0, 70.0]),
        "diabetes": np.array([False, False, True, True, True]),
    }
    dist = relief_distribution(relief, cols, np.log(np.full(5, 100.0)))
    assert dist.mu[0] == pytest.approx(np.log(100.0))  # the reference: location 0 + 1 x log T_nerve, nothing added
    shifts = dist.mu - dist.mu[0]
    assert shifts.tolist() == pytest.approx([0.0, 0.1 * 2, -0.2, 0.1 * -1.5 - 0.2, 0.2 - 0.2])
    assert np.all(dist.scale == dist.scale[0])  # covariates move the location, never the spread


def test_every_caller_reads_the_same_law(model, patients):
    """p_relief_* of score, Model.predict_survival_function and the law itself agree."""
    good = patients.drop(index=[3, 10, 20]).head(40)
    scored = model.predict(good)
    sf = model.predict_survival_function(good, [90, 180, 365])
    dist, ok = model.relief(good)
    assert ok.all()
    for j, day in enumerate((90, 180, 365)):
        np.testing.assert_allclose(scored[f"p_relief_{day}d"], np.round(dist.survival([day])[:, 0], 3))
        np.testing.assert_allclose(sf.loc[float(day)].to_numpy(), dist.survival([90, 180, 365])[:, j])
    np.testing.assert_allclose(scored["relief_end_median_day"], np.round(dist.quantile(0.5), 1))
    assert isinstance(sf, pd.DataFrame)


@pytest.mark.parametrize("family", aft.FAMILIES)
def test_the_far_tail_is_not_lost_to_rounding(family):
    """Given relief on a day far in the tail, relief later is still less likely (S is computed directly)."""
    dist = _dist(family, 4.0, 0.25, response=0.7, long=5e-324)
    s = dist.survival([136.0, 272.0], np.array([100.0]))[0]
    assert s[1] < s[0] <= 1.0 and aft.sf_eps(family, np.array([3.65]))[0] > 0
    z = np.linspace(-5, 2, 50)
    np.testing.assert_allclose(aft.sf_eps(family, z), 1 - aft.cdf_eps(family, z), rtol=1e-9, atol=1e-15)


def test_published_study_evidence_is_unchanged():
    from regen.model.relief import evidence_text

    entry = {"studies": 1, "patients": 12}
    assert evidence_text(entry, "indication", "x") == "indication: 1 study, 12 patients"
    assert (
        evidence_text({**entry, "studies": 0, "data": "clinic"}, "indication", "x")
        == "indication: clinic data, 12 patients"
    )
