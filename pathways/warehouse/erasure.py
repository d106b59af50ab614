"""Erasure: forgetting a person everywhere, and keeping them out of later loads.

`pathways forget` deletes a student's rows from every layer of the build area (raw rows,
NSC rows, third-party rows linked by student id or email, quarantined rows, review
decisions, snapshots, stored test failures, redacted free text), blanks any bookkeeping
text that quotes them (ops messages), compacts the build database so the deleted bytes do
not linger in free blocks, and records the request in ``ops.erasures`` by keyed hash only
(never the raw id). Then it scans every other file Pathways writes for the person's id,
e-mail and name: dlt's working folder (its load packages are deleted whole), dbt's logs
(matching lines are removed), dbt's ``target/`` artifacts (a compiled query or a run
result that quotes them is deleted; dbt writes them again) and anything else in the build
area's folder. Ingest consults the erasure list and withholds the person's rows from every
later file, even the same roster sent again. The next refresh rebuilds and republishes
without them.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pathways.core.build_area import LOCK_NAME, dlt_pipelines_dir, exclusive, restrict_file
from pathways.core.config import ImportsConfig, Institution, PathwaysConfig
from pathways.core.db import (
    connect_build,
    connect_scratch,
    quote_ident,
    quote_literal,
    table_exists,
)
from pathways.core.erasure_list import email_key, id_variants
from pathways.core.errors import NotBuiltYet
from pathways.core.ops import ensure_ops_schema
from pathways.core.pseudonym import alumni_key, pseudonym_key
from pathways.core.settings import Settings
from pathways.warehouse.refresh import RefreshResult, run_refresh
from pathways.warehouse.spark_refresh import OpenBuild


def _delete(con: duckdb.DuckDBPyConnection, table: str, where: str, params: list) -> int:
    """Delete the rows of ``table`` (``schema.name``) matching ``where``, if the table
    exists; returns how many."""
    schema, name = table.split(".", 1)
    if not table_exists(con, schema, name):
        return 0
    qualified = f"{quote_ident(schema)}.{quote_ident(name)}"
    n = con.execute(f"select count(*) from {qualified} where {where}", params).fetchall()[0][0]
    if n:
        con.execute(f"delete from {qualified} where {where}", params)
    return n


# Placeholder for bookkeeping text (ops messages) that quoted an erased person.
ERASED_TEXT = "[removed: erasure request]"
# Student ids shorter than this are not searched for in files: they would match any number.
MIN_SEARCHED_ID = 5


def _person(con: duckdb.DuckDBPyConnection, institution_id: str,
            ids: list[str]) -> tuple[list[str], list[str]]:
    """The person's e-mail addresses and full names ("First Last", "Last, First") as the
    roster gave them."""
    if not table_exists(con, "raw", "rosters"):
        return [], []
    rows = con.execute(
        "select email, first_name, last_name from raw.rosters where institution_id = ? "
        "and trim(student_id) in (select unnest(?))", [institution_id, ids]).fetchall()
    emails = sorted({e.strip().lower() for e, _, _ in rows if e and e.strip()})
    names = set()
    for _, first, last in rows:
        if first and last and first.strip() and last.strip():
            first, last = " ".join(first.split()), " ".join(last.split())
            names |= {f"{first} {last}", f"{last}, {first}"}
    return emails, sorted(names)


@dataclass(frozen=True)
class Erased:
    """What ``forget`` removed: rows per table, files per kind, and the delivered files
    (landing folder) that still hold the person, which Pathways never writes."""

    rows: dict[str, int]
    files: dict[str, int]
    delivered: list[str]


def forget(build_db: Path, institution: Institution, imports: ImportsConfig,
           student_id: str, reason: str | None = None, *,
           scan: Iterable[Path] = ()) -> Erased:
    """Erase one student of one institution from the build area, then from every file in
    the build area's folder and under ``scan`` (dbt's target/ and logs/)."""
    key = pseudonym_key()
    ids = id_variants(student_id, institution)
    with connect_build(build_db) as con:
        ensure_ops_schema(con)
        emails, names = _person(con, institution.id, ids)
        needles = sorted({*emails, *names, *(i for i in ids if len(i) >= MIN_SEARCHED_ID)})
        delivered = sorted({row[0] for row in con.execute(
            "select file from ops.file_ledger where institution_id = ? and status <> "
            "'refused'", [institution.id]).fetchall()})
        counts: dict[str, int] = {}
        inst = institution.id
        counts["raw.rosters"] = _delete(
            con, "raw.rosters", "institution_id = ? and trim(student_id) in (select unnest(?))",
            [inst, ids])
        counts["raw.nsc_detail"] = _delete(
            con, "raw.nsc_detail",
            "institution_id = ? and trim(your_unique_identifier) in (select unnest(?))",
            [inst, ids])
        for source in imports.imports:
            conditions, params = [], [inst, source.name]
            if "student_id" in source.columns:
                conditions.append("trim(_raw ->> ?) in (select unnest(?))")
                params += [source.columns["student_id"], ids]
            if "email" in source.columns and emails:
                conditions.append("lower(trim(_raw ->> ?)) in (select unnest(?))")
                params += [source.columns["email"], emails]
            if conditions:
                counts[f"raw.import_rows ({source.name})"] = _delete(
                    con, "raw.import_rows",
                    f"institution_id = ? and source_name = ? and ({' or '.join(conditions)})",
                    params)
        counts["ops.quarantine"] = _delete(
            con, "ops.quarantine",
            "institution_id = ? and (list_has_any(string_split_regex(raw_text, "
            "'[\\s,;|\"'']+'), ?) or list_has_any(string_split_regex(lower(raw_text), "
            "'[\\s,;|\"'']+'), ?))", [inst, ids, emails or [""]])
        counts["ops.match_reviews"] = _delete(
            con, "ops.match_reviews",
            "institution_id = ? and student_id in (select unnest(?))", [inst, ids])
        # Built tables that persist between refreshes (incremental models) and any other
        # restricted table keyed by the person: the next build would not remove them.
        record_ids = [f"{inst}|{v}" for v in ids]
        for schema, table, column in con.execute("""
                select c.schema_name, c.table_name, c.column_name
                from duckdb_columns() as c
                inner join duckdb_tables() as t using (database_name, schema_name, table_name)
                where c.schema_name = 'pii' and c.column_name in ('alumni_id', 'student_id')
                order by 1, 2, 3""").fetchall():
            where, params = ("alumni_id in (select unnest(?))", [record_ids]) \
                if column == "alumni_id" else \
                ("institution_id = ? and student_id in (select unnest(?))", [inst, ids])
            removed = _delete(con, f"{schema}.{table}", where, params)
            if removed:
                counts[f"{schema}.{table}"] = counts.get(f"{schema}.{table}", 0) + removed
        person = alumni_key(key, inst, ids[0])
        person_keys = [alumni_key(key, inst, v) for v in ids]
        for schema, table in con.execute(
                "select schema_name, table_name from duckdb_columns() "
                "where schema_name = 'snapshots' and column_name = 'alumni_key'").fetchall():
            counts[f"{schema}.{table}"] = _delete(
                con, f"{schema}.{table}", "alumni_key in (select unnest(?))", [person_keys])
        for (table,) in con.execute("select table_name from duckdb_tables() "
                                    "where schema_name = 'audit'").fetchall():
            con.execute(f"drop table audit.{quote_ident(table)}")  # stored failures are rebuilt
        counts.update(_scrub_text(con, needles))
        con.execute(
            "insert into ops.erasures (institution_id, alumni_key, email_keys, reason, "
            "rows_erased) values (?, ?, ?, ?, ?)",
            [inst, person, [email_key(key, inst, e) for e in emails], reason,
             json.dumps(counts)])
        for variant_key in person_keys[1:]:
            if variant_key != person:
                con.execute("insert into ops.erasures (institution_id, alumni_key, email_keys, "
                            "reason) values (?, ?, [], ?)", [inst, variant_key, reason])
    compact(build_db)
    files = scrub_files(build_db, [build_db.parent, *scan], needles)
    return Erased(counts, files, [f for f in delivered if _names(Path(f), needles)])


def _names(path: Path, needles: list[str]) -> bool:
    """Whether the file at ``path`` (gzip members decompressed) holds one of ``needles``."""
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError):
        return False
    data = data.lower()
    return any(n.lower().encode() in data for n in needles)


def _scrub_text(con: duckdb.DuckDBPyConnection, needles: list[str]) -> dict[str, int]:
    """Text that quotes the person outside the tables keyed by them: redacted free text
    (deleted; rebuilt from what remains) and ops bookkeeping (file messages, refresh
    messages: the text is replaced, the row kept)."""
    counts: dict[str, int] = {}
    if not needles:
        return counts
    lowered = [n.lower() for n in needles]
    columns = con.execute("""
        select c.schema_name, c.table_name, c.column_name
        from duckdb_columns() as c
        inner join duckdb_tables() as t using (database_name, schema_name, table_name)
        where c.data_type = 'VARCHAR' and (c.schema_name = 'ops'
            or c.schema_name = 'pii' and c.table_name = 'int_free_text_redactions')
        order by 1, 2, 3""").fetchall()
    for schema, table, column in columns:
        qualified = f"{quote_ident(schema)}.{quote_ident(table)}"
        matches = (f"list_bool_or([contains(lower({quote_ident(column)}), n) "
                   "for n in ?::varchar[]])")
        n = con.execute(f"select count(*) from {qualified} where {matches}",
                        [lowered]).fetchall()[0][0]
        if not n:
            continue
        if schema == "ops":
            con.execute(f"update {qualified} set {quote_ident(column)} = ? where {matches}",
                        [ERASED_TEXT, lowered])
        else:
            con.execute(f"delete from {qualified} where {matches}", [lowered])
        counts[f"{schema}.{table}.{column}"] = counts.get(f"{schema}.{table}.{column}", 0) + n
    return counts


def scrub_files(build_db: Path, folders: Iterable[Path],
                needles: list[str]) -> dict[str, int]:
    """Remove the person from every file under ``folders`` but the build database (which
    was compacted): dlt's load packages go whole, log lines that name them are removed, any
    other file that names them is deleted (dbt writes its artifacts again). Returns how
    many were removed or changed, per kind."""
    counts: dict[str, int] = {}
    for package in sorted(dlt_pipelines_dir(build_db).glob("*/*/*/*")):
        if package.parent.parent.name in ("load", "normalize") and package.is_dir():
            shutil.rmtree(package, ignore_errors=True)
            counts["dlt load packages"] = counts.get("dlt load packages", 0) + 1
    lowered = [n.lower().encode() for n in needles]
    kept = {build_db.resolve(), Path(str(build_db) + ".wal").resolve()}
    for folder in folders:
        if not folder.is_dir() or not lowered:
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.resolve() in kept or path.name == LOCK_NAME:
                continue
            data = path.read_bytes()
            if not any(n in data.lower() for n in lowered):
                continue
            if path.suffix == ".log" or ".log." in path.name:
                lines = data.splitlines(keepends=True)
                path.write_bytes(b"".join(
                    line for line in lines if not any(n in line.lower() for n in lowered)))
                restrict_file(path)
                counts["log files"] = counts.get("log files", 0) + 1
            else:
                path.unlink()
                counts["other files"] = counts.get("other files", 0) + 1
    return counts


def compact(database: Path) -> None:
    """Rewrite a DuckDB file with live data only (deleted rows leave no bytes behind)."""
    fresh = database.with_name(database.name + ".compact")
    fresh.unlink(missing_ok=True)
    con = connect_scratch()
    try:
        con.execute(f"attach {quote_literal(database)} as old (read_only)")
        con.execute(f"attach {quote_literal(fresh)} as new")
        con.execute("copy from database old to new")
    finally:
        con.close()
    restrict_file(fresh)
    os.replace(fresh, database)
    Path(str(database) + ".wal").unlink(missing_ok=True)


@dataclass(frozen=True)
class Forgotten:
    """Rows erased per table, files cleaned per kind, delivered files that still hold the
    person, and the refresh that republished without them (if any)."""

    counts: dict[str, int]
    refresh: RefreshResult | None
    files: dict[str, int]
    delivered: list[str]

    @property
    def rows_erased(self) -> int:
        return sum(self.counts.values())


def forget_person(settings: Settings, config: PathwaysConfig, imports: ImportsConfig,
                  institution_id: str, student_id: str, reason: str | None = None, *,
                  republish: bool = True,
                  on_progress: Callable[[int, int], None] | None = None,
                  spark_build: OpenBuild | None = None) -> Forgotten:
    """Erase a student from the build area (``forget``) and, with ``republish``, rebuild
    and publish at once so they leave the marts too (on Spark with ``spark_build``, as
    run_refresh)."""
    if not settings.build_db.exists():
        raise NotBuiltYet(f"no build area at {settings.build_db}: nothing to erase yet")
    root = settings.project_root
    with exclusive(settings.build_db, "forget"):
        erased = forget(settings.build_db, config.get(institution_id), imports, student_id,
                        reason, scan=[root / "target", root / "logs"])
        refreshed = (run_refresh(settings=settings, config=config, on_progress=on_progress,
                                  spark_build=spark_build)
                     if republish else None)
    return Forgotten(erased.rows, refreshed, erased.files, erased.delivered)
