"""The file ledger (idempotent loads, superseded submissions), the quarantine and the
record of which configuration raw's configuration tables hold, in schema ``ops`` (the
tables are defined in pathways.core.ops)."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from ingestion.landing import open_regular
from pathways.core.config import ImportsConfig, PathwaysConfig
from pathways.core.ops import ensure_ops_schema

if TYPE_CHECKING:  # the parsers' pyarrow and ftfy are not needed to read the ledger
    from ingestion.parsed import QuarantinedRow

_VERSION_SUFFIX = re.compile(
    r"[\s._-]*(v\d+|version\d+|corrected|correction|revised|final|resend|resubmitted|"
    r"resubmission|updated|\(\d+\)|copy|\d{8}|\d{4}-\d{2}-\d{2})$")


def submission_key(path: Path) -> str:
    """What a file is a submission of: its name without extension and without version
    markers, so graduates_2019_2021_corrected.csv and graduates_2019_2021 (1).csv both
    re-submit graduates_2019_2021. A later loaded file with the same key (for the same
    institution and kind) supersedes the earlier one."""
    stem = path.name.lower()
    for suffix in (".gz", ".zip", ".csv", ".txt", ".tsv", ".xlsx", ".dat", ".jsonl", ".json"):
        stem = stem.removesuffix(suffix)
    while True:
        shorter = _VERSION_SUFFIX.sub("", stem)
        if shorter == stem or not shorter:
            return stem
        stem = shorter


def file_sha256(path: Path) -> str:
    """Content hash of a file (the ledger's key: renaming a file does not reload it). The
    file is opened without following a link (OSError for a link or a non-regular file)."""
    digest = hashlib.sha256()
    with os.fdopen(open_regular(path), "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Ledger:
    """Reads and writes ``ops.file_ledger`` and ``ops.quarantine``."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        ensure_ops_schema(con)

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
                "source_row, source_line, raw_text, reason) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [[sha256, file, kind, institution_id, ingest_id, q.row, q.line, q.raw, q.reason]
                 for q in quarantined],
            )


def reference_digest(config: PathwaysConfig, imports: ImportsConfig) -> str:
    """A digest of what ingest loads into raw's configuration tables."""
    return hashlib.sha256((config.model_dump_json() + "\0" + imports.model_dump_json())
                          .encode()).hexdigest()


def record_reference_load(con: duckdb.DuckDBPyConnection, config: PathwaysConfig,
                          imports: ImportsConfig) -> None:
    """Note that raw's configuration tables now hold ``config`` and ``imports``."""
    con.execute("insert into ops.reference_loads (config_digest) values (?)",
                [reference_digest(config, imports)])


def reference_loaded(con: duckdb.DuckDBPyConnection, digest: str) -> bool:
    """Whether raw's configuration tables were last loaded from the configuration whose
    ``reference_digest`` is ``digest``."""
    rows = con.execute("select config_digest from ops.reference_loads "
                       "order by loaded_at desc limit 1").fetchall()
    return bool(rows) and rows[0][0] == digest
