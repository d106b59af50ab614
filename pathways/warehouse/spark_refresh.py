"""A refresh's build on Spark (``pathways refresh --target spark``, PATHWAYS_ENGINE=spark).

Ingest, the file ledger, source signatures, the ``unchanged`` check and publishing stay
as on DuckDB (pathways.warehouse.refresh). Only the build moves: the source tables are
landed as Parquet, the whole project is built and tested on Spark (pathways.spark.build),
and only when every model and error-severity test passed are the marts, and the few
restricted tables the build area's own readers use, copied from Spark into the build area.
The DuckDB publish then runs unchanged, with both privacy gates, so analysts, exports and
the API read the same published file whichever engine built it.

The warehouse does not import the Spark engine (pathways.spark): as ingest, it is handed
in by the command line (``open_build``, pathways.spark.build.spark_build), so the warehouse
and the engine each import only the core and the warehouse's change detection.

One institution's bad delivery holds back only that institution, as on DuckDB
(pathways.warehouse.isolation): the failed tests are run again on Spark storing their
failing rows, which are copied into the build area's schema audit and attributed; when
every one names an institution the same Spark build resumes past them, and its marts are
copied and published with those institutions' last published rows kept.

What differs from a DuckDB refresh (docs/scaling.md): every model is rebuilt on each
Spark build (plain Parquet tables take no delete+insert); snapshots are kept by DuckDB
builds only.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pathways.core.db import connect_build, quote_ident, table_exists
from pathways.core.errors import ConfigError
from pathways.core.settings import Settings
from pathways.warehouse.changes import source_tables
from pathways.warehouse.dbt_runner import DbtOutcome, outcome_of_run
from pathways.warehouse.isolation import Attribution, isolate_failures
from pathways.warehouse.publish import mart_models

if TYPE_CHECKING:
    import pyarrow as pa

# The reference sources are the project's own Parquet files (their external_location):
# nothing of theirs is landed.
PROJECT_SOURCE_SCHEMAS = ("reference",)
# Relations besides the marts that the build area's readers use after a build, copied
# from Spark with them.
BUILD_AREA_READS = (
    ("staging", "stg_rosters__students"),  # publish's privacy gates, validation reports
    ("staging", "stg_imports__records"),  # validation reports
    ("reference", "cip_programs"),  # validation reports
    ("reference", "us_states"),  # validation reports
    ("pii", "int_free_text_redactions"),  # the refresh's redaction counts
    ("pii", "int_alumni_profiles_matched"),  # match review (`pathways match`)
    ("pii", "int_alumni_profiles_linked"),  # the accepted links
)


class EngineBuild(Protocol):
    """What a refresh needs of a build on Spark (pathways.spark.build.SparkBuild)."""

    # each dbt command or Python step run: (command, passed, its run_results)
    results: list[tuple[list[str], bool, dict[str, Any]]]

    @property
    def artifacts(self) -> Path:
        """The folder of the build's dbt artifacts (manifest.json)."""
        ...

    def build(self, *, on_progress: Callable[[int, int], None] | None = None) -> bool:
        """Build and test the whole project, stopping at the first failed command;
        whether everything passed."""
        ...

    def store_failing_rows(self, tests: Sequence[str]) -> dict[str, Any]:
        """Rerun the named tests storing their failing rows in Spark's schema audit; that
        run's run_results (not added to ``results``)."""
        ...

    def resume(self, select: Sequence[str], exclude: Sequence[str]) -> bool:
        """Build ``select`` without the ``exclude`` tests, then the rest of the build;
        whether all passed."""
        ...

    def read(self, relation: str) -> pa.Table:
        """A table the build made (``schema.table``), as Arrow."""
        ...


# Opens a build on Spark: (settings, the source tables to land, environment variables for
# dbt and the Python steps) -> a context manager of the build.
OpenBuild = Callable[[Settings, Sequence[tuple[str, str]], Mapping[str, str]],
                     AbstractContextManager[EngineBuild]]


def lake_tables(project_root: Path) -> list[tuple[str, str]]:
    """The (schema, table) of every declared source that ingest loads into the build area."""
    return [(t.schema, t.identifier) for t in source_tables(project_root)
            if t.schema not in PROJECT_SOURCE_SCHEMAS]


def check_spark_available() -> None:
    """ConfigError naming what to install when Spark cannot start here."""
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise ConfigError("PATHWAYS_ENGINE=spark needs pyspark and dbt-spark: "
                          "pip install -e '.[spark]' (make install does)") from exc
    if not shutil.which("java"):
        raise ConfigError("PATHWAYS_ENGINE=spark needs a Java runtime (JDK 17) on PATH: "
                          "make jdk installs Debian's openjdk-17-jre-headless")


