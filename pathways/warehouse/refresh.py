"""A refresh: ingest new files, build everything in the build area, test, then publish.

Write-audit-publish: `dbt build` writes every layer into the build database and runs every
test; only when no model and no error-severity test failed are the marts published to the
analysts' warehouse (pathways.warehouse.publish, an atomic file swap). A failed or killed refresh
leaves the published warehouse exactly as it was; the next successful refresh publishes
everything pending. Every refresh is recorded in ``ops.refresh_runs``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pathways.core.config import PathwaysConfig
from pathways.core.db import connect_build, connect_published
from pathways.core.errors import PrivacyViolation
from pathways.core.ops import ensure_ops_schema
from pathways.core.settings import Settings
from pathways.warehouse.changes import (
    build_selection,
    changed_sources,
    signatures,
    source_tables,
)
from pathways.warehouse.dbt_runner import DbtOutcome, DbtProcess
from pathways.warehouse.fingerprint import build_fingerprint
from pathways.warehouse.publish import publish

# Incremental marts keyed by refresh: rows of refreshes that never published are removed
# before the next build, so history holds published points in time only.
HISTORY_TABLES = ("agg_match_quality", "agg_outcomes_history")


@dataclass
class RefreshResult:
    run_id: str
    status: str = "running"
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


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _execute(build_db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """One statement on the build area, connected only for its length: dbt's process
    needs the file to itself while it builds."""
    with connect_build(build_db) as con:
        return con.execute(sql, params or []).fetchall()


def _start(build_db: Path, run_id: str) -> None:
    with connect_build(build_db) as con:
        ensure_ops_schema(con)
        con.execute("update ops.refresh_runs set status = 'interrupted', published = false, "
                    "message = coalesce(message, "
                    "'the refresh process ended without finishing') "
                    "where status in ('running', 'publishing')")
        existing = {row[0] for row in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts'").fetchall()}
        for table in HISTORY_TABLES:
            if table in existing:
                con.execute(f"delete from marts.{table} where refresh_id not in "
                            "(select run_id from ops.refresh_runs where published)")
        con.execute("insert into ops.refresh_runs (run_id, started_at, status) "
                    "values (?, current_timestamp, 'running')", [run_id])


def _last_build(build_db: Path) -> tuple[str | None, dict[str, str] | None]:
    """The fingerprint and source signatures of the last successful build."""
    rows = _execute(build_db, "select build_fingerprint, source_signatures "
                              "from ops.refresh_runs where status = 'succeeded' "
                              "order by started_at desc limit 1")
    if not rows:
        return None, None
    fingerprint, sources = rows[0]
    return fingerprint, json.loads(sources) if sources else None


def _rows_per_layer(build_db: Path) -> dict[str, int]:
    rows = _execute(build_db, """
        select schema_name, sum(estimated_size)::bigint
        from duckdb_tables()
        where schema_name in ('raw', 'pii', 'marts')
        group by schema_name
    """)
    return {schema: int(n) for schema, n in rows}


def _finish(build_db: Path, result: RefreshResult) -> None:
    dbt = result.dbt
    _execute(build_db, """
        update ops.refresh_runs set
            finished_at = current_timestamp, status = ?, failed_step = ?, message = ?,
            step_seconds = ?, rows_per_layer = ?, tests_passed = ?, tests_failed = ?,
            tests_warned = ?, published = ?, full_rebuild = ?, changed_sources = ?
        where run_id = ?
    """, [result.status, result.failed_step, result.message, json.dumps(result.step_seconds),
          json.dumps(_rows_per_layer(build_db)), dbt.tests_passed if dbt else None,
          dbt.tests_failed if dbt else None, dbt.tests_warned if dbt else None,
          result.status == "succeeded", result.full_rebuild,
          None if result.changed_sources is None else json.dumps(result.changed_sources),
          result.run_id])


def run_refresh(
    *, settings: Settings, config: PathwaysConfig, full: bool = False,
    ingest: Callable[[], bool] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RefreshResult:
    """Ingest (``ingest()`` returns False when a file was refused), build and test, publish.

    Only what descends from a source with new or changed rows since the last successful
    build is rebuilt and retested (pathways.warehouse.changes), and incremental models
    process only
    the new records, unless ``full`` is set or the code, configuration, reference data or
    model changed since that build (pathways.warehouse.fingerprint): then everything but the
    history marts is rebuilt. ``settings.build_db`` is built, ``settings.warehouse``
    published."""
    build_db, warehouse = settings.build_db, settings.warehouse
    result = RefreshResult(new_run_id())
    _start(build_db, result.run_id)
    fingerprint = build_fingerprint(settings.project_root,
                                    [settings.config_file, settings.imports_file])
    _execute(build_db, "update ops.refresh_runs set build_fingerprint = ? where run_id = ?",
             [fingerprint, result.run_id])
    last, last_sources = _last_build(build_db)
    if full:
        result.full_rebuild, result.full_rebuild_reason = True, "requested (--full)"
    elif last != fingerprint:
        result.full_rebuild = True
        result.full_rebuild_reason = ("first build" if last is None else
                                      "code, configuration, reference data or the linkage "
                                      "model changed since the last build")
    step_started = time.perf_counter()

    def step_done(name: str) -> None:
        nonlocal step_started
        result.step_seconds[name] = round(time.perf_counter() - step_started, 2)
        step_started = time.perf_counter()

    # dbt starts now and parses the project while ingest runs; it gets its command after.
    dbt = DbtProcess(settings, {"PATHWAYS_REFRESH_ID": result.run_id})
    try:
        if ingest is not None:
            all_loaded = ingest()
            step_done("ingest")
            if not all_loaded:
                result.message = "some files were refused (see `pathways ingest` output)"
        sources = signatures(build_db, source_tables(settings.project_root))
        _execute(build_db, "update ops.refresh_runs set source_signatures = ? where run_id = ?",
                 [json.dumps(sources), result.run_id])
        command = ["build"]
        if result.full_rebuild:
            command.append("--full-refresh")
        else:
            if last_sources is not None:
                result.changed_sources = changed_sources(sources, last_sources)
                command += ["--select", *build_selection(result.changed_sources)]
            # Seeds and unit tests depend only on the code and reference files the
            # fingerprint covers: unchanged, they are already loaded and already passed.
            command += ["--exclude", "resource_type:seed", "resource_type:unit_test"]
        result.dbt = dbt.run(command, on_progress=on_progress)
        step_done("dbt_build")
        if not result.dbt.success:
            result.status, result.failed_step = "failed", "dbt_build"
            result.message = "; ".join(node for node, _ in result.dbt.failures[:10])
            _store_failing_rows(settings, result)
            step_done("store_failing_rows")
            return result
        result.status = "publishing"
        _finish(build_db, result)  # publish copies refresh history, this run included
        try:
            result.published_tables = publish(build_db, warehouse,
                                              [i.id for i in config.institutions],
                                              result.run_id,
                                              project_root=settings.project_root)
        except PrivacyViolation as exc:
            result.status, result.failed_step = "failed", "publish"
            result.message = f"privacy gate: {exc}"
            return result
        result.status = "succeeded"
        step_done("publish")
        return result
    except Exception as exc:  # recorded, then re-raised for the caller to report
        result.status, result.failed_step = "failed", result.failed_step or "refresh"
        result.message = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        dbt.close()
        _finish(build_db, result)


def _store_failing_rows(settings: Settings, result: RefreshResult) -> None:
    """Rerun the tests that failed, storing their failing rows in schema audit for people
    to inspect (``result.dbt.failing_rows``). A passing build stores no rows of
    error-severity tests, which saves creating and dropping an audit table per test; the
    build area is unchanged since the failure, so the rerun finds the same rows. Its dbt
    artifacts go to target/failing_rows/, leaving the failed build's in target/."""
    assert result.dbt is not None
    failed = [node.split(".")[2] for node, _ in result.dbt.failures if node.startswith("test.")]
    if not failed:
        return
    with DbtProcess(settings, {"PATHWAYS_REFRESH_ID": result.run_id},
                    target=settings.project_root / "target" / "failing_rows") as rerun:
        stored = rerun.run(["test", "--store-failures", "--select", *failed])
    result.dbt.failing_rows.update(stored.failing_rows)


def latest_runs(build_db: Path, warehouse: Path, limit: int = 10) -> list[dict]:
    """The latest refreshes, newest first, from the build area (or, while a refresh holds
    it, from the published copy)."""
    sql = (f"select run_id, started_at, finished_at, status, failed_step, message, "
           f"step_seconds, rows_per_layer, tests_passed, tests_failed, tests_warned, published, "
           f"full_rebuild, changed_sources "
           f"from ops.refresh_runs order by started_at desc limit {int(limit)}")
    for path, connect in ((build_db, connect_build), (warehouse, connect_published)):
        if not path.exists():
            continue
        try:
            with connect(path, read_only=True) as con:
                cursor = con.execute(sql)
                names = [d[0] for d in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        except duckdb.IOException:
            continue  # locked by a running refresh
        except duckdb.CatalogException:
            return []
    return []
