"""Every prior of the evidence model, with its reason and source (pure data, no code paths).

Each entry: ``(distribution, parameters, reason)``. Scales are natural logs of days unless stated.
The build writes this table into the JSON (``priors``) and the markdown summary.
"""

from __future__ import annotations

import math

#: Student-t degrees of freedom of every random effect (study, indication, setting discrepancy).
NU = 4.0

MECHANISM = {
    "log_initial_delay": (
        "normal",
        (math.log(5.2), 0.5),
        "rabbit scar delay after crush, measured from injury, 5.2 d (Gutmann et al. 1942, J Exp Biol "
        "19:14); sd 0.5 because no human value exists",
    ),
    "log_rate": (
        "normal",
        (math.log(1.4), 0.2),
        "human axonotmesis 1.4 mm/day (Seddon, Medawar & Smith 1943); sd 0.2 spans 1-2 mm/day "
        "(Buchthal & Kühl 1979; Trojaborg 1970)",
    ),
    "log_terminal": (
        "normal",
        (math.log(16.8), 1.5),
        "rabbit nociceptive latency minus scar delay, 16.8 d (J Neurol Neurosurg Psychiatry 1942;5:117); "
        "no human value: sd 1.5 (a factor 4.5 per sd); human sensory maturation takes months to 2 years "
        "(Buchthal & Kühl 1979)",
    ),
    "terminal_sd": ("halfnormal", (0.5,), "between-patient sd_log of maturation: weakly informative (half-normal 0.5)"),
    "child_log_ratio": (
        "lognormal",
        (math.log(math.log(3.0)), 0.5),
        "children's sensory recovery about 3x faster (Buchthal & Kühl 1979): log time ratio log 3 at "
        "the child end of the age curve, sd 0.5 on its log",
    ),
    "old_log_ratio": (
        "lognormal",
        (math.log(0.15), 0.7),
        "direction only: older animals regrow slower (Painter et al. 2014; Verdú et al. 2000); no human "
        "effect on skin fibre regrowth (Polydefkis et al. 2004, P=0.75): time x1.16 at 80, sd 0.7 on the "
        "log of the log ratio",
    ),
    "tau": (
        "halfnormal",
        (0.7,),
        "between-setting discrepancy (Student-t, 4 df): half-normal 0.7 (a factor 2 per sd is plausible for "
        "lesion dose, endpoint and population)",
    ),
    "log_partial_lesion": (
        "normal",
        (0.0, 1.0),
        "time ratio of the -60 degC intraoperative freezes (Momenzadeh; Callesen) vs a full lesion: "
        "centred on no difference because -60 degC degenerates rabbit nerve fully (Zhou, Shao & Qu "
        "1983) and below -20 degC colder does not change the block (Br J Anaesth 1981;53:1121); "
        "sd 1 lets the two series say otherwise",
    ),
}

#: Between-patient spreads kept fixed (not identifiable from study summaries).
FIXED_SD = {"initial_delay": 0.3, "rate": 0.2, "distance": 0.25}
FIXED_SD_REASON = (
    "between-patient sd_log of the latency 0.3 and of the rate 0.2 (1-2 mm/day) are assumptions, as is "
    "the catalog distance's sd_log 0.25 (data/parameters.csv): study summaries cannot identify them"
)

#: Age curve knots (years): full child effect at and below ``child``, none from ``adult`` to ``older``, full old
#: effect from ``old``; smoothstep ramps in between (C1, monotone).
AGE_KNOTS = {"child": 11.0, "adult": 25.0, "older": 50.0, "old": 80.0}
AGE_KNOTS_REASON = (
    "child knot 11 y: the youngest age in Zobel 2020 (no data below, the curve stays flat there); "
    "adult knot 25 y: growth is over; older knots 50-80 y: animal differences grow after middle age "
    "(Painter 2014; Verdú 2000). Smoothstep ramps (3u^2 - 2u^3) instead of the linear ramps with a "
    "plateau below 16 y: smooth and monotone, and a 15-year-old is no longer given the full child "
    "effect"
)

CLASSES = ("own_territory", "joint", "post_operative", "residual_limb")

