"""A refused file always exits 1: pyarrow's read-ahead thread is never left holding the stream at exit (F8)."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor


def test_a_ragged_file_exits_1_every_time_never_aborts(tmp_path):
    src = tmp_path / "r.csv"
    src.write_bytes(b"patient_id,nerve\nP1,SLGN,x\n")

    def run(i):
        return subprocess.run(
            [sys.executable, "-m", "regen", "score", str(src), "-o", str(tmp_path / f"o{i}.csv")],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=120,
        )

    with ThreadPoolExecutor(2) as pool:  # two at a time: the abort was a race with the exit
        results = list(pool.map(run, range(40)))
    codes = sorted({r.returncode for r in results})
    outputs = {r.stdout.decode(errors="replace") for r in results}
    assert codes == [1], (codes, outputs)
    assert all("data record 1 has 3 fields" in o and "terminate" not in o for o in outputs), outputs
