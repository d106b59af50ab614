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

from pathways.resources import connect

IDENTIFIER_COLUMN_NAMES = frozenset({
    "student_id", "first_name", "middle_name", "last_name", "former_last_name", "full_name",
    "email", "phone", "phone_digits", "date_of_birth", "street_address", "postal_code",
    "ssn", "social_security_number", "profile_id", "your_unique_identifier",
})


class PrivacyViolation(RuntimeError):
    """A mart holds a direct identifier; nothing is published."""


def privacy_violations(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """Mart columns of ``database`` named like identifiers or holding roster identifiers
    (the same rule as the dbt test assert_marts_hold_no_direct_identifiers, checked again
    on every mart just before publishing)."""
    columns = con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = 'marts' order by 1, 2", [database]
    ).fetchall()
    problems = [f"marts.{t}.{c} is named like a direct identifier"
                for t, c, _ in columns if c.lower() in IDENTIFIER_COLUMN_NAMES]
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
            f"select count(*) from {database}.marts.{_quote(table)} as m "
            f"inner join _identifiers on m.{_quote(column)} = _identifiers.identifier"
        ).fetchall()[0][0]
        if hits:
            problems.append(f"marts.{table}.{column} holds {hits} roster identifier values")
    return problems


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def publish(build_db: Path, warehouse: Path, institution_ids: list[str],
            run_id: str | None = None) -> list[str]:
    """Copy the build's marts (and refresh history, with ``run_id`` marked published) into
    a new warehouse file and swap it in. Returns the published table names."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    staging_file = warehouse.with_name(warehouse.name + ".publishing")
    for leftover in (staging_file, Path(str(staging_file) + ".wal")):
        leftover.unlink(missing_ok=True)
    con = connect(staging_file)
    try:
        con.execute(f"attach {_literal(build_db)} as build (read_only)")
        problems = privacy_violations(con, "build")
        if problems:
            raise PrivacyViolation("; ".join(problems))
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
        if run_id is not None:
            con.execute("update ops.refresh_runs set status = 'succeeded', published = true, "
                        "finished_at = current_timestamp where run_id = ?", [run_id])
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
    except BaseException:
        con.close()
        staging_file.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(staging_file, warehouse)
    return tables


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"
