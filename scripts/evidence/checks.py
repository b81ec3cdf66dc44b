"""Checks written into the JSON: the teenager forecast vs Zobel's young group, and the post-operative windows."""

from __future__ import annotations

import numpy as np

from scripts.evidence.agecurve import log_nerve_median_days
from scripts.evidence.priors import AGE_KNOTS, FIXED_SD
from scripts.evidence.summaries import relief_quantiles, relief_survival

ZOBEL_YOUNG_MEAN_DAYS = 103.5  # 3.4 months x 30.44 (data/human_sensation.csv, zobel2020_le21)
POSTOP_P90_MAX_DAYS, POSTOP_P365_MAX = 365.0, 0.10


def teenager(point: dict, nerves) -> dict:
    """Median return of sensation (days, no discrepancy) of an intercostal patient at 11-21 y vs Zobel's young mean."""
    d = float(nerves.loc[nerves["id"] == "intercostal", "default_distance_mm"].iloc[0])
    ages = np.array([11.0, 13.0, 15.0, 16.0, 18.0, 21.0, 25.0, 50.0])
    med = np.exp(log_nerve_median_days(np.full(len(ages), d), ages, point, AGE_KNOTS, FIXED_SD))
    return {"nerve": "intercostal", "distance_mm": d, "ages": ages.tolist(), "median_days": med.round(1).tolist(),
            "zobel_young_group_mean_days": ZOBEL_YOUNG_MEAN_DAYS,
            "age15_not_below_group_mean": bool(med[2] >= ZOBEL_YOUNG_MEAN_DAYS)}


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
            rows.append({"indication": ind, "nerve": nerve["id"], "x": xv, "relief_end_p90_day": p90,
                         "p_relief_365d": p365, "long_responder_fraction": entry["long_responder_fraction"],
                         "ok": bool(p90 <= POSTOP_P90_MAX_DAYS and p365 <= POSTOP_P365_MAX
                                    and entry["long_responder_fraction"] == 0)})
    return {"rows": rows, "all_ok": all(r["ok"] for r in rows)}
