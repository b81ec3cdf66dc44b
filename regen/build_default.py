"""Rebuild the embedded default model and its card from the published outcomes.

Run from the repository root::

    python -m regen.build_default

It fits :class:`regen.ReliefModel` (family chosen by AIC, indication effects,
no individual covariates: the published rows have none) on
``data/published_outcomes.csv`` and writes ``models/default.json`` and
``models/default.md``.
"""

from __future__ import annotations

import json
from pathlib import Path

NAME, VERSION = "regen-default", "2026.11.0"
ROOT = Path(__file__).resolve().parents[1]


def _indication_table(model, frame) -> list[str]:
    """Per indication: nerve time, fitted ratio relief/nerve, predicted medians."""
    lines = ["| indication | nerve (rows) | n | mechanistic median sensation return (d) | "
             "ratio relief / nerve time | predicted median relief end (d) | P(response) |",
             "|---|---|---|---|---|---|---|"]
    for (ind, nerve), group in frame.groupby(["indication", "nerve"]):
        out = model.predict_columns({"nerve": [nerve], "indication": [ind]})
        nerve_days = out["sensation_return_median_day"][0]
        relief = out["relief_end_median_day"][0]
        lines.append(f"| {ind} | {nerve} | {len(group)} | {nerve_days:.0f} | {relief / nerve_days:.2f} | "
                     f"{relief:.0f} | {out['p_response'][0]:.2f} |")
    return lines


def _coef_table(bundle) -> list[str]:
    ci = bundle["fit"]["coef_ci"]
    lines = ["| term | coefficient (log time) | 95 % interval |", "|---|---|---|"]
    for name, value in bundle["coef"].items():
        lo, hi = ci.get(name, [float("nan")] * 2)
        lines.append(f"| {name} | {value:+.3f} | {lo:+.3f} to {hi:+.3f} |")
    return lines


def _card(model, frame, metrics) -> str:
    b = model.bundle
    cal = "\n".join(f"| {c['day']} | {c['predicted']:.2f} | {c['observed']:.2f} | {c['slope']:.2f} | "
                    f"{c['intercept']:.2f} |" for c in metrics["calibration"])
    return "\n".join([
        f"# Model card: `{NAME}@{VERSION}` (the embedded default model)", "",
        "**What it is.** The relief-end model `regen predict` and `regen score` use unless "
        "`--model` names another: a "
        f"{b['family']} accelerated-failure-time model of relief end with the mechanistic "
        "return-of-sensation time as offset (coefficient fixed at 1), an effect per indication, "
        "a response probability and a long-responder fraction per indication.", "",
        "**Fitted on** `data/published_outcomes.csv`: "
        f"{len(frame)} pseudo-patient rows built from {frame['source'].nunique()} published study "
        "summaries (see `data/published_outcomes.md`). No individual patient data; no covariates.",
        "",
        "**What it cannot support.** Covariate effects (age, diabetes, smoking, BMI, height act only "
        "through the mechanism, whose sizes are partly assumptions); indications absent from the "
        "data (ilioinguinal, cluneal, pudendal, phantom limb, abdominal wall, neuropathy) get the "
        "pooled intercept, i.e. the average ratio of the indications present; the pseudo-rows "
        "encode our reading of group summaries, so intervals are narrower than the evidence "
        "warrants. Predicted medians beyond a study's follow-up (mastectomy: 12 months, Morton's "
        "neuroma: 6 months, lumbar facet: 12 months) are extrapolations of the fitted curve. Use it "
        "as a mechanistically anchored prior, and fit your clinic's own data (`regen fit`) when "
        "you have it.", "",
        f"**Family** chosen by AIC: {b['fit']['family_reason']}; sigma = {b['sigma']:.3f}; "
        f"penalizer {b['fit']['penalizer']}.", "",
        "## Coefficients", "", *_coef_table(b), "",
        "The ratio relief / nerve time of an indication is exp(intercept + its effect): how far "
        "the data moved the mechanism.", "",
        "## Per indication", "", *_indication_table(model, frame), "",
        "## Metrics on its own training rows", "",
        f"n = {metrics['n']}, events (relief end seen) = {metrics['events']}, censoring: "
        f"{json.dumps(metrics['censoring'])}.", "",
        f"- c_index {metrics['c_index']:.3f} (bootstrap 95 %: {metrics['c_index_ci'][0]:.3f} to "
        f"{metrics['c_index_ci'][1]:.3f}, B = {metrics['bootstrap']})",
        f"- integrated Brier score (days 30-365) {metrics['integrated_brier_score']:.3f} "
        f"({metrics['integrated_brier_score_ci'][0]:.3f} to {metrics['integrated_brier_score_ci'][1]:.3f})",
        "", "| day | mean predicted P(relief) | observed (Kaplan-Meier) | slope | intercept |",
        "|---|---|---|---|---|", cal, "",
        "Training-set metrics are optimistic; these rows are pseudo-data.", "",
        "## Rebuild", "", "```bash", "python data/make_published_outcomes.py", "python -m regen.build_default",
        "```", "",
        f"Training data sha256: `{b['training']['sha256']}` (the rows are not stored in the model).", "",
    ])


def main() -> None:
    """Fit, evaluate and write ``models/default.json`` and ``models/default.md``."""
    import pandas as pd

    from regen.evaluation import evaluate
    from regen.model import Model
    from regen.persistence import write_bundle
    from regen.relief_model import ReliefModel

    frame = pd.read_csv(ROOT / "data" / "published_outcomes.csv", dtype=str, keep_default_na=False)
    fitted = ReliefModel(family="auto", penalizer=0.01, covariates=False).fit(frame)
    model = Model(fitted.to_bundle(NAME, VERSION))
    metrics = evaluate(model, frame, bootstrap=200, seed=0)
    bundle = {**model.bundle, "description": "fitted on published outcome summaries (pseudo-rows)",
              "metrics": {k: metrics[k] for k in ("c_index", "c_index_ci", "integrated_brier_score",
                                                  "integrated_brier_score_ci", "n", "events")}}
    write_bundle(bundle, ROOT / "models" / "default.json")
    (ROOT / "models" / "default.md").write_text(_card(Model(bundle), frame, metrics), encoding="utf-8")
    print(f"wrote models/default.json and models/default.md ({NAME}@{VERSION}); "
          f"c_index {metrics['c_index']:.3f}")


if __name__ == "__main__":
    main()
