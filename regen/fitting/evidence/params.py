"""Write the evidence model's mechanism posterior into ``data/parameters.csv`` and its summary into
``data/parameters.md`` (between the ``evidence`` markers), so every default parameter lives in ``data/``."""

from __future__ import annotations

import csv
import math
from pathlib import Path

from scipy import stats as _stats

from regen.fitting.evidence.priors import AGE_KNOTS, AGE_KNOTS_REASON, FIXED_SD, MECHANISM, NU

ROOT = Path(__file__).resolve().parents[3]  # the checkout (regen/fitting/evidence -> .)
BEGIN, END = "<!-- evidence:begin -->", "<!-- evidence:end -->"
SOURCE = "regen/fitting/evidence (NumPyro MCMC) on data/human_sensation.csv; see models/evidence_summary.json"
#: The central 80 % of a Student-t and of a normal: the discrepancy is shipped as the normal with the t's 80 %.
_T90, _Z90 = float(_stats.t.ppf(0.9, NU)), float(_stats.norm.ppf(0.9))


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def rows_from(out: dict) -> dict[str, dict]:
    """``{name: {value, sd_log, note}}`` for the rows the evidence model sets."""
    p = out["mechanism"]["parameters"]

    def post(name, between=0.0):
        q = p[name]
        sd = math.hypot(between, q["sd_log"])
        note = (
            f"EVIDENCE MODEL (MCMC, {out['version']}): posterior median {_fmt(q['value'])} (80 % "
            f"{_fmt(q['q10'])}-{_fmt(q['q90'])}), posterior sd_log {_fmt(q['sd_log'])}"
            + (
                f"; between-patient sd_log {_fmt(between)}; sd_log = both combined"
                if between
                else "; sd_log = posterior uncertainty of the log"
            )
        )
        return {"value": _fmt(q["value"]), "sd_log": _fmt(sd), "note": note}

    tsd = p["terminal_delay_days"]["between_patient_sd_log"]
    tau = p["discrepancy_sd_log"]
    rows = {
        "initial_delay_days": post("initial_delay_days", FIXED_SD["initial_delay"]),
        "rate_mm_per_day": post("rate_mm_per_day", FIXED_SD["rate"]),
        "terminal_delay_days": post("terminal_delay_days", tsd),
        "age_child_time_ratio": post("age_child_time_ratio"),
        "age_old_time_ratio": post("age_old_time_ratio"),
        "partial_lesion_time_ratio": post("partial_lesion_time_ratio"),
        "discrepancy_sd_log": {
            "value": _fmt(_T90 / _Z90 * tau["value"]),
            "sd_log": "",
            "note": f"EVIDENCE MODEL: Student-t ({NU:g} df) discrepancy with scale tau, posterior median "
            f"{_fmt(tau['value'])} (80 % {_fmt(tau['q10'])}-{_fmt(tau['q90'])}); value = tau x t_{NU:g}(0.9) / "
            f"z(0.9) = {_T90 / _Z90:.3f} tau, the normal with the t's central 80 % (the predictor sums the phases "
            f"on the log scale as normals); without the partial-lesion term tau is "
            f"{_fmt(out['mechanism']['tau']['without_partial_lesion_term']['value'])}",
        },
        "age_child_years": {
            "value": _fmt(AGE_KNOTS["child"]),
            "sd_log": "",
            "note": "knot of the smoothstep age curve (regen/fitting/evidence/agecurve.py): full child "
            "effect at and below this age. " + AGE_KNOTS_REASON,
        },
    }
    return rows


NEW_ROWS = {
    "terminal_delay_between_patient_sd_log": ("log", "human", "between-patient sd_log of sensory maturation"),
    "discrepancy_student_t_df": (
        "df",
        "human",
        "degrees of freedom of the Student-t setting discrepancy and of every random effect of the evidence model",
    ),
}


def update_csv(out: dict, path: Path = ROOT / "data" / "parameters.csv") -> None:
    with path.open(newline="", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    cols = list(table[0])
    rows = rows_from(out)
    q = out["mechanism"]["parameters"]["terminal_delay_between_patient_sd_log"]
    extra = {
        "terminal_delay_between_patient_sd_log": {
            "value": _fmt(q["value"]),
            "distribution": "fixed",
            "sd_log": "",
            "note": f"EVIDENCE MODEL: posterior median {_fmt(q['value'])} (80 % {_fmt(q['q10'])}-{_fmt(q['q90'])}); "
            f"prior {MECHANISM['terminal_sd'][2]}",
        },
        "discrepancy_student_t_df": {
            "value": _fmt(NU),
            "distribution": "fixed",
            "sd_log": "",
            "note": "MODELLING ASSUMPTION: 4 df, robust to one outlying setting",
        },
    }
    names = [r["name"] for r in table]
    for name, (unit, species, setting) in NEW_ROWS.items():
        if name not in names:
            table.append(
                {c: "" for c in cols}
                | {"name": name, "unit": unit, "species": species, "setting": setting, "source": SOURCE}
            )
    for r in table:
        if r["name"] in rows:
            r.update({k: v for k, v in rows[r["name"]].items()})
            if r["name"] != "age_child_years":
                r["source"] = r["source"].split("; fit:")[0].split("fit: ")[0].rstrip("; ") + "; fit: " + SOURCE
        if r["name"] in extra:
            r.update(extra[r["name"]])
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        w.writerows(table)


def update_md(markdown: str, path: Path = ROOT / "data" / "parameters.md") -> None:
    text = path.read_text(encoding="utf-8")
    block = f"{BEGIN}\n\n{markdown}\n{END}"
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        marker = "## Not sourced"
        text = text.replace(
            marker, "## Evidence model (issue 18): posterior, diagnostics, validation\n\n" + block + "\n\n" + marker, 1
        )
    path.write_text(text, encoding="utf-8")
