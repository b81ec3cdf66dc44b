"""Rebuild the embedded default model from the study table, and its card.

Run from the repository root (it writes into the checkout, never into an installed package)::

    python scripts/build_default_model.py

1. ``T_nerve`` per catalog nerve at the reference patient (age 50, catalog
   distance) from the current mechanism (:func:`regen.fitting.loso.reference_log_nerve_days`);
2. :func:`regen.fitting.summary_fit.fit_summaries` on ``data/studies.csv`` and
   ``data/indications.csv``: the relief section;
3. a format-2 bundle (the mechanism's parameters + that section) written to
   ``models/default.json``; every number of the card is then *predicted by
   that model* (:func:`regen.model.prediction.predict_columns`), as users get it;
4. :func:`regen.fitting.loso.leave_one_study_out` and the sensitivity refits,
   and the card ``models/default.md``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
NAME, VERSION = "regen-default", "2026.11.1"
CHECK_DAYS = (90, 365)


def first_nerves() -> dict[str, str]:
    """The catalog's first nerve for each indication (catalog order)."""
    from regen.catalog.nerves import load_catalog

    out: dict[str, str] = {}
    for nerve in load_catalog().values():
        for ind in nerve.indications:
            out.setdefault(ind, nerve.id)
    return out


def indication_table(model, indications: pd.DataFrame) -> pd.DataFrame:
    """One row per indication: what `regen predict` gives at age 50 with the catalog's first nerve."""
    nerves = first_nerves()
    known = indications[indications["id"].isin(nerves)]
    out = model.predict_columns(
        {"nerve": [nerves[i] for i in known["id"]], "indication": list(known["id"]), "age": [50] * len(known)}
    )
    table = pd.DataFrame(
        {
            "indication": known["id"].to_numpy(),
            "class": known["pain_class"].to_numpy(),
            "first_nerve": [nerves[i] for i in known["id"]],
            "evidence": out["evidence"],
            "response_prob": out["p_response"],
            "median": out["relief_end_median_day"],
            "p10": out["relief_end_p10_day"],
            "p90": out["relief_end_p90_day"],
            "p_90": out["p_relief_90d"],
            "p_365": out["p_relief_365d"],
            "booked": np.isfinite(out["retreatment_due_day"]),
        }
    )
    missing = indications[~indications["id"].isin(nerves)]
    rest = pd.DataFrame(
        {
            "indication": missing["id"],
            "class": missing["pain_class"],
            "first_nerve": "(no catalog nerve)",
            "evidence": "evidence only: no catalog nerve",
        }
    )
    return pd.concat([table, rest], ignore_index=True)


def sensitivity(studies, indications, lnd) -> pd.DataFrame:
    """Refits under other priors and other readings of the sources."""
    from regen.fitting.summary_fit import Priors, fit_summaries

    partial = studies.copy()
    for study, count in (("cvir2024_morton", 47), ("caporusso2002", 26)):
        hit = (partial["study"] == study) & (partial["used"] == "yes")
        partial.loc[hit, "count"] = count
    variants = {
        "shipped": (studies, Priors()),
        "sd prior rate 0.25": (studies, Priors(sd_rate=0.25)),
        "sd prior rate 1.0": (studies, Priors(sd_rate=1.0)),
        "response spreads 0.5": (studies, Priors(tau_response=0.5, omega_response=0.5)),
        "response spreads 2.0": (studies, Priors(tau_response=2.0, omega_response=2.0)),
        "without oralsurg2020": (studies[studies["study"] != "oralsurg2020"], Priors()),
        "partial relief counted": (partial, Priors()),
        "without satisfaction / success readings": (
            studies[~studies["study"].isin(["cazzato2016", "cavazos2009"])],
            Priors(),
        ),
    }
    out = []
    for name, (data, priors) in variants.items():
        r = fit_summaries(data, lnd, indications, priors)
        row = {
            "variant": name,
            "sigma": r["sigma"],
            "tau": r["fit"]["tau"],
            "setting_sd": r["setting_sd"],
            "omega": r["fit"]["omega"],
        }
        for c, dist in class_laws(r, indications).items():
            row[f"{c} median"] = float(dist.quantile(0.5)[0])
            row[f"{c} P(90)"] = float(dist.survival([90.0])[0, 0])
        out.append(row)
    return pd.DataFrame(out)


