"""The relief-end distribution, defined once.

For each patient, the ``relief`` section of a model bundle (see
:mod:`regen.model.bundle`) gives an accelerated-failure-time law of the day relief
ends, among responders whose relief ends::

    log T_relief = mu + scale * eps
    mu    = location + offset_coef * log T_nerve + x'beta
    scale = sqrt(sigma**2 + location_sd**2 + setting_sd**2)

where ``location``, ``location_sd`` and ``offset_coef`` come from the
patient's indication if the model has data on it, else from its pain class,
else from ``default`` (the mechanism alone). A fraction ``1 - response_prob``
never gets relief and a fraction ``long_responder_fraction`` of responders
keeps it beyond the model's horizon, so::

    P(still relieved at t) = response_prob * (long + (1 - long) * S_eps((log t - mu) / scale))

The evidence model's sections (family ``grid``; :mod:`regen.fitting.evidence`)
hold, per indication or class, the posterior predictive of a new patient in a
new setting as a function of ``x``, the patient's log median nerve time
(:func:`regen.mechanism.regrowth.relief_x`)::

    log T_relief = m(x) + sqrt(V(x)) * eps,   m(x) = m0 + m1 (x - x_ref),
    V(x) = v00 + 2 v01 (x - x_ref) + v11 (x - x_ref)**2

with ``eps`` the entry's standardised shape, a quantile grid
(:class:`regen.stats.grid.Shapes`): ``m1`` is the posterior slope of relief on
the nerve time, so age, diabetes, distance and fronts move relief as far as the
evidence allows. A clinic's fit (:mod:`regen.fitting.clinic`) may add
``relief.covariates`` (as the AFT laws do: ``x'beta`` added to ``m(x)``), the
direct effects of age, diabetes, ... it estimated beyond the nerve time.

Each entry may state ``follow_up_day``, the longest follow-up of the
published numbers behind it (the evidence model's build writes it): a
forecast whose p90 lies past that day is an extrapolation, and says so
(:meth:`ReliefDistribution.beyond_evidence`, the text of
:func:`beyond_evidence_text`). A model without the field (older files, a
clinic's refitted entries) says nothing of it.

Everything else in regen — predictions, plots, evaluation, fitting
summaries — reads these numbers through :func:`relief_distribution` and the
methods of :class:`ReliefDistribution`.

Examples
--------
>>> import numpy as np
>>> from regen.model.relief import relief_distribution
>>> relief = {"family": "lognormal", "sigma": 0.5, "setting_sd": 0.0, "indications": {},
...           "classes": {}, "default": {"location": 0.0, "location_sd": 0.0, "offset_coef": 1.0,
...           "response_prob": 1.0, "long_responder_fraction": 0.0, "studies": 0, "patients": 0}}
>>> dist = relief_distribution(relief, {"indication": np.array(["x"], dtype=object)}, np.log([100.0]))
>>> round(float(dist.quantile(0.5)[0]), 6), float(dist.survival([100.0])[0, 0])
(100.0, 0.5)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from regen.catalog.nerves import pain_class
from regen.stats import aft
from regen.stats.covariates import covariate_effect
from regen.stats.grid import Shapes
from regen.utils.parsing import CodedText, factorize

__all__ = [
    "ENTRY_KEYS",
    "GRID_KEYS",
    "ReliefDistribution",
    "beyond_evidence_text",
    "evidence_text",
    "relief_distribution",
]

#: The numbers of one entry (indication, class or default) of the relief section.
ENTRY_KEYS = ("location", "location_sd", "offset_coef", "response_prob", "long_responder_fraction")


@dataclass(frozen=True)
class ReliefDistribution:
    """The relief-end law of ``n`` patients (arrays of length ``n``).

    Attributes
    ----------
    family : str
        AFT family of ``eps`` (see :mod:`regen.stats.aft`).
    mu, scale : array
        Location and scale of log relief-end days among responders whose relief ends.
    response : array
        P(relief starts).
    long : array
        Fraction of responders whose relief outlasts the model's horizon.
    evidence : array of str
        What stands behind each patient's forecast (see :func:`evidence_text`).
    level : array of str
        ``indication``, ``class`` or ``mechanism``: which entry of the model was used.
    start : array
        Day before which a responder's relief cannot end (relief must first be
        noticed: the onset); 0 for the plain law.
    shapes : Shapes, optional
        For the ``grid`` family: each patient's standardised error as a
        quantile grid (:class:`regen.stats.grid.Shapes`).
    reach : array, optional
        The longest published follow-up day behind each entry used (the
        entries' ``follow_up_day``; NaN where an entry does not state it).
    entry : array of int, optional
        Each patient's entry: an index into ``reach``.
    nerve_factor : array, optional
        For the ``grid`` family: ``exp(m1 (x - x_ref))``, the factor by which the
        patient's nerve time (age, diabetes, distance, fronts) moves the median
        relief end from the entry's reference patient (1: no move).
    """

    family: str
    mu: np.ndarray
    scale: np.ndarray
    response: np.ndarray
    long: np.ndarray
    evidence: np.ndarray
    level: np.ndarray
    start: np.ndarray | None = None
    shapes: Shapes | None = None
    reach: np.ndarray | None = None
    entry: np.ndarray | None = None
    nerve_factor: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.mu.shape[0])

    @property
    def follow_up_day(self) -> np.ndarray:
        """The longest published follow-up day behind each patient's forecast (NaN: not stated)."""
        if self.reach is None or self.entry is None:
            return np.full(len(self), np.nan)
        return self.reach[self.entry]

    def beyond_evidence(self, p90: np.ndarray, next_cycle_p90: np.ndarray | None = None) -> np.ndarray:
        """The note of each patient whose p90 lies past the longest published follow-up behind it ('' if none).

        ``p90``: the relief-end p90 forecast (NaN where there is none: relief lost or no response);
        ``next_cycle_p90``: the next cycle's, where relief was lost. Each is compared as shown (to 0.1 day).
        Vectorised: the few distinct notes are written once per entry.
        """
        n = len(self)
        if self.reach is None or self.entry is None or np.isnan(self.reach).all():
            return np.full(n, "", dtype=object)
        reach = self.follow_up_day
        k = len(self.reach)
        codes = np.full(n, 2 * k, dtype=np.intp)  # the last word: ''
        with np.errstate(invalid="ignore"):
            if next_cycle_p90 is not None:
                later = np.round(np.asarray(next_cycle_p90, float), 1) > reach
                codes[later] = self.entry[later] + k
            now = np.round(np.asarray(p90, float), 1) > reach
        codes[now] = self.entry[now]
        if codes.min() == 2 * k:
            return np.full(n, "", dtype=object)
        words = [beyond_evidence_text(d) for d in self.reach] + [beyond_evidence_text(d, True) for d in self.reach]
        return CodedText.from_codes(codes, np.array([*words, ""], dtype=object))

    def with_location(self, mu: np.ndarray, scale: np.ndarray) -> ReliefDistribution:
        """The same law with another location and scale (e.g. shrunk toward a patient's history)."""
        return replace(self, mu=np.asarray(mu, float), scale=np.asarray(scale, float))

    def with_start(self, start_day: np.ndarray) -> ReliefDistribution:
        """The same law for responders known to be relieved until ``start_day`` (e.g. the onset)."""
        return replace(self, start=np.broadcast_to(np.asarray(start_day, float), self.mu.shape).copy())

    def _from(self, given_day: np.ndarray | None) -> np.ndarray:
        """The day responders are known to be relieved until: the given day, at least the start."""
        start = np.zeros(len(self)) if self.start is None else self.start
        if given_day is None:
            return start
        return np.fmax(np.nan_to_num(np.asarray(given_day, float), nan=0.0), start)

    def _ends_survival(self, times: np.ndarray) -> np.ndarray:
        """P(T > t) among responders whose relief ends, ``n x k``."""
        t = np.asarray(times, float)
        log_t = np.log(np.maximum(t, 1e-300))
        if self.family == "grid":
            s = 1.0 - self.shapes.cdf((log_t - self.mu[:, None]) / self.scale[:, None])
        else:
            s = aft.survival(self.family, log_t, self.mu[:, None], self.scale[:, None])
        return np.where(t > 0, s, 1.0)

    def _quantile(self, p: float | np.ndarray) -> np.ndarray:
        """The plain law's quantile (no start, no given day) at ``p`` (a number, or one per patient)."""
        if self.family == "grid":
            return np.exp(self.mu + self.scale * self.shapes.ppf(p))
        return aft.quantile(self.family, self.mu, self.scale, p)

    def responder_survival(
        self, times: Sequence[float] | np.ndarray, given_day: np.ndarray | None = None
    ) -> np.ndarray:
        """P(still relieved at each time | responder [, relieved at ``given_day``]), ``n x k``.

        ``times`` is one row of ``k`` days for every patient, or an ``n x k`` array (each patient's own days).
        """
        t = np.asarray(times, float)
        t = t if t.ndim == 2 else np.broadcast_to(t, (len(self), t.size))  # n x k: a day per patient and column
        long = self.long[:, None]
        s_t = long + (1.0 - long) * self._ends_survival(t)
        given = self._from(given_day)[:, None]
        if not np.any(given > 0):
            return s_t
        s_d = long + (1.0 - long) * self._ends_survival(given)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):  # S(day) may underflow to ~0
            cond = np.clip(s_t / s_d, 0.0, 1.0)
        return np.where(t <= given, 1.0, np.where(s_d > 0, cond, 0.0))

    def survival(self, times: Sequence[float] | np.ndarray, given_day: np.ndarray | None = None) -> np.ndarray:
        """P(still relieved at each time), ``n x k``, non-responders included.

        Given relief at ``given_day`` (NaN = no such information) the patient is
        a responder, so the response probability drops out for that row.
        """
        s = self.responder_survival(times, given_day)
        if given_day is None:
            return self.response[:, None] * s
        known = ~np.isnan(np.asarray(given_day, float))
        return np.where(known[:, None], s, self.response[:, None] * s)

    def quantile(self, p: float | np.ndarray, given_day: np.ndarray | None = None) -> np.ndarray:
        """Day by which a fraction ``p`` of responders whose relief ends have lost it.

        Long responders are reported apart (``long``), so a quantile is never
        infinite. Given relief at ``given_day`` (or a start), the answer is never before it.
        """
        given = self._from(given_day)
        if not np.any(given > 0):
            return self._quantile(p)
        s_d = self._ends_survival(given[:, None])[:, 0]
        # S(answer) = (1 - p) * S(given); kept below 1 where S(given) underflows
        target = np.minimum(1.0 - (1.0 - np.asarray(p, float)) * s_d, 1.0 - 1e-15)
        return np.maximum(self._quantile(target), given)


