"""The exact likelihood pieces against scipy and Monte Carlo references."""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, ndtr

from regen.fitting.evidence import likelihood as lk

RNG = np.random.default_rng(7)


def test_log_diff_ndtr_matches_scipy_in_both_tails():
    lo = np.array([-3.0, 0.5, 8.0, -40.0])
    hi = np.array([-1.0, 2.0, 9.0, -39.0])
    ref = np.empty(4)
    ref[:2] = np.log(stats.norm.cdf(hi[:2]) - stats.norm.cdf(lo[:2]))
    ref[2] = np.log(stats.norm.sf(8.0) - stats.norm.sf(9.0))
    ref[3] = stats.norm.logcdf(-39.0) + np.log1p(-np.exp(stats.norm.logcdf(-40.0) - stats.norm.logcdf(-39.0)))
    np.testing.assert_allclose(np.asarray(lk.log_diff_ndtr(lo, hi)), ref, rtol=1e-8)


def test_curve_is_the_multinomial_of_its_interval_counts():
    n, days, counts = 49.0, np.array([548.0, 1218.0, 1583.0]), np.array([47.0, 23.0, 7.0])
    m, sigma, r = 7.0, 0.5, 0.9
    s = ndtr((m - np.log(days)) / sigma)
    p = np.array([1 - r * s[0], r * (s[0] - s[1]), r * (s[1] - s[2]), r * s[2]])
    x = np.array([n - counts[0], counts[0] - counts[1], counts[1] - counts[2], counts[2]])
    ref = stats.multinomial.logpmf(x, int(n), p)
    got = lk.curve_loglik(
        np.array([n]),
        np.log(days)[None],
        counts[None],
        np.ones((1, 3)),
        np.array([m]),
        np.array([sigma]),
        np.log([r]),
        np.log([1 - r]),
    )
    assert float(got[0]) == pytest.approx(ref, rel=1e-10)


def test_single_share_and_response_share_are_binomials_with_padding():
    m, sigma, r = 4.0, 0.8, 0.7
    days = np.array([[30.0, 30.0], [1e-6, 1e-6]])
    counts = np.array([[13.0, 13.0], [52.0, 52.0]])
    n = np.array([26.0, 64.0])
    got = np.asarray(
        lk.curve_loglik(
            n,
            np.log(days),
            counts,
            np.array([[1, 0], [1, 0]]),
            np.full(2, m),
            np.full(2, sigma),
            np.log([r, r]),
            np.log([1 - r, 1 - r]),
        )
    )
    p30 = r * ndtr((m - np.log(30.0)) / sigma)
    assert got[0] == pytest.approx(stats.binom.logpmf(13, 26, p30), rel=1e-10)
    assert got[1] == pytest.approx(stats.binom.logpmf(52, 64, r), rel=1e-8)


def test_duration_summaries_match_their_sampling_distributions():
    m, sigma = math.log(100.0), 0.7
    kind = np.array([0, 1, 2, 3])
    n = np.array([31.0, 24.0, 3.0, 1.0])
    value = np.array([80.0, 160.0, 1.0, 1.0])
    low, high = np.array([1.0, 1.0, 91.0, 42.0]), np.array([2.0, 2.0, 183.0, 84.0])
    got = np.asarray(lk.duration_loglik(kind, n, value, low, high, np.full(4, m), np.full(4, sigma)))
    assert got[0] == pytest.approx(stats.norm.logpdf(math.log(80), m, sigma * math.sqrt(math.pi / 62)))
    se_mean = math.sqrt(math.expm1(sigma**2) / 24)
    assert got[1] == pytest.approx(stats.norm.logpdf(math.log(160), m + sigma**2 / 2, se_mean))
    p = stats.norm.cdf((math.log(183) - m) / sigma) - stats.norm.cdf((math.log(91) - m) / sigma)
    assert got[2] == pytest.approx(3 * math.log(p))
    # the sample median of n log-normal times: its log has sd close to sigma * sqrt(pi / 2n) (Monte Carlo)
    med = np.median(RNG.normal(m, sigma, size=(20000, 31)), axis=1)
    assert np.std(med) == pytest.approx(sigma * math.sqrt(math.pi / 62), rel=0.08)


