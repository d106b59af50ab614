"""Publishing: the marts of a tested build become the analysts' warehouse at once.

The published warehouse is a separate DuckDB file holding only schema ``marts``, schema
``ops`` (refresh history) and one schema of views per institution (``inst_<id>``). It is
written beside the old one under a temporary name and moved over it with an atomic rename,
so readers see the old warehouse or the new one, never a half-written one; a killed publish
leaves only a temporary file that the next publish removes. Nothing with a direct
identifier (raw, staging, pii) is ever copied.

Institutions held back by a failed test (pathways.warehouse.isolation) keep their last
published rows: every mart of the new file takes the other institutions' rows from the
build and the held-back institutions' rows, unchanged, from the file being replaced.

Two gates read the new file before the swap, and either one stops it: no mart column named
like an identifier or holding a roster identifier's exact value (``privacy_violations``),
and no text value with an e-mail address, phone number, street address or a roster
person's name in it (``free_text_violations``, pathways.core.free_text: the dbt model
int_free_text_redactions redacts such text before it reaches the marts; this gate fails the
refresh when a value escaped redaction).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Collection
from pathlib import Path

import duckdb

from pathways.core.db import connect_published, quote_ident, quote_literal
from pathways.core.errors import PathwaysError, PrivacyViolation, StorageError
from pathways.core.free_text import DESCRIPTIONS, Scanner
from pathways.core.identifiers import direct_identifier_columns

__all__ = ["CannotIsolate", "PrivacyViolation", "free_text_violations",
           "privacy_violations", "publish"]

# Text values that are keys or hashes (alumni_key, position_key) hold no typed text.
_NOT_A_KEY = "not regexp_full_match({column}, '[0-9a-f]{{16,}}')"


class CannotIsolate(PathwaysError):
    """Held-back institutions cannot be kept apart."""


def _mart_columns(con: duckdb.DuckDBPyConnection, database: str) -> list[tuple[str, str, str]]:
    return con.execute(
        "select table_name, column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = 'marts' order by 1, 2", [database]
    ).fetchall()


def privacy_violations(con: duckdb.DuckDBPyConnection, database: str,
                       identifier_columns: frozenset[str], build: str = "build") -> list[str]:
    """Mart columns of ``database`` named like identifiers (``identifier_columns``) or
    holding roster identifiers of the build area attached as ``build`` (the same rule as the
    dbt test assert_marts_hold_no_direct_identifiers, checked again on what is published)."""
    columns = _mart_columns(con, database)
    problems = [f"marts.{t}.{c} is named like a direct identifier"
                for t, c, _ in columns if c.lower() in identifier_columns]
    con.execute(f"""
        create or replace temp table _identifiers as
        select distinct identifier from (
            select student_id as identifier from {build}.staging.stg_rosters__students
            union all select email from {build}.staging.stg_rosters__students
            union all select phone_digits from {build}.staging.stg_rosters__students
            union all select street_address from {build}.staging.stg_rosters__students
        ) where length(identifier) >= 4
    """)
    for table, column, data_type in columns:
        if data_type != "VARCHAR":
            continue
        hits = con.execute(
            f"select count(*) from {quote_ident(database)}.marts.{quote_ident(table)} as m "
            f"inner join _identifiers on m.{quote_ident(column)} = _identifiers.identifier"
        ).fetchall()[0][0]
        if hits:
            problems.append(f"marts.{table}.{column} holds {hits} roster identifier values")
    return problems


def roster_scanner(con: duckdb.DuckDBPyConnection, build: str = "build") -> Scanner:
    """The free-text scanner that knows the names of every roster person of the build."""
    present = {row[0] for row in con.execute(
        "select column_name from duckdb_columns() where database_name = ? and "
        "schema_name = 'staging' and table_name = 'stg_rosters__students'", [build]).fetchall()}
    names = ", ".join(c if c in present else "null"
                      for c in ("first_name", "last_name", "former_last_name"))
    return Scanner(con.execute(
        f"select {names} from {build}.staging.stg_rosters__students").fetchall())


def free_text_violations(con: duckdb.DuckDBPyConnection, database: str,
                         scanner: Scanner) -> list[str]:
    """Every text column of every mart of ``database`` whose values still hold an e-mail
    address, phone number, street address or roster name (counted, never quoted)."""
    problems = []
    for table, column, data_type in _mart_columns(con, database):
        if data_type != "VARCHAR":
            continue
        quoted = quote_ident(column)
        values = con.execute(
            f"select distinct {quoted} from {quote_ident(database)}.marts.{quote_ident(table)} "
            f"where {quoted} is not null and {_NOT_A_KEY.format(column=quoted)}").fetchall()
        kinds: dict[str, int] = {}
        for (value,) in values:
            for kind in dict.fromkeys(f.kind for f in scanner.findings(value)):
                kinds[kind] = kinds.get(kind, 0) + 1
        if kinds:
            found = ", ".join(f"{n} with {DESCRIPTIONS[kind]}"
                              for kind, n in sorted(kinds.items()))
            problems.append(f"marts.{table}.{column} holds text values that were not "
                            f"redacted: {found}")
    return problems


def mart_models(target: Path) -> set[str] | None:
    """The relations of the project's mart models, from dbt's manifest in ``target``
    (None when there is none): a model removed from the project leaves its table in the
    build area, and it is not published."""
    try:
        manifest = json.loads((target / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return {node["alias"] for node in manifest.get("nodes", {}).values()
            if node.get("resource_type") == "model" and node.get("schema") == "marts"}


def publish(build_db: Path, warehouse: Path, institution_ids: list[str],
            run_id: str | None = None, *, project_root: Path,
            held_back: Collection[str] = (), status: str = "succeeded",
            pause: Callable[[str], None] | None = None,
            marts: set[str] | None = None) -> list[str]:
    """Copy the build's marts (and refresh history, with ``run_id`` recorded as ``status``
    and published) into a new warehouse file and swap it in; the rows of ``held_back``
    institutions come from the warehouse being replaced. ``marts``: the tables to publish
    (default every table of the build's schema marts). Returns the published table names.

    ``pause(point)`` is called just before and just after the swap (fault-injection tests
    kill the process there)."""
    staging_file = warehouse.with_name(warehouse.name + ".publishing")
    try:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (staging_file, Path(str(staging_file) + ".wal")):
            leftover.unlink(missing_ok=True)
    except OSError as error:
        raise StorageError(f"cannot write the published warehouse in {warehouse.parent}: "
                           f"{error.strerror or error}") from error
    try:
        tables = _write(staging_file, build_db, warehouse, institution_ids, run_id,
                        direct_identifier_columns(project_root), sorted(held_back), status,
                        marts)
    except BaseException:
        staging_file.unlink(missing_ok=True)
        raise
    if pause:
        pause("before_swap")
    os.replace(staging_file, warehouse)
    if pause:
        pause("after_swap")
    return tables


def _write(staging_file: Path, build_db: Path, previous: Path, institution_ids: list[str],
           run_id: str | None, identifier_columns: frozenset[str], held_back: list[str],
           status: str, marts: set[str] | None) -> list[str]:
    """The new warehouse file: marts, refresh history and per-institution views, checked
    by both gates. Returns the mart tables copied."""
    with connect_published(staging_file, read_only=False) as con:
        database = con.execute("select current_database()").fetchall()[0][0]
        con.execute(f"attach {quote_literal(build_db)} as build (read_only)")
        keep_previous = bool(held_back) and previous.exists()
        if keep_previous:
            con.execute(f"attach {quote_literal(previous)} as previous (read_only)")
        tables = [row[0] for row in con.execute(
            "select table_name from duckdb_tables() "
            "where database_name = 'build' and schema_name = 'marts' order by table_name"
        ).fetchall() if marts is None or row[0] in marts]
        con.execute("create schema marts")
        held = "(" + ", ".join(quote_literal(i) for i in held_back) + ")"
        for table in tables:
            name = quote_ident(table)
            if not held_back:
                con.execute(f"create table marts.{name} as select * from build.marts.{name}")
                continue
            columns = [c for t, c, _ in _mart_columns(con, "build") if t == table]
            if "institution_id" not in columns:
                # A mart without institution_id describes no institution (it is built from
                # reference data only, which tests/test_dbt_conventions.py checks): the new
                # build's copy is everyone's.
                con.execute(f"create table marts.{name} as select * from build.marts.{name}")
                continue
            con.execute(f"create table marts.{name} as select * from build.marts.{name} "
                        f"where institution_id not in {held}")
            kept = {c for t, c, _ in _mart_columns(con, "previous") if t == table} \
                if keep_previous else set()
            common = ", ".join(quote_ident(c) for c in columns if c in kept)
            if "institution_id" in kept:
                con.execute(f"insert into marts.{name} ({common}) select {common} "
                            f"from previous.marts.{name} where institution_id in {held}")
        problems = privacy_violations(con, database, identifier_columns)
        problems += free_text_violations(con, database, roster_scanner(con))
        if problems:
            raise PrivacyViolation("; ".join(problems))
        con.execute("create schema ops")
        con.execute("create table ops.refresh_runs as select * from build.ops.refresh_runs")
        if run_id is not None:
            con.execute("update ops.refresh_runs set status = ?, published = true, "
                        "finished_at = current_timestamp where run_id = ?", [status, run_id])
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
        con.execute("drop table if exists _identifiers")
        con.execute("detach build")
        if keep_previous:
            con.execute("detach previous")
        con.execute("checkpoint")
    return tables
