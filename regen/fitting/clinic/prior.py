"""The prior of a clinic fit: a model's ``posterior_approx``, robustified (numpy only).

A model's ``posterior_approx`` (:func:`regen.model.bundle.validate_bundle` checks it) gives, per indication
with published studies and per pain class, a normal on the working vector
``theta = (a, b, s, l)``: the relief location at the class's ``x_ref`` (log days), the slope on ``x``,
``s = log sigma`` and the response logit; ``heterogeneity`` gives the log-normal posteriors of the
between-indication (``tau_u``, ``tau_e``) and between-setting (``tau_v``, ``tau_w``) spreads, each effect
Student-t with ``student_t_df`` degrees of freedom.

A clinic is a new setting. Its parameters, per class ``phi_c = (b_c, s_c)`` and per indication
``psi_i = (A_i, L_i)``::

    phi_c ~ (1 - w) N(mu_phi, S_phi) + w N(mu_phi, D_phi)
    psi_i | phi_c ~ (1 - w) N(m_i(phi_c) + (v_c, w_L) [+ (tau_u u_i, tau_e e_i)], C_i) + w N(mu_psi, D_psi)

``m_i`` and ``C_i`` are the conditional normal of ``(a, l)`` given ``(b, s)`` in the indication's block (its
class's block, plus a new indication's Student-t effects ``u_i, e_i``, when the evidence has no study of it);
``v_c = tau_v[c] z_v`` and ``w_L = tau_w z_w`` are the clinic's shift (one Student-t ``z`` shared by all its
indications, scaled per class); ``w`` is the robust weight. The vague components (RBesT's robustification)
are centred on the evidence's means with a spread twice the evidence's own (moment) spread and at least 1 on
each parameter's scale: unit information (one patient) would be *narrower* than the evidence for the
location, which published settings leave uncertain by more than one patient's spread.

Examples
--------
>>> from regen import load_model
>>> prior = read_prior(load_model().bundle, robust_weight=0.2)
>>> prior.class_names[:2], round(float(prior.block("knee_osteoarthritis").mean[1]), 2)
(('own_territory', 'joint'), 0.98)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from regen.catalog.nerves import pain_class
from regen.errors import ModelFileError, UsageError
from regen.fitting.clinic.defaults import ROBUST_WEIGHT
from regen.utils.text import short_repr

__all__ = ["Block", "Prior", "read_prior"]

#: The indices of (b, s) and of (a, l) in the working vector.
PHI, PSI = [1, 2], [0, 3]
#: Least spread of a vague component on each parameter's own scale, and its width relative to the evidence's.
VAGUE_MIN_SD, VAGUE_FACTOR = 1.0, 2.0
_HETEROGENEITY = ("tau_u", "tau_v", "tau_e", "tau_w")
_PER_CLASS = ("tau_u", "tau_v")


@dataclass(frozen=True)
class Block:
    """A normal on ``(a, b, s, l)``: its conditional pieces and its marginals.

    Attributes
    ----------
    mean : array (4,)
    cov : array (4, 4)
    """

    mean: np.ndarray
    cov: np.ndarray

    @property
    def phi(self) -> tuple[np.ndarray, np.ndarray]:
        """Mean and covariance of ``(b, s)``."""
        return self.mean[PHI], self.cov[np.ix_(PHI, PHI)]

    def conditional(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(a, l) | (b, s)``: mean at the prior mean of ``(b, s)``, the regression ``K`` on ``(b, s) - mean``,
        and the conditional covariance (the normal's own formulas)."""
        s_pp = self.cov[np.ix_(PSI, PSI)]
        s_pf = self.cov[np.ix_(PSI, PHI)]
        gain = s_pf @ np.linalg.pinv(self.cov[np.ix_(PHI, PHI)])
        cond = s_pp - gain @ s_pf.T
        return self.mean[PSI], gain, 0.5 * (cond + cond.T) + 1e-9 * np.eye(2)


@dataclass(frozen=True)
class Prior:
    """The robustified evidence prior of a clinic fit (see the module docstring).

    Attributes
    ----------
    source : str
        ``name@version`` of the model it comes from.
    class_names : tuple of str
        The pain classes, in the order of the heterogeneity lists.
    classes, indications : dict of str to Block
        The evidence's blocks (an indication only where the evidence has studies of it).
    x_ref : dict of str to float
        Each class's reference ``x`` (log median nerve days).
    heterogeneity : dict
        ``{name: (log_mean, log_sd)}`` per spread; arrays per class for ``tau_u`` and ``tau_v``.
    df : float
        Degrees of freedom of the Student-t effects.
    robust_weight : float
        Prior weight of the vague components.
    """

    source: str
    class_names: tuple
    classes: dict
    indications: dict
    x_ref: dict
    heterogeneity: dict
    df: float
    robust_weight: float

    def block(self, indication: str) -> Block:
        """The indication's own block, else its class's."""
        return self.indications.get(indication) or self.classes[pain_class(indication)]

    def has_own(self, indication: str) -> bool:
        """Whether the evidence has a block of this indication (studies of it)."""
        return indication in self.indications

    def tau_moment(self, name: str, c: int | None = None) -> float:
        """E[tau^2] of a spread (log-normal), per class where it has one."""
        mean, sd = self.heterogeneity[name]
        if name in _PER_CLASS:
            mean, sd = mean[c], sd[c]
        return float(math.exp(2.0 * mean + 2.0 * sd**2))

    def map_sd(self, key: str) -> np.ndarray:
        """Moment spread of the evidence's prior on a clinic's ``(A, B, s, L)`` of an indication, or of a class
        (its studied indications' level: no new indication's effect)."""
        is_class = key in self.classes
        c = self.class_names.index(key if is_class else pain_class(key))
        block = self.classes[key] if is_class else self.block(key)
        var = np.diag(block.cov).copy()
        t_var = self.df / (self.df - 2.0) if self.df > 2 else 10.0
        var[0] += t_var * self.tau_moment("tau_v", c)
        var[3] += t_var * self.tau_moment("tau_w")
        if not is_class and not self.has_own(key):
            var[0] += t_var * self.tau_moment("tau_u", c)
            var[3] += t_var * self.tau_moment("tau_e")
        return np.sqrt(var)


