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
