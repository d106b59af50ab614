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
    """A build on Spark as build_on_spark sees it, without Spark: its tables are Arrow.
    ``failures``: what its first command fails on, as run_results entries (a test with a
    ``relation_name`` stored its failing rows there when rerun); a resumed build passes."""

    def __init__(self, artifacts: Path, failures: list[dict], tables: dict):
        self.artifacts, self.failures, self.tables = artifacts, failures, tables
        self.results: list = []
        self.read_relations: list[str] = []
        self.calls: list[tuple] = []

    def build(self, *, on_progress=None) -> bool:
        self.results.append((["build"], not self.failures, {"results": [
            {k: v for k, v in f.items() if k != "relation_name"} for f in self.failures]}))
        if on_progress:
            on_progress(1, 1)
        return not self.failures

    def store_failing_rows(self, tests):
        self.calls.append(("store_failing_rows", list(tests)))
        return {"results": [f for f in self.failures if f["unique_id"].split(".")[2] in tests]}

    def resume(self, select, exclude) -> bool:
        self.calls.append(("resume", list(select), list(exclude)))
        self.results.append((["build", "--select", *select], True, {"results": [
            {"unique_id": f"model.pathways.{name}", "status": "success"} for name in select]}))
        return True

    def read(self, relation: str):
        self.read_relations.append(relation)
        return self.tables[relation]


def _stand_in_engine(tmp_path: Path, passes: bool = True, failures: list | None = None,
                     extra_tables: dict | None = None):
    import contextlib

    import pyarrow as pa

    if failures is None:
        failures = [] if passes else [{"unique_id": "test.pathways.not_null_fct_a_k",
                                       "status": "fail", "message": "Got 1 result"}]
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
    tables.update(extra_tables or {})
    seen: dict = {}

    @contextlib.contextmanager
    def open_build(settings, lake, env_vars):
        seen.update(lake=list(lake), env_vars=dict(env_vars))
        seen["build"] = _StandInBuild(artifacts, failures, tables)
        yield seen["build"]

    return open_build, seen


def test_a_passed_spark_build_copies_its_marts_and_the_build_area_s_reads_and_nothing_else(
        tmp_path):
    settings = _settings(tmp_path, PATHWAYS_ENGINE="spark")
    open_build, seen = _stand_in_engine(tmp_path, passes=True)
    outcome, attribution = build_on_spark(settings, "r9", ("agg_match_quality",), open_build)
    assert outcome.success and not attribution.held_back
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
    with connect_build(settings.build_db):
        pass  # ingest made the build area
    progress: list = []
    outcome, attribution = build_on_spark(
        settings, "r9", (), open_build,
        on_progress=lambda done, total: progress.append((done, total)))
    assert not outcome.success
    assert progress == [(1, 1)]
    # Its failing rows were not stored (no relation): they name no institution, so the
    # build is not continued and nothing is copied.
    assert seen["build"].calls == [("store_failing_rows", ["not_null_fct_a_k"])]
    assert attribution.unattributed and not attribution.held_back
    assert seen["build"].read_relations == []
    with connect_build(settings.build_db, read_only=True) as con:
        assert con.execute("select count(*) from duckdb_tables()").fetchone() == (0,)
    assert [uid for uid, _ in outcome.failures] == ["test.pathways.not_null_fct_a_k"]
    assert outcome.tests_failed == 1


def test_a_spark_build_whose_failing_rows_all_name_one_institution_continues_past_them(
        tmp_path):
    """The failed test's rows, stored on Spark, are copied into the build area's schema
    audit and attributed; the same build resumes with what the failure skipped, the failed
    test left out, and then its marts are copied for publishing with that institution
    held back."""
    import pyarrow as pa

    settings = _settings(tmp_path, PATHWAYS_ENGINE="spark")
    test_id = "test.pathways.accepted_range_dim_alumni_graduation_year__2100__1950"
    failing = pa.table({"institution_id": ["lakeshore"], "graduation_year": [2201]})
    open_build, seen = _stand_in_engine(
        tmp_path, failures=[
            {"unique_id": test_id, "status": "fail", "message": "Got 1 result",
             "relation_name": "`audit`.`accepted_range_dim_alumni_graduation_year__2100__1950`"},
            {"unique_id": "model.pathways.agg_outcomes_by_program", "status": "skipped"}],
        extra_tables={"audit.accepted_range_dim_alumni_graduation_year__2100__1950": failing})
    outcome, attribution = build_on_spark(settings, "r9", ("agg_match_quality",), open_build)
    assert not outcome.success and outcome.tests_failed == 1
    assert attribution.isolated and list(attribution.held_back) == ["lakeshore"]
    assert "failed on 1 of its rows" in attribution.held_back["lakeshore"][0]
    assert seen["build"].calls == [
        ("store_failing_rows", ["accepted_range_dim_alumni_graduation_year__2100__1950"]),
        ("resume", ["agg_outcomes_by_program"],
         ["accepted_range_dim_alumni_graduation_year__2100__1950"])]
    assert outcome.failing_rows == {test_id: '"audit".'
                                    '"accepted_range_dim_alumni_graduation_year__2100__1950"'}
    with connect_build(settings.build_db) as con:
        assert con.execute("select * from audit.accepted_range_dim_alumni_graduation_year"
                           "__2100__1950").fetchall() == [("lakeshore", 2201)]
        assert con.execute("select count(*) from marts.fct_a").fetchone() == (2,)


