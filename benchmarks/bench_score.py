"""End-to-end scoring speed: `regen score` against the CSV itself (pyarrow read + write), and per stage.

Usage: python benchmarks/bench_score.py [n_rows] [runs]   (default 1,000,000 rows, 3 runs)

Measured in the same run, on the same file, alternating, median of ``runs``:

1. the floor: pyarrow's streaming CSV reader (every column as text, 1 MiB
   blocks, quoted newlines allowed) and pyarrow's CSV writer, writing the
   input columns plus the 20 prediction columns (floats and strings) batch by
   batch: the cost of the CSV itself;
2. regen: `regen.batch.score.score_file` end to end (read, validate, predict, write).

Requirement (issue 12): (2) <= 2x (1). Then one pass over the same file timed
stage by stage (read, columns to numpy, validate, predict, format, encode,
write), and lifelines' predict_median row by row on 2,000 rows, extrapolated.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _cohort import write_patients


def floor(src: Path, dst: Path) -> float:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from regen.schema.columns import OUTPUT_COLUMNS

    t0 = time.perf_counter()
    with open(src, encoding="utf-8") as fh:
        names = fh.readline().strip().split(",")
    reader = pacsv.open_csv(
        src,
        read_options=pacsv.ReadOptions(block_size=1 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
    )
    writer = None
    for batch in reader:
        n = batch.num_rows
        extra = [
            pa.array(np.full(n, 123.4))
            if c.endswith(("_day", "d", "_fraction", "response"))
            else pa.array(np.full(n, "2026-01-01", dtype=object))
            for c in OUTPUT_COLUMNS
        ]
        out = pa.RecordBatch.from_arrays([*batch.columns, *extra], names=[*names, *OUTPUT_COLUMNS])
        writer = writer or pacsv.CSVWriter(str(dst), out.schema)
        writer.write_batch(out)
    writer.close()
    return time.perf_counter() - t0


def regen_score(src: Path, dst: Path) -> float:
    from regen.batch.score import score_file

    t0 = time.perf_counter()
    summary = score_file(str(src), str(dst))
    assert summary["rows"] == summary["scored"], summary
    return time.perf_counter() - t0


def stages(src: Path, dst: Path) -> dict[str, float]:
    """One pass with each stage timed (the same functions score_file calls)."""
    import pyarrow as pa

    from regen.files.encode import encode_csv
    from regen.files.read import TextColumns as _Columns
    from regen.files.read import iter_chunks
    from regen.model.model import load_model
    from regen.model.prediction import predict_columns
    from regen.schema.columns import OUTPUT_COLUMNS, PATIENT_COLUMNS, format_numbers
    from regen.schema.patients import validate_patients

    names = ("read", "columns to numpy", "validate", "predict_columns (validate + model)", "format", "encode", "write")
    model, spent = load_model(), dict.fromkeys(names, 0.0)
    with open(dst, "wb") as out:
        t = time.perf_counter()
        for chunk in iter_chunks(src):
            marks = [time.perf_counter()]
            raw = _Columns(chunk.text)
            for name in PATIENT_COLUMNS:
                if name in raw:
                    raw[name]
            marks.append(time.perf_counter())
            validate_patients(raw)
            marks.append(time.perf_counter())
            pred = predict_columns(model, raw)
            marks.append(time.perf_counter())
            cols = [
                format_numbers(n, pred[n])
                if pred[n].dtype.kind == "f"
                else pa.array(pred[n].astype(object), type=pa.string())
                for n in OUTPUT_COLUMNS
            ]
            table = pa.Table.from_arrays(
                [*chunk.text.columns, *cols], names=[*chunk.text.column_names, *OUTPUT_COLUMNS]
            )
            marks.append(time.perf_counter())
            data = encode_csv(table)
            marks.append(time.perf_counter())
            out.write(data)
            marks.append(time.perf_counter())
            spent["read"] += marks[0] - t
            for key, a, b in zip(list(spent)[1:], marks, marks[1:], strict=False):
                spent[key] += b - a
            t = time.perf_counter()
    return spent


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


def main(n: int, runs: int) -> None:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"rows: {n:,}; runs: {runs}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        src = write_patients(Path(tmp) / "in.csv", n)
        regen_score(src, Path(tmp) / "warm.csv")  # imports, the model, the file cache
        base, ours = [], []
        for _ in range(runs):
            base.append(floor(src, Path(tmp) / "floor.csv"))
            ours.append(regen_score(src, Path(tmp) / "scored.csv"))
        spent = stages(src, Path(tmp) / "stages.csv")
    b, o = statistics.median(base), statistics.median(ours)
    print(f"floor, pyarrow read + write (s):  {' '.join(f'{t:.2f}' for t in base)}  median {b:.2f}")
    print(f"regen score end to end (s):        {' '.join(f'{t:.2f}' for t in ours)}  median {o:.2f}")
    print(f"ratio {o / b:.2f}x (requirement <= 2x)")
    print("stages, one pass (s): " + ", ".join(f"{k} {v:.2f}" for k, v in spent.items()))
    slow = lifelines_row_by_row(n)
    print(f"lifelines row by row (extrapolated from 2,000 rows): {slow:.0f} s (regen is {slow / o:.0f}x faster)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 3)
