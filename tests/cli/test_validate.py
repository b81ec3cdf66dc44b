"""`regen validate`: the leave-one-study-out validation stored with the model, both parts, as text and JSON;
refused for a model that carries none or carries another version's."""

from __future__ import annotations

import json
import re

import pytest

from regen.fitting.validation import FIELDS


@pytest.fixture(scope="module")
def stored(cli):
    res = cli("validate", "--format", "json")
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_json_holds_both_parts_with_the_issue_fields(stored, model):
    assert stored["model_version"] == model.version
    assert set(stored["parts"]) == {"sensation", "relief"}
    for name, part in stored["parts"].items():
        assert set(FIELDS) | {"beats_reference", "per_number"} <= set(part), name
        numbers = part["per_number"]
        assert part["numbers"] == len(numbers) == len(part["pit"]) > 0
        assert part["inside"] == sum(r["inside"] for r in numbers)
        assert part["coverage_80"] == pytest.approx(part["inside"] / part["numbers"])
        assert part["uninformative"] == sum(bool(r["uninformative"]) for r in numbers)
        assert part["log_score"] == pytest.approx(sum(r["log_score"] for r in numbers))
        assert part["reference_log_score"] == pytest.approx(sum(r["reference_log_score"] for r in numbers))
        assert part["beats_reference"] == (part["log_score"] > part["reference_log_score"])
        assert sum(s["numbers"] for s in part["per_study"]) == part["numbers"]
        assert all(0.0 <= p <= 1.0 for p in part["pit"])
        assert all(r["p10"] <= r["p90"] for r in numbers)


def test_each_part_is_also_given_by_scale_in_the_json_and_the_text(cli, stored):
    text = cli("validate").stdout.splitlines()
    for name, part in stored["parts"].items():
        scales = part["by_scale"]
        assert set(scales) == {r["scale"] for r in part["per_number"]}
        assert sum(s["numbers"] for s in scales.values()) == part["numbers"]
        assert sum(s["inside"] for s in scales.values()) == part["inside"]
        assert sum(s["log_score"] for s in scales.values()) == pytest.approx(part["log_score"])
        assert sum(s["reference_log_score"] for s in scales.values()) == pytest.approx(part["reference_log_score"])
        line = text[text.index(next(t for t in text if t.startswith(f"{name}:"))) + 1]
        for scale, s in scales.items():
            assert f"{scale} ({s['numbers']} numbers): {s['log_score']:.1f} vs {s['reference_log_score']:.1f}" in line


def test_every_published_relief_number_in_use_is_scored(stored, studies):
    used = studies.query("used == 'yes'")
    assert stored["parts"]["relief"]["numbers"] == len(used)
    assert {r["study"] for r in stored["parts"]["relief"]["per_number"]} == set(used["study"])


def test_text_says_per_part_whether_the_model_beats_the_reference(cli, stored):
    res = cli("validate")
    assert res.exit_code == 0, res.output
    for name, part in stored["parts"].items():
        margin = part["log_score"] - part["reference_log_score"]
        verdict = "beats" if part["beats_reference"] else "does not beat"
        if abs(margin) < 1.0:  # a margin under 1 in log score is said to be no clear difference
            verdict = "no clear difference from"
        line = next(line for line in res.stdout.splitlines() if line.startswith(f"{name}:"))
        assert f"{verdict} the reference" in line and f"{part['inside']} of {part['numbers']} numbers" in line
    assert not re.search(r"\d[eE][+-]?\d", res.stdout)  # no scientific notation
    assert "not a medical device" in res.stdout


def test_a_model_without_a_validation_is_refused(cli, model_file, default_bundle, one_line_error):
    bundle = dict(default_bundle)
    del bundle["validation"]
    res = cli("validate", "--model", model_file(bundle=bundle))
    one_line_error(res, "")
    assert "regen evaluate" in res.stderr


def test_a_validation_of_another_version_is_refused(cli, model_file, default_bundle, one_line_error):
    bundle = dict(default_bundle)
    bundle["validation"] = {**bundle["validation"], "model_version": "regen-default@1999.1.1"}
    res = cli("validate", "--model", model_file(bundle=bundle))
    one_line_error(res, "")
    assert "regen-default@1999.1.1" in res.stderr and "--refit" in res.stderr


def test_refit_reports_progress_on_stderr_and_prints_what_it_computed(cli, monkeypatch, stored):
    import regen.fitting.validation as validation

    def fake(progress=None, quick=False, seed=0):
        progress("sensation: study 1 of 5")
        return {"parts": {"sensation": {**stored["parts"]["sensation"], "log_score": -1.0}}}

    monkeypatch.setattr(validation, "refit_validation", fake)
    res = cli("validate", "--refit", "--format", "json")
    assert res.exit_code == 0, res.output
    assert "sensation: study 1 of 5" in res.stderr
    assert json.loads(res.stdout)["parts"]["sensation"]["log_score"] == -1.0
