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
>>> model.bundle_["family"], bool(model.score(cohort, y) > 0.5)
('lognormal', True)
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from regen import aft
from regen._version import __version__
from regen.design import design_matrix, full_spec
from regen.errors import InputError
from regen.model import Model
from regen.outcomes import OutcomeData, load_outcomes
from regen.parameters import parameter_values
from regen.persistence import FORMAT, FORMAT_VERSION, validate_bundle

__all__ = ["ReliefModel", "event_times"]

_LIFELINES = {"weibull": ("WeibullAFTFitter", "lambda_", "rho_"),
              "lognormal": ("LogNormalAFTFitter", "mu_", "sigma_"),
              "loglogistic": ("LogLogisticAFTFitter", "alpha_", "beta_")}
_EPS_DAYS = 0.5  # lower bound used for a responder whose relief was never confirmed


def _as_frame(X, y=None):
    import pandas as pd

    frame = X.copy() if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
    frame = frame.reset_index(drop=True)
    if y is not None:
        ys = y.reset_index(drop=True) if hasattr(y, "reset_index") else pd.DataFrame(
            np.asarray(y, dtype=object)[:, :2], columns=["relief_last_seen_day", "relief_lost_day"])
        for col in ys.columns:
            frame[col] = ys[col].to_numpy()
    return frame.astype(object).where(frame.notna(), "")


def event_times(data: OutcomeData) -> tuple[np.ndarray, np.ndarray]:
    """One time per responder row for concordance: exact day, interval midpoint, or censoring day."""
    finite = np.isfinite(data.upper)
    time = np.where(finite, (data.lower + np.where(finite, data.upper, 0.0)) / 2.0, data.lower)
    return np.maximum(time, _EPS_DAYS), finite


