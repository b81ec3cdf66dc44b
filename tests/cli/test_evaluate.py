"""`regen evaluate`: the embedded models by name, what thin data lack, a warning on the model's own training data."""

from __future__ import annotations

import json

import pytest

OBSERVED = "whose relief end is observed (a responder with relief_lost_day given); of the "


@pytest.mark.parametrize("name", ["default", "mechanism-only"])
def test_evaluate_accepts_the_embedded_models_by_name(name, cli, outcomes_csv):
    res = cli("evaluate", name, outcomes_csv, "--bootstrap", "0", "--format", "json")
    assert res.exit_code == 0, res.output
    version = json.loads(res.stdout)["model_version"]
    assert version.startswith("regen-default@" if name == "default" else "mechanism-only@")


@pytest.mark.parametrize("case", ["all censored", "all non-responders", "no relief_lost_day column"])
def test_evaluate_says_what_is_missing(case, cli, tmp_path, outcome_file, one_line_error):
    res = cli("evaluate", "default", outcome_file(case), "--bootstrap", "0")
    one_line_error(res, f"evaluating concordance: need at least 1 row {OBSERVED}3 rows read, 0 have one, and ")


def test_evaluate_on_one_row_has_no_pair_to_compare(cli, tmp_path, outcome_file, one_line_error):
    res = cli("evaluate", "default", outcome_file("one row"), "--bootstrap", "0")
    one_line_error(res, "evaluating concordance: need at least one pair of responders to compare")
    assert "the data have 1 responder, 1 with an observed relief end" in res.stderr


def test_evaluating_on_the_training_data_warns_that_it_is_optimistic(clinic_fits, cli):
    data_a, model_a, _ = clinic_fits["a"]
    data_b, _, _ = clinic_fits["b"]
    own = cli("evaluate", model_a, data_a, "--bootstrap", "0")
    other = cli("evaluate", model_a, data_b, "--bootstrap", "0", "--format", "json")
    assert own.exit_code == 0 and "the model's own training data" in own.stderr, own.output
    assert other.exit_code == 0 and "training data" not in other.stderr
    assert json.loads(other.stdout)["training_data"] is False
