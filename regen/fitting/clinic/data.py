"""A clinic's outcome rows as the arrays of its fit (numpy only).

Each usable row (:func:`regen.fitting.outcomes.load_outcomes`) becomes: its indication and pain class, its
``x`` (the log median nerve time the evidence model's relief law reads,
:func:`regen.model.laws.relief_nerve_x`, with the prior model's parameters) and ``dx = x - x_ref[class]``,
its direct covariates (the terms of :mod:`regen.stats.covariates` that vary among the responders), its
patient (rows with one ``patient_id`` share a patient effect; a row without one is its own patient), whether
relief started, and the log bounds of its relief end with their kind (exact, between two contacts, still
relieved at the last contact).

Examples
--------
>>> from regen import load_model, simulate_cohort
>>> from regen.fitting.clinic.prior import read_prior
>>> from regen.fitting.outcomes import load_outcomes
>>> model = load_model()
>>> data = clinic_data(load_outcomes(simulate_cohort(40, seed=1)), read_prior(model.bundle), model.bundle)
>>> len(data.dx), data.n_patients, sorted(data.kind_counts())
(40, 40, ['exact', 'interval', 'non_responder', 'right'])
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from regen.catalog.nerves import pain_class
from regen.fitting.outcomes import OutcomeData, check_cycles
from regen.model.laws import nerve_times, relief_nerve_x
from regen.stats.covariates import design_matrix, full_spec

__all__ = ["EXACT", "INTERVAL", "RIGHT", "ClinicData", "clinic_data", "treatment_groups"]

EXACT, INTERVAL, RIGHT = 0, 1, 2
_EPS_DAYS = 0.5  # lower bound of a responder whose relief was never confirmed (as the data-only fit)


@dataclass(frozen=True)
class ClinicData:
    """The arrays of a clinic fit, one entry per usable row (no identifiers are kept).

    Attributes
    ----------
    outcomes : OutcomeData
        The validated rows, one per treatment (:func:`treatment_groups`; kept for the card's counts; never
        written to a model).
    input_rows : int
        The usable rows before the nerves of one treatment were read as one.
    indications : tuple of str
        The indications the clinic treated, sorted; ``ind`` indexes it.
    classes : tuple of str
        Their pain classes, sorted; ``cls`` indexes it.
    ind, cls : array of int
    x, dx : array
        Log median nerve days, and its distance from the class's ``x_ref``.
    covariates : array (n, k)
        The direct covariate terms (``spec`` gives their centres and scales).
    spec : dict
        The design spec of those terms (:mod:`regen.stats.covariates`), no indications.
    patient : array of int
        Patient index of each row; ``repeat`` marks rows of patients with two or more responder rows.
    repeat : array of bool
    n_patients : int
    responded : array of bool
    lo, hi : array
        Log bounds of the relief end (``hi`` = ``lo`` for an exact day; a placeholder where right-censored).
    kind : array of int
        :data:`EXACT`, :data:`INTERVAL` or :data:`RIGHT`.
    """

    outcomes: OutcomeData
    input_rows: int
    indications: tuple
    classes: tuple
    ind: np.ndarray
    cls: np.ndarray
    x: np.ndarray
    dx: np.ndarray
    covariates: np.ndarray
    spec: dict
    patient: np.ndarray
    repeat: np.ndarray
    n_patients: int
    responded: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    kind: np.ndarray

    def kind_counts(self) -> dict[str, int]:
        """Responder rows by kind of relief end, and non-responders."""
        r = self.responded
        return {
            "exact": int(np.sum(r & (self.kind == EXACT))),
            "interval": int(np.sum(r & (self.kind == INTERVAL))),
            "right": int(np.sum(r & (self.kind == RIGHT))),
            "non_responder": int(np.sum(~r)),
        }

    @property
    def cycles_per_patient(self) -> float:
        """Mean number of rows per patient."""
        return len(self.ind) / max(self.n_patients, 1)

    def term_names(self) -> list[str]:
        """The direct covariate terms, in column order."""
        return [*self.spec["numeric"], *self.spec["binary"]]


def _patients(ids: np.ndarray) -> np.ndarray:
    """Patient index per row: equal non-blank ids share one; a blank id is a patient of its own."""
    keys = [str(v).strip() or f"\x00row{k}" for k, v in enumerate(ids)]
    _, index = np.unique(np.array(keys, dtype=object), return_inverse=True)
    return index.astype(np.intp)


def _covariates(cols: Mapping, responded: np.ndarray) -> tuple[np.ndarray, dict]:
    """The direct covariate terms that vary among the responders (indication terms are the fit's own)."""
    spec = full_spec([])
    matrix, names = design_matrix(cols, spec)
    keep = {  # no responder: no relief end for a direct effect to act on (the response is fitted without them)
        n for n, col in zip(names[1:], matrix[:, 1:].T, strict=True) if responded.any() and np.ptp(col[responded]) > 0
    }
    spec["numeric"] = {k: v for k, v in spec["numeric"].items() if k in keep}
    spec["binary"] = [k for k in spec["binary"] if k in keep]
    matrix, _ = design_matrix(cols, spec)
    return matrix[:, 1:], spec


def _bounds(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo = np.log(np.maximum(lower, _EPS_DAYS))
    finite = np.isfinite(upper)
    hi = np.log(np.maximum(np.where(finite, upper, 1.0), _EPS_DAYS))
    kind = np.where(~finite, RIGHT, np.where(upper > lower, INTERVAL, EXACT))
    hi = np.where(kind == INTERVAL, np.maximum(hi, lo + 1e-6), np.where(kind == RIGHT, lo + 1.0, lo))
    return lo, hi, kind


def treatment_groups(outcomes: OutcomeData) -> tuple[np.ndarray, np.ndarray]:
    """The rows that are one treatment of several nerves: the first row of each treatment, each row's treatment.

    A knee treatment freezes three or four genicular nerves, and an export often has a row per nerve, each
    with the patient's one relief end. Rows with the same non-blank ``patient_id``, ``cycle`` (or none),
    indication and relief end (``lower``, ``upper``, ``responded``) are one treatment: one relief end in the
    likelihood (counted once, not once per nerve) and one cycle of the patient effect (nerves of one treatment
    are not repeat cycles). Its ``x`` is the mean of its nerves' (:func:`clinic_data`).

    Returns
    -------
    first : array of int
        Index of the first row of each treatment, in input order.
    group : array of int
        Each row's treatment (indexes ``first``).
    """
    n = len(outcomes)
    cols = outcomes.columns
    patient = _patients(cols["patient_id"])  # a blank id is a patient of its own: never merged
    cycle = outcomes.cycle if outcomes.cycle is not None else np.full(n, np.nan)
    keys = [
        (int(patient[k]), repr(float(cycle[k])), str(cols["indication"][k]), float(outcomes.lower[k]),
         float(outcomes.upper[k]), bool(outcomes.responded[k]))
        for k in range(n)
    ]  # fmt: skip
    index: dict = {}
    group = np.array([index.setdefault(key, len(index)) for key in keys], dtype=np.intp)
    first = np.full(len(index), n, dtype=np.intp)
    np.minimum.at(first, group, np.arange(n))
    return first, group


def clinic_data(outcomes: OutcomeData, prior, bundle: Mapping) -> ClinicData:
    """The arrays of a clinic fit from validated outcome rows.

    Parameters
    ----------
    outcomes : OutcomeData
        From :func:`regen.fitting.outcomes.load_outcomes`.
    prior : Prior
        The prior (:func:`regen.fitting.clinic.prior.read_prior`): its classes and ``x_ref``.
    bundle : mapping
        The prior model's bundle: its mechanism parameters and ``x`` definition give each row's ``x``.

    Raises
    ------
    DataFileError
        If two rows are the same patient, nerve and cycle (:func:`regen.fitting.outcomes.check_cycles`).
    """
    check_cycles(outcomes)
    params = bundle["parameters"]
    x_all = relief_nerve_x(bundle["relief"], outcomes.columns, params, nerve_times(outcomes.columns, params))
    first, group = treatment_groups(outcomes)
    n_rows = len(outcomes)
    outcomes = outcomes.subset(first)
    x = np.bincount(group, weights=np.asarray(x_all, float)) / np.bincount(group)  # the nerves' mean log time
    cols = outcomes.columns
    indication = np.asarray(cols["indication"], dtype=object)
    indications = tuple(sorted(set(indication)))
    row_class = np.array([pain_class(i) for i in indication], dtype=object)
    classes = tuple(sorted(set(row_class)))
    x_ref = np.array([prior.x_ref[c] for c in row_class])
    covariates, spec = _covariates(cols, outcomes.responded)
    patient = _patients(cols["patient_id"])
    per_patient = np.bincount(patient[outcomes.responded], minlength=patient.max() + 1)
    lo, hi, kind = _bounds(outcomes.lower, outcomes.upper)
    return ClinicData(
        outcomes=outcomes,
        input_rows=n_rows,
        indications=indications,
        classes=classes,
        ind=np.array([indications.index(i) for i in indication], dtype=np.intp),
        cls=np.array([classes.index(c) for c in row_class], dtype=np.intp),
        x=np.asarray(x, float),
        dx=np.asarray(x, float) - x_ref,
        covariates=covariates,
        spec=spec,
        patient=patient,
        repeat=per_patient[patient] >= 2,
        n_patients=int(patient.max() + 1),
        responded=np.asarray(outcomes.responded, bool),
        lo=lo,
        hi=hi,
        kind=kind.astype(np.intp),
    )
