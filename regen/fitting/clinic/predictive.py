"""From posterior draws to what a clinic model stores: parameter draws per entry and its grid law (numpy only).

Every entry of the clinic model is the posterior predictive of a new patient of this clinic, as the evidence
model's entries are of a new patient in a new setting (:mod:`regen.model.relief`, family ``grid``)::

    log T = A + B (x - x_ref) + z'beta + sigma eps

- an indication the clinic treated: its own ``A``, ``L`` and its class's ``B``, ``sigma`` (the posterior);
- an indication it did not treat, of a class it treated: the evidence's ``(a, l)`` given the class's
  ``(B, log sigma)`` (a new indication's Student-t effects added where the evidence has no study of it),
  shifted by this clinic's estimated setting effect ``(v_c, w)``;
- the class entry of a class it treated: the class's ``(a, l)``, a new indication's effects and the shift;
- an indication or class of a class it did not treat, and the default: the prior model's entry unchanged
  (:func:`regen.fitting.clinic.fit.fit_clinic`).

``z'beta`` (direct covariate effects beyond the nerve time) is not in the entries' location: the model's
``relief.covariates`` adds it, at the posterior mean of ``beta``, to the location of each patient (format 3
grid laws read it); the entries' spread carries what the mean leaves out, ``z'(beta - mean beta)`` for
patients of the clinic's case mix (``effect`` of :func:`grid_entry`).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> par = {"A": np.full(400, 5.0), "B": np.full(400, 1.0), "sigma": np.full(400, 0.5), "L": np.full(400, 1.0)}
>>> entry = grid_entry(par, 5.0, np.linspace(0.01, 0.99, 99), rng)
>>> round(entry["m0"], 1), abs(entry["v00"] - 0.25) < 0.02, round(entry["response_prob"], 2)
(5.0, True, 0.73)
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from scipy.special import expit

from regen.catalog.nerves import pain_class

__all__ = ["CHECK_DX", "REPS", "entry_draws", "grid_entry", "setting_draws"]

#: Offsets of x (log days) over which an entry's standardised shape is pooled (nerve times x0.6 to x1.65).
CHECK_DX = (-0.5, -0.25, 0.0, 0.25, 0.5)
#: New patients drawn per posterior draw.
REPS = 8
#: Largest v00 and |standardised quantile| a model file accepts (:mod:`regen.model.bundle`); an entry is kept
#: within them (reached only by a class the clinic barely informs: beyond them lies days > 10**8).
V00_MAX, SHAPE_MAX = 30.0, 20.0


def _pick(logpost: np.ndarray, rng) -> np.ndarray:
    """One grid value per row of unnormalised log densities on :data:`regen.fitting.clinic.arrays.GRID`."""
    from regen.fitting.clinic.arrays import GRID

    p = np.exp(logpost - logpost.max(axis=-1, keepdims=True))
    cum = np.cumsum(p, axis=-1)
    u = rng.random((*p.shape[:-1], 1)) * cum[..., -1:]
    idx = np.minimum((cum < u).sum(axis=-1), GRID.size - 1)
    return GRID[idx] + (rng.random(idx.shape) - 0.5) * (GRID[1] - GRID[0])


def setting_draws(draws, data, prior, rng) -> dict:
    """Per class the clinic treated: ``phi = (B, log sigma)``, the clinic's location shift ``v`` and a new
    indication's spread ``tau_u``; the response shift ``w`` and ``tau_e``.

    The shifts are drawn, per posterior draw, from their conditional posterior on the grid (the model's
    ``v_logpost`` and ``w_logpost``); the spreads from the evidence's log-normals.
    """
    n, het = draws.n, prior.heterogeneity
    out = {"classes": {}}
    v = _pick(draws["v_logpost"], rng)
    for j, c in enumerate(data.classes):
        k = prior.class_names.index(c)
        log_tau_u = het["tau_u"][0][k] + het["tau_u"][1][k] * rng.standard_normal(n)
        out["classes"][c] = {"phi": draws["phi"][:, j, :], "v": v[:, j], "tau_u": np.exp(log_tau_u)}
    out["w"] = _pick(draws["w_logpost"], rng)
    out["tau_e"] = np.exp(het["tau_e"][0] + het["tau_e"][1] * rng.standard_normal(n))
    return out


def _conditional(block, phi: np.ndarray, rng) -> np.ndarray:
    """Draws of ``(a, l)`` given draws of ``(b, s)`` (n x 2), the block's conditional normal."""
    mean, gain, cond = block.conditional()
    noise = rng.standard_normal((phi.shape[0], 2)) @ np.linalg.cholesky(cond).T
    return mean + (phi - block.phi[0]) @ gain.T + noise


