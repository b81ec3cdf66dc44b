"""Make a synthetic 40-patient clinic export, score it and write the report pages.

A seeded, made-up cohort (no real patient): 40 patient ids across 20 nerves,
knee patients with two or three genicular nerves (repeated ids), treatment
dates over the 400 days before ``--today``. Writes, into ``--out``:
``export.csv``, ``scored.csv``, ``report.html`` (shareable, no identifiers) and
``report_list.html`` (with the working lists). Render them with
``scripts/screenshot_report.sh``.

Usage::

    python scripts/demo_report.py --out /tmp/regen-demo --today 2026-11-25
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

NERVES = [
    "genicular_superolateral",
    "genicular_superomedial",
    "genicular_inferomedial",
    "infrapatellar_saphenous",
    "anterior_femoral_cutaneous",
    "intercostal",
    "greater_occipital",
    "lesser_occipital",
    "lumbar_medial_branch",
    "sciatic",
    "femoral",
    "superficial_peroneal",
    "sural",
    "ilioinguinal",
    "iliohypogastric",
    "superior_cluneal",
    "pudendal",
    "anterior_cutaneous_abdominal",
    "supraorbital",
    "infraorbital",
]


def clinic_export(today: str, n_patients: int = 40, seed: int = 13) -> pd.DataFrame:
    """A made-up clinic export: one row per treated nerve, every nerve of NERVES at least once."""
    rng = np.random.default_rng(seed)
    t0 = np.datetime64(today)
    rows = []
    for i in range(n_patients):
        nerve = NERVES[i % len(NERVES)]
        nerves = [nerve]
        if nerve.startswith("genicular") and i % 2 == 0:
            nerves = ["genicular_superolateral", "genicular_superomedial", "genicular_inferomedial"][: 2 + i % 3]
        treated = t0 - int(rng.integers(0, 400))
        age = int(rng.integers(28, 90))
        for n in nerves:
            rows.append(
                {
                    "patient_id": f"P{i + 1:03d}",
                    "nerve": n,
                    "age": age,
                    "diabetes": "yes" if rng.random() < 0.2 else "no",
                    "treated_on": str(treated),
                }
            )
    return pd.DataFrame(rows)


def main() -> None:
    from regen import score_frame
    from regen.reporting.report import build_report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("regen-demo"))
    parser.add_argument("--today", default="2026-11-25")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    export = clinic_export(args.today)
    export.to_csv(args.out / "export.csv", index=False)
    scored = score_frame(export.astype(str))
    scored.to_csv(args.out / "scored.csv", index=False)
    scored = pd.read_csv(args.out / "scored.csv", dtype=str, keep_default_na=False)
    (args.out / "report.html").write_text(build_report(scored, today=args.today), encoding="utf-8")
    (args.out / "report_list.html").write_text(
        build_report(scored, today=args.today, list_patients=True), encoding="utf-8"
    )
    print(
        f"{len(export)} rows, {export['patient_id'].nunique()} patients, "
        f"{export['nerve'].nunique()} nerves -> {args.out}"
    )


if __name__ == "__main__":
    main()