class ReliefModel(BaseEstimator):
    """Relief-end model on top of the mechanism (scikit-learn estimator).

    Parameters
    ----------
    family : {"auto", "weibull", "lognormal", "loglogistic"}
        AFT family; "auto" fits the three and keeps the lowest AIC.
    penalizer : float
        Ridge penalty passed to lifelines (keeps indication effects finite
        and shrinks them toward the pooled ratio).
    fit_offset : bool
        Estimate the coefficient of ``log T_nerve`` instead of fixing it at 1.
    long_after_days : float
        Responders confirmed relieved beyond this day count as long responders.
    covariates : bool
        Use the patient covariates (age, BMI, diabetes, ...) besides indication;
        covariates without variation in the data are dropped either way.

    Attributes
    ----------
    bundle_ : dict
        The fitted model as a bundle (see :mod:`regen.persistence`).
    family_, sigma_, coef_, family_reason_ : fitted values.
    n_, n_bad_, censoring_ : counts of the data used.
    """

    def __init__(self, family="auto", penalizer=0.01, fit_offset=False, long_after_days=1095.0,
                 covariates=True):
        self.family = family
        self.penalizer = penalizer
        self.fit_offset = fit_offset
        self.long_after_days = long_after_days
        self.covariates = covariates

    # ------------------------------------------------------------------ fit
    def fit(self, X, y=None):
        """Fit on patient columns ``X`` and outcomes ``y`` (or outcome columns inside ``X``)."""
        if self.family not in ("auto", *aft.FAMILIES):
            raise InputError(f"family {self.family!r} is not one of auto, {', '.join(aft.FAMILIES)}")
        data = load_outcomes(_as_frame(X, y))
        self.n_bad_ = len(data.bad)
        self.bad_rows_ = data.bad[:20]
        params = parameter_values()
        from regen.predict import _mechanism

        log_nerve = _mechanism(data.columns, params)["mu"]
        long_mask = data.responded & (data.lower >= self.long_after_days)
        fit_mask = data.responded & ~long_mask
        if fit_mask.sum() < 2:
            raise InputError("fewer than 2 responders with relief ending: nothing to fit")
        spec = self._spec(data.columns, fit_mask)
        families = aft.FAMILIES if self.family == "auto" else (self.family,)
        fits = {f: self._fit_family(f, data, log_nerve, fit_mask, spec) for f in families}
        best = min(fits, key=lambda f: fits[f]["aic"])
        self.family_reason_ = "; ".join(
            f"{f} AIC {fits[f]['aic']:.1f}" + (" (lowest)" if f == best else "") for f in fits)
        self._store(best, fits[best], spec, data, long_mask, params)
        return self

    def _spec(self, cols, mask) -> dict:
        levels = sorted(set(cols["indication"][mask]))
        spec = full_spec(levels if len(levels) > 1 else [])
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
        fitter.fit_interval_censoring(frame, "lower", "upper")
        p, ci = fitter.params_, fitter.confidence_intervals_
        coef = {"intercept": float(p[(primary, "Intercept")])}
        coef.update({n: float(p[(primary, n)]) for n in names[1:]})
        cis = {("intercept" if c == "Intercept" else c): [float(ci.loc[(primary, c)].iloc[0]),
                                                          float(ci.loc[(primary, c)].iloc[1])]
               for c in p[primary].index}
        log_scale = float(p[(ancillary, "Intercept")])
        sigma = float(np.exp(log_scale)) if family == "lognormal" else float(np.exp(-log_scale))
        offset = float(coef.pop("log_nerve_days", 1.0)) if self.fit_offset else 1.0
        return {"coef": coef, "ci": cis, "sigma": sigma, "offset": offset,
                "aic": float(fitter.AIC_), "loglik": float(fitter.log_likelihood_)}

    def _store(self, family, fit, spec, data, long_mask, params) -> None:
        ind = data.columns["indication"]
        response = _rates(ind, data.responded, np.ones(len(data), bool))
        long = _rates(ind[data.responded], long_mask[data.responded],
                      np.ones(int(data.responded.sum()), bool), cap=0.5)
        self.family_, self.sigma_, self.coef_ = family, fit["sigma"], fit["coef"]
        self.n_, self.censoring_ = len(data), data.censoring_mix
        bundle = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "name": "regen-fitted", "version": __version__,
            "family": family, "sigma": fit["sigma"], "offset_coef": fit["offset"],
            "coef": fit["coef"], "design": spec,
            "response_prob": response, "long_responder_fraction": long,
            "parameters": params,
            "fit": {"coef_ci": fit["ci"], "aic": fit["aic"], "log_likelihood": fit["loglik"],
                    "family_reason": self.family_reason_, "n": len(data), "n_bad": self.n_bad_,
                    "censoring": data.censoring_mix, "penalizer": self.penalizer,
                    "fit_offset": self.fit_offset, "long_after_days": self.long_after_days},
            "training": {"sha256": data.sha256, "rows": len(data)},
        }
        self.bundle_ = validate_bundle(bundle)

    # ------------------------------------------------------------- predict
    def to_bundle(self, name: str = "regen-fitted", version: str | None = None) -> dict:
        """The fitted model as a bundle with a name and version, ready to save."""
        check_is_fitted(self, "bundle_")
        return validate_bundle({**self.bundle_, "name": name, "version": version or __version__})

    def _model(self) -> Model:
        check_is_fitted(self, "bundle_")
        return Model(self.bundle_)

    def predict(self, X) -> np.ndarray:
        """Median relief-end day per patient (among responders whose relief ends)."""
        return self._model().predict_columns(_patient_columns(_as_frame(X)))["relief_end_median_day"]

    def predict_percentile(self, X, p: float = 0.5) -> np.ndarray:
        """Day by which a fraction ``p`` of responders have lost relief."""
        from regen.predict import _mechanism

        model = self._model()
        cols = _patient_columns(_as_frame(X))
        mu = model.relief_location(cols, _mechanism(cols, model.params)["mu"])
        return aft.quantile(model.bundle["family"], mu, model.bundle["sigma"], p)

    def predict_survival_function(self, X, times):
        """P(still relieved) at ``times``: DataFrame indexed by time, one column per patient."""
        import pandas as pd

        from regen.predict import _mechanism

        model = self._model()
        cols = _patient_columns(_as_frame(X))
        mu = model.relief_location(cols, _mechanism(cols, model.params)["mu"])
        surv = model.relief_survival(mu, cols["indication"], np.asarray(times, dtype=float))
        return pd.DataFrame(surv.T, index=pd.Index(np.asarray(times, float), name="day"))

    def score(self, X, y=None) -> float:
        """Concordance of predicted medians with observed relief ends (responders; higher is better)."""
        from lifelines.utils import concordance_index

        data = load_outcomes(_as_frame(X, y))
        keep = data.responded
        cols = {k: v[keep] for k, v in data.columns.items()}
        pred = self._model().predict_columns(cols)["relief_end_median_day"]
        sub = OutcomeData(cols, data.lower[keep], data.upper[keep], data.responded[keep], data.rows[keep])
        time, event = event_times(sub)
        return float(concordance_index(time, pred, event))


def _patient_columns(frame) -> dict:
    """Validated patient columns of ``frame`` (outcome columns ignored); raises on a bad row."""
    from regen.outcomes import OUTCOME_COLUMNS
    from regen.schema import FOLLOW_UP_COLUMNS, validate_patients

    drop = [c for c in (*OUTCOME_COLUMNS, *FOLLOW_UP_COLUMNS) if c in frame.columns]
    batch = validate_patients(frame.drop(columns=drop))
    if not batch.ok.all():
        i = int(np.flatnonzero(~batch.ok)[0])
        raise InputError(f"row {i + 1}: {batch.errors[i]}")
    return batch.columns


def _rates(group: np.ndarray, hit: np.ndarray, mask: np.ndarray, cap: float = 1.0) -> dict:
    """Per-group proportion with a Jeffreys prior, plus the pooled ``default``."""
    out = {"default": float(min(cap, (hit[mask].sum() + 0.5) / (mask.sum() + 1.0)))}
    for g in sorted(set(group[mask])):
        sel = mask & (group == g)
        out[str(g)] = float(min(cap, (hit[sel].sum() + 0.5) / (sel.sum() + 1.0)))
    return out
