"""What the command line echoes is escaped: ids, values, file and model names never reach the terminal raw."""

from __future__ import annotations

import json

import pytest

from regen.utils.text import printable

HOSTILE = ["P1\x1b[2J", "x\rOVERWRITTEN", "a\nError: fake", "\u202eevil", "bell\x07", "c1\x9b31m"]


@pytest.mark.parametrize("pid", HOSTILE)
def test_predict_table_escapes_the_patient_id(pid, cli, control_chars):
    res = cli("predict", "--nerve", "GON", "--patient-id", pid)
    assert res.exit_code == 0, res.output
    assert not control_chars.search(res.stdout)
    assert f"patient {printable(pid)}" in res.stdout
    assert res.stdout.count("\n") == cli("predict", "--nerve", "GON", "--patient-id", "P1").stdout.count("\n")


@pytest.mark.parametrize("pid", [*HOSTILE, "Müller"])
def test_predict_json_keeps_the_id_exactly_and_escaped(pid, cli, control_chars):
    res = cli("predict", "--nerve", "GON", "--patient-id", pid, "--format", "json")
    assert json.loads(res.stdout)["patient_id"] == pid  # the value is kept, as a JSON escape
    assert not control_chars.search(res.stdout) and res.stdout.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "echoed"),
    [
        (["predict", "--nerve", "GON\x1b[31m"], "GON\\x1b[31m"),
        (["predict", "--nerve", "GON", "--sex", "x\x1b[2J"], "x\\x1b[2J"),
        (["predict", "--nerve", "GON", "--indication", "knee\x1b]0;t\x07"], "knee\\x1b]0;t\\x07"),
        (["predict", "--nerve", "GON", "--treated-on", "2026\x1b[2J"], "2026\\x1b[2J"),
        (["predict", "--nerve", "GON", "--model", "/nope/m\x1b[2J.json"], "m\\x1b[2J.json"),
    ],
)
def test_echoed_values_in_errors_are_escaped(args, echoed, cli, control_chars):
    res = cli(*args)
    assert res.exit_code == 1
    assert not control_chars.search(res.stderr) and res.stderr.count("\n") == 1
    assert echoed in res.stderr


def test_a_crafted_csv_value_in_a_fit_row_error_is_escaped(cli, tmp_path, outcome_file, control_chars):
    path = outcome_file(outcome_file.one_indication(30, age=True) + 'GON,10,20,"6\x1b[2J4"\n')
    res = cli("fit", path, "-o", tmp_path / "m.json", "--family", "lognormal", "--prior", "none")
    assert res.exit_code == 0, res.output
    assert "row 31: age: 6\\x1b[2J4 is not a number (left out)" in res.stderr
    assert not control_chars.search(res.output)


def test_model_names_with_control_characters_are_refused_and_escaped(cli, tmp_path, outcome_file, control_chars):
    path = outcome_file(outcome_file.one_indication(30))
    res = cli(
        "fit", path, "-o", tmp_path / "m.json", "--family", "lognormal", "--name", "clinic\x1b[2J", "--prior", "none"
    )
    assert res.exit_code == 2, res.output  # a name is letters, digits, ._@+-: refused before fitting
    assert "Invalid value: --name:" in res.stderr and not control_chars.search(res.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["outcomes.csv"]


def test_nerves_and_columns_tables_carry_no_control_characters(cli, control_chars):
    for command in ("nerves", "columns"):
        res = cli(command)
        assert res.exit_code == 0 and not control_chars.search(res.stdout)


def test_file_names_are_escaped_when_echoed(cli, tmp_path):
    out = tmp_path / "x\x1b[2Jy.csv"
    res = cli("simulate", "-n", "5", "-o", out)
    assert res.exit_code == 0 and "\x1b" not in res.stderr


def test_a_header_or_id_in_quotes_is_escaped_once(cli, tmp_path):
    """F17: the reader saw 'a\\\\u200bge' and 'Patient\\\\nID' (the backslash doubled)."""
    src = tmp_path / "h.csv"
    src.write_text('"Patient\nID",nerve,"a\u200bge"\nP,SLGN,64\n', encoding="utf-8")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert res.exit_code == 1
    assert "rename 'Patient\\nID' -> 'patient_id', 'a\\u200bge' -> 'age'" in res.stderr, res.stderr
    src.write_text('patient_id,nerve\n"P\nx",SLGN\n"P\nx",SLGN\n', encoding="utf-8")
    res = cli("score", src, "-o", tmp_path / "o.csv")
    assert "e.g. 'P\\nx' again on row 2" in res.stderr and "\\\\" not in res.stderr, res.stderr
