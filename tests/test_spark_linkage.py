"""Linkage on Spark scores exactly what linkage on DuckDB scores, with the committed model.

One local Spark session (local[2], UTC, few shuffle partitions) serves the module; the
inputs are generated here: alumni at two institutions and a pool of profiles holding their
own profiles written another way (typos, nicknames, swapped names, married names,
multi-part surnames, several education entries), namesakes and strangers.
"""

from __future__ import annotations

import json
import random

import pyarrow as pa
import pytest
from pyspark.sql import SparkSession

from matching.dialect_settings import settings_for_dialect
from matching.predict import linker_for, prepare_scoring, score_pairs
from matching.spark_predict import score_pairs_spark, splink_spark_jar
from pathways.core.db import connect_scratch
from pathways.core.errors import PathwaysError
from pathways.core.settings import Settings

pytestmark = pytest.mark.spark

MODEL = Settings.from_env().project_root / "matching" / "models" / "pathways_match_v1.json"

FIRST = ["William", "Bill", "Mary", "Susan", "José Luis", "Fang", "Lucía", "Pieter", "Sean",
         "Karen", "Robert", "Bob", "Elizabeth", "Liz", "Ahmed", "Wei", "Olga", "Dmitriy",
         "Anne", "Mary-Jane", "Thomas", "Nguyen", "Priya", "Kofi"]
LAST = ["Johnson", "Smith", "Wang", "Pérez", "García López", "van der Berg", "O'Brien",
        "Nguyễn", "Ivanov", "Dupré-Smith", "al-Hassan", "Kowalski", "Okafor", "Müller",
        "Brown", "Lee", "Patel", "Berg", "Hassan", "Zhang"]
CITIES = [("Boston", "MA"), ("Austin", "TX"), ("Denver", "CO"), ("Salem", "OR")]
PROGRAMS = ["Biology", "Marketing", "Nursing", "Computer Science"]
FIELDS = {"Biology": ["Biology", "Biological Sciences"], "Marketing": ["Digital Marketing"],
          "Nursing": ["Nursing", "Nursing Science"], "Computer Science": ["Computer Science"]}


def _typo(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name) - 1)
    return name[:i] + name[i + 1] + name[i] + name[i + 2:]


def linkage_inputs(seed: int = 7, n_alumni: int = 240, n_strangers: int = 900
                   ) -> tuple[pa.Table, pa.Table, pa.Table]:
    """Alumni, profiles and educations shaped as matching.inputs reads them."""
    rng = random.Random(seed)
    alumni, profiles, educations = [], [], []
    for i in range(n_alumni):
        institution = "hill" if i % 2 else "lake"
        first, last = rng.choice(FIRST), rng.choice(LAST)
        city, state = rng.choice(CITIES)
        program, year = rng.choice(PROGRAMS), rng.randrange(2010, 2024)
        email = f"{first[0]}{last}{i}@mail.test".lower().replace(" ", "")
        former = rng.choice(LAST) if rng.random() < 0.15 else None
        alumni.append({"record_id": f"{institution}|{i}", "institution_id": institution,
                       "first_name": first, "middle_name": rng.choice([None, "Anne", "J."]),
                       "last_name": last, "former_last_name": former,
                       "email": email if rng.random() < 0.6 else None, "city": city,
                       "state": state, "postal_code": f"0{rng.randrange(1000, 9999)}-12",
                       "graduation_year": year, "program_name": program})
        if rng.random() < 0.25:
            continue  # no profile of theirs in the pool
        way = rng.choice(["same", "typo", "swap", "married", "part", "case"])
        p_first, p_last = first, last
        if way == "typo" and len(last) > 3:
            p_last = _typo(last, rng)
        elif way == "swap":
            p_first, p_last = last, first
        elif way == "married":
            p_last = former or rng.choice(LAST)
        elif way == "part":
            p_last = last.split(" ")[0].split("-")[-1]
        elif way == "case":
            p_first, p_last = first.upper(), last.lower()
        profile_id = f"p{i}"
        profiles.append({"profile_id": profile_id, "first_name": p_first,
                         "middle_name": None, "last_name": p_last,
                         "email": email if rng.random() < 0.4 else None,
                         "city": city if rng.random() < 0.7 else None,
                         "state": state if rng.random() < 0.8 else None})
        for entry in range(rng.choice([1, 1, 2])):
            educations.append({"profile_id": profile_id, "institution_id": institution,
                               "end_year": year + rng.choice([0, 0, 1, -2]) + 2 * entry,
                               "field_of_study": rng.choice(FIELDS[program])})
    for j in range(n_strangers):
        profile_id = f"s{j}"
        city, state = rng.choice(CITIES)
        profiles.append({"profile_id": profile_id, "first_name": rng.choice(FIRST),
                         "middle_name": rng.choice([None, "Anne"]),
                         "last_name": rng.choice(LAST), "email": None,
                         "city": city, "state": state})
        if rng.random() < 0.5:
            program = rng.choice(PROGRAMS)
            educations.append({"profile_id": profile_id,
                               "institution_id": rng.choice(["hill", "lake", None]),
                               "end_year": rng.randrange(2008, 2024),
                               "field_of_study": rng.choice(FIELDS[program])})
    return (pa.Table.from_pylist(alumni), pa.Table.from_pylist(profiles),
            pa.Table.from_pylist(educations, schema=pa.schema([
                ("profile_id", pa.string()), ("institution_id", pa.string()),
                ("end_year", pa.int64()), ("field_of_study", pa.string())])))


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    warehouse = tmp_path_factory.mktemp("spark_warehouse")
    session = (SparkSession.builder.master("local[2]").appName("pathways-linkage-test")
               .config("spark.jars", splink_spark_jar())
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.default.parallelism", "4")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.warehouse.dir", str(warehouse))
               .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def inputs():
    return linkage_inputs()


