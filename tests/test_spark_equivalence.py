"""The same landing refreshed on DuckDB and on Spark gives the same tables, row for row.

One small generated landing is refreshed twice as a data team would: `pathways refresh`
(DuckDB) and `pathways refresh --target spark` (the whole project built and tested on a
local SparkSession with dbt-spark's session method, the Python models run between dbt's
rounds, the marts copied back and published), each with its own build area and published
file. The two published files hold the same marts with the same column types; the seeds,
the staging layer, every mart and the accepted links are compared table by table between
the two builds (Spark's read from its own catalog afterwards): the same rows (as
multisets), counts exact, floating-point values within 1e-9. The refresh's own id and time
(on the history marts) are left out: they name the build, not its result.

Then the DuckDB refresh's warehouse and build area, copied, take a delivery in which one
institution's roster fails a test, refreshed on Spark: that institution is held back (its
published rows stay what the DuckDB refresh published), the other's new alumni are
published.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from support import KEY, ROSTER_HEADER, mart_rows, run_pathways

from pathways.core.db import connect_build
from pathways.core.settings import Settings

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parent.parent
STAGING = sorted(p.stem for p in (ROOT / "dbt_project" / "models" / "staging").rglob("stg_*.sql"))
SEEDS = sorted(p.stem for p in (ROOT / "seeds").glob("*.csv"))
MARTS = sorted(p.stem for p in (ROOT / "dbt_project" / "models" / "marts").rglob("*.sql"))
RELATIONS = ([("staging", name) for name in STAGING] + [("reference", name) for name in SEEDS]
             + [("marts", name) for name in MARTS] + [("pii", "int_alumni_profiles_linked")])
# Columns that name the build or the ingest rather than their result: each engine's
# refresh ingests the landing itself, so its ingest id and time are its own.
BUILD_COLUMNS = {"refresh_id", "refreshed_at", "_ingest_id", "_ingested_at"}
TOLERANCE = 1e-9
# Relations a generated landing leaves empty (nobody has reviewed a match yet).
EMPTY_BY_DESIGN = {("staging", "stg_ops__match_reviews")}


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """The two refreshes' environments and the CLI's results (DuckDB, Spark, Spark again
    with nothing new)."""
    pytest.importorskip("pyspark")
    root = tmp_path_factory.mktemp("spark_equivalence")
    env = _env(root)
    landing = root / "landing"
    generated = run_pathways(["generate", "--out", str(landing), "--institutions", "2",
                              "--alumni", "120", "--profiles", "1200", "--seed", "5"],
                             env, root)
    assert generated.returncode == 0, generated.stderr
    on_duckdb = env | {"PATHWAYS_WAREHOUSE": str(root / "duckdb" / "wh.duckdb")}
    on_spark = env | {"PATHWAYS_WAREHOUSE": str(root / "spark" / "wh.duckdb")}
    runs = [run_pathways(["refresh", "--landing", str(landing)], on_duckdb, root),
            run_pathways(["refresh", "--landing", str(landing), "--target", "spark"],
                         on_spark, root),
            run_pathways(["refresh", "--landing", str(landing), "--target", "spark"],
                         on_spark, root)]
    return Settings.from_env(on_duckdb), Settings.from_env(on_spark), runs


def _env(root: Path) -> dict[str, str]:
    return {**os.environ, "PATHWAYS_API_KEYS": str(root / "keys.sqlite"),
            "PATHWAYS_PSEUDONYM_KEY": KEY, "PATHWAYS_SPARK_MASTER": "local[2]",
            "PATHWAYS_THREADS": "2"}


@pytest.fixture(scope="module")
def both_engines(refreshed):
    """(DuckDB rows, Spark rows) per relation: the DuckDB build area's, and Spark's own
    tables read from the Spark build's catalog."""
    duck, spark_settings, runs = refreshed
    assert runs[1].returncode == 0, runs[1].stdout + runs[1].stderr
    from pathways.spark.session import read_table, spark_session

    spark = spark_session(spark_settings)
    try:
        on_spark = {relation: _rows(read_table(spark, ".".join(relation)).to_pylist())
                    for relation in RELATIONS}
    finally:
        spark.stop()
    with connect_build(duck.build_db, read_only=True) as con:
        on_duckdb = {relation: _rows(con.sql(
            f"select * from {relation[0]}.{relation[1]}").to_arrow_table().to_pylist())
            for relation in RELATIONS}
    return on_duckdb, on_spark


