"""Issue 11 item 8: control characters in ids, model names and echoed values never reach the terminal raw."""

import json
import re

import pytest

from regen.utils.text import printable

RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")  # anything but \t and \n
HOSTILE = ["P1\x1b[2J", "x\rOVERWRITTEN", "a\nError: fake", "\u202eevil", "bell\x07", "c1\x9b31m"]


@pytest.mark.parametrize("text", HOSTILE)
def test_printable_escapes_every_control_character(text):
    out = printable(text)
    assert not RAW.search(out) and "\n" not in out
    assert out.encode("ascii", "backslashreplace").decode("unicode_escape") == text  # nothing lost


@pytest.mark.parametrize("pid", HOSTILE)
def test_predict_table_escapes_the_patient_id(pid, cli):
    res = cli("predict", "--nerve", "GON", "--patient-id", pid)
    assert res.exit_code == 0, res.output
    assert not RAW.search(res.stdout)
    assert f"patient {printable(pid)}" in res.stdout
    assert res.stdout.count("\n") == cli("predict", "--nerve", "GON", "--patient-id", "P1").stdout.count("\n")


@pytest.mark.parametrize("pid", [*HOSTILE, "Müller"])
def test_predict_json_keeps_the_id_exactly_and_escaped(pid, cli):
    res = cli("predict", "--nerve", "GON", "--patient-id", pid, "--format", "json")
    assert json.loads(res.stdout)["patient_id"] == pid  # the value is kept, as a JSON escape
    assert not RAW.search(res.stdout) and res.stdout.count("\n") == 1


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
def test_echoed_values_in_errors_are_escaped(args, echoed, cli):
    res = cli(*args)
    assert res.exit_code == 1
    assert not RAW.search(res.stderr) and res.stderr.count("\n") == 1
    assert echoed in res.stderr


def test_a_crafted_csv_value_in_a_fit_row_error_is_escaped(cli, tmp_path):
    rows = [f"GON,{20 + 3 * i},{40 + 5 * i},{30 + i}" for i in range(30)]
    path = tmp_path / "c.csv"
    path.write_text(
        "nerve,relief_last_seen_day,relief_lost_day,age\n" + "\n".join(rows) + '\nGON,10,20,"6\x1b[2J4"\n',
        encoding="utf-8",
    )
    res = cli("fit", path, "-o", tmp_path / "m.json", "--family", "lognormal")
    assert res.exit_code == 0, res.output
    assert "row 31: age: 6\\x1b[2J4 is not a number (left out)" in res.stderr
    assert not RAW.search(res.output)


def test_model_names_with_control_characters_are_refused_and_escaped(cli, tmp_path):
    rows = [f"GON,{20 + 3 * i},{40 + 5 * i}" for i in range(30)]
    path = tmp_path / "c.csv"
    path.write_text("nerve,relief_last_seen_day,relief_lost_day\n" + "\n".join(rows) + "\n", encoding="utf-8")
    res = cli("fit", path, "-o", tmp_path / "m.json", "--family", "lognormal", "--name", "clinic\x1b[2J")
    assert res.exit_code == 2, res.output  # a name is letters, digits, ._@+-: refused before fitting
    assert "Invalid value for --name" in res.stderr and not RAW.search(res.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv"]


def test_nerves_and_columns_tables_carry_no_control_characters(cli):
    for command in ("nerves", "columns"):
        res = cli(command)
        assert res.exit_code == 0 and not RAW.search(res.stdout)


def test_render_prediction_escapes_every_echoed_field():
    from regen.reporting.text import render_prediction

    row = {
        "nerve": "n\x1b[1m",
        "indication": "i\x1b[1m",
        "patient_id": "p\x1b[1m",
        "model_version": "m\x1b[1m",
        "warnings": "w\x1b[1m",
        "follow_up": "f\x1b[1m",
        "evidence": "e\x1b[1m",
    }
    text = render_prediction(row)
    assert not RAW.search(text)
    for key in ("n", "i", "p", "m", "w", "f", "e"):
        assert f"{key}\\x1b[1m" in text


def test_an_undecodable_byte_in_an_argument_is_escaped():
    """A raw 0x9B (8-bit CSI) reaches Python as the surrogate \\udc9b and would be written back as the byte."""
    from regen.utils.text import json_text, printable

    assert printable("a\udc9b2Jb") == "a\\udc9b2Jb" and json_text("a\udc9b") == '"a\\udc9b"'
