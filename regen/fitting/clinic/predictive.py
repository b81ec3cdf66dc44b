"""From posterior draws to what a clinic model stores: parameter draws per entry and its grid law (numpy only).

Every entry of the clinic model is the posterior predictive of a new patient of this clinic, as the evidence
model's entries are of a new patient in a new setting (:mod:`regen.model.relief`, family ``grid``)::

    log T = A + B (x - x_ref) + z'beta + sigma eps

- an indication the clinic treated: its own ``A``, ``L`` and its class's ``B``, ``sigma`` (the posterior);
- an indication it did not treat, with published studies: the evidence's ``(a, l)`` given the class's
  ``(B, log sigma)``, shifted by this clinic's estimated setting effect ``(v_c, w)``;
- a class (an indication without studies and not treated): the class's ``(a, l)``, a new indication's
  Student-t effects and the clinic's shift;
- the default: the chronic classes' entries pooled (the evidence model's catch-all, with the shift).

``z'beta`` (direct covariate effects beyond the nerve time) is averaged over the clinic's own rows: the grid
law reads ``x`` only, so these effects widen the law as far as they vary among the clinic's patients.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> par = {"A": np.full(400, 5.0), "B": np.full(400, 1.0), "sigma": np.full(400, 0.5), "L": np.full(400, 1.0)}
>>> entry = grid_entry(par, 5.0, np.linspace(0.01, 0.99, 99), rng)
>>> round(entry["m0"], 1), round(entry["v00"], 2), round(entry["response_prob"], 2)
(5.0, 0.25, 0.73)
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy.special import expit

from regen.catalog.nerves import pain_class

__all__ = ["CHECK_DX", "REPS", "entry_draws", "grid_entry", "setting_draws"]

#: Offsets of x (log days) over which an entry's standardised shape is pooled (nerve times x0.6 to x1.65).
CHECK_DX = (-0.5, -0.25, 0.0, 0.25, 0.5)
#: New patients drawn per posterior draw.
REPS = 8


def setting_draws(draws, data, prior, rng) -> dict:
    """Per class: ``B``, ``sigma``, the clinic's shift ``v`` and ``tau_u``; and ``w``, ``tau_e`` (all classes).

    A class the clinic treated takes its posterior; any other its evidence prior (its ``tau_v`` too), times the
    clinic's posterior standardised shift ``z_v``: where the clinic's data say where it lies, so do these.
    """
    n, het = draws.n, prior.heterogeneity
    out = {"classes": {}}
    for k, c in enumerate(prior.class_names):
        if c in data.classes:
            j = data.classes.index(c)
            phi = draws["phi"][:, j, :]
            log_tau_v, log_tau_u = draws["log_tau_v"][:, j], draws["log_tau_u"][:, j]
        else:
            mean, cov = prior.classes[c].phi
            phi = rng.multivariate_normal(mean, cov, n)
            log_tau_v = het["tau_v"][0][k] + het["tau_v"][1][k] * rng.standard_normal(n)
            log_tau_u = het["tau_u"][0][k] + het["tau_u"][1][k] * rng.standard_normal(n)
        out["classes"][c] = {
            "phi": phi,
            "v": np.exp(log_tau_v) * draws["z_v"],
            "tau_u": np.exp(log_tau_u),
        }
    out["w"] = np.exp(draws["log_tau_w"]) * draws["z_w"]
    out["tau_e"] = np.exp(draws["log_tau_e"])
    return out


def _conditional(block, phi: np.ndarray, rng) -> np.ndarray:
    """Draws of ``(a, l)`` given draws of ``(b, s)`` (n x 2), the block's conditional normal."""
    mean, gain, cond = block.conditional()
    noise = rng.standard_normal((phi.shape[0], 2)) @ np.linalg.cholesky(cond).T
    return mean + (phi - block.phi[0]) @ gain.T + noise


def entry_draws(key: str, level: str, draws, data, prior, setting: Mapping, rng) -> dict:
    """Draws of ``A, B, sigma, L`` of one entry: ``level`` is ``indication`` or ``class``."""
    c = key if level == "class" else pain_class(key)
    cls = setting["classes"][c]
    phi = cls["phi"]
    if level == "indication" and key in data.indications:
        i = data.indications.index(key)
        psi = draws["psi"][:, i, :]
    else:
        block = prior.indications[key] if level == "indication" else prior.classes[c]
        psi = _conditional(block, phi, rng)
        psi[:, 0] += cls["v"]
        psi[:, 1] += setting["w"]
        if level == "class":
            psi[:, 0] += cls["tau_u"] * rng.standard_t(prior.df, phi.shape[0])
            psi[:, 1] += setting["tau_e"] * rng.standard_t(prior.df, phi.shape[0])
    return {"A": psi[:, 0], "B": phi[:, 0], "sigma": np.exp(phi[:, 1]), "L": psi[:, 1], "x_ref": prior.x_ref[c]}


def grid_entry(par: Mapping, x_ref: float, probs: np.ndarray, rng, effect: np.ndarray | None = None) -> dict:
    """The grid law of new patients from parameter draws (``effect``: their ``z'beta``, n x REPS, or None)."""
    n = par["A"].shape[0]
    eps = rng.standard_normal((n, REPS))
    A, B, S = par["A"][:, None], par["B"][:, None], par["sigma"][:, None]
    y0 = A + (0.0 if effect is None else effect) + S * eps
    m0, m1 = float(y0.mean()), float(B.mean())
    v00 = float(y0.var())
    v01 = float(np.mean((y0 - m0) * (B - m1)))
    v11 = float(B.var())
    z = np.concatenate(
        [((y0 + B * dx) - (m0 + m1 * dx)).ravel() / np.sqrt(v00 + 2 * v01 * dx + v11 * dx**2) for dx in CHECK_DX]
    )
    return {
        "x_ref": float(x_ref),
        "m0": m0,
        "m1": m1,
        "v00": v00,
        "v01": v01,
        "v11": v11,
        "shape_quantiles": np.quantile(z, probs).tolist(),
        "response_prob": float(expit(par["L"]).mean()),
        "long_responder_fraction": 0.0,
    }
