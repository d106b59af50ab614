"""The same landing built on DuckDB and on Spark gives the same tables, row for row.

One small generated landing is refreshed on DuckDB as `pathways refresh` does; its source
tables are landed as Parquet and the whole dbt project is built on the ``spark`` target
(a local SparkSession, dbt-spark's session method) in this process, the Python models
run between dbt's rounds (pathways.spark.build). The seeds, the staging layer, every mart
and the accepted links are compared table by table: the same rows (as multisets), counts
exact, floating-point values within 1e-9. The refresh's own id and time (on the history
marts) are left out: they name the build, not its result.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from decimal import Decimal
from pathlib import Path

import pytest
from support import KEY, run_pathways

from pathways.core.db import connect_build
from pathways.core.settings import Settings

pytestmark = pytest.mark.spark

ROOT = Path(__file__).resolve().parent.parent
STAGING = sorted(p.stem for p in (ROOT / "dbt_project" / "models" / "staging").rglob("stg_*.sql"))
SEEDS = sorted(p.stem for p in (ROOT / "seeds").glob("*.csv"))
MARTS = sorted(p.stem for p in (ROOT / "dbt_project" / "models" / "marts").rglob("*.sql"))
RELATIONS = ([("staging", name) for name in STAGING] + [("reference", name) for name in SEEDS]
             + [("marts", name) for name in MARTS] + [("pii", "int_alumni_profiles_linked")])
# Columns that name the build rather than its result.
BUILD_COLUMNS = {"refresh_id", "refreshed_at"}
TOLERANCE = 1e-9
# Relations a generated landing leaves empty (nobody has reviewed a match yet).
EMPTY_BY_DESIGN = {("staging", "stg_ops__match_reviews")}


@pytest.fixture(scope="module")
def both_engines(tmp_path_factory):
    """(DuckDB rows, Spark rows, whether the Spark build passed) per relation."""
    pytest.importorskip("pyspark")
    root = tmp_path_factory.mktemp("spark_equivalence")
    env = {**os.environ, "PATHWAYS_WAREHOUSE": str(root / "wh.duckdb"),
           "PATHWAYS_API_KEYS": str(root / "keys.sqlite"), "PATHWAYS_PSEUDONYM_KEY": KEY,
           "PATHWAYS_SPARK_MASTER": "local[2]", "PATHWAYS_THREADS": "2"}
    landing = root / "landing"
    generated = run_pathways(["generate", "--out", str(landing), "--institutions", "2",
                              "--alumni", "120", "--profiles", "1200", "--seed", "5"],
                             env, root)
    assert generated.returncode == 0, generated.stderr
    refreshed = run_pathways(["refresh", "--landing", str(landing)], env, root)
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr

    from pathways.spark.build import spark_build
    from pathways.spark.session import read_table

    settings = Settings.from_env(env)
    # The Python models run in this process and read the pseudonym key from its environment.
    with pytest.MonkeyPatch.context() as patch, spark_build(settings) as build:
        patch.setenv("PATHWAYS_PSEUDONYM_KEY", KEY)
        passed = build.build()
        on_spark = {relation: _rows(read_table(build.spark, ".".join(relation)).to_pylist())
                    for relation in RELATIONS}
    with connect_build(settings.build_db, read_only=True) as con:
        on_duckdb = {relation: _rows(con.sql(
            f"select * from {relation[0]}.{relation[1]}").to_arrow_table().to_pylist())
            for relation in RELATIONS}
    return on_duckdb, on_spark, passed


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


def test_the_whole_project_builds_and_passes_its_tests_on_spark(both_engines):
    assert both_engines[2]


@pytest.mark.parametrize("relation", RELATIONS, ids=".".join)
def test_each_relation_holds_the_same_rows_on_spark_as_on_duckdb(both_engines, relation):
    on_duckdb, on_spark, _ = both_engines
    duck, spark = on_duckdb[relation], on_spark[relation]
    assert len(spark) == len(duck)
    if relation not in EMPTY_BY_DESIGN:
        assert duck, f"{relation} is empty on DuckDB: the comparison would prove nothing"
    different = [(d, s) for d, s in zip(duck, spark, strict=True) if not _same(d, s)]
    assert not different, f"{len(different)} rows differ, the first: {different[0]}"
