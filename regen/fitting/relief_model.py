"""ReliefModel: relief end fitted on outcome data, anchored on the mechanism.

``log T_relief = offset_coef * log T_nerve + x'beta + sigma * eps`` among
responders, fitted with lifelines on interval- and right-censored data.
lifelines has no offset argument: with the offset fixed at 1, dividing each
patient's interval bounds by the mechanistic time is the same model; with
``fit_offset=True`` ``log T_nerve`` enters as a covariate instead.

Non-responders (relief never started) are not mistaken for very short relief:
they are left out of the time model and give a response probability per
indication. Responders still relieved beyond ``long_after_days`` are counted
as long responders (a fraction per indication, capped) and left out of the
time model too, so a median is never infinite.

The estimator follows the scikit-learn contract and keeps only what
prediction needs (a model bundle: numbers and names, no training rows).

Examples
--------
>>> from regen import ReliefModel, simulate_cohort
>>> cohort = simulate_cohort(400, seed=3)
>>> y = cohort[["relief_last_seen_day", "relief_lost_day", "responded"]]
>>> model = ReliefModel(family="lognormal").fit(cohort, y)
>>> model.bundle_["relief"]["family"], bool(model.score(cohort, y) > 0.5)
('lognormal', True)
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from regen._version import __version__
from regen.catalog.parameters import parameter_values
from regen.errors import FitWarning, InputError, ModelFileError
from regen.fitting.outcomes import event_times, load_outcomes, require_observed
from regen.model.bundle import FORMAT, FORMAT_VERSION, validate_bundle
from regen.model.laws import nerve_times, patient_relief
from regen.model.model import Model
from regen.stats import aft
from regen.stats.covariates import design_matrix, full_spec, term_names
from regen.utils.text import plural

__all__ = ["EVENTS_PER_COEFFICIENT", "ReliefModel", "fit_version"]

_LIFELINES = {
    "weibull": ("WeibullAFTFitter", "lambda_", "rho_"),
    "lognormal": ("LogNormalAFTFitter", "mu_", "sigma_"),
    "loglogistic": ("LogLogisticAFTFitter", "alpha_", "beta_"),
}
_EPS_DAYS = 0.5  # lower bound used for a responder whose relief was never confirmed
_Y_COLUMNS = ("relief_last_seen_day", "relief_lost_day", "responded")
#: Rows with an observed relief end per coefficient below which ``fit`` warns (a rule of thumb
#: for parametric survival models; with fewer the estimates are unstable and the intervals wide).
EVENTS_PER_COEFFICIENT = 10


def _outcome_frame(X, y=None):
    """Patient columns ``X`` with the outcome columns of ``y``: the one form of the target.

    ``y`` is None (the outcome columns are in ``X``) or a DataFrame (or a mapping
    of columns) with ``relief_last_seen_day``, ``relief_lost_day`` and optionally
    ``responded`` (see :mod:`regen.fitting.outcomes`): named columns, so two
    bounds cannot be swapped silently as an array's positions could be.
    """
    import pandas as pd

    frame = X.copy() if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    frame = frame.reset_index(drop=True)
    if y is not None:
        if not isinstance(y, pd.DataFrame | dict):
            raise InputError(
                f"y must be a DataFrame with the columns {', '.join(_Y_COLUMNS[:2])} (and optionally "
                f"responded), or None with those columns in X; got {type(y).__name__}"
            )
        ys = pd.DataFrame(y).reset_index(drop=True)
        unknown = sorted(set(ys.columns) - set(_Y_COLUMNS))
        if unknown or "relief_last_seen_day" not in ys.columns:
            raise InputError(
                f"y: columns {', '.join(map(str, ys.columns))}; expected relief_last_seen_day, relief_lost_day "
                "and optionally responded"
            )
        if len(ys) != len(frame):
            raise InputError(f"y has {len(ys)} rows but X has {len(frame)}")
        for col in ys.columns:
            frame[col] = ys[col].to_numpy()
    return frame.astype(object).where(frame.notna(), "")


def _check_params(est) -> None:
    if est.family not in ("auto", *aft.FAMILIES):
        raise InputError(f"family {est.family!r} is not one of auto, {', '.join(aft.FAMILIES)}")
    for name, low, strict in (("penalizer", 0.0, False), ("long_after_days", 0.0, True)):
        value = getattr(est, name)
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value < low or (strict and value == low):
            raise InputError(f"{name}: {value!r} is not a finite number {'above' if strict else 'from'} {low:g}")
    for name in ("fit_offset", "covariates"):
        if not isinstance(getattr(est, name), bool | np.bool_):
            raise InputError(f"{name}: {getattr(est, name)!r} is not True or False")


class ReliefModel(BaseEstimator):
    """Relief-end model on top of the mechanism, fitted on a clinic's outcome data (scikit-learn estimator).

    ``log T_relief = offset_coef * log T_nerve + x'beta + sigma * eps`` among
    responders, fitted with lifelines on interval- and right-censored data;
    the result is a model bundle whose relief section has one entry per
    indication seen (location = intercept + indication effect, marked
    ``"data": "clinic"``: its evidence reads "indication: clinic data, n
    patients") and the patient covariates' coefficients. Parameter uncertainty is not added to
    the predictive scale (``location_sd`` 0): with a clinic's hundreds of
    rows it is small next to ``sigma``; the coefficients' intervals are in
    ``bundle_["fit"]``.

    Parameters
    ----------
    family : {"auto", "weibull", "lognormal", "loglogistic"}
        AFT family; "auto" fits the three and keeps the lowest AIC.
    penalizer : float
        Ridge penalty passed to lifelines (>= 0).
    fit_offset : bool
        Estimate the coefficient of ``log T_nerve`` instead of fixing it at 1.
    long_after_days : float
        Responders confirmed relieved beyond this day count as long responders (> 0).
    covariates : bool
        Use the patient covariates (age, BMI, diabetes, ...) besides indication;
        covariates without variation in the data are dropped either way.

    Attributes
    ----------
    bundle_ : dict
        The fitted model as a bundle (see :mod:`regen.model.bundle`).
    summary_ : pandas.DataFrame
        One row per coefficient: unit, coefficient, ratio, 95 % interval, p and
        its effect in days for a reference patient.
    family_ : str
        The AFT family kept.
    family_reason_ : str
        Each family's AIC, the lowest marked.
    sigma_ : float
        The scale of log relief-end days.
    coef_ : dict of str to float
        The coefficients (log time).
    n_, n_bad_ : int
        Rows used and rows left out as invalid.
    censoring_ : dict
        Rows by kind: exact, interval, right-censored, non-responder.
    n_events_, n_coef_ : int
        Observed relief ends used and coefficients estimated.
    warnings_ : list of str
        What the data could not support (too few observed ends per coefficient,
        an indication without any observed end, a family that did not converge);
        each is also given as a :class:`regen.errors.FitWarning`.
    """

    def __init__(self, family="auto", penalizer=0.01, fit_offset=False, long_after_days=1095.0, covariates=True):
        self.family = family
        self.penalizer = penalizer
        self.fit_offset = fit_offset
        self.long_after_days = long_after_days
        self.covariates = covariates

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Fit on patient columns ``X`` and outcomes ``y`` (or outcome columns inside ``X``).

        Raises
        ------
        InputError
            If a parameter is invalid, the fit does not converge, or the fitted
            model is outside the plausible range of a model file.
        DataFileError
            If the data cannot support the fit (one line saying what is
            missing, e.g. too few rows whose relief end is observed).
        """
        _check_params(self)
        data = load_outcomes(_outcome_frame(X, y))
        self.n_bad_ = len(data.bad)
        self.bad_rows_ = data.bad[:20]
        self.warnings_: list[str] = []
        params = parameter_values()
        log_nerve = nerve_times(data.columns, params)["mu"]
        long_mask = data.responded & (data.lower >= self.long_after_days)
        fit_mask = self._identified(data, data.responded & ~long_mask)
        spec = self._spec(data.columns, fit_mask)
        self.n_coef_ = len(term_names(spec)) + int(self.fit_offset)
        self.n_events_ = int((data.observed & fit_mask).sum())
        require_observed(data, self.n_coef_ + 2, f"fitting {self.n_coef_} coefficient(s) and a scale", fit_mask)
        if self.n_events_ < EVENTS_PER_COEFFICIENT * self.n_coef_:
            fewer = " or --no-covariates" if spec["numeric"] or spec["binary"] else ""
            self.warnings_.append(
                f"only {plural(self.n_events_, 'row')} with an observed relief end for {self.n_coef_} "
                f"coefficient(s) (about {EVENTS_PER_COEFFICIENT} per coefficient are needed for stable "
                f"estimates): the estimates are unstable and their intervals wide; add follow-up data{fewer}"
            )
        fits = self._fit_families(data, log_nerve, fit_mask, spec)
        best = min(fits, key=lambda f: fits[f]["aic"])
        self.family_reason_ = "; ".join(
            f"{f} AIC {fits[f]['aic']:.1f}" + (" (lowest)" if f == best else "") for f in fits
        )
        try:
            self._store(best, fits[best], spec, data, long_mask, params, fit_mask)
        except ModelFileError as exc:
            raise InputError(
                f"the fitted model is not plausible ({str(exc).removeprefix('model file ')}): "
                f"{self.n_events_} observed relief ends do not pin down {self.n_coef_} "
                "coefficient(s); add follow-up data or fit fewer terms"
            ) from None
        self.summary_ = _summary(self)
        for message in self.warnings_:
            warnings.warn(message, FitWarning, stacklevel=2)
        return self

    def _identified(self, data, mask: np.ndarray) -> np.ndarray:
        """Leave out (with a warning) indications whose responders have no observed relief end."""
        require_observed(data, 3, "fitting relief end", mask)
        ind = data.columns["indication"]
        seen = set(ind[mask & data.observed])
        for level in sorted(set(ind) - seen):
            rows = int((ind == level).sum())
            self.warnings_.append(
                f"indication {level}: no observed relief end among its {rows} row(s) "
                "(non-responders or still relieved at last contact): left out of the fit; "
                "its forecasts use the mechanism alone"
            )
        return mask & np.isin(ind, sorted(seen))

    def _fit_families(self, data, log_nerve, fit_mask, spec) -> dict:
        """Fit every requested family; keep those that converge (at least one must)."""
        families = aft.FAMILIES if self.family == "auto" else (self.family,)
        fits, failed = {}, []
        for family in families:
            try:
                fits[family] = self._fit_family(family, data, log_nerve, fit_mask, spec)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
                failed.append(f"{family} ({type(exc).__name__})")
        if not fits:
            raise InputError(
                f"the fit did not converge for {', '.join(failed)} with {self.n_events_} observed "
                f"relief ends for {self.n_coef_} coefficient(s); add data, raise the penalizer "
                "or fit fewer terms"
            )
        if failed:
            self.warnings_.append(f"did not converge: {', '.join(failed)}")
        return fits

    def _spec(self, cols, mask) -> dict:
        levels = sorted(set(cols["indication"][mask]))
        spec = full_spec(levels[1:])
        if not self.covariates:
            spec["numeric"], spec["binary"] = {}, []
        X, names = design_matrix({k: v[mask] for k, v in cols.items()}, spec)
        keep = {name for name, col in zip(names, X.T, strict=True) if np.ptp(col) > 0}
        spec["numeric"] = {k: v for k, v in spec["numeric"].items() if k in keep}
        spec["binary"] = [k for k in spec["binary"] if k in keep]
        return spec

    def _fit_family(self, family, data, log_nerve, mask, spec) -> dict:
        import lifelines
        import pandas as pd

        X, names = design_matrix({k: v[mask] for k, v in data.columns.items()}, spec)
        frame = pd.DataFrame(X[:, 1:], columns=names[1:])
        scale = np.ones(mask.sum()) if self.fit_offset else np.exp(log_nerve[mask])
        if self.fit_offset:
            frame["log_nerve_days"] = log_nerve[mask]
        frame["lower"] = np.maximum(data.lower[mask], _EPS_DAYS) / scale
        frame["upper"] = data.upper[mask] / scale
        frame.loc[frame["upper"] < frame["lower"], "upper"] = frame["lower"]
        cls, primary, ancillary = _LIFELINES[family]
        fitter = getattr(lifelines, cls)(penalizer=self.penalizer)
        with warnings.catch_warnings(record=True) as caught:  # said once, in our words, below
            warnings.simplefilter("always")
            fitter.fit_interval_censoring(frame, "lower", "upper")
        for w in caught:
            if issubclass(w.category, RuntimeWarning | UserWarning):
                note = f"{family}: {' '.join(str(w.message).split())[:160]}"
                if note not in self.warnings_:
                    self.warnings_.append(note)
        p, ci, pvalues = fitter.params_, fitter.confidence_intervals_, fitter.summary["p"]
        coef = {"intercept": float(p[(primary, "Intercept")])}
        coef.update({n: float(p[(primary, n)]) for n in [*names[1:], *(["log_nerve_days"] if self.fit_offset else [])]})
        cis = {
            ("intercept" if c == "Intercept" else c): [
                float(ci.loc[(primary, c)].iloc[0]),
                float(ci.loc[(primary, c)].iloc[1]),
            ]
            for c in p[primary].index
        }
        pval = {("intercept" if c == "Intercept" else c): float(pvalues.loc[(primary, c)]) for c in p[primary].index}
        log_scale = float(p[(ancillary, "Intercept")])
        sigma = float(np.exp(log_scale)) if family == "lognormal" else float(np.exp(-log_scale))
        offset = float(coef.pop("log_nerve_days", 1.0)) if self.fit_offset else 1.0
        return {
            "coef": coef,
            "ci": cis,
            "p": pval,
            "sigma": sigma,
            "offset": offset,
            "aic": float(fitter.AIC_),
            "loglik": float(fitter.log_likelihood_),
        }

    def _relief(self, family, fit, spec, data, long_mask, fit_mask) -> dict:
        """The relief section of the bundle (see :mod:`regen.model.relief`); no entry for an indication not fitted."""
        ind = data.columns["indication"]
        response = _rates(ind, data.responded, np.ones(len(data), bool))
        long = _rates(ind[data.responded], long_mask[data.responded], np.ones(int(data.responded.sum()), bool), cap=0.5)
        coef = dict(fit["coef"])
        intercept = coef.pop("intercept")
        entries = {}
        for level in sorted(set(ind[fit_mask])):
            entries[level] = {
                "location": intercept + coef.pop(f"indication[{level}]", 0.0),
                "location_sd": 0.0,
                "offset_coef": fit["offset"],
                "response_prob": response.get(level, response["default"]),
                "long_responder_fraction": long.get(level, long["default"]),
                "studies": 0,
                "patients": int((ind == level).sum()),
                "data": "clinic",
            }
        for level in spec["indications"]:
            coef.pop(f"indication[{level}]", None)
        relief = {
            "family": family,
            "sigma": fit["sigma"],
            "setting_sd": 0.0,
            "indications": entries,
            "classes": {},
            "default": {
                "location": 0.0,
                "location_sd": 0.0,
                "offset_coef": 1.0,
                "response_prob": 1.0,
                "long_responder_fraction": 0.0,
                "studies": 0,
                "patients": 0,
            },
        }
        if coef:
            relief["covariates"] = {"numeric": spec["numeric"], "binary": spec["binary"], "coef": coef}
        return relief

    def _store(self, family, fit, spec, data, long_mask, params, fit_mask) -> None:
        self.family_, self.sigma_, self.coef_ = family, fit["sigma"], fit["coef"]
        self.n_, self.censoring_ = len(data), data.censoring_mix
        bundle = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": "regen-fitted",
            "version": "",
            "parameters": params,
            "relief": self._relief(family, fit, spec, data, long_mask, fit_mask),
            "fit": {
                "coef": fit["coef"],
                "coef_ci": fit["ci"],
                "coef_p": fit["p"],
                "offset_coef": fit["offset"],
                "design": spec,
                "aic": fit["aic"],
                "log_likelihood": fit["loglik"],
                "family_reason": self.family_reason_,
                "n": len(data),
                "n_bad": self.n_bad_,
                "censoring": data.censoring_mix,
                "penalizer": self.penalizer,
                "fit_offset": self.fit_offset,
                "long_after_days": self.long_after_days,
                "regen_version": __version__,
            },
            "training": {"sha256": data.sha256, "rows": len(data)},
        }
        bundle["version"] = fit_version(bundle)
        self.bundle_ = validate_bundle(bundle)

    # ------------------------------------------------------------- predict
    def to_bundle(self, name: str = "regen-fitted", version: str | None = None) -> dict:
        """The fitted model as a bundle with a name and version, ready to save.

        The default version is :func:`fit_version` of the fitted model itself
        (its numbers, its settings and its training data's hash): two fits that
        differ in anything carry different ``name@version``.
        """
        check_is_fitted(self, "bundle_")
        return validate_bundle({**self.bundle_, "name": name, "version": version or self.bundle_["version"]})

    def to_model(self, name: str = "regen-fitted") -> Model:
        """The fitted model as a :class:`regen.Model` (what :func:`regen.score_frame` makes of it)."""
        return Model(self.to_bundle(name))

    def save(self, path, name: str = "regen-fitted", intro: str | None = None) -> None:
        """Write the model file (JSON) and its card (``.md`` beside it), both or neither.

        Raises
        ------
        PathClashError
            If the card's name is the model's (a path ending in ``.md``).
        """
        from regen.fitting.cards import save_model

        check_is_fitted(self, "bundle_")
        save_model(self.to_model(name), path, intro or "Fitted with `regen.ReliefModel` on a clinic's outcome data.")

    def predict(self, X) -> np.ndarray:
        """Median relief-end day per patient, among responders whose relief ends (:meth:`predict_median`)."""
        return self.predict_median(X)

    def predict_median(self, X) -> np.ndarray:
        """Median relief-end day per patient (``relief_end_median_day``): see :meth:`regen.Model.predict_median`."""
        check_is_fitted(self, "bundle_")
        return self.to_model().predict_median(_patient_frame(X))

    def predict_percentile(self, X, p: float = 0.5) -> np.ndarray:
        """The day a fraction ``p`` of responders is still relieved: see :meth:`regen.Model.predict_percentile`."""
        check_is_fitted(self, "bundle_")
        return self.to_model().predict_percentile(_patient_frame(X), p)

    def predict_survival_function(self, X, times):
        """P(still relieved) at ``times`` for all patients: see :meth:`regen.Model.predict_survival_function`."""
        check_is_fitted(self, "bundle_")
        return self.to_model().predict_survival_function(_patient_frame(X), times)

    def score(self, X, y=None) -> float:
        """Concordance of predicted medians with observed relief ends (responders; higher is better; NaN
        when no pair can be compared)."""
        from lifelines.utils import concordance_index

        check_is_fitted(self, "bundle_")
        data = load_outcomes(_outcome_frame(X, y))
        sub = data.subset(data.responded)
        pred = patient_relief(Model(self.bundle_), sub.columns).quantile(0.5)
        time, event = event_times(sub)
        try:
            return float(concordance_index(time, pred, event))
        except ZeroDivisionError:  # no pair of responders can be compared
            return float("nan")


