"""``regen score ... -o - 2>&1``: the summary stays out of the table (F26)."""

from __future__ import annotations

import csv
import io
import subprocess
import sys


def _score(tmp_path, **streams):
    src = tmp_path / "in.csv"
    src.write_text("nerve,age\nSLGN,64\nkneecap,50\n")
    cmd = [sys.executable, "-m", "regen", "score", str(src), "-o", "-"]
    return subprocess.run(cmd, stdout=subprocess.PIPE, timeout=120, **streams)


def test_with_stderr_into_stdout_the_table_stays_whole(tmp_path):
    res = _score(tmp_path, stderr=subprocess.STDOUT)
    assert res.returncode == 3  # a row not scored: still said by the exit code
    rows = list(csv.reader(io.StringIO(res.stdout.decode())))
    assert [len(r) for r in rows] == [len(rows[0])] * 3 and rows[0][:2] == ["nerve", "age"], rows


def test_with_stderr_apart_the_summary_is_printed(tmp_path):
    res = _score(tmp_path, stderr=subprocess.PIPE)
    assert res.returncode == 3 and "2 rows: 1 scored, 1 not scored" in res.stderr.decode()