def class_laws(relief: dict, indications: pd.DataFrame) -> dict:
    """The law of a new indication of each class (no study of its own): regen.model.relief, offset 0."""
    from regen.model.relief import relief_distribution

    out = {}
    for c in relief["classes"]:
        section = {**relief, "indications": {}}  # every indication then falls back to its class
        ind = indications.loc[indications["pain_class"] == c, "id"].iloc[0]
        out[c] = relief_distribution(section, {"indication": np.array([ind], dtype=object)}, np.zeros(1))
    return out


def assemble_bundle(fitted: dict, studies_path: Path) -> dict:
    """A format-2 bundle: the current mechanism parameters and the fitted relief section."""
    from regen.catalog.parameters import parameter_values
    from regen.model.bundle import FORMAT, FORMAT_VERSION, validate_bundle

    relief = {k: v for k, v in fitted.items() if k != "fit"}
    return validate_bundle(
        {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "name": NAME,
            "version": VERSION,
            "description": "mechanism calibrated on human return-of-sensation data (data/human_sensation.csv); "
            "relief fitted on published study summaries (data/studies.csv); no patient data",
            "parameters": parameter_values(),
            "relief": relief,
            "fit": fitted["fit"],
            "training": {
                "source": "data/studies.csv",
                "rows": int(fitted["fit"]["rows"]),
                "sha256": hashlib.sha256(studies_path.read_bytes()).hexdigest(),
            },
        }
    )


CANNOT = {
    "knee_osteoarthritis": "the trials publish P-values and mean differences only (Radnovich 2017, Nygaard 2025) "
    "and had large sham responses: no share relieved at any day, so the class answer stands",
    "total_knee_arthroplasty": "one reading only (Goodwin 2025: a 6-12 week window across 6 studies); no source gives "
    "when analgesia ends per patient",
    "mastectomy": "Ilfeld 2022 is prevention of chronic pain (3 % vs 17 % at a year), not a block lasting a year: "
    "no window end is published",
    "thoracotomy": "one share at day 7 (Momenzadeh): it says the block works, not when it ends",
    "chest_wall_surgery": "only return-of-sensation data (Zobel 2020); no analgesic-window number",
    "hernia_repair": "trials found no benefit beyond 48 h or at weeks 1-8: the class window may be far too long here",
    "phantom_limb_pain": "the sham-controlled trial found no difference at 4 months (Ilfeld 2023): the class answer "
    "(no study in the class) is a placeholder, not evidence of relief",
    "residual_limb_pain": "no usable number (Prologo 2017 mean pain only)",
    "pudendal_neuralgia": "only an expert statement (not peer reviewed) on regrowth, no relief data",
    "mixed_chronic_pain": "a 1976 series on mixed nerves, read through a secondary summary",
    "lumbar_facet_syndrome": "one share at 6 weeks: response and duration cannot be told apart; mean VAS rows unused",
    "lower_limb_neuroma": "one share at 2 weeks: response and duration cannot be told apart",
}


def _fmt_days(x: float) -> str:
    return f"{x:,.0f}" if pd.notna(x) and np.isfinite(x) else ""


def _md(frame: pd.DataFrame) -> str:
    """A pandas frame as a GitHub markdown table (no extra dependency)."""
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([head, rule, *body])


