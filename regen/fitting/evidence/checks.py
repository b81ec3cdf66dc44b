"""Checks written into the JSON: the teenager forecast vs Zobel's young group, and the post-operative windows."""

from __future__ import annotations

import numpy as np

from regen.fitting.evidence.agecurve import log_nerve_median_days
from regen.fitting.evidence.priors import AGE_KNOTS, FIXED_SD
from regen.fitting.evidence.summaries import relief_quantiles, relief_survival

ZOBEL_YOUNG_MEAN_DAYS = 103.5  # 3.4 months x 30.44 (data/human_sensation.csv, zobel2020_le21)
POSTOP_P90_MAX_DAYS, POSTOP_P365_MAX = 365.0, 0.10


def teenager(point: dict, nerves) -> dict:
    """Median return of sensation (days, no discrepancy) of an intercostal patient at 11-21 y vs Zobel's young mean."""
    d = float(nerves.loc[nerves["id"] == "intercostal", "default_distance_mm"].iloc[0])
    ages = np.array([11.0, 13.0, 15.0, 16.0, 18.0, 21.0, 25.0, 50.0])
    med = np.exp(log_nerve_median_days(np.full(len(ages), d), ages, point, AGE_KNOTS, FIXED_SD))
    return {
        "nerve": "intercostal",
        "distance_mm": d,
        "ages": ages.tolist(),
        "median_days": med.round(1).tolist(),
        "zobel_young_group_mean_days": ZOBEL_YOUNG_MEAN_DAYS,
        "age15_not_below_group_mean": bool(med[2] >= ZOBEL_YOUNG_MEAN_DAYS),
    }


def post_operative(relief: dict, x: dict, nerves, indications) -> dict:
    """Every post-operative indication x catalog nerve at age 50: p90 <= 365, P(relieved 365) <= 0.10, no long share."""
    rows = []
    post = indications.loc[indications["pain_class"] == "post_operative", "id"]
    for ind in post:
        entry = relief["indications"].get(ind, relief["classes"]["post_operative"])
        for _, nerve in nerves.iterrows():
            if ind not in nerve["indications"].split(";"):
                continue
            xv = x[nerve["id"]]
            p90 = float(relief_quantiles(entry, xv, 0.9)[0])
            p365 = float(relief_survival(entry, xv, [365.0])[0])
            rows.append(
                {
                    "indication": ind,
                    "nerve": nerve["id"],
                    "x": xv,
                    "relief_end_p90_day": p90,
                    "p_relief_365d": p365,
                    "long_responder_fraction": entry["long_responder_fraction"],
                    "ok": bool(
                        p90 <= POSTOP_P90_MAX_DAYS and p365 <= POSTOP_P365_MAX and entry["long_responder_fraction"] == 0
                    ),
                }
            )
    return {"rows": rows, "all_ok": all(r["ok"] for r in rows)}


def entry_for(relief: dict, indication: str, pain_class: str) -> tuple[dict, str]:
    """The relief entry a forecast uses: the indication's if it has data, else its class's (and the level)."""
    if indication in relief["indications"]:
        return relief["indications"][indication], "indication"
    return relief["classes"][pain_class], "class"


def catalog_forecasts(relief: dict, point: dict, nerves, indications, ages=(15.0, 50.0, 80.0)) -> list[dict]:
    """Every catalog nerve x indication at the given ages: relief-end quantiles and P(still relieved)."""
    from regen.fitting.evidence.summaries import label

    klass = dict(zip(indications["id"], indications["pain_class"], strict=True))
    out = []
    for _, nerve in nerves.iterrows():
        for ind in nerve["indications"].split(";"):
            entry, level = entry_for(relief, ind, klass[ind])
            for age in ages:
                x = float(log_nerve_median_days(float(nerve["default_distance_mm"]), age, point, AGE_KNOTS, FIXED_SD))
                q = relief_quantiles(entry, x, [0.1, 0.5, 0.9])
                p = relief_survival(entry, x, [90.0, 180.0, 365.0])
                out.append(
                    {
                        "nerve": nerve["id"],
                        "indication": ind,
                        "age": age,
                        "x": x,
                        "sensation_median_day": float(np.exp(x)),
                        "relief_end_p10_day": float(q[0]),
                        "relief_end_median_day": float(q[1]),
                        "relief_end_p90_day": float(q[2]),
                        "p_relief_90d": float(p[0]),
                        "p_relief_180d": float(p[1]),
                        "p_relief_365d": float(p[2]),
                        "p_response": entry["response_prob"],
                        "entry_level": level,
                        "evidence": label(
                            entry if level == "indication" else None,
                            relief["classes"][klass[ind]],
                            klass[ind],
                            relief.get("study_covariates", []),
                        ),
                    }
                )
    return out