def beyond_evidence_text(follow_up_day: float, next_cycle: bool = False) -> str:
    """The note of a forecast whose p90 lies past ``follow_up_day``, the longest published follow-up behind it.

    One message (no '; ', which separates messages); '' for a day that is not stated (NaN).

    Examples
    --------
    >>> beyond_evidence_text(1583.0)
    'p90 extrapolated: no published follow-up past day 1,583'
    """
    if not np.isfinite(follow_up_day):
        return ""
    which = "next cycle's p90" if next_cycle else "p90"
    if follow_up_day <= 0:
        return f"{which} extrapolated: no published follow-up of relief (a response share only)"
    return f"{which} extrapolated: no published follow-up past day {follow_up_day:,.0f}"


def _reach(entries: Sequence[Mapping]) -> np.ndarray:
    """Each entry's ``follow_up_day`` (NaN where it does not state one)."""
    return np.array([float(e.get("follow_up_day", np.nan)) for e in entries], dtype=float)


def _entries(relief: Mapping, indication: np.ndarray):
    """For each distinct indication: its entry and level; plus the distinct values and row codes."""
    codes, uniques = factorize(indication)
    entries, levels = [], []
    for ind in uniques:
        if ind in relief.get("indications", {}):
            entries.append(relief["indications"][ind])
            levels.append("indication")
        elif pain_class(ind) in relief.get("classes", {}):
            entries.append(relief["classes"][pain_class(ind)])
            levels.append("class")
        else:
            entries.append(relief["default"])
            levels.append("mechanism")
    return entries, levels, uniques, codes