def _model_text(relief: dict) -> str:
    fit = relief["fit"]
    ci = fit["variance_80"]
    lines = [
        f"- `{k}` = {fit[k]:.2f} (80 % interval {ci[k][0]:.2f}-{ci[k][1]:.2f}, log days)"
        for k in ("sigma", "tau", "setting_sd", "omega")
    ]
    slopes = []
    for c, d in fit["slopes"].items():
        if d["slope"] is None:
            slopes.append(f"- {c}: no slope ({d['reason']}); `offset_coef` 0")
        else:
            ev = d["log_evidence"]
            lo, hi = d["slope_95"]
            slopes.append(
                f"- {c}: free slope {d['slope']:.2f} (95 % {lo:.2f} to {hi:.2f}); "
                f"log evidence slope 0 / 1 / free = {ev['0']:.1f} / {ev['1']:.1f} / {ev['free']:.1f}; "
                f"chosen {d['chosen']:.2f} ({d['reason']})"
            )
    pri = fit["priors"]
    return "\n".join(
        [
            "## Model",
            "",
            "    log T_relief = a0 + d_class + u_indication + v_study + sigma * eps      (responders)",
            "    logit P(response) = rho0 + r_class + e_indication",
            "    P(still relieved at t) = P(response) * (1 - Phi((log t - mu) / scale))",
            "",
            "Each published number enters through its own likelihood: binomial for k of n relieved at a day "
            "(or responded), normal on the log scale for a median (sampling sd sigma * sqrt(pi / 2n)) or the mean "
            "of a log-normal, interval probabilities where a source gives a range. Random effects are integrated "
            "by a Laplace approximation (expected information for the binomial rows); variance components are "
            f"posterior modes under gamma(2, rate {pri['sd_rate']}) priors; the response spreads are fixed "
            f"(between indications {pri['tau_response']}, between classes {pri['omega_response']} on the logit). "
            f"Fit: {fit['rows']} published numbers from {fit['studies']} studies; log-likelihood "
            f"{fit['log_likelihood']:.1f}.",
            "",
            "Variance components (80 % intervals from the curvature of the Laplace evidence):",
            "",
            *lines,
            "",
            "`tau` is shared by the classes (two classes have only two indications with data). "
            "`setting_sd` is added when predicting a new clinic; a class prediction adds `tau`.",
            "",
            "**Relief and the nerve time.** Per class, a slope on log T_nerve (T_nerve from the current mechanism at "
            "age 50 and the catalog distance) was fitted and kept only if its 95 % interval lies above 0:",
            "",
            *slopes,
            "",
            "So relief does not follow the nerve time in any class: no patient covariate (age, diabetes, height, "
            "measured distance) moves the relief forecast. The mechanism still gives the return of sensation.",
        ]
    )


