"""SIGTERM and SIGKILL at random moments of score, fit, report and evaluate: nothing partial is ever left.

Usage: python scripts/stress_signals.py [runs per case]   (default 5; a few minutes)

Cases: ``score`` of a 300,000-row file with ``--chunksize 5000`` (and ``--errors``),
``score`` reading a FIFO that stays open, ``score`` writing into a pipe, ``fit``
(a model and its card), ``report``, ``evaluate --plot-dir``. Each run starts the
command, waits a random time within the command's usual duration, sends the
signal, and checks: the process ended (no hang), SIGTERM exits 143 (or 0 if the
command had already finished), and the output folder holds only the inputs or
every output complete (never a partial or hidden temporary file).
"""

from __future__ import annotations

import importlib.util
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REGEN = [sys.executable, "-m", "regen"]


def _prepare(folder: Path) -> dict[str, Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from _cohort import write_patients

    files = {"big": write_patients(folder / "big.csv", 300_000, seed=1)}
    subprocess.run([*REGEN, "simulate", "-n", "3000", "--seed", "1", "-o", str(folder / "outcomes.csv")], check=True)
    subprocess.run(
        [*REGEN, "fit", str(folder / "outcomes.csv"), "-o", str(folder / "model.json"), "--prior", "none"],
        check=True,
        capture_output=True,
    )
    small = write_patients(folder / "small.csv", 50_000, seed=2)
    subprocess.run([*REGEN, "score", str(small), "-o", str(folder / "scored.csv")], check=True, capture_output=True)
    files.update(outcomes=folder / "outcomes.csv", model=folder / "model.json", scored=folder / "scored.csv")
    return files


def _case(name: str, files: dict, out: Path) -> tuple[list[str], dict]:
    """The command of a case, and how it is fed (a FIFO, a pipe)."""
    if name == "score-file":
        return [
            *REGEN,
            "score",
            str(files["big"]),
            "-o",
            str(out / "o.csv"),
            "--errors",
            str(out / "e.csv"),
            "--chunksize",
            "5000",
        ], {}
    if name == "score-fifo":
        return [*REGEN, "score", str(out / "in.fifo"), "-o", str(out / "o.csv")], {"fifo": out / "in.fifo"}
    if name == "score-to-pipe":
        return [*REGEN, "score", str(files["big"]), "-o", "-", "--chunksize", "5000"], {"stdout": True}
    if name == "fit":
        # the evidence prior (NumPyro sampling) where the bayes extra is installed, the data-only fit otherwise
        prior = [] if importlib.util.find_spec("numpyro") else ["--prior", "none"]
        return [*REGEN, "fit", str(files["outcomes"]), "-o", str(out / "m.json"), *prior], {}
    if name == "report":
        return [*REGEN, "report", str(files["scored"]), "-o", str(out / "r.html"), "--list-patients"], {}
    if name == "evaluate":
        return [
            *REGEN,
            "evaluate",
            str(files["model"]),
            str(files["outcomes"]),
            "--bootstrap",
            "20",
            "--plot-dir",
            str(out / "plots"),
        ], {}
    raise ValueError(name)


EXPECTED = {
    "score-file": {"o.csv", "e.csv"},
    "score-fifo": {"o.csv"},
    "score-to-pipe": set(),
    "fit": {"m.json", "m.md"},
    "report": {"r.html"},
    "evaluate": {"plots"},
}


_PLOTS = ["calibration_180d.png", "calibration_365d.png", "calibration_90d.png"]


def one_run(name: str, sig: int, files: dict, span: float) -> str | None:
    """None when the run left its folder clean (or complete); else what went wrong."""
    out = Path(tempfile.mkdtemp(prefix="regen-stress-"))
    command, how = _case(name, files, out)
    if "fifo" in how:
        os.mkfifo(how["fifo"])
    proc = subprocess.Popen(  # its own session: every process it starts can be found (and must be gone)
        command,
        stdout=subprocess.PIPE if how.get("stdout") else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    feed = _open_writer(how["fifo"], proc) if "fifo" in how else None
    if "fifo" in how and feed is None:
        return f"the command ended ({proc.wait()}) before it opened its input"
    if feed:
        feed.write("patient_id,nerve\n" + "p,GON\n" * 10)
        feed.flush()
    time.sleep(random.uniform(0.05, span))
    proc.send_signal(sig)
    try:
        proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return "hang"
    finally:
        if feed:
            feed.close()
    if _session_alive(proc.pid):
        os.killpg(proc.pid, signal.SIGKILL)
        return "processes left running (orphaned workers)"
    left = {p.name for p in out.iterdir()} - {"in.fifo"}
    try:
        # -15: the signal came before the command installed its handler (still starting; nothing written)
        if sig == signal.SIGTERM and proc.returncode not in (0, 128 + signal.SIGTERM, -signal.SIGTERM):
            return f"exit {proc.returncode}"
        if proc.returncode == 0:
            return None if left == EXPECTED[name] else f"finished, but the folder holds {sorted(left)}"
        inside = sorted(p.name for p in (out / "plots").iterdir()) if (out / "plots").is_dir() else []
        if name == "evaluate" and left == {"plots"} and inside in ([], _PLOTS):
            return None  # the folder itself (made before the work), empty or with every plot: nothing partial
        if left and left != EXPECTED[name]:
            return f"killed ({proc.returncode}), left {sorted(left)} {inside}"
        return None
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _open_writer(fifo: Path, proc):
    """The FIFO opened for writing once the command opens it for reading (None if the command ends first)."""
    while proc.poll() is None:
        try:
            return os.fdopen(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK), "w")
        except OSError:  # ENXIO: no reader yet
            time.sleep(0.01)
    return None


def _session_alive(sid: int) -> bool:
    """Whether any process of session ``sid`` still runs (a worker the command started)."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getsid(int(entry)) == sid:
                    return True
            except OSError:
                continue
    return False


def main(runs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="regen-stress-inputs-"))
    files = _prepare(folder)
    spans = {}
    for name in EXPECTED:  # the usual duration of each case, to pick signal times within it
        out = Path(tempfile.mkdtemp())
        command, how = _case(name, files, out)
        if "fifo" in how:
            spans[name] = 1.5
            continue
        start = time.perf_counter()
        subprocess.run(command, capture_output=True)
        spans[name] = time.perf_counter() - start
        shutil.rmtree(out, ignore_errors=True)
    problems = 0
    for name in EXPECTED:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            bad = [r for r in (one_run(name, sig, files, spans[name]) for _ in range(runs)) if r]
            problems += len(bad)
            print(
                f"{name:14s} {signal.Signals(sig).name:8s} runs {runs} (span {spans[name]:.1f} s): "
                f"problems {len(bad)} {bad[:2]}",
                flush=True,
            )
    shutil.rmtree(folder, ignore_errors=True)
    print(f"total problems: {problems}")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
