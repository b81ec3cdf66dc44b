"""A --model that is not a regular file is named as such, not as missing (F21)."""

from __future__ import annotations

import os

import pytest


@pytest.mark.parametrize("kind", ["fifo", "/dev/zero", "/dev/urandom"])
def test_a_model_that_is_a_device_or_a_pipe_is_not_a_regular_file(cli, tmp_path, kind):
    model = tmp_path / "pipe" if kind == "fifo" else kind
    if kind == "fifo":
        os.mkfifo(model)
    src = tmp_path / "in.csv"
    src.write_text("nerve\nSLGN\n")
    for args in (
        ("score", src, "-o", tmp_path / "o.csv", "--model", model),
        ("predict", "--nerve", "GON", "--model", model),
    ):
        res = cli(*args)
        assert (
            res.exit_code == 1
            and res.stderr == f"Error: model file '{model}' is not a regular file (a device, a pipe or a socket)\n"
        )


def test_a_model_that_is_a_folder_or_missing_says_which(cli, tmp_path):
    res = cli("predict", "--nerve", "GON", "--model", tmp_path)
    assert res.stderr == f"Error: model file '{tmp_path}' is a folder, not a regular file\n"
    res = cli("predict", "--nerve", "GON", "--model", tmp_path / "none.json")
    assert res.stderr == f"Error: model file '{tmp_path / 'none.json'}' does not exist\n"