def _indication_text(table: pd.DataFrame) -> str:
    show = pd.DataFrame(
        {
            "indication": table["indication"],
            "class": table["class"],
            "evidence": table["evidence"],
            "first nerve": table["first_nerve"],
            "P(response)": table["response_prob"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
            "median relief end, days (80 %)": [
                f"{_fmt_days(m)} ({_fmt_days(a)}-{_fmt_days(b)})"
                for m, a, b in zip(table["median"], table["p10"], table["p90"], strict=True)
            ],
            "P(relief 90 d)": table["p_90"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
            "P(relief 365 d)": table["p_365"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
            "booking": [
                "retreatment booked" if b is True else "analgesic window, no booking" if b is False else ""
                for b in table.get("booked", [None] * len(table))
            ],
            "what it cannot support": [
                CANNOT.get(i, "class answer: wide by design" if "class only" in e else "")
                for i, e in zip(table["indication"], table["evidence"], strict=True)
            ],
        }
    )
    return "\n".join(
        [
            "## Per indication",
            "",
            "What `regen predict --nerve <first nerve> --indication <indication> --age 50` prints with "
            "this model: a new patient at a new clinic (the scale includes `location_sd` and "
            "`setting_sd`); relief-end quantiles among responders relieved until the median onset; "
            "P(relief) includes non-responders. Post-operative (self-limiting) indications: the window "
            "of analgesia, no retreatment date. Indications without a catalog nerve are evidence for "
            "their class only.",
            "",
            _md(show),
        ]
    )


def _loso_text(loso: pd.DataFrame, coverage: pd.DataFrame) -> str:
    show = loso.copy()
    for c in ("published", "predicted", "p10", "p90"):
        show[c] = [
            f"{v:.2f}" if k in ("proportion_relieved", "responders") else _fmt_days(v)
            for v, k in zip(show[c], show["kind"], strict=True)
        ]
    show["day"] = show["day"].map(lambda d: "" if not np.isfinite(d) else f"{d:.0f}")
    show["n"] = show["n"].map(lambda d: "" if not np.isfinite(d) else f"{d:.0f}")
    cov = coverage.copy()
    cov["share_inside"] = cov["share_inside"].map("{:.0%}".format)
    total = coverage.iloc[-1]
    dur = loso[loso["kind"].isin(["median_duration_days", "mean_duration_days", "median_interval_days"])]
    missed = [
        f"{r.study} ({r.indication}: published {r.published:,.0f} days, interval {r.p10:,.0f}-{r.p90:,.0f})"
        for r in dur.itertuples()
        if not r.inside
    ]
    median_line = (
        "Published medians and means of relief duration outside their 80 % interval: "
        + ("; ".join(missed) if missed else "none")
        + "."
    )
    return "\n".join(
        [
            "## Leave-one-study-out validation",
            "",
            "Each study is left out in turn, the model refitted on the others, and the study's published numbers "
            "predicted as a new study would report them (between-study spread, class spread for an indication "
            "left without data, binomial noise for a share of n, sampling error for a median or mean). A "
            "per-patient range is compared at its geometric middle with one patient's predicted relief end; "
            "a setting's median range with the study median. Target (issue 10): 70-95 % inside the 80 % intervals.",
            "",
            f"**Overall: {int(total['inside'])} of {int(total['numbers'])} published numbers inside "
            f"({total['share_inside']:.0%}).** {median_line}",
            "",
            _md(cov),
            "",
            _md(show),
        ]
    )


def _published_text(published: pd.DataFrame) -> str:
    show = published.copy()
    show["published"] = show["published"].map("{:.2f}".format)
    show["model"] = show["model"].map("{:.2f}".format)
    show["day"] = show["day"].map("{:.0f}".format)
    show["n"] = show["n"].map("{:.0f}".format)
    return "\n".join(
        [
            "## P(relief) at the days the studies report (in sample)",
            "",
            "The fitted section's P(still relieved) for a new patient of the indication, next to what "
            "the study published (it was fitted on these numbers; see the LOSO table for honest checks).",
            "",
            _md(show),
        ]
    )


def _sensitivity_text(sens: pd.DataFrame) -> str:
    show = sens.copy()
    for c in show.columns[1:]:
        show[c] = show[c].map("{:.0f}".format if "median" in c else "{:.2f}".format)
    return "\n".join(
        [
            "## Sensitivity",
            "",
            "Refits with other priors and other readings of the sources (class medians in days among "
            "responders; P(90) for a new indication of the class).",
            "",
            _md(show),
        ]
    )


def write_card(path: Path, relief: dict, tables: dict, studies: pd.DataFrame, version: str) -> None:
    """Write the model card."""
    unused = set(studies["study"]) - set(studies.loc[studies["used"] == "yes", "study"])
    intro = "\n".join(
        [
            f"# Model card: `{version}` (the embedded default model)",
            "",
            "**The mechanism** (return of sensation) is calibrated on human data: see `data/parameters.md`. "
            "**The relief end** is described below.",
            "",
            "**What it is.** The relief-end part of the embedded default model, rebuilt from what the studies "
            "published (`data/studies.csv`, one row per reported number, card `data/studies.md`), with pain classes "
            "(`data/indications.csv`) as fixed effects, indications partially pooled within their class, and a "
            "study effect so that two studies of one indication can disagree. No patient data; no covariates.",
            "",
            f"**Rebuild**: `python scripts/build_default_model.py`. Studies read but not used: "
            f"{len(unused)} of {studies['study'].nunique()} (reasons in `data/studies.md`).",
            "",
            "**Decision support, not a device.** Intervals are as wide as these few, heterogeneous series allow; "
            "a clinic with its own follow-up data should fit it.",
        ]
    )
    parts = [
        intro,
        _model_text(relief),
        _indication_text(tables["indications"]),
        _published_text(tables["published"]),
        _loso_text(tables["loso"], tables["coverage"]),
        _sensitivity_text(tables["sensitivity"]),
    ]
    path.write_text("\n\n".join(parts) + "\n", encoding="utf-8")


def main() -> None:
    """Fit, validate, and write ``models/default.json`` and ``models/default.md``."""
    from regen.catalog.parameters import parameter_values
    from regen.fitting.loso import coverage_by_study, leave_one_study_out, model_vs_published, reference_log_nerve_days
    from regen.fitting.summary_fit import fit_summaries
    from regen.model.bundle import write_bundle
    from regen.model.model import Model

    studies_path = ROOT / "data" / "studies.csv"
    studies = pd.read_csv(studies_path, dtype={"used": str})
    indications = pd.read_csv(ROOT / "data" / "indications.csv")
    lnd = reference_log_nerve_days(parameter_values())
    fitted = fit_summaries(studies, lnd, indications)
    bundle = assemble_bundle(fitted, studies_path)
    model = Model(bundle)
    loso = leave_one_study_out(studies, lnd, indications)
    tables = {
        "indications": indication_table(model, indications),
        "loso": loso,
        "coverage": coverage_by_study(loso),
        "published": model_vs_published(bundle["relief"], studies, lnd),
        "sensitivity": sensitivity(studies, indications, lnd),
    }
    write_bundle(bundle, ROOT / "models" / "default.json")
    write_card(ROOT / "models" / "default.md", fitted, tables, studies, model.version)
    share = tables["coverage"].iloc[-1]["share_inside"]
    print(f"wrote models/default.json and models/default.md ({model.version}); LOSO coverage {share:.0%}")


if __name__ == "__main__":
    main()