def fit_version(bundle: dict) -> str:
    """The version of a fitted model: the first 8 hex digits of the sha256 of what it is.

    What it is: its parameters, its relief law, its fit settings and results and
    its training data's hash (canonical JSON); not its name, version, description,
    metrics or how many seconds its sampling took (the same data, settings and
    seed give the same version). Two fits
    of the same data with other settings (family, penalizer, ...) differ.

    Examples
    --------
    >>> a = {"relief": {"family": "weibull"}, "training": {"sha256": "ab"}}
    >>> fit_version(a) != fit_version({**a, "relief": {"family": "lognormal"}}), len(fit_version(a))
    (True, 8)
    """
    import hashlib
    import json

    what = {k: v for k, v in bundle.items() if k in ("format_version", "parameters", "relief", "fit", "training")}
    diagnostics = (what.get("fit") or {}).get("diagnostics")
    if isinstance(diagnostics, dict) and "seconds" in diagnostics:  # how long it took is not what it is
        what["fit"] = {**what["fit"], "diagnostics": {k: v for k, v in diagnostics.items() if k != "seconds"}}
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:8]


def _patient_frame(X):
    """The patient columns of ``X`` (outcome and follow-up columns dropped)."""
    from regen.schema.columns import FOLLOW_UP_COLUMNS, OUTCOME_COLUMNS

    frame = _outcome_frame(X)
    return frame.drop(columns=[c for c in (*OUTCOME_COLUMNS, *FOLLOW_UP_COLUMNS) if c in frame.columns])


