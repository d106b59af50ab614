"""Erasure: forgetting a person everywhere, and keeping them out of later loads.

`pathways forget` deletes a student's rows from every layer of the build area (raw rows,
NSC rows, third-party rows linked by student id or email, quarantined rows, review
decisions, snapshots, stored test failures), compacts the build database so the deleted
bytes do not linger in free blocks, and records the request in ``ops.erasures`` by keyed
hash only (never the raw id). Ingest consults that list and withholds the person's rows
from every later file, even the same roster sent again. The next refresh rebuilds and
republishes without them.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import duckdb

from pathways.config import ImportsConfig, Institution
from pathways.pseudonym import alumni_key, pseudonym_key
from pathways.resources import connect

ERASURES_DDL = """
create schema if not exists ops;
create table if not exists ops.erasures (
    institution_id varchar not null,
    alumni_key varchar not null,
    email_keys varchar[],
    reason varchar,
    rows_erased json,
    requested_at timestamptz default current_timestamp
);
"""


def _email_key(key: bytes, institution_id: str, email: str) -> str:
    return alumni_key(key, institution_id, "email:" + email.strip().lower())


def id_variants(student_id: str, institution: Institution) -> list[str]:
    """The ways a student id can appear in files: as given, without leading zeros (a
    spreadsheet's doing) and padded to the institution's id width."""
    sid = student_id.strip()
    variants = {sid, sid.lstrip("0") or "0"}
    width = institution.roster.student_id_width
    if width and sid.isdigit():
        variants.add(sid.zfill(width))
    return sorted(variants)


class ErasureList:
    """The erased people of one institution, as keyed hashes, for filtering at ingest."""

    def __init__(self, con: duckdb.DuckDBPyConnection, institution: Institution | None) -> None:
        self.institution = institution
        self.keys: set[str] = set()
        self.email_keys: set[str] = set()
        self._key: bytes | None = None
        if institution is None:
            return
        con.execute(ERASURES_DDL)
        for key, emails in con.execute(
                "select alumni_key, email_keys from ops.erasures where institution_id = ?",
                [institution.id]).fetchall():
            self.keys.add(key)
            self.email_keys.update(emails or [])

    def __bool__(self) -> bool:
        return bool(self.keys)

    @property
    def _secret(self) -> bytes:
        if self._key is None:
            self._key = pseudonym_key()
        return self._key

    def has_student(self, student_id: str | None) -> bool:
        if not self or not student_id or self.institution is None:
            return False
        return any(alumni_key(self._secret, self.institution.id, v) in self.keys
                   for v in id_variants(student_id, self.institution))

    def has_email(self, email: str | None) -> bool:
        if not self or not email or self.institution is None:
            return False
        return _email_key(self._secret, self.institution.id, email) in self.email_keys

    def in_text(self, text: str) -> bool:
        """Whether any token of a raw row (a quarantined line) is an erased id or email."""
        if not self:
            return False
        tokens = [t for t in re.split(r"[\s,;|\t\"']+", text) if t]
        return any(self.has_student(t) or ("@" in t and self.has_email(t)) for t in tokens)


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from duckdb_tables() where schema_name || '.' || table_name = ?",
        [table]).fetchall()[0][0])


def _delete(con: duckdb.DuckDBPyConnection, table: str, where: str, params: list) -> int:
    if not _exists(con, table):
        return 0
    n = con.execute(f"select count(*) from {table} where {where}", params).fetchall()[0][0]
    if n:
        con.execute(f"delete from {table} where {where}", params)
    return n


def forget(build_db: Path, institution: Institution, imports: ImportsConfig,
           student_id: str, reason: str | None = None) -> dict[str, int]:
    """Erase one student of one institution from the build area; returns rows per table."""
    key = pseudonym_key()
    ids = id_variants(student_id, institution)
    con = duckdb.connect(str(build_db))
    try:
        con.execute(ERASURES_DDL)
        emails: list[str] = []
        if _exists(con, "raw.rosters"):
            emails = sorted({row[0].strip().lower() for row in con.execute(
                "select email from raw.rosters where institution_id = ? and trim(student_id) "
                "in (select unnest(?)) and email is not null",
                [institution.id, ids]).fetchall()})
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
            con.execute(f'drop table audit."{table}"')  # stored failures are rebuilt
        con.execute(
            "insert into ops.erasures (institution_id, alumni_key, email_keys, reason, "
            "rows_erased) values (?, ?, ?, ?, ?)",
            [inst, person, [_email_key(key, inst, e) for e in emails], reason,
             json.dumps(counts)])
        for variant_key in person_keys[1:]:
            if variant_key != person:
                con.execute("insert into ops.erasures (institution_id, alumni_key, email_keys, "
                            "reason) values (?, ?, [], ?)", [inst, variant_key, reason])
    finally:
        con.close()
    compact(build_db)
    return counts


def compact(database: Path) -> None:
    """Rewrite a DuckDB file with live data only (deleted rows leave no bytes behind)."""
    fresh = database.with_name(database.name + ".compact")
    fresh.unlink(missing_ok=True)
    con = connect()
    try:
        con.execute(f"attach '{database}' as old (read_only)")
        con.execute(f"attach '{fresh}' as new")
        con.execute("copy from database old to new")
    finally:
        con.close()
    os.replace(fresh, database)
    Path(str(database) + ".wal").unlink(missing_ok=True)
