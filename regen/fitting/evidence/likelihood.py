"""The exact likelihood pieces, in ``jax.numpy`` (pure, vectorised; tested against scipy in tests/evidence).

All times in days, logs natural. ``m`` is a location (log days), ``sigma`` a log-scale sd.
"""

from __future__ import annotations

import jax

jax.config.update("jax_enable_x64", True)

import jax.numpy as jnp  # noqa: E402
from jax.scipy.special import gammaln, log_ndtr, ndtr  # noqa: E402

#: Smallest probability allowed inside a log (keeps gradients finite far out in warm-up).
TINY = 1e-300


def _safe_log(x):
    return jnp.log(jnp.clip(x, TINY, None))


def log_diff_ndtr(lo, hi):
    """``log(Phi(hi) - Phi(lo))`` for ``lo <= hi``, stable in both tails."""
    upper = lo > 0
    a = jnp.where(upper, -hi, lo)
    b = jnp.where(upper, -lo, hi)
    lb, la = log_ndtr(b), log_ndtr(a)
    return lb + jnp.log(-jnp.expm1(jnp.minimum(la - lb, -1e-300)))


def binom_logpmf(k, n, log_p, log_q):
    """Binomial log pmf given ``log p`` and ``log(1 - p)`` (with the binomial coefficient)."""
    coef = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
    return coef + jnp.where(k > 0, k * log_p, 0.0) + jnp.where(n - k > 0, (n - k) * log_q, 0.0)


def normal_logpdf(x, mean, sd):
    return -0.5 * ((x - mean) / sd) ** 2 - jnp.log(sd) - 0.5 * jnp.log(2 * jnp.pi)


def lognormal_sum(medians, sds):
    """Fenton-Wilkinson (mu, sigma) of a sum of independent log-normals (same as regen.mechanism.lognormal_sum)."""
    mean = 0.0
    var = 0.0
    for m, s in zip(medians, sds, strict=True):
        mm = m * jnp.exp(s**2 / 2.0)
        mean = mean + mm
        var = var + mm**2 * jnp.expm1(s**2)
    sigma2 = jnp.log1p(var / mean**2)
    return jnp.log(mean) - sigma2 / 2.0, jnp.sqrt(sigma2)


# ----------------------------------------------------------------------------------------------- relief


def curve_loglik(n, log_t, counts, valid, m, sigma, log_r, log_1mr):
    """Multinomial log-likelihood of one cohort's counts still relieved at increasing days (interval counts).

    Bins: not relieved at the first day (``n - k_1``: non-responders and early ends), relief ended between two
    reported days (``k_j - k_{j+1}``), still relieved at the last day (``k_K``). A response share is a curve read at
    day ~0 (``S = 1``). Padded columns (``valid == 0``) repeat the last day and count and add nothing.

    Parameters
    ----------
    n : (G,) ; log_t, counts, valid : (G, K) ; m, sigma, log_r, log_1mr : (G,)
    """
    z = (m[:, None] - log_t) / sigma[:, None]  # S_j = Phi(z_j)
    log_s = log_ndtr(z)
    first = n - counts[:, 0]
    log_lost_first = jnp.logaddexp(log_1mr, log_r + log_ndtr(-z[:, 0]))  # 1 - r S_1
    ll = jnp.where(first > 0, first * log_lost_first, 0.0)
    between = counts[:, :-1] - counts[:, 1:]
    z_hi, z_lo = z[:, :-1], z[:, 1:]
    safe_lo = jnp.where(between > 0, z_lo, z_hi - 1.0)
    log_between = log_r[:, None] + log_diff_ndtr(safe_lo, z_hi)
    ll = ll + jnp.sum(jnp.where(between > 0, between * log_between, 0.0), axis=1)
    last = counts[:, -1]
    ll = ll + jnp.where(last > 0, last * (log_r + log_s[:, -1]), 0.0)
    coef = gammaln(n + 1) - gammaln(first + 1) - jnp.sum(gammaln(between + 1), axis=1) - gammaln(last + 1)
    del valid
    return coef + ll


