"""Evaluation metrics (regen.fitting.evaluation): concordance against a pairwise count, calibration bins, no
intervals without a bootstrap."""

from __future__ import annotations

import numpy as np
import pytest

from regen.fitting.evaluation import calibration, concordance, evaluate
from regen.fitting.outcomes import load_outcomes


def test_concordance_matches_a_pairwise_count(cohort):
    data = load_outcomes(cohort.head(200))
    pred = np.random.default_rng(0).uniform(10, 300, len(data))
    from regen.fitting.outcomes import event_times

    keep = data.responded
    t, e = event_times(data.subset(keep))
    p = pred[keep]
    num = den = 0.0
    for i in range(len(t)):
        for j in range(len(t)):
            # comparable: i's relief ended first, or at the same time as j was last seen still relieved
            if e[i] and (t[i] < t[j] or (t[i] == t[j] and not e[j])):
                den += 1
                num += 1.0 if p[i] < p[j] else 0.5 if p[i] == p[j] else 0.0
    assert concordance(data, pred) == pytest.approx(num / den, rel=1e-9)


def test_calibration_of_a_perfect_group_predictor(cohort):
    data = load_outcomes(cohort.head(1000))
    observed_all = calibration(data, np.full(len(data), 0.5), 90)
    assert len(observed_all["bins"]) == 1 and np.isnan(observed_all["slope"])


def test_evaluate_without_bootstrap_has_no_intervals(model, cohort):
    out = evaluate(model, cohort.head(150), bootstrap=0)
    assert "c_index_ci" not in out and out["n"] == 150
