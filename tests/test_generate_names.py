"""The demo world's names come from every tradition, in realistic proportions, and profiles
write them the ways people do."""

import re

import pytest

from pathways.generate import names
from pathways.generate.people import World


@pytest.fixture(scope="module")
def people(config):
    world = World(config.institutions[:2], seed=3)
    alumni = [a for i, inst in enumerate(config.institutions[:2])
              for a in world.alumni(inst, i, 4000)]
    profiles = {a.student_id + a.institution.id: world.alumnus_profile(a) for a in alumni}
    return alumni, profiles


def test_about_one_person_in_eleven_has_a_name_from_another_tradition(people):
    alumni, _ = people
    traditions = [a.person.tradition for a in alumni]
    share = sum(t != "common" for t in traditions) / len(traditions)
    assert 0.06 < share < 0.12, share
    assert {"hispanic", "particle", "apostrophe", "vietnamese", "chinese", "cyrillic",
            "hyphenated"} <= set(traditions)
    multi_part = sum(bool(re.search(r"[ \-]", a.roster_last_name)) for a in alumni)
    assert 0.03 < multi_part / len(alumni) < 0.08


def test_roster_names_from_other_scripts_are_romanised_as_registrars_do(people):
    alumni, _ = people
    cyrillic = [a.person for a in alumni if a.person.tradition == "cyrillic"]
    assert cyrillic and all(p.first_name.isascii() and not p.native_first.isascii()
                            for p in cyrillic)
    assert names.romanise("Дмитрий", names.CYRILLIC_ROMAN) == "Dmitriy"  # BGN/PCGN, not Dmitrii
    assert names.pinyin("秀英") == "Xiuying"


def test_profiles_write_names_the_ways_people_do(people):
    alumni, profiles = people
    written = [(a, p) for a in alumni if (p := profiles[a.student_id + a.institution.id])]
    native = [p for a, p in written if a.person.native_last and p.last_name == a.person.native_last]
    assert native, "some profiles are in the name's own script"
    first_part = [p for a, p in written if a.person.tradition == "hispanic"
                  and p.last_name == a.person.last_name.replace("-", " ").split()[0]]
    assert first_part, "some keep only the first of two surnames"
    no_apostrophe = [p for a, p in written if a.person.tradition == "apostrophe"
                     and "'" not in p.last_name and "’" not in p.last_name]
    assert no_apostrophe, "some drop the apostrophe"
    swapped = [p for a, p in written if a.person.native_last is None
               and p.first_name == a.person.last_name and p.last_name == a.person.first_name]
    assert 0 < len(swapped) < 0.02 * len(written)
