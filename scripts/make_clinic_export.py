"""Write the synthetic 75-patient clinic export the plans tests use (no real patients).

Usage: python scripts/make_clinic_export.py [OUT]   (default tests/reporting/data/clinic_export.csv)

The shape of the export a new user tried (issue 20): 75 patients treated over
the year before 2026-12-01 for knee osteoarthritis, occipital neuralgia,
intercostal neuralgia, post-mastectomy pain, phantom limb pain and lumbar facet
pain, spelled as clinics type them (``Knee OA``, ``Lumbar facet``, ``PMPS``),
with the header ``Patient ID`` and the empty rows a spreadsheet leaves at the
end. Every even-numbered patient (half of them) was called within the two weeks
before 2026-12-01 and was still relieved. Seeded: the same file every time.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

TODAY = np.datetime64("2026-12-01")
KINDS = (
    ("SLGN", "Knee OA"),
    ("IPBSN", "knee osteoarthritis"),
    ("GON", "Occipital neuralgia"),
    ("intercostal", "intercostal neuralgia"),
    ("intercostal", "PMPS"),
    ("sciatic", "phantom limb pain"),
    ("lumbar_medial_branch", "Lumbar facet"),
)


def export(n: int = 75, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        nerve, indication = KINDS[rng.integers(len(KINDS))]
        treated = TODAY - int(rng.integers(21, 365))
        row = {
            "Patient ID": f"P{i:03d}",
            "nerve": nerve,
            "indication": indication,
            "treated_on": str(treated),
            "age": str(int(rng.integers(25, 85))),
            "last_contact_on": "",
            "relieved_at_last_contact": "",
        }
        if i % 2 == 0:
            row["last_contact_on"] = str(TODAY - int(rng.integers(1, 14)))
            row["relieved_at_last_contact"] = "yes"
        rows.append(row)
    frame = pd.DataFrame(rows)
    blank = pd.DataFrame([dict.fromkeys(frame.columns, "")] * 3)  # what a spreadsheet leaves at the end
    return pd.concat([frame, blank], ignore_index=True)


if __name__ == "__main__":
    out = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else Path(__file__).resolve().parents[1] / "tests/reporting/data/clinic_export.csv"
    )
    export().to_csv(out, index=False)
    print(f"wrote {out}")
