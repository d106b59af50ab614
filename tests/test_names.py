"""Names from every tradition: folding, transliteration, particles, surname parts, swaps,
and the comparison levels the trained warehouse model gives them."""

import json
import math

import duckdb
import pyarrow as pa
import pytest

from matching.features import alumni_features, fold_name, prepare_names, profile_features
from matching.predict import score_pairs
from matching.train import regularise
from pathways.core.settings import Settings

MODEL = Settings.from_env().project_root / "matching" / "models" / "pathways_match_v1.json"


def _features(**columns):
    """Alumni features of one-row-per-name input columns."""
    rows = len(next(iter(columns.values())))
    table = pa.table({"record_id": [f"u|{i}" for i in range(rows)],
                      "institution_id": ["u"] * rows, "graduation_year": [2020] * rows,
                      "program_name": ["Biology"] * rows, **columns})
    con = duckdb.connect()
    alumni_features(con, table, "a")
    return con.sql("select * from a order by record_id").to_arrow_table().to_pylist()


def test_accents_are_folded_and_other_scripts_transliterated():
    assert fold_name("Nguyễn Thị") == "Nguyen Thi"
    assert fold_name("García López") == "Garcia Lopez"
    assert fold_name("Łukasz Søren Straße") == "Lukasz Soren Strasse"
    assert fold_name("Дмитрий Иванов") == "Dmitrii Ivanov"
    assert fold_name("Σοφία") == "Sofia"  # as ELOT 743 romanises it
    assert fold_name("王") == "Wang"
    # A Han given name becomes one word, as US registrars write it (Xiuying, not Xiu Ying)
    assert fold_name("秀英").lower() == "xiuying"
    assert fold_name("Smith") == "Smith"


def test_names_are_prepared_once_per_distinct_value_and_nulls_stay_null():
    table = pa.table({"first_name": ["Zoë Anne", None, "Zoë Anne", "Mary-Jane"],
                      "last_name": pa.array([None] * 4, pa.null())})
    prepared = prepare_names(table)
    assert prepared.column("_n_first_words").to_pylist() == ["zoe anne", None, "zoe anne",
                                                             "mary jane"]
    assert prepared.column("_n_first_name").to_pylist() == ["zoe", None, "zoe", "maryjane"]
    assert prepared.column("_n_last_words").to_pylist() == [None] * 4
    assert prepared.column("_n_former_last_name").to_pylist() == [None] * 4  # no such column
    assert prepared.column("first_name").equals(table.column("first_name"))  # kept as given


def test_apostrophes_and_spacing_give_one_surname():
    rows = _features(first_name=["Siobhán"] * 4,
                     last_name=["O'Brien", "OBrien", "O Brien", "O’Brien"])
    assert {r["last_name"] for r in rows} == {"obrien"}


def test_particles_are_written_dropped_or_run_together():
    rows = _features(first_name=["Anna"] * 5,
                     last_name=["van der Berg", "Vanderberg", "Berg", "Van Der Berg",
                                "al-Hassan"])
    assert [r["last_name"] for r in rows] == ["vanderberg", "vanderberg", "berg",
                                              "vanderberg", "alhassan"]
    assert [r["last_name_core"] for r in rows] == ["berg", "vanderberg", "berg", "berg",
                                                   "hassan"]
    assert rows[0]["last_name_tokens"] == ["berg"]


def test_multi_part_and_hyphenated_surnames_are_split_into_parts():
    rows = _features(first_name=["María", "Claire", "Lan", "Ana"],
                     last_name=["García López", "Dupré-Smith", "Nguyễn Thị", "Da"])
    assert [r["last_name_tokens"] for r in rows] == [
        ["garcia", "lopez"], ["dupre", "smith"], ["nguyen", "thi"], ["da"]]
    assert [(r["last_name_head"], r["last_name_tail"]) for r in rows] == [
        ("garcia", "lopez"), ("dupre", "smith"), ("nguyen", "thi"), ("da", "da")]


def test_every_given_name_is_kept_and_a_hyphenated_one_stays_whole():
    rows = _features(first_name=["José Luis", "Mary-Jane", "Lan"],
                     middle_name=["Ángel", None, "Thị"])
    assert [r["first_name"] for r in rows] == ["jose", "maryjane", "lan"]
    assert [r["given_names"] for r in rows] == [["jose", "luis", "angel"], ["mary", "jane"],
                                                ["lan", "thi"]]


