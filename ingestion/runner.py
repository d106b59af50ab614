"""Ingest files into the warehouse's ``raw`` schema with dlt, one file at a time.

Each file is hashed, checked against the ledger (the same content twice adds nothing),
parsed by its kind's reader, loaded with dlt, and recorded in ``ops.file_ledger`` with its
quarantined rows in ``ops.quarantine``. A refused file loads nothing.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dlt
import pyarrow as pa

from ingestion.imports import imports_resource, parse_import
from ingestion.ledger import Ledger, file_sha256, submission_key
from ingestion.nsc import nsc_resource, parse_nsc
from ingestion.parsed import ParsedFile
from ingestion.profiles import (
    educations_resource,
    parse_profiles,
    positions_resource,
    profiles_resource,
)
from ingestion.reference import config_source
from ingestion.rosters import parse_roster, rosters_resource
from ingestion.textfiles import FileRefused
from pathways.config import ImportsConfig, PathwaysConfig, load_imports
from pathways.erasure import ErasureList
from pathways.resources import connect

KINDS: tuple[str, ...] = ("roster", "nsc", "profiles", "import:<source>")
CHILD_RESOURCES = {"profile_educations": educations_resource,
                   "profile_positions": positions_resource}
IMPORT_PREFIX = "import:"

log = logging.getLogger(__name__)


@dataclass
class FileResult:
    """What happened to one file (the JSON summary `pathways ingest --json` prints)."""

    file: str
    kind: str
    institution_id: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_erased: int = 0  # withheld: the person asked to be forgotten (pathways forget)
    status: str = "pending"  # loaded | skipped (already loaded) | refused
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


# Rows loaded per dlt run when ingesting many files (see Ingestor.ingest_many).
BATCH_ROWS = 2_000_000


def _constant(value: str, n: int) -> pa.Array:
    """``n`` copies of ``value`` as a dictionary array (a million rows of a file path would
    otherwise be a hundred megabytes of identical strings)."""
    return pa.DictionaryArray.from_arrays(
        pa.repeat(pa.scalar(0, pa.int32()), n), pa.array([value], pa.string()))


@dataclass
class _PendingLoad:
    """A parsed file waiting for its batch to load."""

    result: FileResult
    path: Path
    kind: str
    institution_id: str | None
    sha: str
    parsed: ParsedFile
    tables: list[tuple[Callable, pa.Table]]

    @property
    def rows(self) -> int:
        return sum(table.num_rows for _, table in self.tables)


@dataclass(frozen=True)
class LandingFile:
    path: Path
    kind: str
    institution_id: str | None


def discover(landing: Path, config: PathwaysConfig) -> list[LandingFile]:
    """Files in a landing folder: ``<institution>/roster/*``, ``<institution>/nsc/*``,
    ``<institution>/imports/<source>/*`` and ``profiles/*``. Folders starting with ``_`` or
    ``.`` (such as ``_truth``) are ignored."""
    found: list[LandingFile] = []
    for path in sorted(landing.rglob("*")):
        rel = path.relative_to(landing)
        if not path.is_file() or any(part.startswith(("_", ".")) for part in rel.parts):
            continue
        if rel.parts[0] == "profiles":
            found.append(LandingFile(path, "profiles", None))
        elif len(rel.parts) >= 3 and rel.parts[1] in ("roster", "nsc"):
            config.get(rel.parts[0])  # unknown institution folder: a clear KeyError
            found.append(LandingFile(path, rel.parts[1], rel.parts[0]))
        elif len(rel.parts) >= 4 and rel.parts[1] == "imports":
            config.get(rel.parts[0])
            found.append(LandingFile(path, IMPORT_PREFIX + rel.parts[2], rel.parts[0]))
    return found


class Ingestor:
    """Holds one DuckDB connection and one dlt pipeline for a batch of files."""

    def __init__(self, warehouse: Path, config: PathwaysConfig,
                 imports: ImportsConfig | None = None) -> None:
        warehouse.parent.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.imports = imports if imports is not None else load_imports()
        self.con = connect(warehouse)
        self.ledger = Ledger(self.con)
        # dlt hands Arrow tables to DuckDB through Parquet files it deletes after loading:
        # compressing them costs about 0.5 s per million profiles and saves nothing.
        os.environ.setdefault("DATA_WRITER__COMPRESSION", "none")
        # A pipeline of student records reports nothing to anyone: dlt's anonymous usage
        # telemetry (on by default, posted from a background thread) stays off.
        os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
        self.pipeline = dlt.pipeline(
            pipeline_name="pathways_raw",
            destination=dlt.destinations.duckdb(self.con),
            dataset_name="raw",
            pipelines_dir=str(warehouse.parent / ".dlt_pipelines"),
        )
        self.ingest_id = uuid.uuid4().hex

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Ingestor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load_reference(self) -> None:
        """Replace raw.institutions and raw.institution_aliases from the configuration."""
        self.pipeline.run(config_source(self.config, self.imports))

    def ingest_file(self, path: Path, kind: str, institution_id: str | None = None) -> FileResult:
        """Load one file; never raises for bad input, reports it in the result instead."""
        result, pending = self._prepare(path, kind, institution_id, set())
        if pending is not None:
            self._load([pending])
        return result

    def ingest_many(self, files: list[LandingFile],
                    on_file: Callable[[FileResult], None] | None = None,
                    batch_rows: int = BATCH_ROWS) -> list[FileResult]:
        """Load many files. Parsed files are loaded together, one dlt run per batch of up to
        ``batch_rows`` rows (each run costs dlt a fixed ~0.2 s, more than a small file takes
        to parse), and each file is recorded in the ledger once its batch has loaded."""
        results: list[FileResult] = []
        batch: list[_PendingLoad] = []
        shas: set[tuple] = set()

        def flush() -> None:
            if batch:
                self._load(batch)
                for pending in batch:
                    if on_file:
                        on_file(pending.result)
                batch.clear()

        for landing_file in files:
            result, pending = self._prepare(landing_file.path, landing_file.kind,
                                            landing_file.institution_id, shas)
            results.append(result)
            if pending is None:
                if on_file:
                    on_file(result)
                continue
            batch.append(pending)
            if sum(p.rows for p in batch) >= batch_rows:
                flush()
        flush()
        return results

    def _prepare(self, path: Path, kind: str, institution_id: str | None,
                 pending_shas: set[tuple]) -> tuple[FileResult, _PendingLoad | None]:
        """Check and parse one file: its result, and what to load (None when nothing is:
        refused, or already loaded)."""
        result = FileResult(file=str(path), kind=kind, institution_id=institution_id)
        try:
            self._check_arguments(path, kind, institution_id)
            sha = file_sha256(path)
            previous = self.ledger.already_loaded(sha, kind, institution_id)
            if previous or (sha, kind, institution_id) in pending_shas:
                result.status = "skipped"
                result.warnings.append(
                    f"same content already loaded from {previous or 'a file of this batch'}")
                return result, None
            parsed = self._parse(path, kind, institution_id)
            erased = self._withhold_erased(parsed, kind, institution_id)
        except FileRefused as exc:
            result.status = "refused"
            result.errors.append(str(exc))
            self._record_refusal(path, kind, institution_id, exc.reason)
            return result, None
        except (KeyError, ValueError, FileNotFoundError) as exc:
            result.status = "refused"
            result.errors.append(f"{path}: {exc.args[0] if exc.args else exc}")
            return result, None
        pending_shas.add((sha, kind, institution_id))
        table = self._with_lineage(parsed.table, path, sha, institution_id)
        resource = imports_resource if kind.startswith(IMPORT_PREFIX) else {
            "roster": rosters_resource, "nsc": nsc_resource, "profiles": profiles_resource}[kind]
        tables: list[tuple[Callable, pa.Table]] = []
        if table.num_rows:
            tables.append((resource, table))
            tables.extend(
                (CHILD_RESOURCES[name], self._with_lineage(child, path, sha, institution_id))
                for name, child in parsed.children.items() if child.num_rows)
        result.rows_read = parsed.rows_read
        result.rows_loaded = table.num_rows
        result.rows_quarantined = len(parsed.quarantined)
        result.rows_erased = erased
        result.status = "loaded"
        result.warnings.extend(parsed.warnings)
        if erased:
            result.warnings.append(f"{erased} rows withheld: erasure requests (ops.erasures)")
        result.errors.extend(f"row {q.row}: {q.reason}" for q in parsed.quarantined[:20])
        if len(parsed.quarantined) > 20:
            result.errors.append(f"... and {len(parsed.quarantined) - 20} more in ops.quarantine")
        return result, _PendingLoad(result, path, kind, institution_id, sha, parsed, tables)

    def _load(self, batch: list[_PendingLoad]) -> None:
        """One dlt run for the tables of every file in ``batch`` (tables of one resource
        concatenated), then each file's ledger row."""
        by_resource: dict[Callable, list[pa.Table]] = {}
        for pending in batch:
            for resource, table in pending.tables:
                by_resource.setdefault(resource, []).append(table)
        if by_resource:
            self.pipeline.run([
                resource(tables[0] if len(tables) == 1
                         else pa.concat_tables(tables, promote_options="default"))
                for resource, tables in by_resource.items()])
        for pending in batch:
            parsed, result = pending.parsed, pending.result
            self.ledger.record(
                sha256=pending.sha, file=str(pending.path), kind=pending.kind,
                institution_id=pending.institution_id, ingest_id=self.ingest_id,
                encoding=parsed.encoding, rows_read=parsed.rows_read,
                rows_loaded=result.rows_loaded, quarantined=parsed.quarantined,
                status="loaded", message="; ".join(result.warnings) or None,
                submission_key=submission_key(pending.path) if pending.kind == "roster"
                else None,
            )

    # -- helpers --------------------------------------------------------------------------
    def _withhold_erased(self, parsed: ParsedFile, kind: str,
                         institution_id: str | None) -> int:
        """Drop the rows (loadable or quarantined) of people who asked to be forgotten;
        returns how many. Their absence is counted, never their content."""
        if kind == "profiles" or institution_id is None:
            return 0
        erasures = ErasureList(self.con, self.config.get(institution_id))
        if not erasures:
            return 0
        rows = parsed.table.to_pylist()
        if kind == "roster":
            keep = [not (erasures.has_student(r["student_id"]) or erasures.has_email(r["email"]))
                    for r in rows]
        elif kind == "nsc":
            keep = [not erasures.has_student(r["your_unique_identifier"]) for r in rows]
        else:
            source = self.imports.get(kind.removeprefix(IMPORT_PREFIX))
            sid, email = source.columns.get("student_id"), source.columns.get("email")
            keep = []
            for r in rows:
                values = json.loads(r["_raw"])
                keep.append(not ((sid and erasures.has_student(values.get(sid)))
                                 or (email and erasures.has_email(values.get(email)))))
        kept_quarantine = [q for q in parsed.quarantined if not erasures.in_text(q.raw)]
        erased = keep.count(False) + len(parsed.quarantined) - len(kept_quarantine)
        parsed.table = parsed.table.filter(pa.array(keep, pa.bool_()))
        parsed.quarantined = kept_quarantine
        return erased

    def _check_arguments(self, path: Path, kind: str, institution_id: str | None) -> None:
        if kind.startswith(IMPORT_PREFIX):
            self.imports.get(kind.removeprefix(IMPORT_PREFIX))
        elif kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        if kind != "profiles" and not institution_id:
            raise ValueError(f"--institution is required for {kind} files")
        if institution_id:
            self.config.get(institution_id)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")

    def _parse(self, path: Path, kind: str, institution_id: str | None) -> ParsedFile:
        if kind == "roster":
            assert institution_id is not None
            return parse_roster(path, self.config.get(institution_id))
        if kind == "nsc":
            return parse_nsc(path)
        if kind.startswith(IMPORT_PREFIX):
            return parse_import(path, self.imports.get(kind.removeprefix(IMPORT_PREFIX)))
        return parse_profiles(path)

    def _with_lineage(self, table: pa.Table, path: Path, sha: str,
                      institution_id: str | None) -> pa.Table:
        n = table.num_rows
        columns = {  # constant columns, dictionary-encoded: one value, n small indices
            "_source_file": _constant(str(path), n),
            "_file_sha256": _constant(sha, n),
            "_ingest_id": _constant(self.ingest_id, n),
            "_ingested_at": pa.repeat(
                pa.scalar(datetime.now(UTC), pa.timestamp("us", tz="UTC")), n),
        }
        if institution_id is not None:
            columns["institution_id"] = _constant(institution_id, n)
        for name, values in columns.items():
            table = table.append_column(name, values)
        return table

    def _record_refusal(self, path: Path, kind: str, institution_id: str | None,
                        reason: str) -> None:
        try:
            sha = file_sha256(path)
        except OSError:
            sha = ""
        self.ledger.record(sha256=sha, file=str(path), kind=kind, institution_id=institution_id,
                           ingest_id=self.ingest_id, encoding=None, rows_read=0, rows_loaded=0,
                           quarantined=[], status="refused", message=reason)


