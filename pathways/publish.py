"""Publishing: the marts of a fully tested build become the analysts' warehouse at once.

The published warehouse is a separate DuckDB file holding only schema ``marts``, schema
``ops`` (refresh history) and one schema of views per institution (``inst_<id>``). It is
written beside the old one under a temporary name and moved over it with an atomic rename,
so readers see the old warehouse or the new one, never a half-written one; a killed publish
leaves only a temporary file that the next publish removes. Nothing with a direct
identifier (raw, staging, pii) is ever copied.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

PUBLISHED_SCHEMAS = ("marts",)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish(build_db: Path, warehouse: Path, institution_ids: list[str]) -> list[str]:
    """Copy the build's marts (and refresh history) into a new warehouse file and swap it in.
    Returns the published table names."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging_file = warehouse.with_name(warehouse.name + ".publishing")
    for leftover in (staging_file, Path(str(staging_file) + ".wal")):
        leftover.unlink(missing_ok=True)
    con = duckdb.connect(str(staging_file))
    try:
        con.execute(f"attach {_literal(build_db)} as build (read_only)")
        tables = [row[0] for row in con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'build' and schema_name = 'marts' order by table_name"
        ).fetchall()]
        con.execute("create schema marts")
        for table in tables:
            con.execute(f"create table marts.{_quote(table)} as "
                        f"select * from build.marts.{_quote(table)}")
        con.execute("create schema ops")
        con.execute("create table ops.refresh_runs as select * from build.ops.refresh_runs")
        with_institution = {row[0] for row in con.execute(
            "select table_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'marts' and column_name = 'institution_id'").fetchall()}
        for institution_id in institution_ids:
            schema = _quote(f"inst_{institution_id}")
            con.execute(f"create schema {schema}")
            for table in sorted(with_institution):
                con.execute(f"create view {schema}.{_quote(table)} as select * from "
                            f"marts.{_quote(table)} where institution_id = "
                            f"{_literal(institution_id)}")
        con.execute("detach build")
        con.execute("checkpoint")
    finally:
        con.close()
    os.replace(staging_file, warehouse)
    return tables


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"