def evidence_text(entry: Mapping, level: str, indication: str) -> str:
    """One line saying what stands behind a forecast (an entry may carry its own, ``evidence``)."""
    if entry.get("evidence"):
        return str(entry["evidence"])
    studies, patients = int(entry.get("studies", 0)), int(entry.get("patients", 0))
    count = f"{studies} {'study' if studies == 1 else 'studies'}, " + (
        f"{patients} patients" if patients else "patients not stated"
    )
    if level == "indication" and entry.get("data") == "clinic":  # fitted by regen fit on a clinic's rows
        return f"indication: clinic data, {patients} {'patient' if patients == 1 else 'patients'}"
    if level == "indication":
        return f"indication: {count}"
    if level == "class" and studies == 0:
        return (
            f"class only: no study of this indication nor of its class ({pain_class(indication)}): "
            "the average of the other classes, widest interval"
        )
    if level == "class":
        return f"class only: no study of this indication ({pain_class(indication)}: {count})"
    return "mechanism only: no outcome data for this indication or its class"


#: The numbers of one entry of a ``grid`` relief section (the evidence model's posterior predictive).
GRID_KEYS = ("x_ref", "m0", "m1", "v00", "v01", "v11", "response_prob", "long_responder_fraction")


def _grid_distribution(relief: Mapping, cols: Mapping, x: np.ndarray) -> ReliefDistribution:
    """The ``grid`` law: ``log T = m(x) + sqrt(V(x)) * eps``, ``eps`` the entry's quantile grid (module notes)."""
    indication = np.asarray(cols["indication"], dtype=object)
    entries, levels, uniques, codes = _entries(relief, indication)
    table = {key: np.array([float(e[key]) for e in entries])[codes] for key in GRID_KEYS}
    d = np.asarray(x, float) - table["x_ref"]
    variance = table["v00"] + 2.0 * table["v01"] * d + table["v11"] * d**2
    evidence = np.array(
        [evidence_text(e, lvl, ind) for e, lvl, ind in zip(entries, levels, uniques, strict=True)], dtype=object
    )
    shapes = Shapes(
        np.asarray(relief["shape_probs"], float),
        np.array([e["shape_quantiles"] for e in entries], dtype=float).reshape(
            len(entries), len(relief["shape_probs"])
        ),
        np.asarray(codes, dtype=np.intp),
    )
    return ReliefDistribution(
        family="grid",
        mu=table["m0"] + table["m1"] * d + covariate_effect(cols, relief.get("covariates")),
        scale=np.sqrt(np.maximum(variance, 1e-6)),
        response=table["response_prob"],
        long=table["long_responder_fraction"],
        evidence=CodedText.from_codes(codes, evidence),
        level=np.array(levels, dtype=object)[codes],
        shapes=shapes,
        reach=_reach(entries),
        entry=np.asarray(codes, dtype=np.intp),
        nerve_factor=np.exp(table["m1"] * d),
    )


