"""The nerve catalog and the parameter table."""

import pytest

from regen.catalog.nerves import indication_ids, load_catalog, resolve_indication, resolve_nerve
from regen.catalog.parameters import REQUIRED, parameter_table
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
def test_aliases_resolve(name, nerve):
    assert resolve_nerve(name) == nerve


def test_unknown_nerve_names_closest():
    with pytest.raises(InputError, match=r"closest: .*greater_occipital"):
        resolve_nerve("greater_ocipital")


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


def test_parameters_have_units_and_sources():
    params = parameter_table()
    assert set(REQUIRED) <= set(params)
    for p in params.values():
        assert p.unit and p.source and p.species
        assert p.distribution in {"lognormal", "fixed"}
        assert (p.sd_log > 0) == (p.distribution == "lognormal")
