"""Outputs (issue 11, items 2 and 3): no file the user did not name is touched; a write that fails leaves nothing."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from regen.files.write import atomic_path

GOOD = b"patient_id,nerve,age\np1,GON,45\np2,SLGN,64\n"


@pytest.fixture
def src(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(GOOD)
    return path


def _unchanged(path) -> bool:
    return path.read_bytes() == GOOD


@pytest.mark.parametrize(
    "args",
    [
        ("score", "{src}", "-o", "{src}"),
        ("score", "{src}", "-o", "{tmp}/o.csv", "--errors", "{src}"),
        ("score", "{src}", "-o", "{tmp}/o.csv", "--errors", "{tmp}/o.csv"),
        ("score", "{src}", "-o", "{tmp}/./sub/../c.csv"),
        ("score", "{src}", "-o", "-", "--errors", "-"),
        ("score", "{src}", "-o", "{tmp}"),
        ("score", "{src}", "-o", ""),
        ("report", "{src}", "-o", "{src}"),
        ("fit", "{src}", "-o", "{src}"),
        ("fit", "{src}", "-o", "{tmp}/clinic.md"),
        ("fit", "{src}", "-o", "{tmp}/c.md"),
        ("simulate", "-n", "5", "-o", "{tmp}"),
    ],
)
def test_colliding_outputs_are_usage_errors(tmp_path, src, cli, args):
    (tmp_path / "sub").mkdir()
    (tmp_path / "c.md").write_text("a card")
    res = cli(*(a.format(src=src, tmp=tmp_path) for a in args))
    assert res.exit_code == 2, res.output
    assert _unchanged(src) and (tmp_path / "c.md").read_text() == "a card"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "c.md", "sub"]


def test_a_symlinked_input_is_recognised(tmp_path, src, cli):
    link = tmp_path / "link.csv"
    link.symlink_to(src)
    assert cli("score", src, "-o", link).exit_code == 2 and _unchanged(src) and link.is_symlink()


def test_a_symlink_at_the_target_is_followed_not_replaced(tmp_path, src, cli):
    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old")
    link.symlink_to(real)
    assert cli("score", src, "-o", link).exit_code == 0
    assert link.is_symlink() and real.read_text().startswith("patient_id,nerve,age,")


def test_an_existing_output_keeps_its_mode(tmp_path, src, cli):
    out = tmp_path / "o.csv"
    out.write_text("old")
    out.chmod(0o600)
    assert cli("score", src, "-o", out).exit_code == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600 and out.read_text() != "old"


def test_dev_null_and_fifos_are_written_through(tmp_path, src, cli):
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


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("{tmp}/plot.svg", "does not end in .png"),
        ("{tmp}/c.csv/plot.png", "is not a directory"),
        ("{tmp}", "is a directory"),
    ],
)
def test_plot_paths_are_checked_before_anything_runs(tmp_path, src, path, message):
    """For `regen predict --plot` (the lead calls cli_check_paths({"--plot": plot}, suffix=".png") first)."""
    from regen.files.paths import PathClashError, check_paths

    with pytest.raises(PathClashError, match=message):
        check_paths({"--plot": path.format(tmp=tmp_path)}, suffix=".png")
    check_paths({"--plot": str(tmp_path / "PLOT.PNG")}, suffix=".png")


def test_an_output_in_a_missing_folder_is_refused_and_creates_nothing(cli, src, tmp_path):
    for args in (
        ("score", src, "-o", tmp_path / "new" / "a" / "o.csv"),
        ("predict", "--nerve", "GON", "--plot", tmp_path / "new" / "t.png"),
    ):
        res = cli(*args)
        assert res.exit_code == 2 and "does not exist; create it first" in res.stderr, res.output
    link = tmp_path / "dangling.csv"
    link.symlink_to(tmp_path / "nowhere" / "deep" / "x.csv")
    assert cli("score", src, "-o", link).exit_code == 2
    assert not (tmp_path / "new").exists() and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("redirect", ["stdin", "stdout"])
def test_an_input_redirected_from_or_to_the_output_is_refused(src, tmp_path, redirect):
    """`regen score - -o in.csv < in.csv` and `regen score in.csv -o - >> in.csv` would destroy the input."""
    before = src.read_bytes()
    if redirect == "stdin":
        with open(src, "rb") as stdin:
            res = subprocess.run(
                [sys.executable, "-m", "regen", "score", "-", "-o", str(src)],
                stdin=stdin,
                capture_output=True,
                text=True,
                timeout=60,
            )
    else:
        with open(src, "ab") as stdout:
            res = subprocess.run(
                [sys.executable, "-m", "regen", "score", str(src), "-o", "-"],
                stdout=stdout,
                stderr=subprocess.PIPE,
                text=True,
                timeout=60,
            )
    stream = "input" if redirect == "stdin" else "output"
    assert res.returncode == 2 and f"is also the input (through standard {stream})" in res.stderr, res.stderr
    assert src.read_bytes() == before


def test_an_errors_file_that_cannot_be_written_leaves_no_output(cli, src, tmp_path):
    if not os.path.exists("/dev/full"):
        pytest.skip("this system has no /dev/full")
    res = cli("score", src, "-o", tmp_path / "o.csv", "--errors", "/dev/full")
    assert res.exit_code == 1 and res.stderr.startswith("Error: cannot write /dev/full"), res.output
    assert not (tmp_path / "o.csv").exists() and sorted(p.name for p in tmp_path.iterdir()) == [src.name]
