"""dbt on Spark in one process: land the lake, start one SparkSession, run dbt commands.

dbt-spark's ``session`` method runs every statement on the SparkSession of dbt's own
process (``SparkSession.builder.getOrCreate()``), so the session started here with the
build's catalog (pathways.spark.session) is the one dbt builds with, and the Python steps
that run between two dbt commands (dbt Python models do not run in session mode) read and
write the same tables without a second JVM start (about 20 s on an idle 2-core machine)
and without contending for the embedded metastore, which admits one process at a time.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pathways.core.settings import Settings
from pathways.spark.lake import LandedTable, land_tables
from pathways.spark.session import spark_session
from pathways.warehouse.changes import source_tables

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# The dbt target of profiles.yml that builds on Spark.
SPARK_TARGET = "spark"
# The reference sources are the project's own Parquet files (their external_location):
# nothing of theirs is landed.
PROJECT_SOURCE_SCHEMAS = ("reference",)


@dataclass
class SparkBuild:
    """A Spark build in progress: its session, what was landed, each command's outcome."""

    settings: Settings
    spark: SparkSession
    landed: list[LandedTable]
    results: list[tuple[list[str], bool]] = field(default_factory=list)

    def dbt(self, command: Sequence[str]) -> bool:
        """Run ``dbt <command>`` on the spark target in this process; whether it passed.
        Its artifacts go to target/spark/ (the DuckDB build's stay in target/)."""
        from dbt.cli.main import dbtRunner

        root = self.settings.project_root
        arguments = [*command, "--target", SPARK_TARGET, "--project-dir", str(root),
                     "--profiles-dir", str(root), "--target-path", str(target_path(root))]
        success = bool(dbtRunner().invoke(arguments).success)
        self.results.append((list(command), success))
        return success


def target_path(project_root: Path) -> Path:
    """Where dbt writes the Spark build's artifacts (run_results.json, manifest)."""
    return project_root / "target" / "spark"


def lake_tables(project_root: Path) -> list[tuple[str, str]]:
    """The (schema, table) of every declared source that ingest loads into the build area."""
    return [(t.schema, t.identifier) for t in source_tables(project_root)
            if t.schema not in PROJECT_SOURCE_SCHEMAS]


@contextlib.contextmanager
def spark_build(settings: Settings) -> Iterator[SparkBuild]:
    """Land the build area's source tables in the lake and start the session dbt and the
    Python steps share. dbt reads its settings from the environment (profiles.yml's
    env_var), so the settings' variables are set for the length of the block."""
    landed = land_tables(settings.build_db, settings.lake_dir, lake_tables(settings.project_root))
    env = settings.child_env() | settings.spark_env() | {
        "PATHWAYS_LAKE_TABLES": ",".join(f"{t.schema}.{t.table}" for t in landed)}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield SparkBuild(settings, spark_session(settings), landed)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
