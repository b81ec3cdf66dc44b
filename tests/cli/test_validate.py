"""`regen validate`: leave-one-study-out on the shipped tables meets its target; uninformative intervals counted;
plain numbers."""

from __future__ import annotations

import json
import re

import pytest


@pytest.mark.slow
def test_regen_validate_on_the_shipped_tables_meets_the_target(cli):
    """The default model, refitted leaving each published study out, covers 70-95 % of their numbers."""
    import json

    from regen.catalog.datasets import load_studies

    res = cli("validate", "--format", "json", "--draws", "1000")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    total = out["coverage"][-1]
    used = load_studies().query("used == 'yes'")
    assert total["study"] == "all" and total["numbers"] == len(out["numbers"]) == len(used)
    assert 0.70 <= total["share_inside"] <= 0.95
    assert all(r["p10"] <= r["p90"] for r in out["numbers"])


def test_validate_prints_the_uninformative_count_and_plain_numbers(cli, monkeypatch, small_loso):
    import regen.fitting.loso as validation

    loso = small_loso
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