def _normal(value: object, where: str) -> Block:
    mean = np.asarray(value["mean"], float)
    cov = np.asarray(value["cov"], float)
    if mean.shape != (4,) or cov.shape != (4, 4):  # pragma: no cover - validate_bundle checked it
        raise ModelFileError(f"{where} is not a normal on 4 parameters")
    return Block(mean, 0.5 * (cov + cov.T))


def _spread(het: Mapping, name: str, n_classes: int, where: str) -> tuple:
    entry = het.get(name)
    if not isinstance(entry, Mapping):
        raise ModelFileError(f"{where}: posterior_approx.heterogeneity has no {name} (log_mean, log_sd)")
    out = []
    for key, low, high in (("log_mean", -12.0, 4.0), ("log_sd", 0.0, 5.0)):
        value = entry.get(key)
        values = value if isinstance(value, list | tuple) else [value]
        size = n_classes if name in _PER_CLASS else 1
        ok = len(values) == size and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and low <= v <= high
            for v in values
        )
        if not ok:
            raise ModelFileError(
                f"{where}: posterior_approx.heterogeneity.{name}.{key} is {short_repr(value)}; expected "
                f"{'a list of ' + str(size) + ' numbers' if size > 1 else 'a number'} from {low:g} to {high:g}"
            )
        out.append(np.asarray(values, float) if size > 1 else float(values[0]))
    return tuple(out)


def read_prior(bundle: Mapping, robust_weight: float = ROBUST_WEIGHT, where: str = "--prior") -> Prior:
    """The prior of a clinic fit from a validated model bundle that carries ``posterior_approx``.

    Parameters
    ----------
    bundle : mapping
        A validated bundle (``Model.bundle``).
    robust_weight : float
        Prior weight of the vague components, from 0 (the evidence as it is) to 1 (vague only).
    where : str
        What names the model in a message (``--prior clinic.json``).

    Raises
    ------
    UsageError
        If ``robust_weight`` is not a number from 0 to 1.
    ModelFileError
        If the model has no ``posterior_approx`` (e.g. a model fitted with ``--prior none``), or its
        heterogeneity or classes are incomplete.
    """
    ok = isinstance(robust_weight, int | float) and not isinstance(robust_weight, bool)
    if not ok or not 0.0 <= float(robust_weight) <= 1.0:
        raise UsageError(f"--robust-weight: {short_repr(robust_weight)} is not a number from 0 to 1")
    post = bundle.get("posterior_approx")
    if not isinstance(post, Mapping):
        raise ModelFileError(
            f"{where}: the model {bundle.get('name')}@{bundle.get('version')} has no posterior_approx to start "
            "from (a model fitted with --prior none has none); use the default model, a model written by "
            "regen fit with a prior, or --prior none"
        )
    if bundle["relief"].get("family") != "grid" or "x_between_sd_log" not in bundle["relief"]:
        raise ModelFileError(f"{where}: the model's relief law is not the evidence model's grid law")
    class_names = tuple(post.get("x_ref", {}))
    missing = [c for c in class_names if c not in post.get("classes", {})]
    if not class_names or missing:
        raise ModelFileError(f"{where}: posterior_approx lacks the classes {', '.join(missing) or 'x_ref'}")
    het = post.get("heterogeneity")
    if not isinstance(het, Mapping):
        raise ModelFileError(f"{where}: posterior_approx has no heterogeneity (the spreads between settings)")
    return Prior(
        source=f"{bundle['name']}@{bundle['version']}",
        class_names=class_names,
        classes={c: _normal(post["classes"][c], f"{where} class {c}") for c in class_names},
        indications={k: _normal(v, f"{where} indication {k}") for k, v in post.get("indications", {}).items()},
        x_ref={c: float(post["x_ref"][c]) for c in class_names},
        heterogeneity={name: _spread(het, name, len(class_names), where) for name in _HETEROGENEITY},
        df=float(post.get("student_t_df", 4.0)),
        robust_weight=float(robust_weight),
    )
