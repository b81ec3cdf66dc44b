"""End-to-end scoring speed: `regen score` vs pandas alone vs lifelines row by row.

Usage: python benchmarks/bench_score.py [n_rows]   (default 1,000,000)

Measures, in the same run and on the same file:
1. pandas alone: read the input CSV (as strings) and write a CSV of the scored
   output's shape (the input plus the 14 prediction columns);
2. regen: `regen.io.score_file` end to end (read, validate, predict, write);
3. lifelines: a LogNormalAFTFitter's predict_median called one row at a time
   on 2,000 rows, extrapolated to n.
Requirements: (2) within 2x of (1); (2) at least 100x faster than (3).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _cohort import write_patients


def pandas_alone(src: Path, dst: Path) -> float:
    import pandas as pd

    from regen.model import PREDICTION_COLUMNS

    t0 = time.perf_counter()
    for chunk in pd.read_csv(src, dtype=str, keep_default_na=False, chunksize=100_000):
        for col in PREDICTION_COLUMNS:  # an output of the same shape: floats and strings
            chunk[col] = np.float64(123.4) if col.endswith(("_day", "d")) else "2026-01-01"
        chunk.to_csv(dst, index=False, mode="a", header=not dst.exists())
    return time.perf_counter() - t0


def regen_score(src: Path, dst: Path) -> float:
    from regen.io import score_file

    t0 = time.perf_counter()
    summary = score_file(str(src), str(dst))
    assert summary["rows"] == summary["scored"], summary
    return time.perf_counter() - t0


def lifelines_row_by_row(n: int, sample: int = 2000) -> float:
    import pandas as pd
    from lifelines import LogNormalAFTFitter

    rng = np.random.default_rng(0)
    train = pd.DataFrame({"age": rng.uniform(20, 90, 500), "diabetes": rng.integers(0, 2, 500)})
    train["T"] = np.exp(4 + 0.01 * train["age"] + 0.3 * train["diabetes"] + 0.4 * rng.standard_normal(500))
    fitter = LogNormalAFTFitter().fit(train, "T")
    rows = [train.iloc[[i % 500], :2] for i in range(sample)]
    t0 = time.perf_counter()
    for row in rows:
        fitter.predict_median(row)
    return (time.perf_counter() - t0) * n / sample


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = write_patients(Path(tmp) / "in.csv", n)
        base = pandas_alone(src, Path(tmp) / "pandas.csv")
        ours = regen_score(src, Path(tmp) / "scored.csv")
    slow = lifelines_row_by_row(n)
    print(f"rows: {n:,}")
    print(f"pandas read + write alone: {base:.1f} s")
    print(f"regen score end to end:    {ours:.1f} s  (ratio {ours / base:.2f}x; requirement <= 2x)")
    print(f"lifelines row by row (extrapolated from 2,000 rows): {slow:.0f} s "
          f"(regen is {slow / ours:.0f}x faster; requirement >= 100x)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