#: Class location at x_ref (log days among responders): (centre days, sd, reason).
RELIEF_LOCATION = {
    "own_territory": (
        211.0,
        1.0,
        "cutaneous neuropathic pain relief 4-12 months after cryoneurolysis (Bendtsen 2022, "
        "Reg Anesth Pain Med 47 Suppl 1): centre at the geometric middle 211 d, sd 1 (a factor 2.7)",
    ),
    "joint": (
        120.0,
        1.0,
        "device label 'up to 90 days' (FDA K161835) and sham-controlled knee effects fading by "
        "90-150 days (evidence review E): centre 120 d, sd 1",
    ),
    "post_operative": (
        30.0,
        0.6,
        "no benefit beyond 48 h (Anaesthesia 1986;41:73) or at weeks 1-8 (Callesen 1998) "
        "after hernia repair; thoracotomy sensation back by month 3 (Momenzadeh), so the block cannot "
        "outlast about 91 days; newer thoracotomy trials show no benefit at 2-8 weeks (Park 2021): "
        "centre 30 d, sd 0.6 (80 % prior 14-65 d). None of these sources is a likelihood row",
    ),
    "residual_limb": (
        120.0,
        1.0,
        "the sham-controlled phantom-limb trial found no difference at 4 months (Ilfeld 2023): centre 120 d, sd 1",
    ),
}

#: Class slope on (log T_nerve - x_ref): (mean, sd, reason).
RELIEF_SLOPE = {
    "own_territory": (
        1.0,
        0.25,
        "the pain is carried by the frozen nerve's own territory: relief ends when its "
        "fibres reinnervate that territory, so log relief moves 1:1 with log nerve time",
    ),
    "joint": (
        1.0,
        0.5,
        "articular branches of the frozen nerve carry the joint pain and regrow like any other, so "
        "1 is "
        "the physiological expectation; sd 0.5 because unfrozen branches, disease course and large sham "
        "responses (Radnovich 2017; Nygaard 2025) loosen the link",
    ),
    "post_operative": (
        0.0,
        0.25,
        "self-limiting: the window ends when surgical pain resolves, which does not "
        "depend on "
        "how long the nerve takes to regrow (the nerve returns after the pain has gone: sensation by "
        "month 3 after thoracotomy, no benefit beyond weeks after hernia repair)",
    ),
    "residual_limb": (
        0.5,
        0.5,
        "phantom and stump pain are partly peripheral (the frozen nerve carries the neuroma's "
        "input) and partly central (not reset by regrowth): half-way between 0 and 1, sd 0.5",
    ),
}

#: Heterogeneities per class: (sigma within study: log-normal median, tau_u between indications: half-normal scale,
#: tau_v between studies: half-normal scale).
RELIEF_SPREAD = {
    "own_territory": (0.8, 1.0, 0.7),
    "joint": (0.8, 1.0, 0.7),
    "post_operative": (0.5, 0.4, 0.4),
    "residual_limb": (0.8, 1.0, 0.7),
}
#: sd of log sigma (the within-study spread's log-normal prior).
SIGMA_LOG_SD = 0.5
SIGMA_REASON = (
    "patients' relief ends within one setting: a log-normal prior (median 0.8, 0.5 post-operative; sd 0.5 "
    "on its log), not a half-normal: a spread near 0 (every patient's relief ending on the same day) is "
    "not plausible and made the sampler diverge (funnel at sigma -> 0 under interval data); the only "
    "within-series spreads read (return of sensation 4-8 and 6-24 months, sd_log about 0.2-0.4 after "
    "the latency) are a floor for relief, which adds the pain's own course"
)
RELIEF_SPREAD_REASON = {
    "chronic": "chronic classes: weakly informative half-normal scales (patients within a study 1.0, indications 1.0, "
    "studies 0.7 log days: a factor 2-3 per sd)",
    "post_operative": "post-operative windows: every post-operative source places the window end between about 2 and "
    "84 days (hernia 48 h and weeks 1-8; TKA 6-12 weeks, Goodwin 2025; thoracotomy sensation by "
    "month 3): a factor of about 30 end to end across settings and patients, i.e. a total sd_log "
    "of about 0.7, split into half-normal scales 0.5 (patients), 0.4 (indications), 0.4 (studies)",
}

RELIEF_RESPONSE = {
    "rho": (
        "normal",
        (math.log(0.7 / 0.3), 1.0),
        "class response logit: weakly informative, centre 0.7, sd 1 (80 % prior 0.34-0.91)",
    ),
    "tau_e": ("halfnormal", (0.7,), "between-indication sd of the response logit (Student-t, 4 df)"),
    "tau_w": ("halfnormal", (0.5,), "between-study sd of the response logit (Student-t, 4 df)"),
}

#: Endpoint covariate: rows whose definition is a score-improvement threshold (>= 2 NRS points, >= 50 % reduction).
RELIEF_ENDPOINT = {
    "g_loc": (
        "normal",
        (0.0, 0.5),
        "shift of log relief end under a threshold-improvement endpoint vs 'still relieved': centred on none, sd 0.5",
    ),
    "g_logit": ("normal", (0.0, 1.0), "shift of the response logit under a threshold-improvement endpoint"),
}


