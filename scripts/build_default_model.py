"""Build the embedded default model from the evidence model's summary, and its card.

Run from the repository root (it writes into the checkout, never into an installed package)::

    python -m regen.fitting.evidence all      # MCMC fits and leave-one-study-out validation (pip install '.[bayes]')
    python scripts/build_default_model.py     # models/default.json and models/default.md from its summary

1. ``models/evidence_summary.json``: the posterior predictive of the relief law per indication and
   class (a quantile grid around a location and a scale that depend on the patient's nerve time), the
   mechanism's posterior (already written into ``data/parameters.csv``), diagnostics and the
   leave-one-study-out validation of both parts;
2. a format-3 bundle: the parameters of ``data/parameters.csv``, the ``grid`` relief section, the
   diagnostics (``fit``) and the validation (``validation``, stored with the model's version so that
   ``regen validate`` prints it and refuses a mismatch);
3. ``models/default.md``: every number of it predicted by the written model, as users get it.

Each relief entry also carries ``follow_up_day``, the longest follow-up of the published numbers behind it
(:func:`follow_up_days`): a forecast whose p90 lies past it says so (an extrapolation; see
:meth:`regen.model.relief.ReliefDistribution.beyond_evidence`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
NAME, VERSION = "regen-default", "2026.12.2"
INPUTS = ("data/human_sensation.csv", "data/studies.csv", "data/indications.csv", "data/nerves.csv")
ENTRY_FIELDS = (
    "x_ref",
    "m0",
    "m1",
    "v00",
    "v01",
    "v11",
    "response_prob",
    "long_responder_fraction",
    "studies",
    "patients",
    "shape_quantiles",
)


def _count(entry: dict) -> str:
    k, n = int(entry["studies"]), int(entry["patients"])
    studies = f"{k} study" if k == 1 else f"{k} studies"
    return f"{studies}, {n} patients" if n else f"{studies}, patients not stated"


def evidence_label(
    name: str, entry: dict | None, classes: dict, pain_class: str, covariates: list[dict] | None = None
) -> str:
    """What stands behind a forecast (the evidence model's label rule: its own data carry >= 50 % of the weight;
    an indication whose studies all carry a study-level covariate says its forecast extrapolates past them)."""
    from regen.fitting.evidence.summaries import covariate_note

    if entry is not None and entry.get("label_level") == "indication":
        return f"indication: {_count(entry)}{covariate_note(entry, covariates)}"
    cls = classes.get(pain_class)
    behind = f"{pain_class}: {_count(cls)}" if cls and cls["studies"] else f"{pain_class}: no study"
    if entry is not None and entry["studies"]:
        return f"class only: this indication's own {_count(entry)} carry less than half the weight ({behind})"
    return f"class only: no study of this indication ({behind})"


#: Kinds of rows of ``data/studies.csv`` that state a relief duration (a summary of observed relief ends): the
#: follow-up they show reaches the longest duration they state (``high`` where given, else ``value``).
DURATION_KINDS = (
    "median_duration_days",
    "mean_duration_days",
    "duration_interval_days",
    "median_interval_days",
    "range_days",
)


def row_follow_up(rows: pd.DataFrame) -> pd.Series:
    """How far in days each relief number follows its patients.

    A share relieved at a day: that day. A duration summary (median, mean, the interval a duration lies in, or the
    range of the first cycle's durations): the longest duration it states, which its patients were followed to. A
    response share (``responders``, ``non_responders``, read at day 0 by the evidence model): 0, no follow-up of
    relief.
    """
    day = pd.to_numeric(rows["day"], errors="coerce")
    duration = pd.to_numeric(rows["high"], errors="coerce").fillna(pd.to_numeric(rows["value"], errors="coerce"))
    out = day.where(day.notna(), duration.where(rows["kind"].isin(DURATION_KINDS)))
    return out.fillna(0.0)


def follow_up_days(summary: dict, root: Path = ROOT) -> tuple[dict[str, float], dict[str, float], float]:
    """The longest follow-up day of the published numbers behind each relief entry.

    The used rows of ``data/studies.csv`` (``used == yes``) and the stated duration ranges (``range_days``) of the
    same studies, selected as the entry's ``studies`` and ``patients``
    counts are: an indication labelled with its own studies (``label_level`` ``indication``) by its own rows,
    any other indication and each class by the rows of its pain class; the catch-all entry (the pooled
    predictive of the chronic classes) by the rows of the chronic classes.

    Returns
    -------
    (indications, classes, catch_all)
        Days by indication (catalog indications with an entry), by pain class, and the catch-all's.
    """
    from regen.catalog.nerves import load_indication_catalog

    catalog = load_indication_catalog()
    rows = pd.read_csv(root / "data" / "studies.csv", dtype=str, keep_default_na=False)
    used = rows["used"].str.strip().str.lower() == "yes"
    # a used study's stated range of first-cycle durations (not in the likelihood: its extremes depend on n) still
    # says how long its patients were followed
    ranges = (rows["kind"] == "range_days") & rows["study"].isin(rows.loc[used, "study"])
    rows = rows[used | ranges].copy()
    unknown = sorted(set(rows["indication"]) - set(catalog))
    if unknown:
        raise ValueError(f"data/studies.csv: used rows of indications not in the catalog: {', '.join(unknown)}")
    rows["follow_up"] = row_follow_up(rows).to_numpy(float)
    rows["pain_class"] = [catalog[i].pain_class for i in rows["indication"]]
    by_class = rows.groupby("pain_class")["follow_up"].max().to_dict()
    by_ind = rows.groupby("indication")["follow_up"].max().to_dict()
    relief = summary["relief"]
    classes = {c: float(by_class.get(c, 0.0)) for c in relief["classes"]}
    indications = {}
    for ind, info in catalog.items():
        own = relief["indications"].get(ind)
        if own is not None and own.get("label_level") == "indication":
            indications[ind] = float(by_ind.get(ind, 0.0))
        elif info.pain_class in classes:
            indications[ind] = classes[info.pain_class]
    chronic = rows.loc[rows["pain_class"] != "post_operative", "follow_up"]
    return indications, classes, float(chronic.max()) if len(chronic) else 0.0


def relief_section(summary: dict) -> dict:
    """The ``grid`` relief section of the bundle (see :mod:`regen.model.relief`)."""
    from regen.catalog.nerves import load_indication_catalog

    relief, catalog = summary["relief"], load_indication_catalog()
    classes = relief["classes"]
    reach_ind, reach_cls, reach_all = follow_up_days(summary)

    def entry(raw: dict, label: str, follow_up_day: float) -> dict:
        out = {**{k: raw[k] for k in ENTRY_FIELDS}, "evidence": label, "follow_up_day": follow_up_day}
        # 4 decimals of a standardised error: 1e-4 on log days (0.01 % of a day count), and a model file
        # less than half the size, which every cold `regen predict` parses
        out["shape_quantiles"] = [round(float(q), 4) for q in out["shape_quantiles"]]
        return out

    out = {
        "family": "grid",
        "shape_probs": relief["catch_all"]["shape_probs"],
        "x_between_sd_log": {
            k: summary["priors"]["mechanism_fixed_between_patient_sd_log"][k]
            for k in ("initial_delay", "rate", "distance")
        },
        "indications": {},
        "classes": {c: entry(e, f"class only ({c}: {_count(e)})", reach_cls[c]) for c, e in classes.items()},
        "default": entry(relief["catch_all"], "class only: no study of this indication nor of its class", reach_all),
    }
    for ind in catalog:
        own = relief["indications"].get(ind)
        cls = catalog[ind].pain_class
        if own is not None or cls in classes:
            base = own if own is not None else classes[cls]
            label = evidence_label(ind, own, classes, cls, relief.get("study_covariates", []))
            out["indications"][ind] = entry(base, label, reach_ind[ind])
    return out


def assemble_bundle(summary: dict) -> dict:
    from regen.catalog.parameters import parameter_values

    digest = hashlib.sha256(b"".join((ROOT / name).read_bytes() for name in INPUTS)).hexdigest()
    diagnostics = {
        k: {
            m: v[m]
            for m in ("chains", "draws_per_chain", "divergences", "rhat_max", "ess_bulk_min", "ess_tail_min", "seconds")
            if m in v
        }
        for k, v in summary["diagnostics"].items()
        if isinstance(v, dict)
    }
    return {
        "format": "regen-model",
        "format_version": 3,
        "name": NAME,
        "version": VERSION,
        "description": "Bayesian evidence synthesis (NumPyro MCMC) of published human series: the mechanism on "
        "data/human_sensation.csv, the relief law on data/studies.csv; posterior predictive for a new patient in "
        "a new setting; no patient data",
        "parameters": parameter_values(),
        "relief": relief_section(summary),
        "fit": {
            "evidence_version": summary["version"],
            "diagnostics": diagnostics,
            "build_seconds": summary["build_seconds"],
        },
        "training": {"source": ", ".join(INPUTS), "sha256": digest},
        "validation": {**summary["validation"], "model_version": f"{NAME}@{VERSION}"},
        # the compact parameter posterior a clinic's fit starts from (regen fit; issue 19)
        "posterior_approx": summary["posterior_approx"],
    }


def first_nerves() -> dict[str, str]:
    """The catalog's first nerve for each indication (catalog order)."""
    from regen.catalog.nerves import load_catalog

    out: dict[str, str] = {}
    for nerve in load_catalog().values():
        for ind in nerve.indications:
            out.setdefault(ind, nerve.id)
    return out


def indication_table(model) -> pd.DataFrame:
    """One row per indication with a nerve: what `regen predict` gives at age 50 with the catalog's first nerve."""
    from regen.model.laws import patient_relief
    from regen.schema.patients import validate_patients

    nerves = first_nerves()
    ids = list(nerves)
    raw = {"nerve": [nerves[i] for i in ids], "indication": ids, "age": [50] * len(ids)}
    out = model.predict_columns(raw)
    follow_up = patient_relief(model, validate_patients(raw).columns).follow_up_day
    return pd.DataFrame(
        {
            "indication": ids,
            "nerve": [nerves[i] for i in ids],
            "relief end median (d)": out["relief_end_median_day"],
            "80 % interval (d)": [
                f"{a:.0f}-{b:.0f}" for a, b in zip(out["relief_end_p10_day"], out["relief_end_p90_day"], strict=True)
            ],
            "p90/p10": out["relief_end_p90_day"] / out["relief_end_p10_day"],
            "follow-up (d)": follow_up,
            "p90 beyond it": np.where(out["relief_end_p90_day"] > follow_up, "yes", "no"),
            "P(response)": out["p_response"],
            "P(relieved 365 d)": out["p_relief_365d"],
            "sensation (d, 80 %)": [
                f"{m:.0f} ({a:.0f}-{b:.0f})"
                for m, a, b in zip(
                    out["sensation_return_median_day"],
                    out["sensation_return_p10_day"],
                    out["sensation_return_p90_day"],
                    strict=True,
                )
            ],
            "evidence": out["evidence"],
        }
    )


def _md(frame: pd.DataFrame) -> str:
    def cell(v):
        # plain numbers, never scientific notation: 3 significant digits below 100, whole or one decimal above
        if not isinstance(v, float):
            return str(v)
        if abs(v) >= 1000 or v == round(v):
            return f"{v:.0f}"
        if abs(v) >= 100:
            return f"{v:.1f}"
        if abs(v) >= 1:
            return f"{v:.3g}"
        return f"{v:.3f}"

    head = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * len(frame.columns) + "\n"
    return head + "\n".join("| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False))


def write_card(path: Path, model, summary: dict) -> None:
    v = summary["validation"]["parts"]
    rows = [
        {
            "part": part,
            "numbers": p["numbers"],
            "inside 80 %": p["inside"],
            "coverage": p["coverage_80"],
            "uninformative": p["uninformative"],
            "log score": p["log_score"],
            "reference": p["reference_log_score"],
            "beats the reference": "yes" if p["log_score"] > p["reference_log_score"] else "no",
        }
        for part, p in v.items()
    ]
    longest = max(e["follow_up_day"] for e in model.bundle["relief"]["indications"].values())
    text = f"""# Model card: `{model.version}`

_Generated by `python scripts/build_default_model.py` from `models/evidence_summary.json`; do not edit by hand._

**What it is.** The embedded default model of regen: a Bayesian evidence synthesis (NumPyro, MCMC) of the
published human series, with no patient data. Decision support, not a medical device: every forecast is an
estimate with its 80 % interval, what it rests on (the `evidence` column) and this version.

**How a forecast is made.**
- *Return of sensation* (the mechanism): `T = exp(delta) * (initial_delay + f(age) * (distance / rate +
  maturation))`, each phase log-normal between patients, summed on the log scale; the parameters are the
  posterior of the mechanism's fit on `data/human_sensation.csv` (`data/parameters.csv` and its card);
  `delta` is the between-setting discrepancy (a Student-t, shipped as the normal with its central 80 %).
- *Relief end* (among responders whose relief ends): `log T = m(x) + sqrt(V(x)) * eps`, where `x` is the
  patient's log median nerve time (age, diabetes, smoking, the distance and any measured front move it),
  `m(x) = m0 + m1 (x - x_ref)` with `m1` the posterior slope of relief on the nerve time of the pain class,
  `V(x)` the posterior predictive variance for a new patient in a new setting, and `eps` the posterior
  predictive's own shape (a quantile grid of 199 levels; Student-t study and indication effects give it heavy
  tails). `P(still relieved at t) = P(response) * (1 - F_eps((log t - m(x)) / sqrt(V(x))))`.
- An indication is labelled with its own studies only where its own data carry at least half the weight of
  its forecast; otherwise "class only", with the studies and patients of its pain class.
- *Follow-up* (`follow_up_day` of each entry): the longest follow-up of the published numbers behind it (the
  rows its label counts: a share relieved at a day counts that day, a duration summary or a stated range of
  first-cycle durations the longest duration it states, a response share 0). A forecast whose p90 lies past it
  warns "p90 extrapolated": no study followed patients that long, and the p90 is an extrapolation of the fitted
  tails. The longest published follow-up is day {longest:,.0f}.
- *Age, diabetes and smoking lengthen relief* wherever the slope `m1` is positive: they slow regrowth
  (a longer nerve time `x`), and in the published series relief lasted longer where nerves regrow slower.

**Diagnostics** (4 chains; the build fails on R-hat > 1.01 or any divergence):

{
        _md(
            pd.DataFrame(
                [
                    {
                        "fit": k,
                        **{
                            m: d.get(m)
                            for m in (
                                "chains",
                                "draws_per_chain",
                                "rhat_max",
                                "ess_bulk_min",
                                "ess_tail_min",
                                "divergences",
                                "seconds",
                            )
                        },
                    }
                    for k, d in summary["diagnostics"].items()
                    if isinstance(d, dict)
                ]
            )
        )
    }

Build time of the evidence model on the development machine (2 cores): {summary["build_seconds"]:.0f} s;
leave-one-study-out refits {summary["validation"]["seconds"]:.0f} s.

## Validation: leave one study out (both parts)

Each published study left out in turn, its numbers predicted from the others (`regen validate`; the figures are
stored in the model with its version, `regen validate --refit` recomputes them). Counts are scored by their log
probability, durations by their log density on the log-day scale; the reference is a uniform share for
proportions, a log-normal of the other studies' durations for relief durations, and the 1-2 mm/day rule of thumb
for the return of sensation. An interval is *uninformative* when it contains at least 80 % of all the published
numbers on its scale.

{_md(pd.DataFrame(rows))}

## Forecasts at age 50 with each indication's first catalog nerve (as `regen predict` gives them)

{_md(indication_table(model))}

The full posterior (mechanism and relief), the priors with their reasons and sources, the per-number validation
and the post-operative check are in [`evidence_summary.md`](evidence_summary.md); the parameters in
[`data/parameters.md`](../data/parameters.md); the published numbers and how each enters the likelihood in
[`data/studies.md`](../data/studies.md) and [`data/human_sensation.md`](../data/human_sensation.md).
"""
    path.write_text(text, encoding="utf-8")


def main() -> None:
    from regen.model.bundle import write_bundle
    from regen.model.model import Model

    summary = json.loads((ROOT / "models" / "evidence_summary.json").read_text(encoding="utf-8"))
    bundle = assemble_bundle(summary)
    model = Model(bundle)
    write_bundle(bundle, ROOT / "models" / "default.json")
    write_card(ROOT / "models" / "default.md", model, summary)
    print(f"wrote models/default.json and models/default.md ({model.version})")


if __name__ == "__main__":
    main()
