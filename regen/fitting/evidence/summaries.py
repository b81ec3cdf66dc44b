"""Posterior summaries written to ``models/evidence_summary.json``: mechanism parameters, the relief predictive per
indication / class / catch-all as a function of x, labels, and a compact posterior approximation."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from regen.fitting.evidence.agecurve import log_nerve_median_days
from regen.fitting.evidence.priors import AGE_KNOTS, CLASSES, FIXED_SD

#: Probability grid of the standardised shape (199 levels).
PROBS = np.round(np.linspace(0.005, 0.995, 199), 6)
#: Own-data weight at or above which an indication's label names its own studies.
LABEL_WEIGHT = 0.5
#: Replicates of the new-setting effects per posterior draw.
REPS = 8


def _q(x):
    return float(np.median(x)), float(np.quantile(x, 0.1)), float(np.quantile(x, 0.9))


def _param(draws_natural: np.ndarray, unit: str, **extra) -> dict:
    v, q10, q90 = _q(draws_natural)
    return {"value": v, "sd_log": float(np.std(np.log(draws_natural))), "q10": q10, "q90": q90, "unit": unit, **extra}


def mechanism_point(run) -> dict:
    """Posterior medians in the form :func:`agecurve.log_nerve_median_days` takes."""
    f = run.flat
    return {
        "initial_delay_days": float(np.exp(np.median(f("log_initial_delay")))),
        "rate_mm_per_day": float(np.exp(np.median(f("log_rate")))),
        "terminal_delay_days": float(np.exp(np.median(f("log_terminal")))),
        "terminal_sd_log": float(np.median(f("terminal_sd"))),
        "child_log_ratio": float(np.median(f("child_log_ratio"))),
        "old_log_ratio": float(np.median(f("old_log_ratio"))),
    }


def mechanism_section(run, run_nopartial, teen: dict) -> dict:
    f = run.flat
    params = {
        "initial_delay_days": _param(
            np.exp(f("log_initial_delay")), "days", between_patient_sd_log=FIXED_SD["initial_delay"]
        ),
        "rate_mm_per_day": _param(np.exp(f("log_rate")), "mm/day", between_patient_sd_log=FIXED_SD["rate"]),
        "terminal_delay_days": _param(
            np.exp(f("log_terminal")), "days", between_patient_sd_log=float(np.median(f("terminal_sd")))
        ),
        "terminal_delay_between_patient_sd_log": _param(f("terminal_sd"), "log"),
        "age_child_time_ratio": _param(np.exp(-f("child_log_ratio")), "ratio"),
        "age_old_time_ratio": _param(np.exp(f("old_log_ratio")), "ratio"),
        "partial_lesion_time_ratio": _param(np.exp(f("log_partial_lesion")), "ratio"),
        "discrepancy_sd_log": _param(f("tau"), "log", student_t_df=4.0),
        "distance_sd_log": {"value": FIXED_SD["distance"], "unit": "log", "fixed": True},
    }
    return {
        "parameters": params,
        "tau": {
            "with_partial_lesion_term": _param(f("tau"), "log"),
            "without_partial_lesion_term": _param(run_nopartial.flat("tau"), "log"),
        },
        "age_curve": {
            "formula": "log f(age) = -child_log_ratio * S((adult - age) / (adult - child)) + old_log_ratio "
            "* S((age - older) / (old - older)), S(u) = 3u^2 - 2u^3 on u clipped to [0, 1]; f "
            "multiplies regrowth and maturation times",
            "knots_years": AGE_KNOTS,
            "child_log_ratio": _param(f("child_log_ratio"), "log"),
            "old_log_ratio": _param(f("old_log_ratio"), "log"),
        },
        "point": mechanism_point(run),
        "x_definition": "x = log of the Fenton-Wilkinson median of T = initial_delay + f(age) * (distance / rate + "
        "terminal_delay) (between-patient sd_log: latency 0.3, regrowth hypot(0.25, 0.2), maturation "
        "terminal_sd_log), at the posterior medians in 'point', no setting discrepancy "
        "(regen/fitting/evidence/agecurve.py: log_nerve_median_days)",
        "teenager_check": teen,
    }


def catalog_x(point: dict, nerves) -> dict[str, float]:
    """x of every catalog nerve at age 50 and its default distance."""
    d = nerves["default_distance_mm"].astype(float).to_numpy()
    x = log_nerve_median_days(d, np.full(len(d), 50.0), point, AGE_KNOTS, FIXED_SD)
    return dict(zip(nerves["id"], (float(v) for v in x), strict=True))


# ----------------------------------------------------------------------------------------------- relief


class ReliefDraws:
    """Pooled posterior draws of the relief model with convenient per-class / per-indication access."""

    def __init__(self, run, rd, seed=0, opts=None):
        from regen.fitting.evidence.models import ReliefOptions

        self.rd, self.rng = rd, np.random.default_rng(seed)
        self.opts = opts or ReliefOptions()
        f = run.flat
        self.a, self.b, self.sigma = f("a"), f("b"), f("sigma")
        self.tau_u, self.tau_v = f("tau_u"), f("tau_v")
        self.u = self.tau_u[:, rd.ind_class] * f("u_raw")
        self.rho, self.tau_e, self.tau_w = f("rho"), f("tau_e"), f("tau_w")
        self.e = self.tau_e[:, None] * f("e_raw")
        self.g_loc, self.g_logit = f("g_loc"), f("g_logit")
        zero = np.zeros(self.a.shape[0])
        self.tau_sigma = f("tau_sigma") if "tau_sigma" in run.samples else zero
        self.h_loc = f("h_loc") if "h_loc" in run.samples else zero
        self.h_logit = f("h_logit") if "h_logit" in run.samples else zero
        self.k_loc = f("k_loc") if "k_loc" in run.samples else zero
        self.k_logit = f("k_logit") if "k_logit" in run.samples else zero
        self.n = self.a.shape[0]

    def effect(self, size, rng=None) -> np.ndarray:
        """Standardised draws of a new study or indication effect (Student-t or normal, as fitted)."""
        rng = rng or self.rng
        df = self.opts.effect_df
        return rng.standard_normal(size) if df is None else rng.standard_t(df, size=size)

    def new_sigma(self, c: int, shape) -> np.ndarray:
        """Within-study spread of a new study of class ``c`` (draws x reps)."""
        z = self.rng.standard_normal(shape)
        return self.sigma[:, c, None] * np.exp(self.tau_sigma[:, None] * z)

    def new_setting(self, c: int, ind: int | None, reps: int = REPS):
        """Draws (n, reps) of A (location at x_ref for a new study), B, sigma and the response logit.

        ``ind`` None: a new indication of class ``c`` (new u and e drawn).
        """
        n = self.n
        if ind is None:
            u = self.tau_u[:, c, None] * self.effect((n, reps))
            e = self.tau_e[:, None] * self.effect((n, reps))
        else:
            u, e = self.u[:, ind, None], self.e[:, ind, None]
        v = self.tau_v[:, c, None] * self.effect((n, reps))
        w = self.tau_w[:, None] * self.effect((n, reps))
        A = self.a[:, c, None] + u + v
        B = np.broadcast_to(self.b[:, c, None], A.shape)
        S = self.new_sigma(c, A.shape)
        L = self.rho[:, c, None] + e + w
        return A, B, S, L


def predictive_entry(A, B, S, L, x_ref: float, rng) -> dict:
    """Moments-in-x and a standardised shape of log T = A + B (x - x_ref) + S eps for a new patient."""
    eps = rng.standard_normal(A.shape)
    Y = A + S * eps  # at x = x_ref
    m0, m1 = float(Y.mean()), float(B.mean())
    v00 = float(Y.var())
    v01 = float(np.mean((Y - m0) * (B - m1)))
    v11 = float(B.var())
    # the standardised shape, pooled over x_ref + CHECK_DX (the slope's normal spread changes the shape with x)
    z = np.concatenate(
        [
            ((A + B * dx + S * eps) - (m0 + m1 * dx)).ravel() / np.sqrt(v00 + 2 * v01 * dx + v11 * dx**2)
            for dx in CHECK_DX
        ]
    )
    entry = {
        "x_ref": float(x_ref),
        "m0": m0,
        "m1": m1,
        "v00": v00,
        "v01": v01,
        "v11": v11,
        "shape_probs": PROBS.tolist(),
        "shape_quantiles": np.quantile(z, PROBS).tolist(),
        "response_prob": float(expit(L).mean()),
        "long_responder_fraction": 0.0,
    }
    entry["approximation_check"] = approximation_check(entry, A, B, S, eps)
    return entry


#: x offsets (log days) at which the approximation is compared with the draws (a factor 0.6-1.65 in nerve time).
CHECK_DX = (-0.5, -0.25, 0.0, 0.25, 0.5)


def approximation_check(entry: dict, A, B, S, eps) -> dict:
    """Relative error (days) of the JSON's p10 / p50 / p90 vs the draws' at x_ref + CHECK_DX."""
    errs = []
    for dx in CHECK_DX:
        q_draw = np.quantile(A + B * dx + S * eps, [0.1, 0.5, 0.9])
        q_json = np.log(relief_quantiles(entry, entry["x_ref"] + dx, [0.1, 0.5, 0.9]))
        errs.append(np.expm1(q_json - q_draw))
    errs = np.array(errs)
    return {
        "dx": list(CHECK_DX),
        "relative_error_p10_p50_p90": errs.round(4).tolist(),
        "max_abs_relative_error": float(np.abs(errs).max()),
    }


def relief_quantiles(entry: dict, x, probs) -> np.ndarray:
    """Quantiles (days) among responders of the JSON entry at patients' x: ``exp(m(x) + sqrt(V(x)) q_Z(p))``."""
    x = np.asarray(x, float)[..., None]
    dx = x - entry["x_ref"]
    m = entry["m0"] + entry["m1"] * dx
    v = entry["v00"] + 2 * entry["v01"] * dx + entry["v11"] * dx**2
    qz = np.interp(probs, entry["shape_probs"], entry["shape_quantiles"])
    return np.exp(m + np.sqrt(v) * qz)


