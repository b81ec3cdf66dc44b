"""The nerve and indication catalog: the nerves regen must know, with sources; aliases; the closest name
suggested for an unknown one."""

from __future__ import annotations

import json

import pytest

import regen
from regen.catalog.nerves import indication_ids, load_catalog, resolve_indication, resolve_nerve
from regen.errors import InputError

REQUIRED_IDS = {
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
}


def test_catalog_has_required_nerves_with_sources():
    cat = load_catalog()
    assert REQUIRED_IDS <= set(cat)
    for nerve in cat.values():
        assert nerve.id == nerve.id.lower() and " " not in nerve.id
        assert nerve.distance_min_mm <= nerve.default_distance_mm <= nerve.distance_max_mm
        assert nerve.indications and nerve.source and nerve.distance_derivation


def test_aliases_are_unique_across_nerves():
    seen = {}
    for nerve in load_catalog().values():
        for alias in (nerve.id, *nerve.aliases):
            key = alias.lower()
            assert seen.setdefault(key, nerve.id) == nerve.id, alias


@pytest.mark.parametrize(
    ("name", "nerve"),
    [
        ("SLGN", "genicular_superolateral"),
        ("smgn", "genicular_superomedial"),
        ("IMGN", "genicular_inferomedial"),
        ("IPBSN", "infrapatellar_saphenous"),
        ("AFCN", "anterior_femoral_cutaneous"),
        ("GON", "greater_occipital"),
        ("LON", "lesser_occipital"),
        ("Greater Occipital", "greater_occipital"),
        ("genicular-superolateral", "genicular_superolateral"),
    ],
)
def test_aliases_resolve(name, nerve, cli):
    assert resolve_nerve(name) == nerve
    assert json.loads(cli("predict", "--nerve", name, "--format", "json").stdout)["nerve"] == nerve


@pytest.mark.parametrize("alias", ["PN", "MN", "SN", "FN"])
def test_ambiguous_two_letter_names_are_not_aliases(alias):
    from regen.errors import InputError

    with pytest.raises(InputError, match="unknown nerve"):
        regen.resolve_nerve(alias)


@pytest.mark.parametrize(
    ("name", "closest"),
    [
        ("greater_ocipital", "greater_occipital"),
        ("genicular_superolatral", "genicular_superolateral"),
        ("SLGM", "genicular_superolateral"),  # an alias one letter off
        ("knee", "none close"),  # a word far from every name: no guess
    ],
)
def test_an_unknown_nerve_names_the_closest_one(name, closest, cli):
    """The library and `regen predict` name the closest nerve first, and blame the nerve alone."""
    with pytest.raises(InputError, match=rf"^unknown nerve '{name}'; closest: {closest}"):
        resolve_nerve(name)
    res = cli("predict", "--nerve", name)
    assert res.exit_code == 1 and res.stderr.count("\n") == 1, res.output
    assert res.stderr.startswith(f"Error: nerve: unknown nerve '{name}'; closest: {closest}")
    assert "plausible" not in res.stderr


def test_indications():
    ids = indication_ids()
    for ind in (
        "knee_osteoarthritis",
        "total_knee_arthroplasty",
        "mastectomy",
        "lumbar_facet_syndrome",
        "occipital_neuralgia",
        "phantom_limb_pain",
        "pudendal_neuralgia",
        "cluneal_neuralgia",
        "ilioinguinal_neuralgia",
    ):
        assert ind in ids
    assert resolve_indication("Knee Osteoarthritis") == "knee_osteoarthritis"
    with pytest.raises(InputError, match="unknown indication"):
        resolve_indication("elbow")


def test_nerves_without_skin_territory_are_labelled(nerves):
    rows = dict(zip(nerves["id"], nerves["skin_territory"], strict=True))
    assert set(rows.values()) == {"yes", "no"}
    assert {k for k, v in rows.items() if v == "no"} == {
        "genicular_superolateral",
        "genicular_superomedial",
        "genicular_inferomedial",
        "lumbar_medial_branch",
        "suprascapular",
    }  # joint capsule / muscle only


def test_the_catalogs_a_prediction_reads_cannot_be_changed_by_a_caller():
    """On 7663a8f a caller's edit of load_catalog() changed later predictions (220.6 -> 462.1 days) under the
    same model version (issue 21, class 11)."""
    import dataclasses

    import regen
    from regen.catalog.nerves import load_indication_catalog
    from regen.catalog.parameters import parameter_table

    before = regen.predict_patient(nerve="intercostal")["relief_end_median_day"]
    for table, key in (
        (regen.load_catalog(), "intercostal"),
        (load_indication_catalog(), "thoracotomy"),
        (parameter_table(), "rate_mm_per_day"),
    ):
        with pytest.raises(TypeError):
            table[key] = None
        with pytest.raises(TypeError):
            del table[key]
        with pytest.raises(dataclasses.FrozenInstanceError):  # the rows are frozen too
            table[key].source = "x"
    copy = dict(regen.load_catalog())
    copy.pop("intercostal")
    assert "intercostal" in regen.load_catalog()
    assert regen.predict_patient(nerve="intercostal")["relief_end_median_day"] == before
