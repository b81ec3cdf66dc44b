"""Wall time of `regen predict` for one patient (the console command, cold start).

Usage: python benchmarks/bench_predict.py [runs]

Prints each run and the median; the requirement is a median under 0.5 s.
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time


def main(runs: int = 9) -> None:
    exe = shutil.which("regen")
    if exe is None:
        sys.exit("regen is not installed (pip install .)")
    cmd = [exe, "predict", "--nerve", "genicular_superolateral", "--age", "64"]
    subprocess.run(cmd, check=True, capture_output=True)  # warm the file cache
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    print("runs (s):", " ".join(f"{t:.3f}" for t in times))
    print(f"median wall time of `{' '.join(cmd[1:])}`: {statistics.median(times):.3f} s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
