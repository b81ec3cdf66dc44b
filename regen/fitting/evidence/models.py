"""The two NumPyro models: the mechanism (return of sensation) and the relief law.

Both take their data as a dict of arrays plus per-row weights (1 = in the likelihood, 0 = left out), so a
leave-one-study-out refit reuses the compiled sampler (same shapes, other weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import jax.numpy as jnp
import numpy as np
import numpyro
import numpyro.distributions as dist
from jax.nn import log_sigmoid

from regen.fitting.evidence import likelihood as lk
from regen.fitting.evidence.agecurve import smoothstep
from regen.fitting.evidence.data import MechData, ReliefData
from regen.fitting.evidence.priors import (
    AGE_KNOTS,
    CLASSES,
    FIXED_SD,
    MECHANISM,
    NU,
    RELIEF_LOCATION,
    RELIEF_SLOPE,
    RELIEF_SPREAD,
    RELIEF_VARIANTS,
    SIGMA_LOG_SD,
)


def mechanism_arrays(md: MechData) -> dict:
    """The mechanism data as jax arrays (the model's first argument)."""
    return {
        k: jnp.asarray(getattr(md, k))
        for k in (
            "row_study",
            "row_kind",
            "row_partial",
            "n",
            "k",
            "value",
            "se",
            "background",
            "comp_row",
            "comp_age",
            "comp_dist",
            "comp_w",
        )
    } | {"log_times": jnp.log(jnp.asarray(md.times)), "study_zeros": jnp.zeros(len(md.studies))}


def _prior(name):
    kind, p, _ = MECHANISM[name]
    return {"normal": dist.Normal, "halfnormal": dist.HalfNormal, "lognormal": dist.LogNormal}[kind](*p)


def mechanism_model(d: dict, weight, partial: bool = True):
    """Return of sensation: ``T = exp(delta_s + partial) * (delay + f(age) * (distance / rate + terminal))``.

    Phases log-normal between patients, summed by Fenton-Wilkinson; each row a mixture over its ages and nerves;
    ``delta_s = tau * t_4`` per study; ``partial`` adds the -60 degC partial-lesion log ratio to its rows.
    """
    log_delay = numpyro.sample("log_initial_delay", _prior("log_initial_delay"))
    log_rate = numpyro.sample("log_rate", _prior("log_rate"))
    log_term = numpyro.sample("log_terminal", _prior("log_terminal"))
    term_sd = numpyro.sample("terminal_sd", _prior("terminal_sd"))
    b_child = numpyro.sample("child_log_ratio", _prior("child_log_ratio"))
    b_old = numpyro.sample("old_log_ratio", _prior("old_log_ratio"))
    tau = numpyro.sample("tau", _prior("tau"))
    z = numpyro.sample("z_study", dist.StudentT(NU).expand([d["study_zeros"].shape[0]]).to_event(1))
    lp = numpyro.sample("log_partial_lesion", _prior("log_partial_lesion")) if partial else 0.0
    k = AGE_KNOTS
    age = d["comp_age"]
    log_f = -b_child * smoothstep((k["adult"] - age) / (k["adult"] - k["child"])) + b_old * smoothstep(
        (age - k["older"]) / (k["old"] - k["older"])
    )
    f = jnp.exp(log_f)
    delay = jnp.exp(log_delay) * jnp.ones_like(f)
    mu, sig = lk.lognormal_sum(
        [delay, d["comp_dist"] / jnp.exp(log_rate) * f, jnp.exp(log_term) * f],
        [FIXED_SD["initial_delay"], math.hypot(FIXED_SD["distance"], FIXED_SD["rate"]), term_sd],
    )
    delta = tau * z[d["row_study"]] + lp * d["row_partial"]
    F = lk.mixture_cdf(d["log_times"], mu, sig, d["comp_w"], d["comp_row"], d["n"].shape[0], delta)
    # a left-out row (weight 0) gets harmless CDF values: far out in the tails its likelihood under- or overflows,
    # and 0 x a non-finite gradient is NaN (the divergences of the leave-one-out refits)
    F = jnp.where((weight > 0)[:, None], F, jnp.array([0.1, 0.2, 0.8, 0.9]))
    log_mean = lk.mixture_log_mean(mu, sig, d["comp_w"], d["comp_row"], d["n"].shape[0])
    ll = lk.mechanism_row_loglik(
        d["row_kind"], d["n"], d["k"], d["value"], d["se"], d["background"], F, log_mean, delta
    )
    numpyro.deterministic("row_loglik", ll)
    numpyro.factor("loglik", jnp.sum(weight * ll))


def relief_arrays(rd: ReliefData) -> dict:
    """The relief data as jax arrays."""
    keys = (
        "study_class",
        "study_ind",
        "study_x",
        "x_ref",
        "ind_class",
        "g_study",
        "g_endpoint",
        "g_n",
        "g_counts",
        "g_valid",
        "d_study",
        "d_kind",
        "d_n",
        "d_value",
        "d_low",
        "d_high",
        "study_early",
        "study_complete",
    )
    out = {k: jnp.asarray(getattr(rd, k)) for k in keys}
    out["g_log_times"] = jnp.log(jnp.asarray(rd.g_times))
    return out


def _class_priors():
    loc = np.array([[math.log(RELIEF_LOCATION[c][0]), RELIEF_LOCATION[c][1]] for c in CLASSES])
    slope = np.array([RELIEF_SLOPE[c][:2] for c in CLASSES])
    spread = np.array([RELIEF_SPREAD[c] for c in CLASSES])
    return loc, slope, spread


@dataclass(frozen=True)
class ReliefOptions:
    """Structural choices of the relief model (:data:`RELIEF_OPTIONS` is the shipped model; the card lists what was
    tried).

    - ``effect_df``: degrees of freedom of the Student-t study and indication effects; ``None``: normal effects.
    - ``shared_scales``: the chronic classes share one between-indication and one between-study scale (the
      post-operative class keeps its own, narrower priors).
    - ``study_sigma``: half-normal scale of the between-study sd of log sigma (0: one sigma per class).
    - ``pool_response``: the classes' response logits are partially pooled (normal around a common mean with a
      half-normal between-class sd) instead of independent.
    - ``early_era``: a location and a response-logit shift for studies published before 1990 (the citation's year;
      a stated covariate, chosen after seeing the data: exploratory).
    - ``heterogeneity_scale``: multiplies the half-normal scales of the four heterogeneities (between indications and
      between studies, of location and response); below 1 it forces narrower new-setting intervals than the evidence
      supports (measured only, to see what narrowness costs out of sample).
    - ``complete_endpoint``: a location and a response-logit shift for studies that count only complete relief
      (``data.COMPLETE_RELIEF``: an interpretation of the sources' endpoint words; measured only).
    """

    effect_df: float | None = NU
    shared_scales: bool = False
    study_sigma: float = 0.0
    pool_response: bool = False
    early_era: bool = False
    heterogeneity_scale: float = 1.0
    complete_endpoint: bool = False


#: The shipped relief model's structure (see the card's "what was tried" for the alternatives measured).
RELIEF_OPTIONS = ReliefOptions(early_era=True)


def relief_deterministic(opts: ReliefOptions) -> tuple[str, ...]:
    """Sites the relief model records but does not sample (left out of a refit's starting values)."""
    return (("tau_u", "tau_v") if opts.shared_scales else ()) + (("rho",) if opts.pool_response else ())


def _effect(df):
    return dist.Normal(0.0, 1.0) if df is None else dist.StudentT(df)


def relief_model(d: dict, w_groups, w_durations, opts: ReliefOptions = ReliefOptions()):
    """Relief end among responders and response, per study; see ``priors`` for every prior.

    ``log T = a_c + b_c (x_s - x_ref_c) + u_i + v_s [+ g_loc if threshold endpoint] + sigma_s eps``,
    ``logit r = rho_c + e_i + w_s [+ g_logit]``; u, v, e, w Student-t (4 df) with half-normal scales;
    ``sigma_s = sigma_c`` or, with ``opts.study_sigma``, ``sigma_c exp(tau_sigma z_s)``.
    """
    loc, slope, spread = _class_priors()
    k = opts.heterogeneity_scale
    spread = spread * np.array([1.0, k, k])
    C = len(CLASSES)
    n_ind, n_studies = d["ind_class"].shape[0], d["study_class"].shape[0]
    a = numpyro.sample("a", dist.Normal(loc[:, 0], loc[:, 1]).to_event(1))
    b = numpyro.sample("b", dist.Normal(slope[:, 0], slope[:, 1]).to_event(1))
    sigma = numpyro.sample("sigma", dist.LogNormal(np.log(spread[:, 0]), SIGMA_LOG_SD).to_event(1))
    if opts.shared_scales:
        chronic = np.array([c != "post_operative" for c in CLASSES])
        post = CLASSES.index("post_operative")
        tu_c = numpyro.sample("tau_u_chronic", dist.HalfNormal(float(spread[0, 1])))
        tv_c = numpyro.sample("tau_v_chronic", dist.HalfNormal(float(spread[0, 2])))
        tu_p = numpyro.sample("tau_u_post", dist.HalfNormal(float(spread[post, 1])))
        tv_p = numpyro.sample("tau_v_post", dist.HalfNormal(float(spread[post, 2])))
        tau_u = numpyro.deterministic("tau_u", jnp.where(chronic, tu_c, tu_p))
        tau_v = numpyro.deterministic("tau_v", jnp.where(chronic, tv_c, tv_p))
    else:
        tau_u = numpyro.sample("tau_u", dist.HalfNormal(spread[:, 1]).to_event(1))
        tau_v = numpyro.sample("tau_v", dist.HalfNormal(spread[:, 2]).to_event(1))
    eff = _effect(opts.effect_df)
    u_raw = numpyro.sample("u_raw", eff.expand([n_ind]).to_event(1))
    v_raw = numpyro.sample("v_raw", eff.expand([n_studies]).to_event(1))
    if opts.pool_response:
        rho_mu = numpyro.sample("rho_mu", dist.Normal(*RELIEF_VARIANTS["rho_mu"][1]))
        tau_rho = numpyro.sample("tau_rho", dist.HalfNormal(*RELIEF_VARIANTS["tau_rho"][1]))
        rho_raw = numpyro.sample("rho_raw", dist.Normal(0.0, 1.0).expand([C]).to_event(1))
        rho = numpyro.deterministic("rho", rho_mu + tau_rho * rho_raw)
    else:
        rho = numpyro.sample("rho", dist.Normal(math.log(0.7 / 0.3), 1.0).expand([C]).to_event(1))
    tau_e = numpyro.sample("tau_e", dist.HalfNormal(0.7 * k))
    tau_w = numpyro.sample("tau_w", dist.HalfNormal(0.5 * k))
    e_raw = numpyro.sample("e_raw", eff.expand([n_ind]).to_event(1))
    w_raw = numpyro.sample("w_raw", eff.expand([n_studies]).to_event(1))
    g_loc = numpyro.sample("g_loc", dist.Normal(0.0, 0.5))
    g_logit = numpyro.sample("g_logit", dist.Normal(0.0, 1.0))
    sc, si = d["study_class"], d["study_ind"]
    sig_s = sigma[sc]
    if opts.study_sigma > 0:
        tau_s = numpyro.sample("tau_sigma", dist.HalfNormal(opts.study_sigma))
        s_raw = numpyro.sample("s_raw", dist.Normal(0.0, 1.0).expand([n_studies]).to_event(1))
        sig_s = sig_s * jnp.exp(tau_s * s_raw)
    m_s = a[sc] + b[sc] * (d["study_x"] - d["x_ref"][sc]) + tau_u[d["ind_class"]][si] * u_raw[si] + tau_v[sc] * v_raw
    l_s = rho[sc] + tau_e * e_raw[si] + tau_w * w_raw
    if opts.early_era:
        m_s = m_s + numpyro.sample("h_loc", dist.Normal(*RELIEF_VARIANTS["h_loc"][1])) * d["study_early"]
        l_s = l_s + numpyro.sample("h_logit", dist.Normal(*RELIEF_VARIANTS["h_logit"][1])) * d["study_early"]
    if opts.complete_endpoint:
        m_s = m_s + numpyro.sample("k_loc", dist.Normal(*RELIEF_VARIANTS["k_loc"][1])) * d["study_complete"]
        l_s = l_s + numpyro.sample("k_logit", dist.Normal(*RELIEF_VARIANTS["k_logit"][1])) * d["study_complete"]
    gs, ds = d["g_study"], d["d_study"]
    # left-out rows (weight 0) are evaluated at harmless values: 0 x a non-finite gradient would be NaN
    on_g, on_d = w_groups > 0, w_durations > 0
    m_g = jnp.where(on_g, m_s[gs] + g_loc * d["g_endpoint"], 5.0)
    l_g = jnp.where(on_g, l_s[gs] + g_logit * d["g_endpoint"], 0.0)
    ll_g = lk.curve_loglik(
        d["g_n"],
        d["g_log_times"],
        d["g_counts"],
        d["g_valid"],
        m_g,
        jnp.where(on_g, sig_s[gs], 1.0),
        log_sigmoid(l_g),
        log_sigmoid(-l_g),
    )
    ll_d = lk.duration_loglik(
        d["d_kind"],
        d["d_n"],
        d["d_value"],
        d["d_low"],
        d["d_high"],
        jnp.where(on_d, m_s[ds], 5.0),
        jnp.where(on_d, sig_s[ds], 1.0),
    )
    numpyro.factor("loglik", jnp.sum(w_groups * ll_g) + jnp.sum(w_durations * ll_d))
