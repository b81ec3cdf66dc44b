"""`regen fit`: a model and its card, bad rows left out, what thin data lack, versions that identify the fit,
coefficients with units and ratios."""

from __future__ import annotations

import json
import math
import re

import pytest

OBSERVED = "whose relief end is observed (a responder with relief_lost_day given); of the "


def _bundle(path):
    return json.loads(path.read_text())


def _line_after_table(stdout):
    lines = stdout.splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("| "))
    return next(line for line in lines[last + 1 :] if line.strip())


@pytest.mark.slow
def test_fit_then_predict_and_evaluate(cohort_csv, tmp_path, cli):
    model = tmp_path / "clinic.json"
    res = cli("fit", str(cohort_csv), "-o", str(model), "--family", "lognormal", "--name", "clinic", "--prior", "none")
    assert res.exit_code == 0, res.output
    for text in ("n = 1500 rows used", "AIC", "concordance", "indication[", "censoring"):
        assert text in res.stdout
    assert (tmp_path / "clinic.md").read_text().startswith("# Model card: `clinic@")
    res = cli("predict", "--nerve", "SLGN", "--model", str(model), "--format", "json")
    assert json.loads(res.stdout)["model_version"].startswith("clinic@")
    res = cli(
        "evaluate",
        str(model),
        str(cohort_csv),
        "--format",
        "json",
        "--bootstrap",
        "10",
        "--plot-dir",
        str(tmp_path / "plots"),
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert 0.7 < out["c_index"] <= 1 and out["c_index_ci"][0] <= out["c_index"] <= out["c_index_ci"][1]
    assert [c["day"] for c in out["calibration"]] == [90, 180, 365]
    for c in out["calibration"]:
        assert abs(c["predicted"] - c["observed"]) < 0.05  # the model is the truth's family
    assert len(list((tmp_path / "plots").glob("calibration_*d.png"))) == 3


def test_fit_reports_bad_rows_and_fits_the_rest(cohort_csv, tmp_path, cli):
    lines = cohort_csv.read_text().splitlines()
    header = lines[0].split(",")
    bad = lines[1].split(",")
    bad[header.index("relief_lost_day")] = "-3"
    path = tmp_path / "bad.csv"
    path.write_text("\n".join([lines[0], ",".join(bad), *lines[2:400]]) + "\n")
    res = cli("fit", str(path), "-o", str(tmp_path / "m.json"), "--prior", "none")
    assert res.exit_code == 0, res.output
    assert "row 1: relief_lost_day: -3 is negative" in res.stderr
    assert "398 rows used (1 left out)" in res.stdout


def test_fit_prints_one_message_for_sixty(cli, tmp_path, cohort_text, write_file):
    frame = cohort_text(300, seed=7)
    frame.loc[0, "relief_last_seen_day"] = "sixty"
    res = cli("fit", write_file(frame, "c.csv"), "-o", tmp_path / "m.json", "--family", "lognormal", "--prior", "none")
    assert res.exit_code == 0, res.output
    assert "row 1: relief_last_seen_day: sixty is not a number of days (left out)\n" in res.stderr
    assert "required" not in res.stderr


def test_fit_refuses_a_file_without_outcome_columns(tmp_path, cli):
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("nerve,age\nGON,50\n")
    res = cli("fit", str(nocol), "-o", str(tmp_path / "m.json"))
    assert res.exit_code == 1 and "no column 'relief_last_seen_day'" in res.stderr
    assert not (tmp_path / "m.json").exists()


@pytest.mark.parametrize(
    ("case", "detail"),
    [
        ("one row", "1 row read, 1 has one, and 0 still relieved at last contact, 0 non-responders"),
        ("all censored", "3 rows read, 0 have one, and 3 still relieved at last contact, 0 non-responders"),
        ("all non-responders", "3 rows read, 0 have one, and 0 still relieved at last contact, 3 non-responders"),
        (
            "no relief_lost_day column",
            "3 rows read, 0 have one, and 3 still relieved at last contact, 0 non-responders; the table has no "
            "relief_lost_day column",
        ),
    ],
)
def test_fit_says_how_many_observed_relief_ends_it_needs(case, detail, cli, tmp_path, outcome_file, one_line_error):
    res = cli("fit", outcome_file(case), "-o", tmp_path / "m.json", "--prior", "none")
    one_line_error(res, f"fitting relief end: need at least 3 rows {OBSERVED}{detail}")
    assert not (tmp_path / "m.json").exists() and not (tmp_path / "m.md").exists()


def test_fit_warns_under_ten_observed_ends_per_coefficient(cli, tmp_path, outcome_file):
    path = outcome_file(outcome_file.one_indication(12, age="spread"))
    res = cli("fit", path, "-o", tmp_path / "m.json", "--family", "lognormal", "--prior", "none")
    assert res.exit_code == 0, res.output
    assert (
        "Warning: only 12 rows with an observed relief end for 2 coefficient(s) (about 10 per coefficient "
        "are needed for stable estimates)"
    ) in res.stderr
    res = cli("fit", path, "-o", tmp_path / "m2.json", "--family", "lognormal", "--no-covariates", "--prior", "none")
    assert res.exit_code == 0 and "Warning: only" not in res.stderr


def test_one_indication_fits_evaluates_and_describes(cli, tmp_path, outcome_file):
    path = outcome_file(outcome_file.one_indication(30))
    res = cli("fit", path, "-o", tmp_path / "m.json", "--family", "lognormal", "--prior", "none")
    assert res.exit_code == 0, res.output
    assert "Warning: only 30 rows with an observed relief end" not in res.stderr  # 1 coefficient: enough
    res = cli("evaluate", tmp_path / "m.json", path, "--bootstrap", "5", "--format", "json")
    assert res.exit_code == 0, res.output
    assert "NaN" not in res.stdout
    out = json.loads(res.stdout)
    assert out["calibration"][0]["slope"] is None  # one bin: no slope, null in JSON
    assert cli("describe", path).exit_code == 0


def test_fitted_version_identifies_the_fitted_model(clinic_fits, cli):
    from regen.fitting.relief_model import fit_version

    versions = {}
    for key, (_, model, res) in clinic_fits.items():
        bundle = _bundle(model)
        sha = bundle["training"]["sha256"]
        assert bundle["version"] == fit_version(bundle) and len(sha) == 64
        versions[key] = f"{bundle['name']}@{bundle['version']}"
        assert f"model {versions[key]} written to" in res.stdout
        assert f"sha256 `{sha}`" in model.with_suffix(".md").read_text()
        predicted = cli("predict", "--nerve", "SLGN", "--model", model, "--format", "json")
        assert json.loads(predicted.stdout)["model_version"] == versions[key]
    assert versions["a"].startswith("regen-fitted@") and versions["a"] != versions["b"]
    assert versions["named"] == "clinic@" + versions["a"].split("@")[1]


def test_fit_says_the_ratio_is_of_relief_to_nerve_time(clinic_fits):
    _, model, res = clinic_fits["a"]
    header = next(line for line in res.stdout.splitlines() if line.startswith("| term |"))
    assert "ratio exp(coef) on relief / nerve time" in header and "time ratio" not in header
    note = _line_after_table(res.stdout)
    assert note.startswith(
        "exp(coef) multiplies relief / modelled nerve time, not relief in days. "
        "Offset: log T_nerve, the mechanism's median return of sensation of each patient "
        "(its coefficient fixed at 1)"
    )
    assert note in model.with_suffix(".md").read_text()


def test_fit_offset_names_its_estimated_power(cli, tmp_path, cohort_csv):
    res = cli("fit", cohort_csv, "-o", tmp_path / "m.json", "--family", "lognormal", "--fit-offset", "--prior", "none")
    assert res.exit_code == 0, res.output
    offset = _bundle(tmp_path / "m.json")["fit"]["offset_coef"]
    note = _line_after_table(res.stdout)
    assert note.startswith(f"exp(coef) multiplies relief / (modelled nerve time)^{offset:.3f}, not relief in days")
    assert f"its coefficient estimated at {offset:.3f}" in note


def test_fit_prints_units_and_time_ratios(clinic_fits):
    res = clinic_fits["a"][2]  # regen fit --family lognormal of 400 synthetic patients
    lines = {
        line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
        for line in res.stdout.splitlines()
        if line.startswith("| ") and "---" not in line
    }
    assert lines["term"][:2] == ["unit", "coefficient (log time)"]
    assert "ratio exp(coef) on relief / nerve time" in lines["term"]
    assert lines["age"][0] == "per 10 years of age, centred at 50"
    assert lines["diabetes"][0] == "yes vs no"
    for term, cells in lines.items():
        if term != "term":
            # both cells are rounded for print (coefficient 0.001, ratio 0.01)
            assert float(cells[3]) == pytest.approx(math.exp(float(cells[1])), rel=2e-3, abs=6e-3), term
    indication = next(t for t in lines if t.startswith("indication["))
    assert " vs " in lines[indication][0]


def test_the_counts_of_a_refused_fit_add_up_to_the_rows_read(cli, tmp_path, cohort_text, write_file):
    """On 7663a8f the message accounted for 206 of 300 rows (relief beyond three years was left out)."""
    frame = cohort_text(300, seed=5)
    frame["relief_lost_day"] = ""
    frame.loc[:5, ["relief_last_seen_day", "relief_lost_day"]] = ["1200", "5000"]  # observed beyond 3 years
    frame.loc[200:210, "relief_last_seen_day"] = "x"  # invalid
    res = cli("fit", write_file(frame, "c.csv"), "-o", tmp_path / "m.json", "--family", "lognormal", "--prior", "none")
    message = res.stderr.strip().splitlines()[-1]
    read = int(re.search(r"of the ([0-9,]+) rows read", message)[1].replace(",", ""))
    have = int(re.search(r"rows read, ([0-9,]+) ha", message)[1])
    parts = [
        int(n.replace(",", ""))
        for n in re.findall(r"([0-9,]+) (?:observed but|still relieved|non-resp|rows? left)", message)
    ]
    assert read == 300 and have + sum(parts) == read, message


def test_fit_from_the_evidence_predicts_scores_and_seeds_a_later_fit(cli, tmp_path):
    """`regen fit` (default prior): progress, the prior's weight and conflict, effects in days; the model
    predicts and scores; it is the prior of a later fit; a model without a posterior is refused as a prior."""
    from regen import load_model
    from regen.fitting.clinic.prior import read_prior
    from regen.fitting.clinic.simulate import simulate_clinic, typical_truth

    model = load_model()
    frame = simulate_clinic(typical_truth(read_prior(model.bundle), icc=0.6), model.bundle, 30, cycles=2, seed=4)
    data = tmp_path / "clinic.csv"
    frame.to_csv(data, index=False)
    short = ("--chains", "1", "--warmup", "60", "--draws", "60")
    res = cli("fit", data, "-o", tmp_path / "clinic.json", *short)
    assert res.exit_code == 0, res.output
    assert "100% 120 of 120 iterations per chain (draws)" in res.stderr
    for text in ("the published evidence counts as about", "posterior weight of the vague component",
                 "+10 years of age: relief median", "Patient effect (share of the relief variance"):  # fmt: skip
        assert text in res.stdout, res.stdout
    card = (tmp_path / "clinic.md").read_text()
    assert card.startswith("# Model card: `regen-fitted@") and "of your patients" in card
    bundle = json.loads((tmp_path / "clinic.json").read_text())
    assert set(bundle["prior"]) >= {"source", "effective_sample_size", "robust_weight", "conflict"}
    res = cli("predict", "--nerve", "GON", "--age", "60", "--model", tmp_path / "clinic.json", "--format", "json")
    assert res.exit_code == 0 and json.loads(res.stdout)["model_version"].startswith("regen-fitted@"), res.output
    res = cli("score", data, "-o", tmp_path / "scored.csv", "--model", tmp_path / "clinic.json")
    assert res.exit_code == 0, res.output
    res = cli("fit", data, "-o", tmp_path / "again.json", "--prior", tmp_path / "clinic.json", *short)
    assert res.exit_code == 0 and f"Prior: regen-fitted@{bundle['version']}" in res.stdout, res.output
    res = cli("fit", data, "-o", tmp_path / "none.json", "--prior", "none", "--family", "lognormal")
    assert res.exit_code == 0, res.output
    res = cli("fit", data, "-o", tmp_path / "x.json", "--prior", tmp_path / "none.json")
    assert res.exit_code == 1 and res.stderr.count("\n") == 1 and "has no posterior_approx" in res.stderr
