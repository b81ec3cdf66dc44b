"""Scoring with Dask: files larger than memory, or many files (a glob).

The recipe, for any Dask pipeline::

    import dask.dataframe as dd, regen
    frame = dd.read_csv("cohort-*.csv", dtype=str, keep_default_na=False)
    scored = frame.map_partitions(regen.score_frame, meta=regen.score_frame(frame._meta))

Results are identical to single-process scoring (the same pure function on
each partition, in order).
"""

from __future__ import annotations

__all__ = ["score_files_dask"]


def _dask():
    try:
        import dask.dataframe as dd
    except ImportError:
        from regen.errors import RegenError

        raise RegenError("the dask engine needs Dask: pip install 'regen-cryo[dask]'") from None
    return dd


def score_files_dask(pattern: str, target: str, model=None, blocksize: str = "64MB",
                     scheduler: str = "threads") -> dict:
    """Score one file or a glob of CSV files with Dask; write one CSV atomically."""
    import time

    from regen.errors import DataFileError
    from regen.io import atomic_path
    from regen.scoring import resolve_model, score_frame

    dd = _dask()
    start = time.perf_counter()
    model = resolve_model(model)
    try:
        frame = dd.read_csv(pattern, dtype=str, keep_default_na=False, na_filter=False,
                            blocksize=blocksize, encoding="utf-8-sig")
    except (OSError, ValueError) as exc:
        raise DataFileError(f"cannot read {pattern!r}: {str(exc).splitlines()[0]}") from None
    scored = frame.map_partitions(score_frame, model, meta=score_frame(frame._meta, model))
    with atomic_path(target) as tmp:
        scored.to_csv(str(tmp), single_file=True, index=False, compute_kwargs={"scheduler": scheduler})
    errors = dd.read_csv(target, dtype=str, keep_default_na=False, usecols=["error"])["error"]
    bad = int((errors != "").sum().compute(scheduler=scheduler))
    rows = int(errors.shape[0].compute(scheduler=scheduler))
    return {"rows": rows, "scored": rows - bad, "not_scored": bad, "duplicate_ids": 0,
            "seconds": time.perf_counter() - start}