#: Priors of the structural options of the relief model measured by leave-one-study-out (``models.ReliefOptions``;
#: the card's "what was tried"; ``models.RELIEF_OPTIONS`` says which are shipped): ``(distribution, parameters,
#: reason)``; :data:`RELIEF_VARIANT_OPTION` names the option of each site.
RELIEF_VARIANTS = {
    "tau_sigma": (
        "halfnormal",
        (0.5,),
        "study_sigma: between-study sd of log sigma; half-normal 0.5 (a factor 1.6 "
        "per sd): the within-series spreads read differ between settings (oral-surgery curves about 0.4, "
        "the occipital curve wider)",
    ),
    "rho_mu": (
        "normal",
        (math.log(0.7 / 0.3), 1.0),
        "pool_response: common mean of the class response logits, the "
        "same centre and sd as the independent class priors",
    ),
    "tau_rho": (
        "halfnormal",
        (0.5,),
        "pool_response: between-class sd of the response logit: whether the freeze "
        "relieves at first depends on the technique more than on the pain class",
    ),
    "h_loc": (
        "normal",
        (0.0, 1.0),
        "early_era: location shift for studies published before 1990, centred on no shift (the covariate was "
        "defined knowing that these studies report the shortest relief of their class)",
    ),
    "h_logit": ("normal", (0.0, 1.0), "early_era: response-logit shift for studies published before 1990"),
    "k_loc": (
        "normal",
        (0.0, 1.0),
        "complete_endpoint: location shift for studies counting only complete relief, no direction assumed",
    ),
    "k_logit": (
        "normal",
        (0.0, 1.0),
        "complete_endpoint: response-logit shift for studies counting only complete relief",
    ),
}


#: The ``models.ReliefOptions`` field that puts each site of :data:`RELIEF_VARIANTS` in the model.
RELIEF_VARIANT_OPTION = {
    "tau_sigma": "study_sigma",
    "rho_mu": "pool_response",
    "tau_rho": "pool_response",
    "h_loc": "early_era",
    "h_logit": "early_era",
    "k_loc": "complete_endpoint",
    "k_logit": "complete_endpoint",
}


def _shipped(site: str, options: dict) -> bool:
    """Whether the structural option that samples ``site`` is on in ``options`` (the shipped relief model's
    ``dataclasses.asdict(models.RELIEF_OPTIONS)``; a number is on above 0)."""
    value = options.get(RELIEF_VARIANT_OPTION[site])
    return bool(value) if isinstance(value, bool) else bool(value and value > 0)


def table(relief_options: dict | None = None) -> dict:
    """All priors as plain data (for the JSON and the card); ``relief_options``: the shipped relief model's
    structural options (``dataclasses.asdict(models.RELIEF_OPTIONS)``), which say which options are shipped."""
    relief_options = relief_options or {}
    return {
        "student_t_df": NU,
        "mechanism": {k: {"distribution": d, "parameters": list(p), "reason": r} for k, (d, p, r) in MECHANISM.items()},
        "mechanism_fixed_between_patient_sd_log": {**FIXED_SD, "reason": FIXED_SD_REASON},
        "age_knots_years": {**AGE_KNOTS, "reason": AGE_KNOTS_REASON},
        "relief_location": {
            c: {"distribution": "normal", "centre_days": d, "sd_log": s, "reason": r}
            for c, (d, s, r) in RELIEF_LOCATION.items()
        },
        "relief_slope": {
            c: {"distribution": "normal", "mean": m, "sd": s, "reason": r} for c, (m, s, r) in RELIEF_SLOPE.items()
        },
        "relief_spread": {
            c: {
                "sigma_lognormal_median": a,
                "sigma_lognormal_sd_log": SIGMA_LOG_SD,
                "tau_indication_halfnormal_scale": b,
                "tau_study_halfnormal_scale": v,
            }
            for c, (a, b, v) in RELIEF_SPREAD.items()
        },
        "relief_sigma_reason": SIGMA_REASON,
        "relief_spread_reason": RELIEF_SPREAD_REASON,
        "relief_response": {
            k: {"distribution": d, "parameters": list(p), "reason": r} for k, (d, p, r) in RELIEF_RESPONSE.items()
        },
        "relief_endpoint": {
            k: {"distribution": d, "parameters": list(p), "reason": r} for k, (d, p, r) in RELIEF_ENDPOINT.items()
        },
        "relief_structural_options": {
            k: {"distribution": d, "parameters": list(p), "reason": r, "shipped": _shipped(k, relief_options)}
            for k, (d, p, r) in RELIEF_VARIANTS.items()
        },
    }
