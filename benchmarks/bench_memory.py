"""Peak memory of `regen score` for 100,000 vs 1,000,000 rows (each in a fresh process).

Usage: python benchmarks/bench_memory.py [runs]   (default 3; the median of the runs)

Requirement (issue 12): peak resident memory (VmHWM) at 1,000,000 rows within
1.2x of that at 100,000 rows (scoring streams in chunks of 100,000 rows, so
memory should not grow with the file; what grows is 8 bytes per distinct
patient id, for duplicate-id accounting).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _cohort import write_patients

# VmHWM (peak resident set of this process image); ru_maxrss would also count the
# parent's peak, which a forked child inherits on Linux.
CHILD = """
import sys
from regen.batch.score import score_file
score_file(sys.argv[1], sys.argv[2])
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM")))
"""


def peak_mib(src: Path, dst: Path) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, str(src), str(dst)], check=True, capture_output=True, text=True)
    return int(out.stdout.strip()) / 1024  # VmHWM is in kB


def main(runs: int) -> None:
    import statistics

    with tempfile.TemporaryDirectory() as tmp:
        sizes = {}
        for n in (100_000, 1_000_000):
            src = write_patients(Path(tmp) / f"in{n}.csv", n)
            peaks = [peak_mib(src, Path(tmp) / f"out{n}.csv") for _ in range(runs)]
            sizes[n] = statistics.median(peaks)
            print(f"{n:>9,} rows: VmHWM {' '.join(f'{p:.0f}' for p in peaks)} MiB, median {sizes[n]:.0f} MiB")
    ratio = sizes[1_000_000] / sizes[100_000]
    print(f"ratio 1M / 100k: {ratio:.2f} (requirement <= 1.2)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