def build_on_spark(settings: Settings, run_id: str, history_tables: tuple[str, ...],
                   open_build: OpenBuild,
                   on_progress: Callable[[int, int], None] | None = None,
                   max_continuations: int = 8) -> tuple[DbtOutcome, Attribution]:
    """Build and test the whole project on Spark (``open_build``) for refresh ``run_id``.
    When tests failed, store and attribute their failing rows and, while every failure
    names an institution, continue the build past them (``max_continuations`` times at
    most). When it passed, or its failures were so confined, copy its marts and
    BUILD_AREA_READS into the build area (``history_tables``: the marts that keep past
    refreshes, of which this run's rows are added). What the build did, as a DuckDB
    build's outcome reads, and who is held back."""
    with open_build(settings, lake_tables(settings.project_root),
                    {"PATHWAYS_REFRESH_ID": run_id}) as build:
        passed = build.build(on_progress=on_progress)
        outcome = _outcome(build.results, passed)
        attribution = Attribution()
        if not passed:
            attribution = isolate_failures(settings.build_db, outcome,
                                           _SparkContinuation(settings, build),
                                           max_continuations)
        if passed or attribution.isolated:
            marts = sorted(mart_models(build.artifacts) or ())
            with connect_build(settings.build_db) as con:
                for schema, table in [*(("marts", m) for m in marts), *BUILD_AREA_READS]:
                    store_table(con, schema, table, build.read(f"{schema}.{table}"),
                                run_id if table in history_tables else None)
    return outcome, attribution


class _SparkContinuation:
    """Failing rows and continued builds for isolate_failures, on the Spark build that
    failed (its session stays up: no second JVM start)."""

    def __init__(self, settings: Settings, build: EngineBuild) -> None:
        self.settings, self.build = settings, build

    def store_failing_rows(self, tests: list[str]) -> dict[str, str]:
        """The failed tests' rows, stored on Spark, copied into the build area's schema
        audit under the same names (where `pathways status` and the attribution read
        them, as after a DuckDB build)."""
        stored = outcome_of_run(False, self.build.store_failing_rows(tests)).failing_rows
        copied: dict[str, str] = {}
        if not stored:
            return copied
        with connect_build(self.settings.build_db) as con:
            for unique_id, relation in stored.items():
                schema, table = [part.strip("`\"") for part in relation.split(".")][-2:]
                store_table(con, schema, table, self.build.read(f"{schema}.{table}"))
                copied[unique_id] = f"{quote_ident(schema)}.{quote_ident(table)}"
        return copied

    def continue_build(self, skipped: list[str], excluded: list[str]) -> DbtOutcome | None:
        """Unlike a DuckDB build, a Spark build may have rounds left to run after a failed
        command skipped nothing, so it always continues."""
        before = len(self.build.results)
        passed = self.build.resume(skipped, excluded)
        return _outcome(self.build.results[before:], passed)


def _outcome(results: list, passed: bool) -> DbtOutcome:
    outcome = DbtOutcome(success=passed)
    for command, success, run_results in results:
        if command[:1] != ["parse"] or not success:
            outcome.absorb(outcome_of_run(success, run_results,
                                          no_message=f"dbt {' '.join(command[:1])} failed"))
    return outcome


def store_table(con, schema: str, table: str, rows: pa.Table,
                history_of: str | None = None) -> None:
    """Write ``rows`` (a table built on Spark) to ``schema.table`` of the build area,
    replacing it; for a history mart (``history_of``: this refresh's id) only that
    refresh's rows are replaced, the earlier refreshes' rows kept (the build area, not
    Spark, keeps the history that was published)."""
    relation = f"{quote_ident(schema)}.{quote_ident(table)}"
    con.execute(f"create schema if not exists {quote_ident(schema)}")
    if con.execute("select 1 from duckdb_views() where database_name = current_database() "
                   "and schema_name = ? and view_name = ?", [schema, table]).fetchall():
        con.execute(f"drop view {relation}")  # a DuckDB build's (a staging model is a view)
    con.register("_from_spark", rows)
    try:
        if history_of is None or not table_exists(con, schema, table):
            where = "" if history_of is None else "where refresh_id = ?"
            con.execute(f"create or replace table {relation} as "
                        f"select * from _from_spark {where}",
                        [] if history_of is None else [history_of])
        else:
            con.execute(f"delete from {relation} where refresh_id = ?", [history_of])
            con.execute(f"insert into {relation} by name select * from _from_spark "
                        "where refresh_id = ?", [history_of])
    finally:
        con.unregister("_from_spark")