def _value(value):
    """A value as both engines' Arrow should agree on it: timestamps in UTC without zone,
    decimals as floats."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list):
        return tuple(_value(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _value(v)) for k, v in value.items()))
    return value


def _rows(rows: list[dict]) -> list[tuple]:
    """Rows as sorted tuples of (column, value), so two tables compare as multisets."""
    return sorted((tuple(sorted((k, _value(v)) for k, v in row.items()
                            if k not in BUILD_COLUMNS)) for row in rows), key=repr)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float | int):
        return math.isclose(a, b, rel_tol=0, abs_tol=TOLERANCE) or (math.isnan(a)
                                                                    and math.isnan(b))
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def test_a_refresh_with_target_spark_builds_tests_and_publishes_the_warehouse(refreshed):
    _, spark, runs = refreshed
    assert runs[0].returncode == 0, runs[0].stdout + runs[0].stderr
    assert runs[1].returncode == 0, runs[1].stdout + runs[1].stderr
    assert "published 9 marts" in runs[1].stdout
    with duckdb.connect(str(spark.warehouse), read_only=True) as con:
        run = con.execute("select status, step_seconds from ops.refresh_runs").fetchall()
    assert len(run) == 1 and run[0][0] == "succeeded" and "spark_build" in run[0][1]


def test_the_published_files_of_both_engines_hold_the_same_marts_and_column_types(refreshed):
    duck, spark, _ = refreshed
    columns = ("select table_name, column_name, data_type from duckdb_columns() "
               "where schema_name = 'marts' order by all")
    rows = {}
    for engine, settings in (("duckdb", duck), ("spark", spark)):
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            rows[engine] = con.execute(columns).fetchall()
    assert rows["duckdb"] and rows["duckdb"] == rows["spark"]


def test_a_second_spark_refresh_with_nothing_new_builds_and_publishes_nothing(refreshed):
    run = refreshed[2][2]
    assert run.returncode == 0, run.stdout + run.stderr
    assert "nothing new since refresh" in " ".join(run.stdout.split())


def test_a_count_whose_perturbation_table_was_not_loaded_fails_rather_than_show_unperturbed(
        refreshed):
    """A mart's perturbed counts read a session variable its pre-hook loads; run without
    the hook (the variable declared but never set), the mart's query stops with a message
    instead of returning true counts."""
    _, spark_settings, runs = refreshed
    assert runs[1].returncode == 0, runs[1].stdout + runs[1].stderr
    [compiled] = (ROOT / "target" / "spark" / "compiled").rglob("agg_outcomes_by_program.sql")
    query = compiled.read_text(encoding="utf-8")
    variable = "pathways_cell_key_ptable_agg_outcomes_by_program"
    assert variable in query
    from pathways.spark.session import spark_session

    spark = spark_session(spark_settings)
    try:
        spark.sql(f"declare or replace variable {variable} array<struct<min_count: int, "
                  "max_count: int, min_cell_key: int, max_cell_key: int, perturbation: int, "
                  "modulus: int>>")
        with pytest.raises(Exception, match="perturbation table was not loaded"):
            spark.sql(query).collect()
    finally:
        spark.stop()


@pytest.mark.parametrize("relation", RELATIONS, ids=".".join)
def test_each_relation_holds_the_same_rows_on_spark_as_on_duckdb(both_engines, relation):
    on_duckdb, on_spark = both_engines
    duck, spark = on_duckdb[relation], on_spark[relation]
    assert len(spark) == len(duck)
    if relation not in EMPTY_BY_DESIGN:
        assert duck, f"{relation} is empty on DuckDB: the comparison would prove nothing"
    different = [(d, s) for d, s in zip(duck, spark, strict=True) if not _same(d, s)]
    assert not different, f"{len(different)} rows differ, the first: {different[0]}"


def test_one_institutions_bad_delivery_holds_back_only_that_institution_on_spark(
        refreshed, tmp_path_factory):
    """Lakeshore's new roster has a graduation year of 2201 (an error-severity test of
    dim_alumni fails on its row); Northfield's has two new graduates. On Spark, as on
    DuckDB, the failing rows are stored and attributed, the build continues past the
    test, Northfield's new alumni are published and Lakeshore's published rows stay
    exactly what the last refresh published."""
    duck, _, runs = refreshed
    assert runs[0].returncode == 0, runs[0].stdout + runs[0].stderr
    root = tmp_path_factory.mktemp("spark_held_back")
    shutil.copytree(duck.warehouse.parent, root / "wh")
    warehouse = root / "wh" / duck.warehouse.name
    lakeshore_before = mart_rows(warehouse, "lakeshore")
    northfield_before = mart_rows(warehouse, "northfield")["dim_alumni"]
    rows = {"lakeshore": [
        "990001,Quentin,,Marlowe,,,1999-01-02,qm@example.org,,1 Elm St,Chicago,IL,60601,"
        "11.0701,Computer Science,Bachelor,2201-05-15"], "northfield": [
        "00880002,Tomas,,Ekdahl,,,1998-04-06,te@example.org,,78 Birch Ave,Naperville,IL,"
        "60540,11.0701,Computer Science,Bachelor,2023-05-15",
        "00880003,Uma,,Vantreece,,,1998-04-07,uv@example.org,,79 Birch Ave,Naperville,IL,"
        "60540,11.0701,Computer Science,Bachelor,2023-05-15"]}
    for institution, lines in rows.items():
        roster = root / "delivery" / institution / "roster" / "graduates_late.csv"
        roster.parent.mkdir(parents=True)
        roster.write_text("".join(f"{line}\r\n" for line in [ROSTER_HEADER, *lines]))
    run = run_pathways(["refresh", "--landing", str(root / "delivery"), "--target", "spark"],
                       _env(root) | {"PATHWAYS_WAREHOUSE": str(warehouse)}, root)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert "held back lakeshore" in run.stderr
    test = "accepted_range_dim_alumni_graduation_year__2100__1950"
    assert f"lakeshore: {test} failed on 1 of its rows" in run.stderr
    assert mart_rows(warehouse, "lakeshore") == lakeshore_before
    northfield_after = mart_rows(warehouse, "northfield")["dim_alumni"]
    assert len(northfield_after) == len(northfield_before) + 2
    with duckdb.connect(str(warehouse), read_only=True) as con:
        status, held, failed_step = con.execute(
            "select status, held_back, failed_step from ops.refresh_runs "
            "order by started_at desc limit 1").fetchone()
    assert (status, list(json.loads(held)), failed_step) == ("partial", ["lakeshore"], None)
    with connect_build(Settings.from_env({"PATHWAYS_WAREHOUSE": str(warehouse)}).build_db,
                       read_only=True) as con:
        assert con.execute(f"select institution_id from audit.{test}").fetchall() == [
            ("lakeshore",)]
