"""SIGTERM at random moments while `regen score` waits on a pipe: no hang, exit 143, nothing left behind.

Usage: python scripts/stress_sigterm.py [runs]   (default 40; about 1 s per run)

Each run feeds 10 rows into a FIFO and keeps it open, waits until the output's
temporary file exists, sleeps 0-0.2 s, sends SIGTERM, and checks that the
process exits within 15 s with code 143 and leaves only the FIFO.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_run() -> tuple[bool, int | None, list[str]]:
    tmp = Path(tempfile.mkdtemp())
    fifo, out = tmp / "in.csv", tmp / "o.csv"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "regen", "score", str(fifo), "-o", str(out)], stderr=subprocess.PIPE, text=True
    )
    hung = False
    with open(fifo, "w") as feed:
        feed.write("patient_id,nerve\n" + "p,GON\n" * 10)
        feed.flush()
        deadline = time.monotonic() + 30
        while not any(p.name.endswith(".part") for p in tmp.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(random.uniform(0, 0.2))
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            hung = True
            proc.kill()
            proc.communicate()
    return hung, proc.returncode, [p.name for p in tmp.iterdir() if p.name != "in.csv"]


def main(runs: int) -> None:
    results = [one_run() for _ in range(runs)]
    hangs = sum(h for h, _, _ in results)
    bad = [(rc, left) for h, rc, left in results if not h and (rc != 143 or left)]
    print(f"runs {runs}: hangs {hangs}, other exit codes or leftovers {len(bad)} {bad[:3]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40)
