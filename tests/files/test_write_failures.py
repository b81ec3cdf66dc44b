"""A full disk or a read-only file system names the output that could not be written (F18)."""

from __future__ import annotations

import errno
import os
from types import SimpleNamespace

import pytest

from regen.errors import RegenError
from regen.files.paths import PathClashError, check_paths
from regen.files.write import Outputs


def test_a_full_disk_names_the_output_in_score(cli, tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("nerve\nSLGN\n")
    res = cli("score", src, "-o", "/dev/full")  # a device that is always full
    assert res.exit_code == 1 and res.stderr == "Error: cannot write /dev/full: No space left on device\n"


def test_a_write_that_names_no_file_names_every_output(tmp_path):
    with pytest.raises(RegenError) as caught, Outputs() as out:
        out.path(tmp_path / "m.json", main=True)
        out.path(tmp_path / "m.md")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert str(caught.value) == f"cannot write {tmp_path / 'm.json'} or {tmp_path / 'm.md'}: No space left on device"


def test_a_read_only_file_system_is_not_called_permission_denied(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "access", lambda *a, **k: False)
    monkeypatch.setattr(os, "statvfs", lambda path: SimpleNamespace(f_flag=os.ST_RDONLY))
    with pytest.raises(PathClashError) as caught:
        check_paths({"--output": tmp_path / "o.csv"})
    assert str(caught.value) == (
        f"--output: cannot write {tmp_path / 'o.csv'}: {tmp_path} is not writable (a read-only file system)"
    )
