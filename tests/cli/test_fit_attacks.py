"""`regen fit` and model files under the fourth attacker pass (issue 19): each finding as a test."""

from __future__ import annotations

import pandas as pd
import pytest

from regen.fitting.simulate import simulate_cohort


@pytest.fixture
def cohort(tmp_path):
    path = tmp_path / "c60.csv"
    simulate_cohort(60, seed=1).to_csv(path, index=False)
    return path


def test_a_model_file_of_many_keys_is_refused_at_once(tmp_path, cli):
    """Finding 1: the duplicate-key check counted each key against every other one (40,000 keys: 119 s)."""
    path = tmp_path / "dk.json"
    n = 200_000
    path.write_text("{" + ",".join(f'"k{i}":0' for i in range(n)) + ',"k0":1}')
    res = cli("predict", "--nerve", "GON", "--model", path)
    assert res.exit_code == 1 and "the key 'k0' appears twice in one object" in res.stderr, res.output


def test_a_file_of_non_responders_only_is_refused_in_one_line(tmp_path, cli, cohort):
    """Finding 2: every row a non-responder gave a traceback (np.ptp of no responder)."""
    frame = pd.read_csv(cohort, dtype=str).assign(relief_last_seen_day="0", relief_lost_day="7", responded="no")
    frame.to_csv(tmp_path / "non.csv", index=False)
    res = cli("fit", tmp_path / "non.csv", "-o", tmp_path / "m.json")
    assert res.exit_code == 1 and res.stderr.count("\n") == 1, res.output
    assert "no responder among the 60 usable rows" in res.stderr and not (tmp_path / "m.json").exists()


def test_a_seed_past_what_the_sampler_takes_is_a_usage_error(tmp_path, cli, cohort):
    """Finding 13: --seed 10**20 gave an OverflowError traceback from JAX after the data were read."""
    res = cli("fit", cohort, "-o", tmp_path / "m.json", "--seed", str(10**20))
    assert res.exit_code == 2 and "Traceback" not in res.output and "--seed" in res.output, res.output


def test_the_card_of_the_prior_model_is_never_replaced(tmp_path, cli, cohort):
    """Finding 8b: -o pm.JSON with --prior pm.json wrote its card over the prior model's card pm.md."""
    prior = tmp_path / "pm.json"
    assert cli("fit", cohort, "-o", prior, "--prior", "none").exit_code == 0
    card = (tmp_path / "pm.md").read_bytes()
    res = cli("fit", cohort, "--prior", prior, "-o", tmp_path / "pm.JSON")
    assert res.exit_code == 2 and "is also the input" in res.stderr, res.output
    assert (tmp_path / "pm.md").read_bytes() == card


def test_the_outcome_file_name_stays_out_of_the_card(tmp_path, cli, cohort):
    """Finding 9: the file's name (which may name a patient, and held a Markdown heading) was copied into the card."""
    hostile = tmp_path / "Jane_Doe_1958-03-02`\n\n# Injected heading\n.csv"
    hostile.write_bytes(cohort.read_bytes())
    assert cli("fit", hostile, "-o", tmp_path / "m.json", "--prior", "none").exit_code == 0
    card = (tmp_path / "m.md").read_text()
    assert "Jane" not in card and "Injected" not in card and "the file's name is not recorded" in card


def test_a_long_id_given_twice_is_named_short(tmp_path, cli, cohort):
    """Finding 15: a 10 kB patient_id given twice made a 10 kB 'one-line' error."""
    frame = pd.read_csv(cohort, dtype=str).assign(cycle="1")
    frame.loc[0, "patient_id"] = "x" * 10_240
    frame.loc[1] = frame.loc[0]
    frame.to_csv(tmp_path / "dup.csv", index=False)
    res = cli("fit", tmp_path / "dup.csv", "-o", tmp_path / "m.json")
    assert res.exit_code == 1 and "appear twice" in res.stderr and len(res.stderr) < 300, res.stderr[:300]


def test_an_id_with_spaces_is_the_same_patient_for_the_duplicate_check(tmp_path, cli, cohort):
    """Re-attack: the patient grouping strips ids, the duplicate check did not: ' P1 ' and 'P1' on one nerve and
    cycle with different relief ends were one patient with a false repeat cycle instead of a duplicate."""
    frame = pd.read_csv(cohort, dtype=str).assign(cycle="1")
    frame.loc[1] = frame.loc[0]
    frame.loc[0, "patient_id"], frame.loc[1, "patient_id"] = "P1", " P1 "
    frame.loc[1, "relief_lost_day"] = str(float(frame.loc[0, "relief_lost_day"] or 100) + 30)
    frame.to_csv(tmp_path / "sp.csv", index=False)
    res = cli("fit", tmp_path / "sp.csv", "-o", tmp_path / "m.json")
    assert res.exit_code == 1 and "rows 1 and 2: patient_id P1" in res.stderr and "appear twice" in res.stderr, (
        res.output
    )