# Roster name -> how the same person writes it on a profile, and the level of the name
# comparison the pair should reach.
VARIANTS = [
    ("María", "García López", "María", "García", "last_name",
     "a part of the surname shared"),
    ("Claire", "Dupré-Smith", "Claire", "Smith", "last_name", "a part of the surname shared"),
    ("Pieter", "van der Berg", "Pieter", "Berg", "last_name", "same surname without particles"),
    ("Pieter", "van der Berg", "Pieter", "Vanderberg", "last_name", "Exact match"),
    ("Sean", "O'Brien", "Sean", "O Brien", "last_name", "Exact match"),
    # A surname that begins with the other is already a close spelling.
    ("Lan", "Nguyen", "Lan", "Nguyễn Thị", "last_name", "Jaro-Winkler distance"),
    ("Lucía", "Pérez", "Lucía", "Ruiz-Pérez", "last_name", "a part of the surname shared"),
    ("Dmitriy", "Ivanov", "Дмитрий", "Иванов", "last_name", "Exact match"),
    ("Fang", "Wang", "Wang", "Fang", "first_name", "given name and surname swapped"),
    ("Fang", "Wang", "Wang", "Fang", "last_name", "surname and given name swapped"),
    ("José Luis", "Ortega", "Luis", "Ortega", "first_name", "another given name shared"),
]


@pytest.fixture(scope="module")
def scored_variants():
    alumni = pa.table({
        "record_id": [f"u|{i}" for i in range(len(VARIANTS))],
        "institution_id": ["u"] * len(VARIANTS),
        "first_name": [v[0] for v in VARIANTS], "last_name": [v[1] for v in VARIANTS],
        "graduation_year": [2020] * len(VARIANTS), "program_name": ["Biology"] * len(VARIANTS),
    })
    profiles = pa.table({
        "profile_id": [f"p{i}" for i in range(len(VARIANTS))],
        "first_name": [v[2] for v in VARIANTS], "last_name": [v[3] for v in VARIANTS],
    })
    educations = pa.table({"profile_id": [f"p{i}" for i in range(len(VARIANTS))],
                           "institution_id": ["u"] * len(VARIANTS),
                           "end_year": [2020] * len(VARIANTS),
                           "field_of_study": ["Biology"] * len(VARIANTS)})
    pairs = score_pairs(alumni, profiles, educations, MODEL, candidate_threshold=0.0).pairs
    return {(r["alumni_id"], r["profile_id"]): r["explanation"] for r in pairs.to_pylist()}


@pytest.mark.parametrize("index", range(len(VARIANTS)),
                         ids=[f"{v[1]}-{v[3]}-{v[4]}" for v in VARIANTS])
def test_a_name_written_another_way_reaches_its_own_level(scored_variants, index):
    *_, comparison, level = VARIANTS[index]
    explanation = scored_variants[(f"u|{index}", f"p{index}")]
    part = next(p for p in explanation.split("; ") if p.startswith(f"{comparison}:"))
    assert level in part, explanation


def _bits(level):
    return math.log2(level["m_probability"] / level["u_probability"])


def test_the_trained_model_weighs_a_surname_part_and_a_swap_below_the_whole_name():
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    by_name = {c["output_column_name"]: {lv.get("label_for_charts"): lv
                                         for lv in c["comparison_levels"]}
               for c in model["comparisons"]}
    last, first = by_name["last_name"], by_name["first_name"]
    exact_last = _bits(last["Exact match on last_name"])
    assert _bits(last["a part of the surname shared (García López / García)"]) < exact_last
    assert _bits(last["same surname without particles (van der Berg / Berg)"]) < exact_last
    assert _bits(last["surname and given name swapped"]) < exact_last
    assert _bits(first["given name and surname swapped"]) < _bits(
        first["Exact match on first_name"])
    # Swaps are adjusted for how common the names are, like the exact levels.
    assert last["surname and given name swapped"]["tf_adjustment_column"] == "last_name"


def test_regularise_keeps_a_looser_level_below_a_stricter_one():
    model = {"comparisons": [{"comparison_levels": [
        {"is_null_level": True},
        {"m_probability": 0.80, "u_probability": 0.01},    # exact: 80x
        {"m_probability": 0.01, "u_probability": 0.00001},  # rare level: 1000x before
        {"m_probability": 0.19, "u_probability": 0.98999},
    ]}]}
    levels = regularise(model)["comparisons"][0]["comparison_levels"][1:]
    ratios = [lv["m_probability"] / lv["u_probability"] for lv in levels]
    assert ratios[1] <= ratios[0] + 1e-9
    assert sum(lv["u_probability"] for lv in levels) == pytest.approx(1.0)


def test_profile_features_fold_names_too():
    con = duckdb.connect()
    profiles = pa.table({"profile_id": ["p1"], "first_name": ["Дмитрий"],
                         "last_name": ["Иванов"]})
    educations = pa.table({"profile_id": ["p1"], "institution_id": ["u"], "end_year": [2020],
                           "field_of_study": ["Biology"]})
    profile_features(con, profiles, educations, "p")
    assert con.sql("select first_name, last_name from p").fetchall() == [("dmitrii", "ivanov")]