def entry_draws(key: str, level: str, draws, data, prior, setting: Mapping, rng, new_effects: bool = True) -> dict:
    """Draws of ``A, B, sigma, L`` of one entry: ``level`` is ``indication`` or ``class``.

    ``new_effects=False`` leaves out a new indication's effects (a class's own level, as ``posterior_approx``
    holds it).
    """
    c = key if level == "class" else pain_class(key)
    cls = setting["classes"][c]
    phi = cls["phi"]
    if level == "indication" and key in data.indications:
        i = data.indications.index(key)
        psi = draws["psi"][:, i, :]
    else:
        own = level == "indication" and prior.has_own(key)
        block = prior.indications[key] if own else prior.classes[c]
        psi = _conditional(block, phi, rng)
        psi[:, 0] += cls["v"]
        psi[:, 1] += setting["w"]
        if not own and new_effects:  # a new indication of the class: its Student-t effects
            psi[:, 0] += cls["tau_u"] * rng.standard_t(prior.df, phi.shape[0])
            psi[:, 1] += setting["tau_e"] * rng.standard_t(prior.df, phi.shape[0])
    return {"A": psi[:, 0], "B": phi[:, 0], "sigma": np.exp(phi[:, 1]), "L": psi[:, 1], "x_ref": prior.x_ref[c]}


def grid_entry(par: Mapping, x_ref: float, probs: np.ndarray, rng, effect: np.ndarray | None = None) -> dict:
    """The grid law of new patients from parameter draws (``effect``: their ``z'beta``, n x REPS, or None)."""
    n = par["A"].shape[0]
    eps = rng.standard_normal((n, REPS))
    A, B, S = par["A"][:, None], par["B"][:, None], par["sigma"][:, None]
    y0 = A + (0.0 if effect is None else effect) + S * eps
    # robust centre and spread (median, half the 16-84 % range): where the clinic's data leave a parameter to
    # the evidence's heavy Student-t tails (a young clinic: only "still relieved"), moments are unstable; the
    # tails are carried by the standardised shape instead
    m0, m1 = float(np.median(y0)), float(B.mean())
    q16, q84 = np.quantile(y0, [0.16, 0.84])
    v00 = float(min(max(((q84 - q16) / 2.0) ** 2, 1e-3), V00_MAX))
    v01 = float(np.mean((y0 - y0.mean()) * (B - m1)))
    v11 = float(B.var())
    v01 = float(np.clip(v01, -math.sqrt(v00 * v11), math.sqrt(v00 * v11)))  # V(x) stays a variance
    z = np.concatenate(
        [((y0 + B * dx) - (m0 + m1 * dx)).ravel() / np.sqrt(v00 + 2 * v01 * dx + v11 * dx**2) for dx in CHECK_DX]
    )
    quantiles = np.clip(np.quantile(z, probs), -SHAPE_MAX, SHAPE_MAX)
    return {
        "x_ref": float(x_ref),
        "m0": m0,
        "m1": m1,
        "v00": v00,
        "v01": v01,
        "v11": v11,
        "shape_quantiles": quantiles.tolist(),
        "response_prob": float(expit(par["L"]).mean()),
        "long_responder_fraction": 0.0,
    }
