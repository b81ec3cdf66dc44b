"""New-user review of fit / evaluate / describe / validate: versions, ratio wording, uninformative intervals,
left-out rows, one message per bad cell, the disclaimer in --help, clinic evidence, a readable Cox table."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest

from regen.fitting.simulate import simulate_cohort

SENTENCE = "Estimates with intervals; decision support, not a medical device."


def _csv(tmp_path, name, frame):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def _cohort_text(n, seed):
    """A simulated cohort as the text cells of its CSV (blank where empty)."""
    return simulate_cohort(n, seed=seed).astype(object).where(lambda f: f.notna(), "").astype(str)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory, cli):
    """Two cohorts (different data) fitted by `regen fit`; the first also with --name."""
    tmp = tmp_path_factory.mktemp("review")
    out = {}
    for key, seed in (("a", 21), ("b", 22)):
        data = _csv(tmp, f"{key}.csv", simulate_cohort(400, seed=seed))
        res = cli("fit", data, "-o", tmp / f"{key}.json", "--family", "lognormal")
        assert res.exit_code == 0, res.output
        out[key] = (data, tmp / f"{key}.json", res)
    res = cli("fit", out["a"][0], "-o", tmp / "named.json", "--family", "lognormal", "--name", "clinic")
    assert res.exit_code == 0, res.output
    out["named"] = (out["a"][0], tmp / "named.json", res)
    return out


def _bundle(path):
    return json.loads(path.read_text())


# ------------------------------------------------------------------ 1. version identifies the fit
def test_fitted_version_identifies_the_fitted_model(fitted, cli):
    from regen.fitting.relief_model import fit_version

    versions = {}
    for key, (_, model, res) in fitted.items():
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


def test_two_fits_with_other_settings_get_other_versions():
    """On 7663a8f a Weibull and a log-normal fit of one file were both regen-fitted@<data hash>."""
    from regen import ReliefModel

    cohort = simulate_cohort(300, seed=4)
    versions = {
        ReliefModel(family=family, penalizer=penalizer).fit(cohort).to_model().version
        for family in ("weibull", "lognormal")
        for penalizer in (0.01, 0.1)
    }
    assert len(versions) == 4
    model = ReliefModel(family="lognormal").fit(cohort)
    assert model.to_bundle("x")["version"] == model.bundle_["version"] and model.to_bundle("x", "7")["version"] == "7"


def test_fit_help_says_how_the_version_is_made(cli):
    text = " ".join(cli("fit", "--help").stdout.split())
    assert "regen-fitted@<first 8 hex of its sha256>" in text


# ------------------------------------------------------------------ 2. what the ratio multiplies
def _line_after_table(stdout):
    lines = stdout.splitlines()
    last = max(i for i, line in enumerate(lines) if line.startswith("| "))
    return next(line for line in lines[last + 1 :] if line.strip())


def test_fit_says_the_ratio_is_of_relief_to_nerve_time(fitted):
    _, model, res = fitted["a"]
    header = next(line for line in res.stdout.splitlines() if line.startswith("| term |"))
    assert "ratio exp(coef) on relief / nerve time" in header and "time ratio" not in header
    note = _line_after_table(res.stdout)
    assert note.startswith(
        "exp(coef) multiplies relief / modelled nerve time, not relief in days. "
        "Offset: log T_nerve, the mechanism's median return of sensation of each patient "
        "(its coefficient fixed at 1)"
    )
    assert note in model.with_suffix(".md").read_text()


def test_fit_offset_names_its_estimated_power(cli, tmp_path):
    data = _csv(tmp_path, "c.csv", simulate_cohort(1500, seed=5))
    res = cli("fit", data, "-o", tmp_path / "m.json", "--family", "lognormal", "--fit-offset")
    assert res.exit_code == 0, res.output
    offset = _bundle(tmp_path / "m.json")["fit"]["offset_coef"]
    note = _line_after_table(res.stdout)
    assert note.startswith(f"exp(coef) multiplies relief / (modelled nerve time)^{offset:.3f}, not relief in days")
    assert f"its coefficient estimated at {offset:.3f}" in note


# ------------------------------------------------------------------ 3. validate: uninformative intervals, plain days
def test_an_interval_covering_most_published_numbers_of_its_scale_is_flagged():
    from regen.fitting.loso import flag_uninformative

    loso = pd.DataFrame(
        {
            "kind": ["proportion_relieved"] * 5 + ["median_duration_days"] * 5,
            "published": [0.1, 0.3, 0.5, 0.7, 0.9, 10.0, 30.0, 90.0, 200.0, 400.0],
            "p10": [0.0, 0.2, 0.0, 0.05, 0.0, 5.0, 20.0, 8.0, 150.0, 9.0],
            "p90": [1.0, 0.6, 0.8, 0.95, 0.85, 500.0, 100.0, 150.0, 600.0, 410.0],
        }
    )
    # contains 5/5, 2/5, 4/5, 4/5, 4/5 of the proportions; 5/5, 2/5, 3/5, 2/5, 5/5 of the durations
    assert flag_uninformative(loso)["uninformative"].tolist() == [
        True,
        False,
        True,
        True,
        True,
        True,
        False,
        False,
        False,
        True,
    ]


def _small_loso():
    from regen.fitting.loso import flag_uninformative

    return flag_uninformative(
        pd.DataFrame(
            [
                {
                    "study": "s1",
                    "indication": "i",
                    "kind": "proportion_relieved",
                    "day": 1218.0,
                    "n": 49.0,
                    "published": 0.469,
                    "predicted": 0.02,
                    "p10": 0.0,
                    "p90": 0.633,
                    "inside": True,
                },
                {
                    "study": "s1",
                    "indication": "i",
                    "kind": "proportion_relieved",
                    "day": 30.0,
                    "n": 26.0,
                    "published": 0.5,
                    "predicted": 0.7,
                    "p10": 0.0,
                    "p90": 0.96,
                    "inside": True,
                },
                {
                    "study": "s2",
                    "indication": "j",
                    "kind": "mean_duration_days",
                    "day": np.nan,
                    "n": 24.0,
                    "published": 160.0,
                    "predicted": 595.4,
                    "p10": 115.2,
                    "p90": 2920.6,
                    "inside": True,
                },
                {
                    "study": "s2",
                    "indication": "j",
                    "kind": "median_interval_days",
                    "day": np.nan,
                    "n": np.nan,
                    "published": 59.4,
                    "predicted": 138.0,
                    "p10": 6.95,
                    "p90": 3220.0,
                    "inside": True,
                },
                {
                    "study": "s3",
                    "indication": "j",
                    "kind": "median_duration_days",
                    "day": np.nan,
                    "n": 52.0,
                    "published": 11.0,
                    "predicted": 210.0,
                    "p10": 23.5,
                    "p90": 2070.0,
                    "inside": False,
                },
                {
                    "study": "s3",
                    "indication": "j",
                    "kind": "responders",
                    "day": np.nan,
                    "n": 40.0,
                    "published": 0.9,
                    "predicted": 0.9,
                    "p10": 0.85,
                    "p90": 0.95,
                    "inside": True,
                },
            ]
        )
    )


def test_validate_prints_the_uninformative_count_and_plain_numbers(cli, monkeypatch):
    import regen.fitting.loso as validation

    loso = _small_loso()
    # proportions 0.469, 0.5, 0.9 and days 160, 59.4, 11: the 2nd and 4th intervals contain all three
    assert loso["uninformative"].tolist() == [False, True, False, True, False, False]
    monkeypatch.setattr(validation, "validate_shipped", lambda draws, seed: (loso, validation.coverage_by_study(loso)))
    res = cli("validate")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0].startswith("leave-one-study-out: 5 of 6 published numbers inside")
    assert lines[1].startswith(
        "2 of the 5 covered numbers had intervals that were nearly uninformative (the 80 % "
        "interval contains at least 80 % of all the published numbers on its scale"
    )
    assert not re.search(r"\d[eE][+-]?\d", res.stdout)  # no scientific notation
    rows = [line.split() for line in lines if line.split()[:1] in (["s1"], ["s2"]) and "%" not in line]
    assert rows[:3] == [
        ["s1", "i", "proportion_relieved", "1218", "49", "0.469", "0.020", "0.000", "0.633", "yes", "no"],
        ["s1", "i", "proportion_relieved", "30", "26", "0.500", "0.700", "0.000", "0.960", "yes", "yes"],
        ["s2", "j", "mean_duration_days", "24", "160", "595", "115", "2921", "yes", "no"],
    ]
    res = cli("validate", "--format", "json")
    out = json.loads(res.stdout)
    assert [r["uninformative"] for r in out["numbers"]] == loso["uninformative"].tolist()
    assert out["coverage"][-1]["inside_uninformative"] == 2 and "80 %" in out["uninformative_rule"]


def test_coverage_counts_uninformative_only_among_the_numbers_inside():
    from regen.fitting.loso import coverage_by_study

    cov = coverage_by_study(_small_loso()).set_index("study")
    assert cov.loc["s2", "inside_uninformative"] == 1 and cov.loc["s3", "inside_uninformative"] == 0
    assert cov.loc["all", "inside_uninformative"] == 2


# ------------------------------------------------------------------ 4. evaluate / describe say what they left out
@pytest.mark.parametrize("command", ["evaluate", "describe"])
def test_evaluate_and_describe_warn_about_rows_left_out(command, cli, tmp_path):
    frame = _cohort_text(300, seed=6)
    frame.loc[1, "age"] = "abc"
    frame.loc[7, "nerve"] = "kneecap"
    path = _csv(tmp_path, "bad.csv", frame)
    args = ("evaluate", "default", path, "--bootstrap", "0") if command == "evaluate" else ("describe", path)
    res = cli(*args)
    assert res.exit_code == 0, res.output
    warning = [line for line in res.stderr.splitlines() if line.startswith("Warning:")]
    assert warning == ["Warning: 2 rows left out as invalid (first: row 2: age: abc is not a number)"]


# ------------------------------------------------------------------ 5. one message per bad cell
def test_a_cell_that_is_not_a_number_gets_one_message():
    from regen.fitting.outcomes import load_outcomes

    frame = pd.DataFrame(
        {
            "nerve": ["GON", "GON", "GON", "GON", "GON"],
            "relief_last_seen_day": ["sixty", "0", "30", "", "30"],
            "relief_lost_day": ["90", "x", "", "40", "60"],
            "sensation_returned_day": ["", "", "40000", "", ""],
        }
    )
    assert load_outcomes(frame).bad == [
        (1, "relief_last_seen_day: sixty is not a number of days"),
        (2, "relief_lost_day: x is not a number of days"),
        (3, "sensation_returned_day: 40000 is more than 36500 days (100 years)"),
        (4, "relief_last_seen_day: required (0 if relief was never confirmed)"),
    ]


def test_fit_prints_one_message_for_sixty(cli, tmp_path):
    frame = _cohort_text(300, seed=7)
    frame.loc[0, "relief_last_seen_day"] = "sixty"
    res = cli("fit", _csv(tmp_path, "c.csv", frame), "-o", tmp_path / "m.json", "--family", "lognormal")
    assert res.exit_code == 0, res.output
    assert "row 1: relief_last_seen_day: sixty is not a number of days (left out)\n" in res.stderr
    assert "required" not in res.stderr


# ------------------------------------------------------------------ 6. the disclaimer in --help
@pytest.mark.parametrize("command", ["fit", "evaluate", "describe", "validate", "score"])
def test_help_says_estimates_and_not_a_medical_device(command, cli):
    assert SENTENCE in " ".join(cli(command, "--help").stdout.split())


# ------------------------------------------------------------------ 7. evidence of a clinic-fitted model
def test_a_clinic_model_rests_on_clinic_data(fitted, cli):
    data, model, _ = fitted["a"]
    frame = pd.read_csv(data)
    row = frame.iloc[0]
    res = cli(
        "predict", "--nerve", row["nerve"], "--indication", row["indication"], "--model", model, "--format", "json"
    )
    patients = int((frame["indication"] == row["indication"]).sum())
    assert json.loads(res.stdout)["evidence"] == f"indication: clinic data, {patients} patients"


def test_published_study_evidence_is_unchanged():
    from regen.model.relief import evidence_text

    entry = {"studies": 1, "patients": 12}
    assert evidence_text(entry, "indication", "x") == "indication: 1 study, 12 patients"
    assert (
        evidence_text({**entry, "studies": 0, "data": "clinic"}, "indication", "x")
        == "indication: clinic data, 12 patients"
    )


# ------------------------------------------------------------------ 8. a readable Cox table
def test_describe_cox_table_has_names_units_and_hazard_ratios(fitted, cli):
    from regen.fitting.describe import COX_COLUMNS, cox_spline

    data, _, _ = fitted["a"]
    table = cox_spline(str(data))
    assert list(table.columns) == COX_COLUMNS
    units = dict(zip(table["covariate"], table["unit"], strict=True))
    assert units["age"] == "per 10 years of age, centred at 50" and units["diabetes"] == "yes vs no"
    assert not any("Intercept" in c or "phi" in c or "beta" in c for c in table["covariate"])
    np.testing.assert_allclose(table["hazard ratio"], np.exp(table["coefficient"]))
    assert (table["95 % CI low"] <= table["hazard ratio"]).all()
    assert (table["hazard ratio"] <= table["95 % CI high"]).all()
    res = cli("describe", data)
    assert res.exit_code == 0, res.output
    assert "beta_" not in res.stdout and "phi1_" not in res.stdout
    assert "covariate" in res.stdout and "hazard ratio" in res.stdout and "95 % CI low" in res.stdout
    assert "Not shown: the baseline hazard's 3 spline terms and its intercept" in res.stdout
    age = next(line for line in res.stdout.splitlines() if line.split()[:1] == ["age"]).split()
    assert math.isclose(float(age[-4]), table.set_index("covariate").loc["age", "hazard ratio"], abs_tol=6e-4)


def test_evaluating_on_the_training_data_warns_that_it_is_optimistic(fitted, cli):
    data_a, model_a, _ = fitted["a"]
    data_b, _, _ = fitted["b"]
    own = cli("evaluate", model_a, data_a, "--bootstrap", "0")
    other = cli("evaluate", model_a, data_b, "--bootstrap", "0", "--format", "json")
    assert own.exit_code == 0 and "the model's own training data" in own.stderr, own.output
    assert other.exit_code == 0 and "training data" not in other.stderr
    assert json.loads(other.stdout)["training_data"] is False