@pytest.fixture(scope="module")
def duckdb_scored(inputs):
    return score_pairs(*inputs, MODEL, candidate_threshold=0.01)


def _by_pair(table: pa.Table) -> dict[tuple[str, str], dict]:
    return {(r["alumni_id"], r["profile_id"]): r for r in table.to_pylist()}


def test_spark_scores_the_same_pairs_with_the_same_probabilities_as_duckdb(
        spark, inputs, duckdb_scored):
    duck = duckdb_scored
    on_spark = score_pairs_spark(spark, *inputs, MODEL, candidate_threshold=0.01)
    assert on_spark.pairs.schema == duck.pairs.schema
    assert on_spark.prior == duck.prior and not on_spark.incremental
    expected, got = _by_pair(duck.pairs), _by_pair(on_spark.pairs)
    assert len(expected) > 150, "the fixture should give many candidate pairs"
    assert on_spark.pairs.num_rows == len(got), "one row per pair"
    assert got.keys() == expected.keys()
    for pair, row in expected.items():
        assert abs(got[pair]["match_probability"] - row["match_probability"]) < 1e-9, pair
        assert abs(got[pair]["match_weight"] - row["match_weight"]) < 1e-9, pair
        assert got[pair]["institution_id"] == row["institution_id"]
        assert got[pair]["explanation"] == row["explanation"], pair


def test_incremental_scoring_on_spark_scores_what_duckdb_scores_incrementally(spark, inputs):
    alumni, profiles, _ = inputs
    changed = {
        "changed_alumni": pa.table({"record_id": alumni.column("record_id")[:30]}),
        "changed_profiles": pa.table({"record_id": profiles.column("profile_id")[40:90]}),
    }
    duck = score_pairs(*inputs, MODEL, candidate_threshold=0.01, **changed)
    on_spark = score_pairs_spark(spark, *inputs, MODEL, candidate_threshold=0.01, **changed)
    assert duck.incremental and on_spark.incremental
    expected, got = _by_pair(duck.pairs), _by_pair(on_spark.pairs)
    assert 20 < len(expected) < len(_by_pair(score_pairs(
        *inputs, MODEL, candidate_threshold=0.01).pairs)), "only pairs touching a change"
    assert got.keys() == expected.keys()
    for pair, row in expected.items():
        assert abs(got[pair]["match_probability"] - row["match_probability"]) < 1e-9, pair
        assert got[pair]["explanation"] == row["explanation"], pair


def test_the_fixture_reaches_the_levels_that_differ_between_engines(duckdb_scored):
    explanations = " ".join(duckdb_scored.pairs.column("explanation").to_pylist())
    for level in ("given name and surname swapped", "a part of the surname shared",
                  "Jaro-Winkler distance of last_name", "former last name matches",
                  "similar or contained", "same school, year within 1"):
        assert level in explanations, level


def test_settings_generated_for_duckdb_predict_exactly_what_the_committed_model_does(inputs):
    con = connect_scratch()
    committed, _ = prepare_scoring(con, *inputs, MODEL)
    generated = settings_for_dialect(committed, "duckdb")
    results = []
    for settings in (committed, generated):
        frame = linker_for(con, "alumni_features", "profile_features", settings) \
            .inference.predict(threshold_match_probability=0.0)
        results.append(con.sql(f"""
            select unique_id_l, unique_id_r, match_weight, match_probability
            from {frame.physical_name} order by unique_id_l, unique_id_r
        """).fetchall())
    con.close()
    assert len(results[0]) > 1000
    assert results[0] == results[1]


def test_spark_settings_carry_no_duckdb_only_sql():
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    text = json.dumps(settings_for_dialect(model, "spark"))
    for duckdb_only in ('\\"', "list_intersect", "array_length", "jaro_winkler_similarity"):
        assert duckdb_only not in text, duckdb_only
    assert json.loads(text)["probability_two_random_records_match"] == \
        model["probability_two_random_records_match"]


def test_trained_probabilities_are_copied_level_by_level():
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    spark_settings = settings_for_dialect(model, "spark")
    for trained, translated in zip(model["comparisons"], spark_settings["comparisons"],
                                   strict=True):
        for a, b in zip(trained["comparison_levels"], translated["comparison_levels"],
                        strict=True):
            assert (a.get("m_probability"), a.get("u_probability"),
                    a.get("tf_adjustment_column")) == \
                (b.get("m_probability"), b.get("u_probability"),
                 b.get("tf_adjustment_column"))


def test_a_model_trained_with_other_levels_is_refused_naming_the_comparison():
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    first = model["comparisons"][0]
    first["comparison_levels"] = [lv for lv in first["comparison_levels"]
                                  if "swapped" not in (lv.get("label_for_charts") or "")]
    with pytest.raises(PathwaysError, match="first_name"):
        settings_for_dialect(model, "spark")


def test_an_unknown_dialect_is_refused():
    with pytest.raises(PathwaysError, match="trino"):
        settings_for_dialect(json.loads(MODEL.read_text(encoding="utf-8")), "trino")


class _SessionWithoutTheJar:
    """A session whose SQL knows no jaro_winkler, as one started without spark.jars."""

    def sql(self, query: str):
        raise RuntimeError("[UNRESOLVED_ROUTINE] Cannot resolve routine `jaro_winkler`")


def test_a_session_without_splinks_jar_is_told_which_jar_to_add():
    from matching.spark_predict import _check_similarity_functions

    with pytest.raises(PathwaysError, match=r"spark\.jars=.*scala-udf-similarity"):
        _check_similarity_functions(_SessionWithoutTheJar())