def duration_loglik(kind, n, value, low, high, m, sigma, smoothing=0.2):
    """Log-likelihood of duration summaries among responders (log-day scale densities / probabilities).

    ``kind``: 0 median of n (sampling sd ``sigma * sqrt(pi / 2n)``), 1 mean of n log-normal times (delta method:
    log mean ~ N(m + sigma^2/2, expm1(sigma^2)/n)), 2 each of n patients ended in [low, high]
    (``n log P``), 3 a setting's median in [low, high] (edges smoothed by ``smoothing`` log days: the source
    rounds to whole weeks).
    """
    lv, llo, lhi = jnp.log(value), jnp.log(low), jnp.log(high)
    med = normal_logpdf(lv, m, sigma * jnp.sqrt(jnp.pi / (2.0 * n)))
    mean = normal_logpdf(lv, m + sigma**2 / 2.0, jnp.sqrt(jnp.expm1(sigma**2) / n))
    each = n * log_diff_ndtr((llo - m) / sigma, (lhi - m) / sigma)
    setting = log_diff_ndtr((llo - m) / smoothing, (lhi - m) / smoothing)
    return jnp.select([kind == 0, kind == 1, kind == 2], [med, mean, each], setting)


# ----------------------------------------------------------------------------------------------- mechanism


def mixture_cdf(log_t, mu, sigma, w, comp_row, n_rows, shift):
    """``F(t)`` of each row's mixture of log-normal components, at each column of ``log_t`` ``(R, K)``.

    ``mu, sigma, w, comp_row`` are per component; ``shift`` ``(R,)`` is added to every component's location.
    """
    z = (log_t[comp_row] - mu[:, None] - shift[comp_row][:, None]) / sigma[:, None]
    return jax.ops.segment_sum(w[:, None] * ndtr(z), comp_row, num_segments=n_rows)


def mixture_log_mean(mu, sigma, w, comp_row, n_rows):
    """Log of the mean of each row's log-normal mixture."""
    return jnp.log(jax.ops.segment_sum(w * jnp.exp(mu + sigma**2 / 2.0), comp_row, num_segments=n_rows))


def range_rounded_logprob(F, n):
    """Log P(shortest of n in [a1, a2] and longest in [b1, b2]) from ``F = (F(a1), F(a2), F(b1), F(b2))`` ``(R, 4)``.

    Inclusion-exclusion on ``P(min > A, max <= B) = (F(B) - F(A))^n``.
    """
    fa1, fa2, fb1, fb2 = F[:, 0], F[:, 1], F[:, 2], F[:, 3]
    x = jnp.clip(fb2 - fa1, TINY, 1.0)
    terms = (
        1.0
        - (jnp.clip(fb2 - fa2, 0.0, None) / x) ** n
        - (jnp.clip(fb1 - fa1, 0.0, None) / x) ** n
        + (jnp.clip(fb1 - fa2, 0.0, None) / x) ** n
    )
    return n * jnp.log(x) + _safe_log(terms)


def mechanism_row_loglik(kind, n, k, value, se, background, F, log_mean, delta):
    """Log-likelihood of each mechanism row (kinds in ``data.MECH_KINDS`` order).

    ``F`` ``(R, 4)``: the row's CDF at its ``times`` with its setting shift; ``log_mean`` without the shift;
    ``delta`` the row's total log shift (study discrepancy + partial lesion).
    """
    mean_ll = normal_logpdf(jnp.log(value), log_mean + delta, se)
    p_before = jnp.clip(F[:, 0], TINY, 1.0 - 1e-15)
    before = binom_logpmf(k, n, jnp.log(p_before), jnp.log1p(-p_before))
    still = 1.0 - F[:, 0]
    p_after = jnp.clip(1.0 - (1.0 - still) * (1.0 - background), TINY, 1.0 - 1e-15)
    after = binom_logpmf(k, n, jnp.log(p_after), jnp.log1p(-p_after))
    is_range = (kind == 3)[:, None]
    rng = range_rounded_logprob(jnp.where(is_range, F, jnp.array([0.1, 0.2, 0.8, 0.9])), n)
    return jnp.select([kind == 0, kind == 1, kind == 2], [mean_ll, before, after], rng)
