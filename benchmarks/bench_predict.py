"""Wall time of `regen predict` for one patient (the console command, cold start), against a baseline.

Usage: python benchmarks/bench_predict.py [runs] [REGEN_EXE ...]

With no executable, times the `regen` on PATH. With several (e.g. the
`regen` of a venv holding the pre-refactor commit and the `regen` of a venv
holding this one, both non-editable installs), runs them alternately, each
run a fresh process, and prints each median and the ratio to the first.
Requirement (issue 12): no slower than before (ratio <= 1 within noise).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ARGS = ["predict", "--nerve", "genicular_superolateral", "--age", "64"]


def main(runs: int = 9, exes: list[str] | None = None) -> None:
    beside = Path(sys.executable).with_name("regen")  # the venv's regen, activated or not
    found = shutil.which("regen") or (str(beside) if beside.exists() else None)
    exes = exes or [found or sys.exit("regen is not installed (pip install .)")]
    times: dict[str, list[float]] = {exe: [] for exe in exes}
    for exe in exes:
        subprocess.run([exe, *ARGS], check=True, capture_output=True)  # warm the file cache
    for _ in range(runs):
        for exe in exes:
            t0 = time.perf_counter()
            subprocess.run([exe, *ARGS], check=True, capture_output=True)
            times[exe].append(time.perf_counter() - t0)
    first = statistics.median(times[exes[0]])
    for exe, spent in times.items():
        median = statistics.median(spent)
        print(
            f"{exe}: runs (s) {' '.join(f'{t:.3f}' for t in spent)}; median {median:.3f} s "
            f"(ratio to the first {median / first:.2f})"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9, sys.argv[2:] or None)
