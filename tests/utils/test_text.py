"""regen.utils.text: every control character escaped for the terminal and nothing lost; strict JSON."""

from __future__ import annotations

import json

import pytest

from regen.utils.text import printable

HOSTILE = ["P1\x1b[2J", "x\rOVERWRITTEN", "a\nError: fake", "\u202eevil", "bell\x07", "c1\x9b31m"]


@pytest.mark.parametrize("text", HOSTILE)
def test_printable_escapes_every_control_character(text, control_chars):
    out = printable(text)
    assert not control_chars.search(out) and "\n" not in out
    assert out.encode("ascii", "backslashreplace").decode("unicode_escape") == text  # nothing lost


def test_an_undecodable_byte_in_an_argument_is_escaped():
    """A raw 0x9B (8-bit CSI) reaches Python as the surrogate \\udc9b and would be written back as the byte."""
    from regen.utils.text import json_text, printable

    assert printable("a\udc9b2Jb") == "a\\udc9b2Jb" and json_text("a\udc9b") == '"a\\udc9b"'


def test_json_safe_never_writes_nan():
    from regen.utils.text import json_safe

    out = json.dumps(
        json_safe({"a": float("nan"), "b": [1.0, float("inf")], "c": {"d": float("-inf")}}), allow_nan=False
    )
    assert out == '{"a": null, "b": [1.0, null], "c": {"d": null}}'


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("64\u200b", "64\\u200b"),  # zero-width space (Cf)
        ("a\u00adb", "a\\xadb"),  # soft hyphen (Cf)
        ("x\u2028y", "x\\u2028y"),  # line separator (Zl)
        ("x\u2029y", "x\\u2029y"),  # paragraph separator (Zp)
        ("\ufeffid", "\\ufeffid"),  # byte order mark (Cf)
        ("\u202egnp.exe", "\\u202egnp.exe"),  # right-to-left override (Cf)
        ("a\ud800b", "a\\ud800b"),  # lone surrogate (Cs)
        ("\x1b[2J", "\\x1b[2J"),  # escape (Cc)
        ("naïve 64 ≥ 10 µm", "naïve 64 ≥ 10 µm"),  # printable text stays as it is
    ],
)
def test_every_non_printing_and_format_character_is_escaped_in_messages(text, shown):
    """On 7663a8f a zero-width space was not escaped: 'age: 64 is not a number' looked absurd (issue 21, 12)."""
    assert printable(text) == shown


def test_a_zero_width_space_in_a_value_shows_in_the_row_error(cli, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("nerve,age\nGON,64\u200b\n", encoding="utf-8")
    res = cli("score", src, "-o", tmp_path / "o.csv", "--errors", "-")
    assert "age: 64\\u200b is not a number" in res.stdout