def test_range_of_rounded_order_statistics_against_monte_carlo():
    n, mu, sd = 19, math.log(180.0), 0.3
    a, b, h = 121.8, 243.5, 15.22
    draws = np.exp(RNG.normal(mu, sd, size=(200000, n)))
    lo, hi = draws.min(axis=1), draws.max(axis=1)
    mc = np.mean((lo > a - h) & (lo <= a + h) & (hi > b - h) & (hi <= b + h))
    F = stats.norm.cdf((np.log([a - h, a + h, b - h, b + h]) - mu) / sd)
    got = float(np.exp(lk.range_rounded_logprob(F[None], np.array([float(n)]))[0]))
    assert got == pytest.approx(mc, rel=0.05)


def test_mixture_cdf_and_mean():
    mu, sig, w = np.array([4.0, 5.0, 4.5]), np.array([0.3, 0.5, 0.4]), np.array([0.5, 0.5, 1.0])
    rows = np.array([0, 0, 1])
    t = np.log(np.array([[60.0, 100.0], [90.0, 200.0]]))
    got = np.asarray(lk.mixture_cdf(t, mu, sig, w, rows, 2, np.array([0.1, -0.2])))
    ref0 = 0.5 * stats.norm.cdf((t[0] - 4.1) / 0.3) + 0.5 * stats.norm.cdf((t[0] - 5.1) / 0.5)
    np.testing.assert_allclose(got[0], ref0, rtol=1e-10)
    np.testing.assert_allclose(got[1], stats.norm.cdf((t[1] - 4.3) / 0.4), rtol=1e-10)
    lm = np.asarray(lk.mixture_log_mean(mu, sig, w, rows, 2))
    assert lm[1] == pytest.approx(4.5 + 0.08)


def test_fenton_wilkinson_sum_matches_mean_and_variance():
    med, sd = [np.array(5.0), np.array(150.0), np.array(80.0)], [0.3, 0.32, 0.4]
    mu, s = lk.lognormal_sum(med, sd)
    x = sum(np.exp(RNG.normal(np.log(m_), s_, 400000)) for m_, s_ in zip(med, sd, strict=True))
    assert math.exp(float(mu) + float(s) ** 2 / 2) == pytest.approx(x.mean(), rel=0.01)
    assert math.sqrt(math.expm1(float(s) ** 2)) * x.mean() == pytest.approx(x.std(), rel=0.03)


def test_mechanism_rows_are_binomials_and_normal_means():
    F = np.array([[0.3, 0.3, 0.3, 0.3], [0.8, 0.8, 0.8, 0.8], [0.1, 0.2, 0.8, 0.9]])
    got = np.asarray(
        lk.mechanism_row_loglik(
            np.array([1, 2, 3]),
            np.array([28.0, 24.0, 19.0]),
            np.array([28.0, 10.0, 0.0]),
            np.ones(3),
            np.ones(3),
            np.array([0.0, 5 / 24, 0.0]),
            F,
            np.zeros(3),
            np.zeros(3),
        )
    )
    assert got[0] == pytest.approx(stats.binom.logpmf(28, 28, 0.3))
    p_after = 1 - (1 - 0.2) * (1 - 5 / 24)
    assert got[1] == pytest.approx(stats.binom.logpmf(10, 24, p_after))
    assert np.isfinite(got[2])
    assert expit(0.0) == 0.5


def test_validation_scores_a_count_by_its_predictive_pmf():
    from regen.fitting.evidence.validation import _count_summary

    pmf = stats.binom.pmf(np.arange(11), 10, 0.3)
    out = _count_summary(pmf, 3, 10)
    assert out["log_score"] == pytest.approx(stats.binom.logpmf(3, 10, 0.3))
    assert out["p10"] <= 0.3 <= out["p90"] and out["inside"]
    assert out["pit"] == pytest.approx(stats.binom.cdf(2, 10, 0.3) + 0.5 * pmf[3])


def test_rule_of_thumb_reference_has_the_stated_interval():
    from regen.fitting.evidence.validation import RULE_SD_LOG

    d = 220.0
    lo, hi = np.exp(np.log(d / math.sqrt(2)) + np.array([-1, 1]) * stats.norm.ppf(0.9) * RULE_SD_LOG)
    assert lo == pytest.approx(d / 2) and hi == pytest.approx(d)
