"""A refresh: ingest new files, build everything in the build area, test, then publish.

Write-audit-publish: `dbt build` writes every layer into the build database and runs every
test; only when no model and no error-severity test failed are the marts published to the
analysts' warehouse (pathways.warehouse.publish, an atomic file swap). When the failing
rows of the failed tests all belong to certain institutions, the build is continued past
them and every other institution is published, the failing ones keeping their last
published rows (pathways.warehouse.isolation); any other failure publishes nothing. Every
refresh is recorded in ``ops.refresh_runs``.

Faults keep these promises. One refresh (or ingest, or erasure) uses the build area at a
time (pathways.core.build_area.exclusive); the dbt process dies with the refresh. The run
is recorded as ``publishing`` before the published file is replaced, so a refresh killed at
any moment leaves the published file either untouched or wholly replaced, and the next
refresh (which first marks dead runs) reads which from the published file itself: a run
the published file records as published is recorded so in the build area, any other is
``interrupted``.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pathways.core.build_area import dbt_target_dir, exclusive, is_busy
from pathways.core.config import PathwaysConfig
from pathways.core.db import connect_build, connect_published, table_exists
from pathways.core.errors import ConfigError, PathwaysError, PrivacyViolation
from pathways.core.ops import ensure_ops_schema
from pathways.core.settings import Settings
from pathways.warehouse.changes import (
    changed_sources,
    incremental_build_arguments,
    signatures,
    source_tables,
)
from pathways.warehouse.dbt_runner import DbtOutcome, DbtProcess
from pathways.warehouse.fingerprint import build_fingerprint
from pathways.warehouse.isolation import Attribution, isolate_failures
from pathways.warehouse.publish import CannotIsolate, mart_models, publish
from pathways.warehouse.spark_refresh import OpenBuild, build_on_spark, check_spark_available

# Incremental marts keyed by refresh: rows of refreshes that never published (and rows of
# institutions a partial refresh held back) are removed before the next build, so history
# holds published points in time only.
HISTORY_TABLES = ("agg_match_quality", "agg_outcomes_history")
# A build continued past failing tests stops after this many passes (each pass builds what
# the failures of the last one skipped).
MAX_CONTINUATIONS = 8
# How long a refresh told to pause (PATHWAYS_PAUSE_AT, fault-injection tests) waits there.
PAUSE_SECONDS = 600
# The dbt model that lists the free-text values redacted before publishing.
REDACTIONS = ("pii", "int_free_text_redactions")


@dataclass
class RefreshResult:
    run_id: str
    status: str = "running"  # then publishing, succeeded, partial or failed; or unchanged
    failed_step: str | None = None
    message: str | None = None
    step_seconds: dict[str, float] = field(default_factory=dict)
    full_rebuild: bool = False
    full_rebuild_reason: str | None = None
    # Incremental refreshes: the sources with new or changed rows since the last build
    # (None: every model was built).
    changed_sources: list[str] | None = None
    dbt: DbtOutcome | None = None
    published_tables: list[str] = field(default_factory=list)
    # Partial refreshes: institution -> why its new data was held back.
    held_back: dict[str, list[str]] = field(default_factory=dict)
    # Free-text values redacted before publishing: what they held -> how many.
    redactions: dict[str, int] = field(default_factory=dict)
    # Status ``unchanged``: the run whose published warehouse still stands (nothing new
    # since it: no dbt build, no publish).
    unchanged_since: str | None = None


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


# The build area: its path (connected for one statement: dbt's process needs the file to
# itself while it builds), or a connection the caller holds for a run of statements.
BuildArea = Path | duckdb.DuckDBPyConnection


def _execute(build: BuildArea, sql: str, params: list | None = None) -> list[tuple]:
    """One statement on the build area (connected only for its length when ``build`` is
    a path)."""
    if isinstance(build, duckdb.DuckDBPyConnection):
        return build.execute(sql, params or []).fetchall()
    with connect_build(build) as con:
        return con.execute(sql, params or []).fetchall()


def _published_runs(warehouse: Path) -> dict[str, tuple[str, str | None]]:
    """Runs the published file records as published: run id -> (status, held_back)."""
    if not warehouse.exists():
        return {}
    try:
        with connect_published(warehouse) as con:
            columns = {row[0] for row in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'ops' "
                "and table_name = 'refresh_runs'").fetchall()}
            held = "held_back" if "held_back" in columns else "null"
            return {run_id: (status, held_back) for run_id, status, held_back in con.execute(
                f"select run_id, status, {held} from ops.refresh_runs where published"
            ).fetchall()}
    except (PathwaysError, duckdb.Error):
        return {}  # unreadable: nothing of this run can be in it


def recover_dead_runs(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """Record what happened to refreshes that ended without finishing (killed, crashed):
    published when the published file says so, ``interrupted`` otherwise."""
    dead = con.execute("select run_id from ops.refresh_runs "
                       "where status in ('running', 'publishing')").fetchall()
    published = _published_runs(warehouse) if dead else {}
    for (run_id,) in dead:
        if run_id in published:
            status, held_back = published[run_id]
            con.execute("update ops.refresh_runs set status = ?, published = true, "
                        "held_back = ?, finished_at = coalesce(finished_at, current_timestamp), "
                        "message = coalesce(message, 'the refresh process ended after "
                        "publishing; recorded from the published warehouse') where run_id = ?",
                        [status, held_back, run_id])
        else:
            con.execute("update ops.refresh_runs set status = 'interrupted', published = false, "
                        "message = coalesce(message, "
                        "'the refresh process ended without finishing') where run_id = ?",
                        [run_id])


def _start(con: duckdb.DuckDBPyConnection, warehouse: Path, run_id: str) -> None:
    ensure_ops_schema(con)
    recover_dead_runs(con, warehouse)
    existing = {row[0] for row in con.execute(
        "select table_name from information_schema.tables "
        "where table_schema = 'marts'").fetchall()}
    for table in HISTORY_TABLES:
        if table in existing:
            con.execute(f"""
                delete from marts.{table}
                where refresh_id not in (
                    select run_id from ops.refresh_runs where published)
                    or refresh_id || '|' || institution_id in (
                        select run_id || '|' || unnest(json_keys(held_back))
                        from ops.refresh_runs where held_back is not null)""")
    con.execute("insert into ops.refresh_runs (run_id, started_at, status) "
                "values (?, current_timestamp, 'running')", [run_id])


def _last_build(build_db: BuildArea) -> tuple[str | None, dict[str, str] | None]:
    """The fingerprint of the last complete build (a partial refresh builds every model
    too) and the source signatures of the last build whose tests all passed (after a
    partial one, what changed since is rebuilt and retested until it passes)."""
    fingerprint = _execute(build_db, "select build_fingerprint from ops.refresh_runs "
                                     "where status in ('succeeded', 'partial') "
                                     "order by started_at desc limit 1")
    sources = _execute(build_db, "select source_signatures from ops.refresh_runs "
                                 "where status = 'succeeded' order by started_at desc limit 1")
    return (fingerprint[0][0] if fingerprint else None,
            json.loads(sources[0][0]) if sources and sources[0][0] else None)


def _unfinished_full_rebuild(build_db: BuildArea, run_id: str) -> bool:
    """Whether a full rebuild started since the last complete build and did not finish
    (failed or killed part-way: dbt's --full-refresh had begun replacing seeds and tables,
    so an incremental build on top could find them missing or half-built)."""
    return bool(_execute(build_db, """
        select count(*) from ops.refresh_runs
        where full_rebuild and status not in ('succeeded', 'partial') and run_id <> ?
            and started_at > coalesce((select max(started_at) from ops.refresh_runs
                                       where status in ('succeeded', 'partial')),
                                      '-infinity'::timestamptz)
    """, [run_id])[0][0])


def _published_unchanged(build_db: BuildArea, warehouse: Path, run_id: str) -> str | None:
    """When no source changed since the last successful build and the code fingerprint is
    the same: the run whose published warehouse still holds exactly what a build now would
    publish, or None when a build must run all the same. That is so only when every run
    since that build found nothing new either (a failed, interrupted or partial run since
    may have left models or held-back institutions to build again) and the published file
    still records that run as its latest publish."""
    rows = _execute(build_db, """
        select run_id, status, published from ops.refresh_runs
        where run_id <> ? and status <> 'unchanged'
        order by started_at desc limit 1""", [run_id])
    if not rows or rows[0][1] != "succeeded" or not rows[0][2]:
        return None
    last = rows[0][0]
    published = _published_runs(warehouse)
    if published.get(last, (None,))[0] != "succeeded" or max(published) != last:
        return None
    return last


def _rows_per_layer(build_db: BuildArea) -> dict[str, int]:
    rows = _execute(build_db, """
        select schema_name, sum(estimated_size)::bigint
        from duckdb_tables()
        where schema_name in ('raw', 'pii', 'marts')
        group by schema_name
    """)
    return {schema: int(n) for schema, n in rows}


def _finish(build_db: BuildArea, result: RefreshResult) -> None:
    dbt = result.dbt
    _execute(build_db, """
        update ops.refresh_runs set
            finished_at = current_timestamp, status = ?, failed_step = ?, message = ?,
            step_seconds = ?, rows_per_layer = ?, tests_passed = ?, tests_failed = ?,
            tests_warned = ?, published = ?, full_rebuild = ?, changed_sources = ?,
            held_back = ?, redactions = ?
        where run_id = ?
    """, [result.status, result.failed_step, result.message, json.dumps(result.step_seconds),
          json.dumps(_rows_per_layer(build_db)), dbt.tests_passed if dbt else None,
          dbt.tests_failed if dbt else None, dbt.tests_warned if dbt else None,
          result.status in ("succeeded", "partial"), result.full_rebuild,
          None if result.changed_sources is None else json.dumps(result.changed_sources),
          json.dumps(result.held_back) if result.held_back else None,
          json.dumps(result.redactions) if result.redactions else None,
          result.run_id])


def _pause_hook(settings: Settings) -> Callable[[str], None] | None:
    """For fault-injection tests (PATHWAYS_PAUSE_AT): at that point of publishing, leave a
    marker file in the build area and wait to be killed."""
    if settings.pause_at is None:
        return None

    def pause(point: str) -> None:
        if point == settings.pause_at:
            (settings.build_dir / f"paused_at_{point}").write_text(str(os.getpid()))
            time.sleep(PAUSE_SECONDS)

    return pause


def run_refresh(
    *, settings: Settings, config: PathwaysConfig, full: bool = False,
    ingest: Callable[[Callable[[], None]], bool] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    spark_build: OpenBuild | None = None,
) -> RefreshResult:
    """Ingest (``ingest(start_build)`` returns False when a file was refused, and calls
    ``start_build()`` once it finds a new file, so dbt parses the project while files
    load), build and test, publish. With no new file, no source changed and the same code,
    nothing is built or published: the run is recorded as ``unchanged``.

    Only what descends from a source with new or changed rows since the last successful
    build is rebuilt and retested (pathways.warehouse.changes), and incremental models
    process only the new records, unless ``full`` is set or the code, configuration,
    reference data or model changed since that build (pathways.warehouse.fingerprint): then
    everything but the history marts is rebuilt. ``settings.build_db`` is built,
    ``settings.warehouse`` published. BuildAreaBusy when another process uses the build
    area. With ``settings.engine`` spark the build runs on Spark
    (pathways.warehouse.spark_refresh, the engine handed in as ``spark_build``): every
    model is rebuilt, failed tests hold back institutions as on DuckDB, and the published
    file is the same DuckDB file."""
    if settings.engine == "spark":  # refused before anything is ingested
        check_spark_available()
        if spark_build is None:
            raise ConfigError("PATHWAYS_ENGINE=spark: this command cannot build on Spark "
                              "(run `pathways refresh --target spark`)")
    with exclusive(settings.build_db, "refresh"):
        return _refresh(settings, config, full, ingest, on_progress, spark_build)


def _refresh(settings: Settings, config: PathwaysConfig, full: bool,
             ingest: Callable[[Callable[[], None]], bool] | None,
             on_progress: Callable[[int, int], None] | None,
             spark_build: OpenBuild | None) -> RefreshResult:
    build_db, warehouse = settings.build_db, settings.warehouse
    result = RefreshResult(new_run_id())
    fingerprint = build_fingerprint(settings.project_root,
                                    [settings.config_file, settings.imports_file],
                                    settings.engine)
    with connect_build(build_db) as con:  # one connection until ingest needs the file
        _start(con, warehouse, result.run_id)
        con.execute("update ops.refresh_runs set build_fingerprint = ? where run_id = ?",
                    [fingerprint, result.run_id])
        last, last_sources = _last_build(con)
        if full:
            result.full_rebuild, result.full_rebuild_reason = True, "requested (--full)"
        elif last != fingerprint:
            result.full_rebuild = True
            result.full_rebuild_reason = ("first build" if last is None else
                                          "code, configuration, reference data or the "
                                          "linkage model changed since the last build")
        elif _unfinished_full_rebuild(con, result.run_id):
            result.full_rebuild = True
            result.full_rebuild_reason = "the last full rebuild did not finish"
        # Recorded now: a refresh killed during its build never reaches _finish.
        con.execute("update ops.refresh_runs set full_rebuild = ? where run_id = ?",
                    [result.full_rebuild, result.run_id])
    step_started = time.perf_counter()

    def step_done(name: str) -> None:
        nonlocal step_started
        result.step_seconds[name] = round(time.perf_counter() - step_started, 2)
        step_started = time.perf_counter()

    # dbt starts when ingest finds a new file and parses the project while files load; it
    # gets its command after. With nothing new it starts only if there is to build.
    dbt: DbtProcess | None = None
    recorded = False  # whether _finish already recorded the run

    def start_build() -> None:
        nonlocal dbt
        if dbt is None and settings.engine == "duckdb":
            dbt = DbtProcess(settings, {"PATHWAYS_REFRESH_ID": result.run_id})

    try:
        if ingest is not None:
            all_loaded = ingest(start_build)
            step_done("ingest")
            if not all_loaded:
                result.message = "some files were refused (see `pathways ingest` output)"
        command = ["build"]
        with connect_build(build_db) as con:
            sources = signatures(con, source_tables(settings.project_root))
            con.execute("update ops.refresh_runs set source_signatures = ? where run_id = ?",
                        [json.dumps(sources), result.run_id])
            if result.full_rebuild:
                command.append("--full-refresh")
            elif last_sources is not None:
                result.changed_sources = changed_sources(sources, last_sources)
            standing = (_published_unchanged(con, warehouse, result.run_id)
                        if result.changed_sources == [] else None)
            if standing is not None:
                result.status, result.unchanged_since = "unchanged", standing
                result.message = (f"nothing new since refresh {standing} (no source changed; "
                                  "same code, configuration and reference data): nothing "
                                  "was built or published, its published warehouse stands")
                step_done("check")
                _finish(con, result)
                recorded = True
                return result
        attribution = Attribution()  # who is held back, once a build failed
        if settings.engine == "spark":
            assert spark_build is not None  # run_refresh refuses a Spark refresh without it
            result.changed_sources = None  # a Spark build rebuilds every model
            result.dbt, attribution = build_on_spark(
                settings, result.run_id, HISTORY_TABLES, spark_build, on_progress,
                MAX_CONTINUATIONS)
            step_done("spark_build")
        else:
            if not result.full_rebuild:
                command += incremental_build_arguments(result.changed_sources)
            start_build()
            assert dbt is not None
            result.dbt = dbt.run(command, on_progress=on_progress)
            step_done("dbt_build")
        if not result.dbt.success:
            if settings.engine != "spark":  # a Spark build isolated its failures itself
                attribution = isolate_failures(
                    settings.build_db, result.dbt,
                    _DuckDBContinuation(settings, result, on_progress), MAX_CONTINUATIONS)
                step_done("isolate_failures")
            everyone = {i.id for i in config.institutions}
            if not attribution.isolated or everyone <= set(attribution.held_back):
                result.status = "failed"
                result.failed_step = "spark_build" if settings.engine == "spark" else "dbt_build"
                result.message = _failure_message(result.dbt, attribution)
                return result
            result.held_back = attribution.held_back
        result.redactions = _redactions(build_db)
        result.status = "publishing"
        _finish(build_db, result)  # publish copies refresh history, this run included
        final_status = "partial" if result.held_back else "succeeded"
        try:
            result.published_tables = publish(
                build_db, warehouse, [i.id for i in config.institutions], result.run_id,
                project_root=settings.project_root, held_back=result.held_back,
                status=final_status, pause=_pause_hook(settings),
                marts=mart_models(dbt_target_dir(settings.build_db)))
        except (PrivacyViolation, CannotIsolate) as exc:
            result.status, result.failed_step = "failed", "publish"
            result.message = (f"privacy gate: {exc}" if isinstance(exc, PrivacyViolation)
                              else str(exc))
            return result
        result.status = final_status
        step_done("publish")
        return result
    except Exception as exc:  # recorded, then re-raised for the caller to report
        result.status, result.failed_step = "failed", result.failed_step or "refresh"
        result.message = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        if dbt is not None:
            dbt.close()
        if not recorded:
            _finish(build_db, result)


def _failure_message(outcome: DbtOutcome, attribution: Attribution) -> str:
    failed = "; ".join(node for node, _ in outcome.failures[:10])
    if attribution.isolated:  # every institution failed
        return f"{failed} (every institution is held back)"
    return failed


class _DuckDBContinuation:
    """Failing rows and continued builds for isolate_failures on DuckDB: each a dbt
    process of its own, its artifacts in a folder of target/ (the failed build's stay)."""

    def __init__(self, settings: Settings, result: RefreshResult,
                 on_progress: Callable[[int, int], None] | None) -> None:
        self.settings, self.result, self.on_progress = settings, result, on_progress

    def _dbt(self, folder: str, command: list[str], **run: Any) -> DbtOutcome:
        with DbtProcess(self.settings, {"PATHWAYS_REFRESH_ID": self.result.run_id},
                        target=dbt_target_dir(self.settings.build_db) / folder) as process:
            return process.run(command, **run)

    def store_failing_rows(self, tests: list[str]) -> dict[str, str]:
        """A passing build stores no rows of error-severity tests, which saves creating
        and dropping an audit table per test; the build area is unchanged since the
        failure, so the rerun finds the same rows."""
        return self._dbt("failing_rows", ["test", "--store-failures", "--select",
                                          *tests]).failing_rows

    def continue_build(self, skipped: list[str], excluded: list[str]) -> DbtOutcome | None:
        if not skipped:
            return None
        command = ["build", "--select", *skipped, "--exclude", *excluded]
        if self.result.full_rebuild:
            command.append("--full-refresh")
        return self._dbt("continued", command, on_progress=self.on_progress)


def _redactions(build_db: Path) -> dict[str, int]:
    """How many free-text values of the marts were redacted, by what they held."""
    with connect_build(build_db, read_only=True) as con:
        if not table_exists(con, *REDACTIONS):
            return {}
        rows = con.execute(f"""
            select kind, count(*) from (
                select unnest(list_distinct(found)) as kind from {'.'.join(REDACTIONS)})
            group by kind order by kind""").fetchall()
    return {kind: int(n) for kind, n in rows}


RUN_COLUMNS = ("run_id", "started_at", "finished_at", "status", "failed_step", "message",
               "step_seconds", "rows_per_layer", "tests_passed", "tests_failed",
               "tests_warned", "published", "full_rebuild", "changed_sources", "held_back",
               "redactions")


def latest_runs(build_db: Path, warehouse: Path, limit: int = 10) -> list[dict]:
    """The latest refreshes, newest first, from the build area (or, while a refresh holds
    it, from the published copy). A run still marked running or publishing while no
    process holds the build area has died: it is shown as the next refresh will record it
    (published if the published file says so, interrupted otherwise)."""
    sql = f"select * from ops.refresh_runs order by started_at desc limit {int(limit)}"
    for path, connect in ((build_db, connect_build), (warehouse, connect_published)):
        if not path.exists():
            continue
        try:
            with connect(path, read_only=True) as con:
                cursor = con.execute(sql)
                names = [d[0] for d in cursor.description]
                runs = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except PathwaysError:
            continue  # locked by a running refresh
        except duckdb.CatalogException:
            return []
        dead = [run for run in runs if run.get("status") in ("running", "publishing")]
        published = _published_runs(warehouse) if dead and not is_busy(build_db) else None
        for run in runs:
            for column in RUN_COLUMNS:
                run.setdefault(column, None)
        for run in dead if published is not None else []:
            if run["run_id"] in published:
                run["status"], run["held_back"] = published[run["run_id"]]
                run["published"] = True
            else:
                run["status"], run["published"] = "interrupted", False
                run["message"] = run["message"] or "the refresh process ended without finishing"
        return runs
    return []
