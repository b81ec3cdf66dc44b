"""The mechanism parameters in ``data/parameters.csv`` are the evidence model's posterior, as its build wrote them."""

from __future__ import annotations

import json

import pytest

from regen.catalog.parameters import parameter_values
from regen.fitting.evidence.params import rows_from
from regen.utils.resources import model_path


@pytest.fixture(scope="module")
def summary():
    return json.loads(model_path("evidence_summary.json").read_text(encoding="utf-8"))


def test_parameters_csv_holds_the_posterior_of_the_evidence_build(summary):
    shipped = parameter_values()
    rows = rows_from(summary)
    assert len(rows) >= 7
    for name, row in rows.items():
        assert shipped[name]["value"] == pytest.approx(float(row["value"]), rel=1e-3), name
        if row["sd_log"]:
            assert shipped[name]["sd_log"] == pytest.approx(float(row["sd_log"]), rel=1e-3), name


def test_posterior_medians_lie_inside_their_80_percent_intervals(summary):
    for name, q in summary["mechanism"]["parameters"].items():
        if "q10" not in q:  # a fixed setting, not a posterior
            continue
        assert q["q10"] <= q["value"] <= q["q90"], name


def test_the_discrepancy_is_reported_with_and_without_the_partial_lesion_term(summary):
    tau = summary["mechanism"]["tau"]
    assert tau["without_partial_lesion_term"]["value"] > 0
    assert summary["mechanism"]["parameters"]["discrepancy_sd_log"]["value"] > 0
