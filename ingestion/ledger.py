"""Bookkeeping in schema ``ops``: the file ledger (idempotent loads) and the quarantine."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb

from ingestion.parsed import QuarantinedRow

DDL = """
create schema if not exists ops;
create table if not exists ops.file_ledger (
    file_sha256 varchar,
    file varchar,
    kind varchar,
    institution_id varchar,
    ingest_id varchar,
    encoding varchar,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    status varchar,
    message varchar,
    ingested_at timestamptz default current_timestamp
);
alter table ops.file_ledger add column if not exists submission_key varchar;
alter table ops.file_ledger add column if not exists superseded_by varchar;
create table if not exists ops.quarantine (
    file_sha256 varchar,
    file varchar,
    kind varchar,
    institution_id varchar,
    ingest_id varchar,
    source_row bigint,
    raw_text varchar,
    reason varchar,
    quarantined_at timestamptz default current_timestamp
);
create table if not exists ops.refresh_runs (
    run_id varchar primary key,
    started_at timestamptz,
    finished_at timestamptz,
    status varchar,          -- running, succeeded, failed, interrupted
    failed_step varchar,
    message varchar,
    step_seconds json,
    rows_per_layer json,
    tests_passed integer,
    tests_failed integer,
    tests_warned integer,
    published boolean default false
);
alter table ops.refresh_runs add column if not exists build_fingerprint varchar;
alter table ops.refresh_runs add column if not exists full_rebuild boolean;
alter table ops.refresh_runs add column if not exists source_signatures json;
alter table ops.refresh_runs add column if not exists changed_sources json;
create table if not exists ops.match_reviews (
    institution_id varchar not null,
    student_id varchar not null,
    profile_id varchar not null,
    decision varchar not null check (decision in ('yes', 'no')),
    reviewer varchar,
    note varchar,
    source_file varchar,
    decided_at timestamptz default current_timestamp
);
"""


def ensure_ops_schema(warehouse: Path) -> None:
    """Create the ``ops`` bookkeeping tables if the warehouse does not have them yet."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(DDL)
    finally:
        con.close()


_VERSION_SUFFIX = re.compile(
    r"[\s._-]*(v\d+|version\d+|corrected|correction|revised|final|resend|resubmitted|"
    r"resubmission|updated|\(\d+\)|copy|\d{8}|\d{4}-\d{2}-\d{2})$")


def submission_key(path: Path) -> str:
    """What a file is a submission of: its name without extension and without version
    markers, so graduates_2019_2021_corrected.csv and graduates_2019_2021 (1).csv both
    re-submit graduates_2019_2021. A later loaded file with the same key (for the same
    institution and kind) supersedes the earlier one."""
    stem = path.name.lower()
    for suffix in (".gz", ".csv", ".txt", ".tsv", ".xlsx", ".dat", ".jsonl", ".json"):
        stem = stem.removesuffix(suffix)
    while True:
        shorter = _VERSION_SUFFIX.sub("", stem)
        if shorter == stem or not shorter:
            return stem
        stem = shorter


def file_sha256(path: Path) -> str:
    """Content hash of a file (the ledger's key: renaming a file does not reload it)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Ledger:
    """Reads and writes ``ops.file_ledger`` and ``ops.quarantine``."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        con.execute(DDL)

    def _supersede(self, sha256: str, kind: str, institution_id: str | None,
                   key: str) -> None:
        self.con.execute(
            "update ops.file_ledger set status = 'superseded', superseded_by = ? "
            "where kind = ? and institution_id is not distinct from ? and submission_key = ? "
            "and status = 'loaded' and file_sha256 <> ?",
            [sha256, kind, institution_id, key, sha256],
        )

    def already_loaded(self, sha256: str, kind: str, institution_id: str | None) -> str | None:
        """The file name under which this content was loaded before, if it was."""
        rows = self.con.execute(
            "select file from ops.file_ledger where file_sha256 = ? and kind = ? "
            "and institution_id is not distinct from ? and status in ('loaded', 'superseded') "
            "limit 1",
            [sha256, kind, institution_id],
        ).fetchall()
        return rows[0][0] if rows else None

    def record(self, *, sha256: str, file: str, kind: str, institution_id: str | None,
               ingest_id: str, encoding: str | None, rows_read: int, rows_loaded: int,
               quarantined: list[QuarantinedRow], status: str, message: str | None,
               submission_key: str | None = None) -> None:
        """Write the ledger row and the quarantined rows of one file."""
        self.con.execute(
            "insert into ops.file_ledger (file_sha256, file, kind, institution_id, ingest_id, "
            "encoding, rows_read, rows_loaded, rows_quarantined, status, message, "
            "submission_key) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sha256, file, kind, institution_id, ingest_id, encoding, rows_read, rows_loaded,
             len(quarantined), status, message, submission_key],
        )
        if status == "loaded" and submission_key:
            self._supersede(sha256, kind, institution_id, submission_key)
        if quarantined:
            self.con.executemany(
                "insert into ops.quarantine (file_sha256, file, kind, institution_id, ingest_id, "
                "source_row, raw_text, reason) values (?, ?, ?, ?, ?, ?, ?, ?)",
                [[sha256, file, kind, institution_id, ingest_id, q.row, q.raw, q.reason]
                 for q in quarantined],
            )
