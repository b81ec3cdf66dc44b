"""Build published_outcomes.csv: published summaries turned into pseudo-patient rows.

Run from the repository root: ``python scripts/make_published_outcomes.py``.
Each study below states what was published (literature.md) and how it becomes
rows; see published_outcomes.md. These rows are derived from published
summaries, not patient data: they carry no individual covariates.
"""

from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = ["patient_id", "nerve", "indication", "relief_last_seen_day", "relief_lost_day",
           "responded", "source", "pseudo_row_note"]

# (study key, nerve, indication, source, [(count, last_seen, lost, responded, note), ...])
STUDIES = [
    ("grigsby2021", "greater_occipital", "occipital_neuralgia",
     "Grigsby, Radnovich & Nalamachu 2021, Local Reg Anesth 14:125",
     [(9, 0, 7, "no", "not improved at day 7 (36 % of 26)"),
      (4, 7, 30, "yes", "improved at day 7, not at day 30 (64 % -> 50 %)"),
      (4, 30, 56, "yes", "improved at day 30, not at day 56 (50 % -> 35 %)"),
      (9, 56, "", "yes", "still improved at day 56 (35 %), last contact")]),
    ("birkenmaier2007", "lumbar_medial_branch", "lumbar_facet_syndrome",
     "PMC2267642 (usually cited as Birkenmaier et al. 2007)",
     [(13, 0, 42, "no", "non-responder at 6 weeks (28 % of 46)"),
      (9, 180, 365, "yes", "mean VAS regained 26 % of its drop between month 6 (3.0) and 12 (4.2): "
                          "read as 26 % of responders losing relief in (180, 365]"),
      (24, 365, "", "yes", "responder still relieved at 12 months (mean VAS 4.2 vs 7.7 baseline)")]),
    ("radnovich2017", "infrapatellar_saphenous", "knee_osteoarthritis",
     "Radnovich et al. 2017, Osteoarthritis Cartilage 25:1247; FDA 510(k) K161835/K173763",
     [(60, 30, 90, "yes", "label 'relief up to 90 days': half read as losing relief in (30, 90]"),
      (30, 90, 150, "yes", "better than sham at day 90; lost by day 150"),
      (31, 150, "", "yes", "responders at day 120 still better at day 150, last contact")]),
    ("mihalko2021", "infrapatellar_saphenous", "total_knee_arthroplasty",
     "Mihalko et al. 2021; Goodwin et al. 2025 (systematic review: window 6-12 weeks)",
     [(31, 42, 84, "yes", "pooled window of pain reduction 6-12 weeks: half lost in (42, 84]"),
      (31, 84, "", "yes", "better pain to 12 weeks, last contact")]),
    ("ilfeld2022", "intercostal", "mastectomy",
     "Ilfeld et al. 2022, Anesthesiology 137:529",
     [(1, 90, 365, "yes", "chronic pain at 1 year 3 % (1 of 31)"),
      (30, 365, "", "yes", "better analgesia through month 12, last contact")]),
    ("goss2020", "infraorbital", "trigeminal_neuralgia",
     "Goss & Ito 2020, Br J Oral Maxillofac Surg 58:1187",
     [(1, 152, 152, "yes", "shortest pain-free interval 5 months"),
      (26, 152, 858, "yes", "pain-free median 28.2 months: below the median"),
      (27, 858, "", "yes", "at or above the median 28.2 months (exact time unknown)"),
      (1, 4383, 4383, "yes", "longest pain-free interval 144 months")]),
    ("lloyd1976", "intercostal", "mixed_chronic_pain",
     "Lloyd, Barnard & Glynn 1976, Lancet 2:932",
     [(12, 0, 7, "no", "12 of 64 not relieved"),
      (26, 1, 11, "yes", "relief median 11 days: half of the 52 relieved lost it by day 11"),
      (25, 11, 224, "yes", "above the median, at most 224 days"),
      (1, 224, 224, "yes", "longest relief 224 days")]),
    ("cvir2024", "plantar_digital", "mortons_neuroma",
     "Cardiovasc Intervent Radiol 2024 (PMID 38438685)",
     [(6, 0, 180, "no", "no relief at 6 months (11 %): not separable from early loss, counted as non-response"),
      (48, 180, "", "yes", "complete (60 %) or partial (28 %) relief at 6 months, last contact")]),
]


def rows():
    """Yield the pseudo-patient rows of every study."""
    for key, nerve, indication, source, groups in STUDIES:
        i = 0
        for count, seen, lost, responded, note in groups:
            for _ in range(count):
                i += 1
                yield {"patient_id": f"{key}-{i:03d}", "nerve": nerve, "indication": indication,
                       "relief_last_seen_day": seen, "relief_lost_day": lost,
                       "responded": responded, "source": source, "pseudo_row_note": note}


def main() -> None:
    out = Path(__file__).resolve().parents[1] / "data" / "published_outcomes.csv"
    with out.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows())
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
