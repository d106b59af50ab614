"""Landing the build area's source tables as Parquet for Spark to read.

Ingest loads every file with dlt into the build area's DuckDB, where the file ledger,
quarantine, refusals and the source signatures of incremental builds live; a Spark build
reads the same rows from Parquet. Exporting what dlt loaded (rather than a second dlt
pipeline to its filesystem destination) keeps one ingest, one ledger and one set of rows:
Spark sees exactly what a DuckDB build would, which is what the equivalence test compares.
Each table is written whole, one folder per table (``<lake>/<schema>/<table>/``), replacing
the last landing; the ``register_lake_sources`` macro (dbt_project/macros/spark_lake.sql)
points a Spark table at each folder when a build on the ``spark`` target starts.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pathways.core.build_area import ensure_private_dir
from pathways.core.db import connect_build, quote_ident, quote_literal, table_exists


@dataclass(frozen=True)
class LandedTable:
    """One source table written to the lake: where from, where to, how many rows."""

    schema: str
    table: str
    folder: Path
    rows: int


def land_tables(build_db: Path, lake: Path,
                tables: Iterable[tuple[str, str]]) -> list[LandedTable]:
    """Write each ``(schema, table)`` of the build area that exists to
    ``lake/<schema>/<table>/data.parquet``, replacing what an earlier landing wrote. A
    declared table that no ingest has created yet (no NSC file so far) is skipped: Spark's
    build then finds it missing, as DuckDB's would."""
    ensure_private_dir(lake)
    landed = []
    with connect_build(build_db, read_only=True) as con:
        for schema, table in sorted(set(tables)):
            if not table_exists(con, schema, table):
                continue
            folder = lake / schema / table
            staging = folder.with_name(folder.name + ".landing")
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            relation = f"{quote_ident(schema)}.{quote_ident(table)}"
            target = quote_literal(str(staging / "data.parquet"))
            con.execute(f"copy (select * from {relation}) to {target} (format parquet)")
            rows = con.execute(f"select count(*) from {relation}").fetchone()[0]
            shutil.rmtree(folder, ignore_errors=True)
            staging.rename(folder)
            landed.append(LandedTable(schema, table, folder, int(rows)))
    return landed