def relief_distribution(relief: Mapping, cols: Mapping, log_nerve_days: np.ndarray) -> ReliefDistribution:
    """The relief-end law of each patient (see the module docstring).

    Parameters
    ----------
    relief : mapping
        The ``relief`` section of a validated model bundle.
    cols : mapping of str to array
        Validated patient columns (:func:`regen.schema.patients.validate_patients`);
        ``indication`` is required, covariates are read when the model has any.
    log_nerve_days : array
        Log median return-of-sensation time per patient (the mechanism).
    """
    if relief["family"] == "grid":
        return _grid_distribution(relief, cols, log_nerve_days)
    indication = np.asarray(cols["indication"], dtype=object)
    entries, levels, uniques, codes = _entries(relief, indication)
    table = {key: np.array([float(e[key]) for e in entries])[codes] for key in ENTRY_KEYS}
    sigma2 = float(relief["sigma"]) ** 2 + float(relief.get("setting_sd", 0.0)) ** 2
    mu = (
        table["location"]
        + table["offset_coef"] * np.asarray(log_nerve_days, float)
        + covariate_effect(cols, relief.get("covariates"))
    )
    evidence = np.array(
        [evidence_text(e, lvl, ind) for e, lvl, ind in zip(entries, levels, uniques, strict=True)], dtype=object
    )
    return ReliefDistribution(
        family=str(relief["family"]),
        mu=mu,
        scale=np.sqrt(sigma2 + table["location_sd"] ** 2),
        response=table["response_prob"],
        long=table["long_responder_fraction"],
        evidence=CodedText.from_codes(codes, evidence),
        level=np.array(levels, dtype=object)[codes],
        reach=_reach(entries),
        entry=np.asarray(codes, dtype=np.intp),
    )