def _rates(group: np.ndarray, hit: np.ndarray, mask: np.ndarray, cap: float = 1.0) -> dict:
    """Per-group proportion with a Jeffreys prior, plus the pooled ``default``."""
    out = {"default": float(min(cap, (hit[mask].sum() + 0.5) / (mask.sum() + 1.0)))}
    for g in sorted(set(group[mask])):
        sel = mask & (group == g)
        out[str(g)] = float(min(cap, (hit[sel].sum() + 0.5) / (sel.sum() + 1.0)))
    return out


def _summary(est):
    """The coefficients as a DataFrame (lifelines' ``summary`` with regen's units and effects in days).

    Columns: ``unit`` (what one unit of the term is), ``coef`` (log time), ``exp(coef)``
    (the ratio on relief / modelled nerve time), ``coef lower 95%``, ``coef upper 95%``,
    ``p``, and, for a reference patient (the reference indication, covariates at
    their centres, its catalog nerve), ``median days`` (reference) and ``median days
    with the term`` (one unit more, or the other level) — the effect in days.
    """
    import pandas as pd

    from regen.fitting.cards import reference_effects, term_unit

    fit = est.bundle_["fit"]
    rows = []
    effects = reference_effects(est.to_model())
    for name, value in fit["coef"].items():
        lo, hi = fit["coef_ci"].get(name, [np.nan, np.nan])
        rows.append(
            {
                "term": name,
                "unit": term_unit(name, est.bundle_),
                "coef": value,
                "exp(coef)": math.exp(value),
                "coef lower 95%": lo,
                "coef upper 95%": hi,
                "p": fit.get("coef_p", {}).get(name, np.nan),
                "median days": effects.get(name, (np.nan, np.nan))[0],
                "median days with the term": effects.get(name, (np.nan, np.nan))[1],
            }
        )
    return pd.DataFrame(rows).set_index("term")
