import duckdb
import pyarrow as pa
import pytest

from matching.features import (
    FEATURE_COLUMNS,
    alumni_features,
    nickname_groups,
    profile_features,
)
from matching.resolve import resolve_one_to_one
from matching.settings import blocking_rules, settings
from matching.train import regularise
from pathways.core.pseudonym import alumni_key


def test_nicknames_share_a_formal_name():
    table = nickname_groups()
    groups = dict(zip(table["name"].to_pylist(), table["name_groups"].to_pylist(), strict=True))
    assert len(groups) > 1000  # the maintained list, not a handful of pairs
    assert "william" in groups["bill"] and "william" in groups["william"]
    assert "elizabeth" in groups["liz"]
    assert "robert" in groups["bob"]


def test_features_normalise_both_sides():
    con = duckdb.connect()
    alumni = pa.table({
        "record_id": ["u|001"], "institution_id": ["u"], "first_name": ["José Luis"],
        "middle_name": ["Ángel"], "last_name": ["O’Brien-Smith"], "former_last_name": [None],
        "email": [" Jose@Example.COM "], "graduation_year": [2020],
        "program_name": ["Computer Science"], "city": ["Boston"], "state": ["ma"],
        "postal_code": ["02138-1234"],
    })
    alumni_features(con, alumni, "a")
    row = con.sql("select * from a").to_arrow_table().to_pylist()[0]
    assert tuple(row) == FEATURE_COLUMNS
    assert row["first_name"] == "jose"
    assert row["last_name"] == "obriensmith"
    assert row["last_name_tokens"] == ["obrien", "smith"]
    assert row["given_names"] == ["jose", "luis", "angel"]
    assert row["middle_initial"] == "a"
    assert row["email"] == "jose@example.com"
    assert row["state"] == "MA" and row["postal_code"] == "02138"
    assert row["grad_year"] == 2020 and row["institution_id"] == "u"

    profiles = pa.table({"profile_id": ["p1", "p2"], "first_name": ["Bill", "Ann"],
                         "last_name": ["Lee", "Wu"]})
    educations = pa.table({"profile_id": ["p1", "p1", "p1"], "institution_id": ["u", "v", None],
                           "end_year": [2020, 2022, 2010], "field_of_study": ["CS", "MBA", "x"]})
    profile_features(con, profiles, educations, "p")
    rows = con.sql("select unique_id, institution_id, grad_year, first_name_groups from p "
                   "order by unique_id").to_arrow_table().to_pylist()
    assert [(r["unique_id"], r["institution_id"], r["grad_year"]) for r in rows] == [
        ("p1|u|1", "u", 2020), ("p1|v|2", "v", 2022), ("p2||", "", None)]
    assert "william" in rows[0]["first_name_groups"]


def _resolve(pairs):
    con = duckdb.connect()
    con.register("pairs", pa.table({
        "institution_id": [p[0] for p in pairs], "alumni_id": [p[1] for p in pairs],
        "profile_id": [p[2] for p in pairs],
        "match_probability": [min(p[3] / 30, 1.0) for p in pairs],
        "match_weight": [float(p[3]) for p in pairs],
        "explanation": [f"weight {p[3]}" for p in pairs]}))
    resolve_one_to_one(con, "pairs", "resolved")
    return {(r[0], r[1], r[2], r[3]) for r in con.execute(
        "select institution_id, alumni_id, profile_id, candidate_rank from resolved").fetchall()}


def test_one_to_one_is_greedy_and_keeps_runner_up():
    resolved = _resolve([
        ("u", "a1", "p1", 20), ("u", "a1", "p2", 15),
        ("u", "a2", "p1", 18), ("u", "a2", "p3", 5),
    ])
    assert {r for r in resolved if r[3] == 1} == {("u", "a1", "p1", 1), ("u", "a2", "p3", 1)}
    assert ("u", "a1", "p2", 2) in resolved and ("u", "a2", "p1", 2) in resolved


def test_two_namesakes_do_not_collapse_onto_one_profile():
    # Two different people with the same name at one school both score well on p1,
    # but only one profile can be each of them.
    resolved = _resolve([("u", "ann_2019", "p1", 25), ("u", "ann_2022", "p1", 24),
                         ("u", "ann_2022", "p2", 22)])
    accepted = {(r[1], r[2]) for r in resolved if r[3] == 1}
    assert accepted == {("ann_2019", "p1"), ("ann_2022", "p2")}


def test_a_profile_may_match_one_alumnus_per_institution():
    resolved = _resolve([("u", "a1", "p1", 20), ("v", "b1", "p1", 20)])
    assert {(r[0], r[2]) for r in resolved if r[3] == 1} == {("u", "p1"), ("v", "p1")}


def test_settings_build_and_blocking_rules_are_equi_joins():
    created = settings().create_settings_dict("duckdb")
    names = [c["output_column_name"] for c in created["comparisons"]]
    assert names == ["first_name", "last_name", "email", "school", "field", "location",
                     "middle_initial"]
    assert len(blocking_rules()) == 8


def test_regularise_floors_impossible_levels():
    model = {"comparisons": [{"comparison_levels": [
        {"is_null_level": True},
        {"m_probability": 1.0, "u_probability": 0.1},
        {"m_probability": 0.0, "u_probability": 0.9},
    ]}]}
    levels = regularise(model)["comparisons"][0]["comparison_levels"]
    assert levels[2]["m_probability"] > 0
    assert sum(lv["m_probability"] for lv in levels[1:]) == pytest.approx(1.0)


def test_alumni_keys_are_stable_and_keyed():
    assert alumni_key(b"k1", "u", "001") == alumni_key(b"k1", "u", "001")
    assert alumni_key(b"k1", "u", "001") != alumni_key(b"k2", "u", "001")
    assert alumni_key(b"k1", "u", "001") != alumni_key(b"k1", "v", "001")
    assert len(alumni_key(b"k1", "u", "001")) == 64
