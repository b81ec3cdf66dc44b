"""Writing outputs (regen.files.write): atomic, no partial or temporary file left behind on any exit, links and
modes kept, pipes and devices written through."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from regen.files.write import atomic_path


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt, SystemExit])
def test_every_exit_removes_the_temporary_file(tmp_path, exc):
    with pytest.raises(exc), atomic_path(tmp_path / "o.csv") as tmp:
        tmp.write_text("half")
        raise exc()
    assert list(tmp_path.iterdir()) == []


def test_a_failing_rename_leaves_nothing_and_names_no_temporary_file(tmp_path):
    from regen.errors import RegenError

    target = tmp_path / "o.csv"
    with pytest.raises(RegenError) as info, atomic_path(target) as tmp:
        tmp.write_text("x")
        target.mkdir()  # the rename now fails
    assert ".part" not in str(info.value) and str(target) in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] == ["o.csv"] and target.is_dir()


def test_a_symlink_at_the_target_is_followed_not_replaced(tmp_path, two_patients_csv, cli):
    src = two_patients_csv
    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old")
    link.symlink_to(real)
    assert cli("score", src, "-o", link).exit_code == 0
    assert link.is_symlink() and real.read_text().startswith("patient_id,nerve,age,")


def test_an_existing_output_keeps_its_mode(tmp_path, two_patients_csv, cli):
    src = two_patients_csv
    out = tmp_path / "o.csv"
    out.write_text("old")
    out.chmod(0o600)
    assert cli("score", src, "-o", out).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_text() != "old"


def test_dev_null_and_fifos_are_written_through(tmp_path, two_patients_csv, cli):
    src = two_patients_csv
    assert cli("score", src, "-o", os.devnull).exit_code == 0
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(
        [sys.executable, "-c", f"print(open({str(fifo)!r}).read().count(chr(10)))"], stdout=subprocess.PIPE, text=True
    )
    assert cli("score", src, "-o", fifo).exit_code == 0
    assert reader.communicate(timeout=20)[0].strip() == "3"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def _reading(pid: int, path) -> bool:
    """Whether process ``pid`` holds ``path`` open."""
    try:
        targets = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return str(path) in targets


def test_sigterm_during_score_leaves_nothing(tmp_path):
    fifo, out = tmp_path / "in.csv", tmp_path / "o.csv"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "regen", "score", str(fifo), "-o", str(out)], stderr=subprocess.PIPE, text=True
    )
    with open(fifo, "w") as feed:
        feed.write("patient_id,nerve\n" + "p,GON\n" * 10)
        feed.flush()
        deadline = time.monotonic() + 30
        while not _reading(proc.pid, fifo) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _reading(proc.pid, fifo)  # it waits for the rest of its first chunk on the pipe
        assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_an_errors_file_that_cannot_be_written_leaves_no_output(cli, two_patients_csv, tmp_path):
    src = two_patients_csv
    if not os.path.exists("/dev/full"):
        pytest.skip("this system has no /dev/full")
    res = cli("score", src, "-o", tmp_path / "o.csv", "--errors", "/dev/full")
    assert res.exit_code == 1 and res.stderr.startswith("Error: cannot write /dev/full"), res.output
    assert not (tmp_path / "o.csv").exists() and sorted(p.name for p in tmp_path.iterdir()) == [src.name]


@pytest.mark.parametrize("content", [None, "nerve,age\nGON,50,x\n", "age\n50\n"])
def test_parquet_output_fails_in_one_line(cli, tmp_path, content):
    src = tmp_path / "in.csv"
    if content is not None:
        src.write_text(content)
    res = cli("score", src, "-o", tmp_path / "o.parquet", "--errors", tmp_path / "e.csv")
    assert res.exit_code == 1 and res.stderr.count("\n") == 1 and "Traceback" not in res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if content is None else ["in.csv"])
