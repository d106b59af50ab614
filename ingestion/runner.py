"""Ingest files into the warehouse's ``raw`` schema with dlt, one file at a time.

Each file is hashed, checked against the ledger (the same content twice adds nothing),
parsed by its kind's reader, loaded with dlt, and recorded in ``ops.file_ledger`` with its
quarantined rows in ``ops.quarantine``. A refused file loads nothing.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import dlt
import duckdb
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
        self.con = duckdb.connect(str(warehouse))
        self.ledger = Ledger(self.con)
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
        result = FileResult(file=str(path), kind=kind, institution_id=institution_id)
        try:
            self._check_arguments(path, kind, institution_id)
            sha = file_sha256(path)
            previous = self.ledger.already_loaded(sha, kind, institution_id)
            if previous:
                result.status = "skipped"
                result.warnings.append(f"same content already loaded from {previous}")
                return result
            parsed = self._parse(path, kind, institution_id)
            erased = self._withhold_erased(parsed, kind, institution_id)
        except FileRefused as exc:
            result.status = "refused"
            result.errors.append(str(exc))
            self._record_refusal(path, kind, institution_id, exc.reason)
            return result
        except (KeyError, ValueError, FileNotFoundError) as exc:
            result.status = "refused"
            result.errors.append(f"{path}: {exc.args[0] if exc.args else exc}")
            return result

        table = self._with_lineage(parsed.table, path, sha, institution_id)
        resource = imports_resource if kind.startswith(IMPORT_PREFIX) else {
            "roster": rosters_resource, "nsc": nsc_resource, "profiles": profiles_resource}[kind]
        if table.num_rows:
            resources = [resource(table)] + [
                CHILD_RESOURCES[name](self._with_lineage(child, path, sha, institution_id))
                for name, child in parsed.children.items() if child.num_rows]
            self.pipeline.run(resources)
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
        self.ledger.record(
            sha256=sha, file=str(path), kind=kind, institution_id=institution_id,
            ingest_id=self.ingest_id, encoding=parsed.encoding, rows_read=parsed.rows_read,
            rows_loaded=table.num_rows, quarantined=parsed.quarantined, status="loaded",
            message="; ".join(result.warnings) or None,
            submission_key=submission_key(path) if kind == "roster" else None,
        )
        return result

    def ingest_many(self, files: list[LandingFile],
                    on_file: Callable[[FileResult], None] | None = None) -> list[FileResult]:
        results = []
        for landing_file in files:
            result = self.ingest_file(landing_file.path, landing_file.kind,
                                      landing_file.institution_id)
            results.append(result)
            if on_file:
                on_file(result)
        return results

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
        columns = {  # constant columns, built in Arrow (no per-row Python objects)
            "_source_file": pa.repeat(pa.scalar(str(path), pa.string()), n),
            "_file_sha256": pa.repeat(pa.scalar(sha, pa.string()), n),
            "_ingest_id": pa.repeat(pa.scalar(self.ingest_id, pa.string()), n),
            "_ingested_at": pa.repeat(
                pa.scalar(datetime.now(UTC), pa.timestamp("us", tz="UTC")), n),
        }
        if institution_id is not None:
            columns["institution_id"] = pa.repeat(pa.scalar(institution_id, pa.string()), n)
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


