"""Posterior draws -> the mechanism's row quantities and the relief law's new-study draws (numpy / vmapped jax)."""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp
import numpy as np

from regen.fitting.evidence import likelihood as lk
from regen.fitting.evidence.agecurve import smoothstep
from regen.fitting.evidence.priors import AGE_KNOTS, FIXED_SD, NU

MECH_NAMES = ("log_initial_delay", "log_rate", "log_terminal", "terminal_sd", "child_log_ratio", "old_log_ratio")


def _mech_rows(theta, d):
    """(F at the row times without any shift, log mean) for one parameter vector ``theta``."""
    ld, lr, lt, tsd, bc, bo = theta
    k, age = AGE_KNOTS, d["comp_age"]
    f = jnp.exp(
        -bc * smoothstep((k["adult"] - age) / (k["adult"] - k["child"]))
        + bo * smoothstep((age - k["older"]) / (k["old"] - k["older"]))
    )
    mu, sig = lk.lognormal_sum(
        [jnp.exp(ld) * jnp.ones_like(f), d["comp_dist"] / jnp.exp(lr) * f, jnp.exp(lt) * f],
        [FIXED_SD["initial_delay"], math.hypot(FIXED_SD["distance"], FIXED_SD["rate"]), tsd],
    )
    return mu, sig


def mechanism_components(flat: dict, d: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per draw and component: (mu, sigma) of the log return time without setting shift; (draws, comps)."""
    theta = jnp.stack([jnp.asarray(flat[n]) for n in MECH_NAMES], axis=1)
    mu, sig = jax.vmap(lambda t: _mech_rows(t, d))(theta)
    return np.asarray(mu), np.asarray(sig)


def mixture_cdf_np(log_t: np.ndarray, mu: np.ndarray, sig: np.ndarray, w: np.ndarray, shift: np.ndarray):
    """CDF of a mixture at ``log_t`` (..., T) for draws: mu, sig (draws, comps), w (comps,), shift (draws,)."""
    from scipy.special import ndtr

    z = (log_t[None, None, :] - mu[:, :, None] - shift[:, None, None]) / sig[:, :, None]
    return np.einsum("dct,c->dt", ndtr(z), w)


def student_t(rng: np.random.Generator, size) -> np.ndarray:
    return rng.standard_t(NU, size=size)
