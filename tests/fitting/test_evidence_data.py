"""The data as the evidence model reads it: the issue-18 re-readings and the derived Zobel SE."""

import math

import numpy as np

from regen.fitting.evidence import data


def test_rows_read_beyond_their_source_are_out():
    rows = data.used_relief_rows()
    for study in ("cavazos2009", "cazzato2016", "koethe2014"):
        assert study not in set(rows["study"])
    pmc = rows[rows["study"] == "pmc7075583"]
    assert pmc["kind"].tolist() == ["responders"] and pmc["count"].tolist() == [9]


def test_curves_are_cohorts_with_falling_counts():
    rd = data.relief_data({})
    valid = rd.g_valid.astype(bool)
    for g in range(len(rd.g_n)):
        c = rd.g_counts[g][valid[g]]
        assert np.all(np.diff(c) <= 0) and c[0] <= rd.g_n[g]
    das = rd.numbers[rd.numbers["study"] == "das2023"]
    assert das["day"].tolist() == [30.0, 183.0] and das["count"].tolist() == [38.0, 27.0]


def test_zobel_enters_with_the_p_value_se():
    md = data.mechanism_data()
    se = dict(zip(md.ids, md.se, strict=True))
    ratio_se = math.hypot(se["zobel2020_le21"], se["zobel2020_gt21"])
    assert abs(ratio_se - math.log(10.8 / 3.4) / 2.9677) < 1e-3  # about 0.39, not 0.086
    young = md.comp_row == md.ids.index("zobel2020_le21")
    ages, w = md.comp_age[young], md.comp_w[young]
    assert abs(w[ages <= 16].sum() - 22 / 30) < 1e-9  # cohort median 16 of 43
