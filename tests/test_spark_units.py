"""The Spark engine's settings and its Parquet lake, without starting Spark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathways.core.db import connect_build, connect_scratch
from pathways.core.errors import ConfigError, PathwaysError
from pathways.core.settings import Settings
from pathways.spark.build import build_rounds
from pathways.spark.lake import land_tables
from pathways.spark.python_steps import python_models
from pathways.warehouse.refresh import run_refresh
from pathways.warehouse.spark_refresh import (
    BUILD_AREA_READS,
    build_on_spark,
    lake_tables,
    store_table,
)

ROOT = Path(__file__).resolve().parent.parent


def _settings(tmp_path: Path, **extra: str) -> Settings:
    return Settings.from_env({"PATHWAYS_WAREHOUSE": str(tmp_path / "wh" / "p.duckdb"), **extra})


def test_duckdb_stays_the_default_engine_and_spark_folders_live_in_the_build_area(tmp_path):
    settings = _settings(tmp_path)
    assert settings.engine == "duckdb"
    build = settings.build_dir
    assert settings.lake_dir == build / "lake"
    assert settings.spark_warehouse_dir.parent.parent == build
    assert settings.spark_metastore_dir.parent.parent == build
    assert settings.spark_master == "local[*]"


def test_the_spark_settings_reach_the_dbt_process_and_survive_the_round_trip(tmp_path):
    settings = _settings(tmp_path, PATHWAYS_ENGINE="Spark",
                         PATHWAYS_SPARK_MASTER="spark://head:7077",
                         PATHWAYS_LAKE=str(tmp_path / "lake"))
    child = Settings.from_env(settings.child_env())
    assert child.engine == "spark"
    assert child.spark_master == "spark://head:7077"
    assert child.lake_dir == tmp_path / "lake"
    assert child.spark_metastore_dir == settings.spark_metastore_dir
    assert child == settings
    spark_env = Settings.from_env(settings.child_env() | settings.spark_env())
    assert spark_env.spark_warehouse_dir == settings.spark_warehouse_dir.resolve()


def test_an_unknown_engine_is_a_one_line_configuration_error(tmp_path):
    with pytest.raises(ConfigError, match="PATHWAYS_ENGINE='trino' is not one of duckdb, spark"):
        _settings(tmp_path, PATHWAYS_ENGINE="trino")


def test_a_refresh_on_spark_without_java_is_refused_before_anything_is_ingested(
        tmp_path, config, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    settings = _settings(tmp_path, PATHWAYS_ENGINE="spark")
    with pytest.raises(ConfigError, match="needs a Java runtime"):
        run_refresh(settings=settings, config=config)
    assert not settings.build_db.exists()


def test_a_spark_refresh_without_the_spark_engine_handed_in_is_refused_before_ingest(
        tmp_path, config, monkeypatch):
    monkeypatch.setattr("pathways.warehouse.refresh.check_spark_available", lambda: None)
    settings = _settings(tmp_path, PATHWAYS_ENGINE="spark")
    with pytest.raises(ConfigError, match="cannot build on Spark"):
        run_refresh(settings=settings, config=config)
    assert not settings.build_db.exists()


class _StandInBuild:
    """A build on Spark as build_on_spark sees it, without Spark: its tables are Arrow."""

    def __init__(self, artifacts: Path, passes: bool, tables: dict):
        self.artifacts, self.passes, self.tables = artifacts, passes, tables
        self.results: list = []
        self.read_relations: list[str] = []

    def build(self, *, on_progress=None) -> bool:
        self.results.append((["build"], self.passes, {"results": [] if self.passes else [
            {"unique_id": "test.pathways.not_null_fct_a_k", "status": "fail",
             "message": "Got 1 result"}]}))
        if on_progress:
            on_progress(1, 1)
        return self.passes

    def read(self, relation: str):
        self.read_relations.append(relation)
        return self.tables[relation]


def _stand_in_engine(tmp_path: Path, passes: bool):
    import contextlib

    import pyarrow as pa

    artifacts = tmp_path / "target" / "spark"
    artifacts.mkdir(parents=True)
    (artifacts / "manifest.json").write_text(json.dumps({"nodes": {
        "model.pathways.fct_a": {"resource_type": "model", "schema": "marts", "alias": "fct_a"},
        "model.pathways.agg_match_quality": {"resource_type": "model", "schema": "marts",
                                             "alias": "agg_match_quality"},
        "model.pathways.stg_x": {"resource_type": "model", "schema": "staging",
                                 "alias": "stg_x"}}}))
    tables = {f"{s}.{t}": pa.table({"k": [1]}) for s, t in BUILD_AREA_READS}
    tables["marts.fct_a"] = pa.table({"k": [1, 2]})
    tables["marts.agg_match_quality"] = pa.table({"refresh_id": ["old", "r9"], "n": [1, 2]})
    seen: dict = {}

    @contextlib.contextmanager
    def open_build(settings, lake, env_vars):
        seen.update(lake=list(lake), env_vars=dict(env_vars))
        seen["build"] = _StandInBuild(artifacts, passes, tables)
        yield seen["build"]

    return open_build, seen


def test_a_passed_spark_build_copies_its_marts_and_the_build_area_s_reads_and_nothing_else(
        tmp_path):
    settings = _settings(tmp_path, PATHWAYS_ENGINE="spark")
    open_build, seen = _stand_in_engine(tmp_path, passes=True)
    outcome = build_on_spark(settings, "r9", ("agg_match_quality",), open_build)
    assert outcome.success
    assert seen["env_vars"] == {"PATHWAYS_REFRESH_ID": "r9"}
    assert ("raw", "profiles") in seen["lake"]
    assert sorted(seen["build"].read_relations) == sorted(
        ["marts.fct_a", "marts.agg_match_quality",
         *(f"{s}.{t}" for s, t in BUILD_AREA_READS)])
    with connect_build(settings.build_db) as con:
        assert con.execute("select count(*) from marts.fct_a").fetchone() == (2,)
        # a history mart takes only this refresh's rows from Spark
        assert con.execute("select * from marts.agg_match_quality").fetchall() == [("r9", 2)]


def test_a_failed_spark_build_copies_nothing_and_names_the_failed_test(tmp_path):
    settings = _settings(tmp_path, PATHWAYS_ENGINE="spark")
    open_build, seen = _stand_in_engine(tmp_path, passes=False)
    progress: list = []
    outcome = build_on_spark(settings, "r9", (), open_build,
                             on_progress=lambda done, total: progress.append((done, total)))
    assert not outcome.success
    assert progress == [(1, 1)]
    assert seen["build"].read_relations == []
    assert not settings.build_db.exists()
    assert [uid for uid, _ in outcome.failures] == ["test.pathways.not_null_fct_a_k"]
    assert outcome.tests_failed == 1


def test_a_table_built_on_spark_replaces_the_build_area_s_and_history_keeps_past_refreshes(
        tmp_path):
    import pyarrow as pa

    with connect_build(tmp_path / "build" / "b.duckdb") as con:
        store_table(con, "marts", "dim_x", pa.table({"k": [1, 2]}))
        store_table(con, "marts", "dim_x", pa.table({"k": [3]}))
        assert con.execute("select k from marts.dim_x").fetchall() == [(3,)]
        history = pa.table({"refresh_id": ["r1", "r2", "r2"], "n": [1, 2, 3]})
        store_table(con, "marts", "agg_h", history, history_of="r1")
        assert con.execute("select * from marts.agg_h").fetchall() == [("r1", 1)]
        # Spark's history table also holds rows of a refresh that never published (r2);
        # the build area takes only this refresh's rows, and replaces them when rerun.
        rerun = pa.table({"refresh_id": ["r1", "r2", "r3", "r3"], "n": [9, 2, 4, 5]})
        store_table(con, "marts", "agg_h", rerun, history_of="r3")
        store_table(con, "marts", "agg_h", rerun, history_of="r3")
        assert con.execute("select * from marts.agg_h order by all").fetchall() == [
            ("r1", 1), ("r3", 4), ("r3", 5)]


def test_every_ingested_source_is_landed_and_no_project_reference_file(tmp_path):
    tables = lake_tables(ROOT)
    assert ("raw", "profiles") in tables and ("ops", "file_ledger") in tables
    assert not [t for t in tables if t[0] == "reference"]


def test_the_lake_holds_each_table_s_rows_and_skips_tables_not_loaded_yet(tmp_path):
    build_db = tmp_path / "build" / "b.duckdb"
    with connect_build(build_db) as con:
        con.execute("create schema raw")
        con.execute("create table raw.profiles as select i as profile_id, "
                    "'name ' || i as first_name, timestamptz '2026-01-02 03:04:05+00' "
                    "as _ingested_at from range(5) t(i)")
    lake = tmp_path / "build" / "lake"
    (lake / "raw" / "profiles").mkdir(parents=True)
    (lake / "raw" / "profiles" / "stale.parquet").write_text("an earlier landing")
    landed = land_tables(build_db, lake, [("raw", "profiles"), ("raw", "nsc_detail")])
    assert [(t.schema, t.table, t.rows) for t in landed] == [("raw", "profiles", 5)]
    assert sorted(p.name for p in (lake / "raw" / "profiles").iterdir()) == ["data.parquet"]
    assert not (lake / "raw" / "nsc_detail").exists()
    with connect_scratch() as con:
        rows = con.execute(f"select count(*), max(first_name), min(_ingested_at) from "
                           f"read_parquet('{lake}/raw/profiles/*.parquet')").fetchone()
    assert rows[0] == 5 and rows[1] == "name 4"
    assert str(rows[2]).startswith("2026-01-02")


def _node(kind: str, *depends_on: str, language: str = "sql") -> dict:
    return {"resource_type": kind, "language": language,
            "depends_on": {"nodes": list(depends_on)}}


def test_a_spark_build_runs_dbt_until_a_python_model_and_the_python_model_before_its_users():
    manifest = {"nodes": {
        "seed.p.codes": _node("seed"),
        "model.p.stg": _node("model", "seed.p.codes"),
        "model.p.py": _node("model", "model.p.stg", language="python"),
        "test.p.stg_key": _node("test", "model.p.stg"),
        "model.p.mart": _node("model", "model.p.py", "model.p.stg"),
        "test.p.mart_key": _node("test", "model.p.mart"),
    }}
    rounds = build_rounds(manifest, {"model.p.py"})
    assert [(set(r.dbt_nodes), r.python_nodes) for r in rounds] == [
        ({"seed.p.codes", "model.p.stg", "test.p.stg_key"}, ("model.p.py",)),
        ({"model.p.mart", "test.p.mart_key"}, ()),
    ]


def test_a_spark_build_leaves_out_snapshots_and_everything_that_depends_on_them():
    manifest = {"nodes": {
        "model.p.stg": _node("model"),
        "snapshot.p.snap": _node("snapshot", "model.p.stg"),
        "test.p.snap_key": _node("test", "snapshot.p.snap"),
        "model.p.history": _node("model", "snapshot.p.snap"),
        "model.p.py": _node("model", "model.p.history", language="python"),
    }}
    rounds = build_rounds(manifest, {"model.p.py"})
    assert [r.dbt_nodes for r in rounds] == [("model.p.stg",)]
    assert all(not r.python_nodes for r in rounds)


def test_the_whole_project_builds_in_rounds_that_cover_every_model_and_test_once():
    """On the real graph (dbt parse on DuckDB, so no Spark): every model, seed and data test
    not built on a snapshot is built exactly once, each node after all its inputs."""
    from dbt.cli.main import dbtRunner

    target = ROOT / "target" / "rounds_check"
    result = dbtRunner().invoke(["parse", "--project-dir", str(ROOT), "--profiles-dir",
                                 str(ROOT), "--target-path", str(target)])
    assert result.success
    manifest = json.loads((target / "manifest.json").read_text())
    python = set(python_models(manifest, ROOT))
    rounds = build_rounds(manifest, python)
    order = [uid for r in rounds for uid in (*r.dbt_nodes, *r.python_nodes)]
    assert len(order) == len(set(order))
    assert python <= set(order)
    position = {uid: i for i, uid in enumerate(order)}
    for uid in order:
        for parent in manifest["nodes"][uid]["depends_on"].get("nodes", []):
            if parent in manifest["nodes"]:
                assert position[parent] < position[uid], (uid, parent)
    left_out = {uid for uid, n in manifest["nodes"].items()
                if n["resource_type"] in ("model", "seed", "test")} - set(order)
    assert all("snap" in uid for uid in left_out)
    assert not any(manifest["nodes"][uid]["resource_type"] == "snapshot" for uid in order)


def test_a_python_step_may_read_only_the_inputs_the_manifest_lists_for_it(tmp_path):
    from pathways.spark.python_steps import PythonModel, _Context

    model = PythonModel("model.p.py", "py", tmp_path / "py.py", "intermediate.py", {},
                        ("model.p.stg",))
    relations = {"stg": "staging.stg", "other": "staging.other"}
    context = _Context(model, relations, spark=None, con=connect_scratch())
    with pytest.raises(PathwaysError, match="'other', which the manifest does not list"):
        context.ref("other")
