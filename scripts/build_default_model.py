"""Rebuild the embedded default model and its card from the published outcomes.

Run from the repository root (it writes into the checkout, never into an installed package)::

    python scripts/make_published_outcomes.py && python scripts/build_default_model.py

It fits :class:`regen.ReliefModel` (family chosen by AIC, indication effects,
no individual covariates: the published rows have none) on
``data/published_outcomes.csv`` and writes ``models/default.json`` and
``models/default.md``.
"""

from __future__ import annotations

from pathlib import Path

NAME, VERSION = "regen-default", "2026.11.0"
ROOT = Path(__file__).resolve().parents[1]


INTRO = """**The embedded default model**: the relief-end model `regen predict` and `regen score`
use unless `--model` names another. An accelerated-failure-time model of relief end with the
mechanistic return-of-sensation time as offset (coefficient fixed at 1), an effect per
indication, a response probability and a long-responder fraction per indication.

**Fitted on** `data/published_outcomes.csv`: pseudo-patient rows built from published study
summaries (see `data/published_outcomes.md`). No individual patient data; no covariates.

**What it cannot support.** Covariate effects (age, diabetes, smoking, BMI, height act only
through the mechanism, whose sizes are partly assumptions); indications absent from the data
(ilioinguinal, cluneal, pudendal, phantom limb, abdominal wall, neuropathy) get the pooled
intercept, close to the average ratio of the indications present; the pseudo-rows encode a
reading of group summaries, so intervals are narrower than the evidence warrants. Predicted
medians beyond a study's follow-up (mastectomy 12 months, Morton's neuroma 6 months, lumbar
facet 12 months) are extrapolations of the fitted curve. Metrics below are on the training
rows (optimistic). Use the model as a mechanistically anchored prior and fit your clinic's own
data (`regen fit`) when you have it.

**Rebuild**: `python scripts/make_published_outcomes.py && python scripts/build_default_model.py`."""


def main() -> None:
    """Fit, evaluate and write ``models/default.json`` and ``models/default.md``."""
    import pandas as pd

    from regen.bundle import write_bundle
    from regen.evaluation import evaluate
    from regen.fitting import model_card
    from regen.model import Model, thaw
    from regen.outcomes import load_outcomes
    from regen.relief_model import ReliefModel

    frame = pd.read_csv(ROOT / "data" / "published_outcomes.csv", dtype=str, keep_default_na=False)
    data = load_outcomes(frame)
    fitted = ReliefModel(family="auto", penalizer=0.01, covariates=False).fit(frame)
    model = Model(fitted.to_bundle(NAME, VERSION))
    metrics = evaluate(model, data, bootstrap=200, seed=0)
    bundle = {**thaw(model.bundle), "description": "fitted on published outcome summaries (pseudo-rows)",
              "metrics": {k: metrics[k] for k in ("c_index", "c_index_ci", "integrated_brier_score",
                                                  "integrated_brier_score_ci", "n", "events")}}
    write_bundle(bundle, ROOT / "models" / "default.json")
    card = model_card(Model(bundle), data, INTRO, metrics)
    (ROOT / "models" / "default.md").write_text(card, encoding="utf-8")
    print(f"wrote models/default.json and models/default.md ({NAME}@{VERSION}); "
          f"c_index {metrics['c_index']:.3f}")


if __name__ == "__main__":
    main()