def relief_survival(entry: dict, x, days) -> np.ndarray:
    """P(still relieved at each day) = response_prob * (long + (1 - long) * (1 - F_Z(z))) with z standardised."""
    x = np.asarray(x, float)[..., None]
    dx = x - entry["x_ref"]
    m = entry["m0"] + entry["m1"] * dx
    v = entry["v00"] + 2 * entry["v01"] * dx + entry["v11"] * dx**2
    z = (np.log(np.asarray(days, float)) - m) / np.sqrt(v)
    fz = np.interp(z, entry["shape_quantiles"], entry["shape_probs"], left=0.0, right=1.0)
    long = entry["long_responder_fraction"]
    return entry["response_prob"] * (long + (1 - long) * (1 - fz))


def _approx(vectors: np.ndarray) -> dict:
    return {"mean": vectors.mean(axis=0).tolist(), "cov": np.cov(vectors, rowvar=False).tolist()}


def relief_section(run, rd, indications, seed=0, opts=None) -> dict:
    """The ``relief`` and ``posterior_approx`` sections."""
    dr = ReliefDraws(run, rd, seed, opts)
    rng = np.random.default_rng(seed + 1)
    ind_class = dict(zip(indications["id"], indications["pain_class"], strict=True))
    rows = rd.rows
    per_study_n = rows.groupby("study")["n"].max()
    out_ind, out_cls, approx_ind, approx_cls = {}, {}, {}, {}
    for c, cname in enumerate(CLASSES):
        A, B, S, L = dr.new_setting(c, None)
        cls_studies = [s for s, sc in zip(rd.studies, rd.study_class, strict=True) if sc == c]
        entry = predictive_entry(A, B, S, L, rd.x_ref[c], rng)
        entry |= {
            "studies": len(cls_studies),
            "patients": int(np.nansum(per_study_n[cls_studies])),
            "slope_posterior": _param_plain(dr.b[:, c]),
        }
        out_cls[cname] = entry
        approx_cls[cname] = _approx(np.column_stack([dr.a[:, c], dr.b[:, c], np.log(dr.sigma[:, c]), dr.rho[:, c]]))
    for ind, cname in ind_class.items():
        c = CLASSES.index(cname)
        if ind not in rd.indications:
            continue
        i = rd.indications.index(ind)
        A, B, S, L = dr.new_setting(c, i)
        studies = sorted(rows.loc[rows["indication"] == ind, "study"].unique())
        u_new = dr.tau_u[:, c] * dr.effect(dr.n, np.random.default_rng(seed + 2))
        e_new = dr.tau_e * dr.effect(dr.n, np.random.default_rng(seed + 3))
        w_loc = float(1.0 - dr.u[:, i].var() / u_new.var())
        w_resp = float(1.0 - dr.e[:, i].var() / e_new.var())
        entry = predictive_entry(A, B, S, L, rd.x_ref[c], rng)
        own = max(w_loc, w_resp)
        entry |= {
            "studies": len(studies),
            "patients": int(np.nansum(per_study_n[studies])),
            "own_weight_location": w_loc,
            "own_weight_response": w_resp,
            "label_level": "indication" if own >= LABEL_WEIGHT else "class",
            "study_ids": studies,
        }
        out_ind[ind] = entry
        approx_ind[ind] = _approx(
            np.column_stack([dr.a[:, c] + dr.u[:, i], dr.b[:, c], np.log(dr.sigma[:, c]), dr.rho[:, c] + dr.e[:, i]])
        )
    chronic = [c for c, n in enumerate(CLASSES) if n != "post_operative"]
    parts = [dr.new_setting(c, None, reps=REPS // 2 or 1) for c in chronic]
    A, B, S, L = (np.concatenate([p[k] for p in parts], axis=1) for k in range(4))
    catch = predictive_entry(A, B, S, L, float(np.mean(rd.x_ref[chronic])), rng)
    catch |= {
        "studies": 0,
        "patients": 0,
        "note": "a class with no study: the pooled new-indication predictives of the chronic classes (widest)",
    }
    het = {
        name: {"log_mean": np.log(arr).mean(axis=0).tolist(), "log_sd": np.log(arr).std(axis=0).tolist()}
        for name, arr in (("tau_u", dr.tau_u), ("tau_v", dr.tau_v), ("tau_e", dr.tau_e), ("tau_w", dr.tau_w))
    }
    relief = {
        "family": "location-scale in log days with a standardised shape",
        "survival": "S(t | x) = response_prob * (long + (1 - long) * (1 - F_Z((log t - m(x)) / sqrt(V(x))))), "
        "m(x) = m0 + m1 (x - x_ref), V(x) = v00 + 2 v01 (x - x_ref) + v11 (x - x_ref)^2, F_Z by linear "
        "interpolation of (shape_quantiles -> shape_probs)",
        "classes_order": list(CLASSES),
        "indications": out_ind,
        "classes": out_cls,
        "catch_all": catch,
        "label_rule": f"an indication's label names its own studies and patients when its own data carry at least "
        f"{LABEL_WEIGHT:.0%} of the weight: own_weight = 1 - Var(posterior of its effect) / "
        f"Var(effect of "
        f"a new indication of the class), the larger of location and response; otherwise 'class only' "
        f"with the class's studies and patients",
        "endpoint_effect": {"g_loc": _param_plain(dr.g_loc), "g_logit": _param_plain(dr.g_logit)},
        "study_covariates": study_covariates(dr),
    }
    posterior_approx = {
        "scale": "vector (location at x_ref in log days, slope on x, log sigma, response logit); normal mean and cov",
        "indications": approx_ind,
        "classes": approx_cls,
        "heterogeneity": het,
        "student_t_df": 4.0,
        "x_ref": dict(zip(CLASSES, map(float, rd.x_ref), strict=True)),
    }
    return relief, posterior_approx


def study_covariates(dr) -> list[dict]:
    """Posterior of the study-level covariates of the fitted structure (shifts of a study's location in log days and
    of its response logit); a forecast is for a study with every covariate at 0 (a modern study, 'still relieved')."""
    from regen.fitting.evidence.data import EARLY_ERA_BEFORE

    rd, opts = dr.rd, dr.opts

    def flagged(flags) -> list[str]:
        return sorted(s for s, f in zip(rd.studies, flags, strict=True) if f)

    endpoint = rd.rows.groupby("study")["endpoint"].agg(["max", "min"])
    rows = [
        (
            "threshold-improvement endpoint",
            "g",
            sorted(endpoint.index[endpoint["max"] > 0]),  # a study with at least one such number
            sorted(endpoint.index[endpoint["min"] > 0]),  # every number of the study
            "patients still relieved",
        )
    ]
    if opts.early_era:
        early = flagged(rd.study_early)
        rows.append((f"published before {EARLY_ERA_BEFORE}", "h", early, early, "a current study"))
    if opts.complete_endpoint:
        complete = flagged(rd.study_complete)
        rows.append(("complete relief only", "k", complete, complete, "any relief"))
    return [
        {
            "covariate": name,
            "studies": len(ids),
            "study_ids": [str(s) for s in ids],
            "study_ids_every_number": [str(s) for s in every],
            "forecast_for": forecast_for,
            "location": _param_plain(getattr(dr, f"{p}_loc")),
            "response_logit": _param_plain(getattr(dr, f"{p}_logit")),
        }
        for name, p, ids, every, forecast_for in rows
    ]


def covariate_note(entry: dict | None, covariates: list[dict] | None) -> str:
    """What a label adds when every number of an indication's own studies carries a study-level covariate: its
    forecast is made with that covariate at 0, a setting none of its own numbers had (an extrapolation); ''
    otherwise. ``covariates``: ``relief.study_covariates`` (``study_ids_every_number``: the studies whose every
    used number carries the covariate)."""
    own = set((entry or {}).get("study_ids") or ())
    notes = [
        f"all its studies: {c['covariate']} (forecast for {c['forecast_for']}, an extrapolation)"
        for c in covariates or ()
        if own and own <= set(c.get("study_ids_every_number", ()))
    ]
    return "".join(f"; {n}" for n in notes)


def _param_plain(x) -> dict:
    v, q10, q90 = _q(x)
    return {"median": v, "mean": float(np.mean(x)), "sd": float(np.std(x)), "q10": q10, "q90": q90}


def label(entry: dict, class_entry: dict, class_name: str, covariates: list[dict] | None = None) -> str:
    """The evidence label of a forecast from the JSON (the rule in ``relief.label_rule``; ``covariates``:
    ``relief.study_covariates``, see :func:`covariate_note`)."""

    def count(e):
        k, n = e["studies"], e["patients"]
        studies = f"{k} study" if k == 1 else f"{k} studies"
        return f"{studies}, {n} patients" if n else f"{studies}, patients not stated"

    if entry is not None and entry.get("label_level") == "indication":
        return f"indication: {count(entry)}{covariate_note(entry, covariates)}"
    return f"class only ({class_name}: {count(class_entry)})"
