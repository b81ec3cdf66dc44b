"""Write a synthetic patient CSV of a given size (shared by the benchmarks)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np


def write_patients(path: Path, n: int, seed: int = 0) -> Path:
    """n synthetic patients in the patient schema (strings, as a clinic exports them)."""
    import pandas as pd

    from regen.catalog.nerves import load_catalog

    rng = np.random.default_rng(seed)
    nerves = np.array(list(load_catalog()), dtype=object)
    frame = pd.DataFrame(
        {
            "patient_id": [f"p{i}" for i in range(n)],
            "nerve": nerves[rng.integers(0, len(nerves), n)],
            "age": rng.integers(20, 90, n),
            "sex": rng.choice(["female", "male"], n),
            "height_cm": rng.integers(150, 195, n),
            "bmi": np.round(rng.uniform(19, 40, n), 1),
            "diabetes": rng.choice(["yes", "no"], n, p=[0.2, 0.8]),
            "smoker": rng.choice(["yes", "no"], n, p=[0.15, 0.85]),
            "probe_temp_c": -70,
            "prior_treatments": rng.integers(0, 3, n),
            "treated_on": "2026-03-02",
        }
    )
    frame.to_csv(path, index=False)
    return path


if __name__ == "__main__":
    write_patients(Path(sys.argv[1]), int(sys.argv[2]))
