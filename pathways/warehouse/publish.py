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

from pathways.core.db import connect_published, quote_ident, quote_literal
from pathways.core.errors import PrivacyViolation
from pathways.core.identifiers import direct_identifier_columns

__all__ = ["PrivacyViolation", "privacy_violations", "publish"]


def privacy_violations(con: duckdb.DuckDBPyConnection, database: str,
                       identifier_columns: frozenset[str]) -> list[str]:
    """Mart columns of ``database`` named like identifiers (``identifier_columns``) or
    holding roster identifiers (the same rule as the dbt test
    assert_marts_hold_no_direct_identifiers, checked again on every mart just before
    publishing)."""
    columns = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = 'marts' order by 1, 2", [database]
    ).fetchall()
    problems = [f"marts.{t}.{c} is named like a direct identifier"
                for t, c, _ in columns if c.lower() in identifier_columns]
    con.execute(f"""
        create or replace temp table _identifiers as
        select distinct identifier from (
            select student_id as identifier from {database}.staging.stg_rosters__students
            union all select email from {database}.staging.stg_rosters__students
            union all select phone_digits from {database}.staging.stg_rosters__students
            union all select street_address from {database}.staging.stg_rosters__students
        ) where length(identifier) >= 4
    """)
    for table, column, data_type in columns:
        if data_type != "VARCHAR":
            continue
        hits = con.execute(
            f"select count(*) from {database}.marts.{quote_ident(table)} as m "
            f"inner join _identifiers on m.{quote_ident(column)} = _identifiers.identifier"
        ).fetchall()[0][0]
        if hits:
            problems.append(f"marts.{table}.{column} holds {hits} roster identifier values")
    return problems


def publish(build_db: Path, warehouse: Path, institution_ids: list[str],
            run_id: str | None = None, *, project_root: Path) -> list[str]:
    """Copy the build's marts (and refresh history, with ``run_id`` marked published) into
    a new warehouse file and swap it in. Returns the published table names."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging_file = warehouse.with_name(warehouse.name + ".publishing")
    for leftover in (staging_file, Path(str(staging_file) + ".wal")):
        leftover.unlink(missing_ok=True)
    try:
        tables = _write(staging_file, build_db, institution_ids, run_id,
                        direct_identifier_columns(project_root))
    except BaseException:
        staging_file.unlink(missing_ok=True)
        raise
    os.replace(staging_file, warehouse)
    return tables


def _write(staging_file: Path, build_db: Path, institution_ids: list[str],
           run_id: str | None, identifier_columns: frozenset[str]) -> list[str]:
    """The new warehouse file: marts, refresh history and per-institution views. Returns
    the mart tables copied."""
    with connect_published(staging_file, read_only=False) as con:
        con.execute(f"attach {quote_literal(build_db)} as build (read_only)")
        problems = privacy_violations(con, "build", identifier_columns)
        if problems:
            raise PrivacyViolation("; ".join(problems))
        tables = [row[0] for row in con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'build' and schema_name = 'marts' order by table_name"
        ).fetchall()]
        con.execute("create schema marts")
        for table in tables:
            con.execute(f"create table marts.{quote_ident(table)} as "
                        f"select * from build.marts.{quote_ident(table)}")
        con.execute("create schema ops")
        con.execute("create table ops.refresh_runs as select * from build.ops.refresh_runs")
        if run_id is not None:
            con.execute("update ops.refresh_runs set status = 'succeeded', published = true, "
                        "finished_at = current_timestamp where run_id = ?", [run_id])
        with_institution = {row[0] for row in con.execute(
            "select table_name from duckdb_columns() where database_name = current_database() "
            "and schema_name = 'marts' and column_name = 'institution_id'").fetchall()}
        for institution_id in institution_ids:
            schema = quote_ident(f"inst_{institution_id}")
            con.execute(f"create schema {schema}")
            for table in sorted(with_institution):
                con.execute(f"create view {schema}.{quote_ident(table)} as select * from "
                            f"marts.{quote_ident(table)} where institution_id = "
                            f"{quote_literal(institution_id)}")
        con.execute("detach build")
        con.execute("checkpoint")
    return tables