def test_a_spark_build_whose_failing_rows_name_no_single_institution_is_not_continued(
        tmp_path):
    import pyarrow as pa

    settings = _settings(tmp_path, PATHWAYS_ENGINE="spark")
    with connect_build(settings.build_db):
        pass  # ingest made the build area
    open_build, seen = _stand_in_engine(
        tmp_path, failures=[{"unique_id": "test.pathways.unique_raw_profiles_id",
                             "status": "fail", "message": "Got 2 results",
                             "relation_name": "audit.unique_raw_profiles_id"}],
        extra_tables={"audit.unique_raw_profiles_id": pa.table({"profile_id": ["p1", "p2"]})})
    outcome, attribution = build_on_spark(settings, "r9", (), open_build)
    assert not outcome.success
    assert not attribution.isolated
    assert "do not say which institution" in attribution.unattributed[0]
    assert [c[0] for c in seen["build"].calls] == ["store_failing_rows"]
    assert not any(r.startswith("marts.") for r in seen["build"].read_relations)


def test_a_table_built_on_spark_replaces_the_build_area_s_and_history_keeps_past_refreshes(
        tmp_path):
    import pyarrow as pa

    with connect_build(tmp_path / "build" / "b.duckdb") as con:
        store_table(con, "marts", "dim_x", pa.table({"k": [1, 2]}))
        store_table(con, "marts", "dim_x", pa.table({"k": [3]}))
        assert con.execute("select k from marts.dim_x").fetchall() == [(3,)]
        # A build area a DuckDB build made holds its staging models as views.
        con.execute("create schema staging")
        con.execute("create view staging.stg_x as select 1 as k")
        store_table(con, "staging", "stg_x", pa.table({"k": [4]}))
        assert con.execute("select k from staging.stg_x").fetchall() == [(4,)]
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


def test_a_resumed_spark_build_builds_what_was_skipped_without_the_failed_test_then_the_rest(
        tmp_path, monkeypatch):
    """A round's failed test stops the build before that round's Python model; resuming
    selects what dbt skipped, excludes the failed test (from that command and every later
    one), runs the waiting Python model and then the later rounds."""
    import dataclasses

    from pathways.spark import build as spark_build_module
    from pathways.spark.build import SparkBuild

    settings = dataclasses.replace(_settings(tmp_path), project_root=tmp_path)
    manifest = {"nodes": {
        "model.p.stg": {**_node("model"), "name": "stg", "relation_name": "staging.stg"},
        "test.p.stg_key": {**_node("test", "model.p.stg"), "name": "stg_key"},
        "model.p.dim": {**_node("model", "model.p.stg"), "name": "dim",
                        "relation_name": "marts.dim"},
        "model.p.py": {**_node("model", "model.p.stg", language="python"), "name": "py",
                       "relation_name": "pii.py", "original_file_path": "py.py",
                       "config": {}},
        "model.p.mart": {**_node("model", "model.p.py"), "name": "mart",
                         "relation_name": "marts.mart"},
    }}
    commands: list[list[str]] = []
    ran_python: list[str] = []

    def fake_dbt(command, on_node=None):
        commands.append(list(command))
        if command == ["parse"]:
            (tmp_path / "target" / "spark").mkdir(parents=True, exist_ok=True)
            (tmp_path / "target" / "spark" / "manifest.json").write_text(json.dumps(manifest))
            return True
        selected = command[command.index("--select") + 1:command.index(
            "--exclude" if "--exclude" in command else "--indirect-selection")]
        return "stg_key" not in selected  # the key test of stg fails

    monkeypatch.setattr(spark_build_module, "run_python_model",
                        lambda spark, model, relations: ran_python.append(model.name))
    build = SparkBuild(settings, spark=None, landed=[])
    build.dbt = fake_dbt
    assert not build.build()
    assert ran_python == []
    assert build.resume(["dim"], ["stg_key"])
    assert ran_python == ["py"]
    builds = [c[1:c.index("--indirect-selection")] for c in commands if c[0] == "build"]
    assert builds == [["--select", "stg", "stg_key", "dim"],
                      ["--select", "dim", "--exclude", "stg_key"],
                      ["--select", "mart", "--exclude", "stg_key"]]
