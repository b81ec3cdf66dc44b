"""Every command's --help: an example, the disclaimer where the command gives estimates, and what it points to."""

from __future__ import annotations

import pytest

SENTENCE = "Estimates with intervals; decision support, not a medical device."


@pytest.mark.parametrize(
    ("command", "disclaimer"),
    [
        ("predict", "not a medical device"),
        ("score", SENTENCE),
        ("fit", SENTENCE),
        ("evaluate", SENTENCE),
        ("describe", SENTENCE),
        ("validate", SENTENCE),
        ("report", None),
        ("simulate", None),
        ("nerves", None),
        ("columns", None),
    ],
)
def test_help_has_an_example_and_says_estimates_are_not_a_medical_device(command, disclaimer, cli):
    text = " ".join(cli(command, "--help").stdout.split())
    assert f"Example: regen {command}" in text
    if disclaimer is not None:
        assert disclaimer in text


def test_fit_help_says_how_the_version_is_made(cli):
    text = " ".join(cli("fit", "--help").stdout.split())
    assert "the settings and the seed: regen-fitted@<first 8 hex of a sha256>" in text


def test_score_help_points_to_columns(cli):
    assert "'regen columns' lists every accepted input column" in cli("score", "--help").stdout
