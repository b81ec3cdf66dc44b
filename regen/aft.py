"""Accelerated-failure-time families in closed form, vectorised with numpy.

``log T = mu + sigma * eps``; the families differ by the law of ``eps``:
Weibull (extreme value), log-normal (normal), log-logistic (logistic). These
are lifelines' ``WeibullAFTFitter`` (``lambda = exp(mu)``, ``rho = 1/sigma``),
``LogNormalAFTFitter`` and ``LogLogisticAFTFitter`` parametrisations.

Examples
--------
>>> import numpy as np
>>> from regen.aft import survival, quantile
>>> float(survival("lognormal", np.log(np.array([50.0])), np.log(50.0), 0.5)[0])
0.5
>>> round(float(quantile("weibull", np.log(100.0), 1.0, 1 - np.exp(-1.0))), 6)
100.0
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["FAMILIES", "cdf_eps", "logpdf_eps", "ppf_eps", "quantile", "sf_eps", "survival"]

FAMILIES = ("weibull", "lognormal", "loglogistic")


def _norm_sf(z: np.ndarray) -> np.ndarray:
    z = np.asarray(z, dtype=float)
    if z.size <= 2048:  # keep scipy off the one-patient path (import time)
        flat = [0.5 * math.erfc(v / math.sqrt(2.0)) for v in z.ravel()]
        return np.array(flat, dtype=float).reshape(z.shape)
    from scipy.special import ndtr

    return ndtr(-z)


def _norm_ppf(p: np.ndarray) -> np.ndarray:
    from statistics import NormalDist

    p = np.asarray(p, dtype=float)
    if p.size <= 2048:
        dist = NormalDist()
        flat = [dist.inv_cdf(v) if 0 < v < 1 else (np.inf if v >= 1 else -np.inf)
                for v in p.ravel()]
        return np.array(flat, dtype=float).reshape(p.shape)
    from scipy.special import ndtri

    return ndtri(p)


def cdf_eps(family: str, z: np.ndarray) -> np.ndarray:
    """P(eps <= z) for the standardised error of ``family``."""
    z = np.asarray(z, dtype=float)
    if family == "weibull":
        return -np.expm1(-np.exp(np.minimum(z, 700.0)))
    if family == "lognormal":
        return _norm_sf(-z)
    if family == "loglogistic":
        return 1.0 / (1.0 + np.exp(np.minimum(-z, 700.0)))
    raise ValueError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)}")


def ppf_eps(family: str, p: np.ndarray) -> np.ndarray:
    """Inverse of :func:`cdf_eps`."""
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore"):
        if family == "weibull":
            return np.log(-np.log1p(-p))
        if family == "lognormal":
            return _norm_ppf(p)
        if family == "loglogistic":
            return np.log(p) - np.log1p(-p)
    raise ValueError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)}")


def logpdf_eps(family: str, z: np.ndarray) -> np.ndarray:
    """Log density of the standardised error (for likelihoods)."""
    z = np.asarray(z, dtype=float)
    if family == "weibull":
        return z - np.exp(z)
    if family == "lognormal":
        return -0.5 * z**2 - 0.5 * math.log(2 * math.pi)
    if family == "loglogistic":
        return -z - 2.0 * np.log1p(np.exp(-z))
    raise ValueError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)}")


def sf_eps(family: str, z: np.ndarray) -> np.ndarray:
    """P(eps > z), computed directly (not ``1 - cdf``, which loses the far tail to rounding)."""
    z = np.asarray(z, dtype=float)
    if family == "weibull":
        return np.exp(-np.exp(np.minimum(z, 700.0)))
    if family == "lognormal":
        return _norm_sf(z)
    if family == "loglogistic":
        return 1.0 / (1.0 + np.exp(np.minimum(z, 700.0)))
    raise ValueError(f"unknown family {family!r}; use one of {', '.join(FAMILIES)}")


def survival(family: str, log_t: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """S(t) = P(T > t) given ``log t``, location ``mu`` and scale ``sigma``."""
    z = (np.asarray(log_t, dtype=float) - np.asarray(mu, dtype=float)) / np.asarray(sigma, dtype=float)
    return sf_eps(family, z)


def quantile(family: str, mu: np.ndarray, sigma: np.ndarray, p: float | np.ndarray) -> np.ndarray:
    """Time by which a fraction ``p`` has had the event: ``exp(mu + sigma * F^-1(p))``."""
    return np.exp(np.asarray(mu, dtype=float) + np.asarray(sigma, dtype=float) * ppf_eps(family, p))
