"""Ingest files into the build area's ``raw`` schema with dlt.

Each file is checked (a regular file inside the landing folder, ingestion.landing), hashed,
checked against the ledger (the same content twice adds nothing), parsed by its kind's
reader (ingestion.sources), loaded with dlt, and recorded in ``ops.file_ledger`` with its
quarantined rows in ``ops.quarantine``. A ``.zip`` is unpacked first and each member is a
file of its own (``archive.zip!member.csv``). A refused file loads nothing; whatever goes
wrong with one file (an unexpected error included) refuses that file and never stops the
other files of the batch.

dlt's working folder (extract, normalise and load packages: whole copies of the rows) lives
inside the restricted build area (pathways.core.build_area) and holds no rows once a batch
is loaded: dlt deletes each package's job files as it completes (``delete_completed_jobs``),
the package folders are removed after each load, and packages a killed ingest left behind
are discarded (never loaded: their files were not recorded in the ledger, so they load
again from the landing folder).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dlt
import duckdb
import pyarrow as pa

from ingestion.archives import is_zip_archive, unpack_zip
from ingestion.imports import IMPORT_PREFIX
from ingestion.kind import ParseContext, SourceKind
from ingestion.landing import LandingFile, discover, untrusted
from ingestion.ledger import (
    Ledger,
    file_sha256,
    record_reference_load,
    reference_digest,
    reference_loaded,
    submission_key,
)
from ingestion.parsed import ParsedFile, QuarantinedRow, StreamedFile
from ingestion.piece_files import PieceFile, PieceFiles, imported_resource
from ingestion.reference import config_source
from ingestion.refused import FileRefused
from ingestion.results import FileResult
from ingestion.sources import source_kind
from pathways.core import tallies
from pathways.core.build_area import dlt_pipelines_dir, ensure_private_dir, exclusive
from pathways.core.config import ImportsConfig, PathwaysConfig
from pathways.core.db import open_build, table_exists
from pathways.core.erasure_list import ErasureList
from pathways.core.errors import PathwaysError

log = logging.getLogger(__name__)

__all__ = ["FileResult", "Ingestor", "LandingFile", "discover", "ingest_files"]


# Rows loaded per dlt run when ingesting many files (see Ingestor.ingest_many).
BATCH_ROWS = 2_000_000
# Bytes of streamed files (read in pieces, never whole: the profile pool) per dlt run. They
# take no memory while they wait, so this only bounds what one failed or killed run redoes
# (about 2M generated profiles).
STREAM_BATCH_BYTES = 200 * 1024**2
# DuckDB's memory limit while ingest loads (see Ingestor.__init__): a file of any size
# ingests within about this plus a few pieces of Arrow (ingestion.profiles.PIECE_ROWS).
INGEST_MEMORY_LIMIT = "512MB"
INGEST_MEMORY_BYTES = 512 * 1000**2
# The schema (dlt's dataset) the files load into.
RAW_SCHEMA = "raw"


def _constant(value: str, n: int) -> pa.Array:
    """``n`` copies of ``value`` as a dictionary array (a million rows of a file path would
    otherwise be a hundred megabytes of identical strings)."""
    return pa.DictionaryArray.from_arrays(
        pa.repeat(pa.scalar(0, pa.int32()), n), pa.array([value], pa.string()))


@dataclass(frozen=True)
class _Item:
    """One file to ingest: a landing file, or one member of an archive."""

    name: str  # what the ledger, the lineage columns and the messages call it
    path: Path  # where its bytes are (an archive member: its unpacked copy)
    kind: str
    institution_id: str | None
    key_path: Path  # whose name says what it is a submission of


@dataclass
class _PendingLoad:
    """A parsed file waiting for its batch to load."""

    result: FileResult
    item: _Item
    kind: SourceKind
    institution_id: str | None
    sha: str
    parsed: ParsedFile | StreamedFile  # a streamed file's counts are known once it loaded
    tables: list[tuple[Callable, pa.Table]]
    streamed: bool = False

    @property
    def rows(self) -> int:
        return sum(table.num_rows for _, table in self.tables)

    @property
    def streamed_bytes(self) -> int:
        return self.item.path.stat().st_size if self.streamed else 0


# Folders of dlt's working directory that hold load packages (copies of the rows).
_PACKAGE_FOLDERS = (("normalize", "extracted"), ("load", "new"), ("load", "normalized"),
                    ("load", "loaded"))


class Ingestor:
    """Holds the build area's lock, one DuckDB connection and one dlt pipeline for a batch
    of files."""

    def __init__(self, build_db: Path, config: PathwaysConfig, imports: ImportsConfig) -> None:
        self.config = config
        self.imports = imports
        self._lock = contextlib.ExitStack()
        self._lock.enter_context(exclusive(build_db, "ingest"))
        try:
            self.con = open_build(build_db)
        except BaseException:
            self._lock.close()
            raise
        self.ledger = Ledger(self.con)
        # dlt's load inserts each Parquet file it wrote; DuckDB keeps the table blocks it
        # writes in its buffer pool up to its memory limit, so with the build area's limit
        # (8 GB) ingest's memory grew with the file (1.4 GB for a 1M-profile file). Written
        # blocks are on disk and can be evicted: ingest holds at most this much of them.
        self.con.execute(f"set memory_limit = '{_ingest_memory_limit(self.con)}'")
        # dlt's load inserts each Parquet file; kept in the file's order, DuckDB inserts
        # one row group at a time (3.9 s for a million profiles' three tables, against 2.3 s
        # in parallel). Raw rows carry their line (_source_row) and nothing reads them in
        # stored order; a load's rows stay in its own row groups, so the zone maps that find
        # one file's or one ingest's rows keep working.
        self.con.execute("set preserve_insertion_order = false")
        # dlt hands Arrow tables to DuckDB through Parquet files: compressing them costs
        # about 0.5 s per million profiles and saves nothing.
        os.environ.setdefault("DATA_WRITER__COMPRESSION", "none")
        # The Parquet files are copies of student records: dlt deletes each package's
        # files once they are loaded (not its default).
        os.environ.setdefault("LOAD__DELETE_COMPLETED_JOBS", "true")
        # dlt's run trace (trace.pickle) would keep exception texts, which can quote values.
        os.environ.setdefault("ENABLE_RUNTIME_TRACE", "false")
        # A pipeline of student records reports nothing to anyone: dlt's anonymous usage
        # telemetry (on by default, posted from a background thread) stays off.
        os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
        pipelines_dir = ensure_private_dir(dlt_pipelines_dir(build_db))
        self.pipeline = dlt.pipeline(
            pipeline_name="pathways_raw",
            destination=dlt.destinations.duckdb(self.con),
            dataset_name=RAW_SCHEMA,
            pipelines_dir=str(pipelines_dir),
        )
        self.discard_load_packages()  # what a killed ingest left behind is never loaded
        self.ingest_id = uuid.uuid4().hex
        self.unpack_root = build_db.parent / "unpack"  # archives, unpacked while read
        # streamed files' pieces, written for dlt to import (on the pipelines' filesystem,
        # so dlt hard-links them instead of copying)
        self.pieces_root = pipelines_dir

    def discard_load_packages(self) -> None:
        """Delete every load package in dlt's working folder: pending ones (a failed or
        killed load; their files are not in the ledger and load again) and loaded ones."""
        working_dir = Path(self.pipeline.working_dir)
        for parts in _PACKAGE_FOLDERS:
            folder = working_dir.joinpath(*parts)
            if folder.is_dir():
                for package in folder.iterdir():
                    shutil.rmtree(package, ignore_errors=True)

    def close(self) -> None:
        try:
            self.discard_load_packages()
            self.con.close()
        finally:
            self._lock.close()

    def __enter__(self) -> Ingestor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load_reference(self) -> None:
        """Replace raw.institutions and raw.institution_aliases from the configuration,
        unless they hold this configuration already (a dlt run costs about 0.8 s, on
        every ingest, for the same few rows)."""
        source = config_source(self.config, self.imports)
        if reference_loaded(self.con, reference_digest(self.config, self.imports)) and all(
                table_exists(self.con, RAW_SCHEMA, name) for name in source.resources):
            return
        self.pipeline.run(source)
        self.discard_load_packages()
        for name in source.resources:  # replaced whole, and small: recounted
            if table_exists(self.con, RAW_SCHEMA, name):
                tallies.recount(self.con, RAW_SCHEMA, name)
        record_reference_load(self.con, self.config, self.imports)

    def ingest_many(self, files: list[LandingFile],
                    on_file: Callable[[FileResult], None] | None = None,
                    batch_rows: int = BATCH_ROWS) -> list[FileResult]:
        """Load many files. Parsed files are loaded together, one dlt run per batch of up to
        ``batch_rows`` rows (each run costs dlt a fixed ~0.2 s, more than a small file takes
        to parse), and each file is recorded in the ledger once its batch has loaded."""
        results: list[FileResult] = []
        batch: list[_PendingLoad] = []
        shas: set[tuple] = set()

        def full() -> bool:
            return (sum(p.rows for p in batch) >= batch_rows
                    or sum(p.streamed_bytes for p in batch) >= STREAM_BATCH_BYTES)

        def flush() -> None:
            if batch:
                self._load(batch)
                for pending in batch:
                    if on_file:
                        on_file(pending.result)
                batch.clear()

        for landing_file in files:
            for result, pending in self._ingest_file(landing_file, shas):
                results.append(result)
                if pending is None:
                    if on_file:
                        on_file(result)
                    continue
                batch.append(pending)
                # A streamed archive member is read while it loads: before its unpacked
                # copy is deleted with the next member.
                if full() or (pending.streamed
                              and pending.item.path.is_relative_to(self.unpack_root)):
                    flush()
        flush()
        return results

    def _ingest_file(self, file: LandingFile, pending_shas: set[tuple]
                     ) -> Iterator[tuple[FileResult, _PendingLoad | None]]:
        """The results of one landing file: itself, or each member of an archive."""
        item = _Item(str(file.path), file.path, file.kind, file.institution_id, file.path)
        reason = untrusted(file)
        if reason:
            yield self._refuse(item, reason, read=False), None
            return
        try:
            archive = file.path.is_file() and is_zip_archive(file.path)
        except OSError:
            archive = False  # _prepare says why the file cannot be read
        if not archive:
            yield self._prepare(item, pending_shas)
            return
        workdir = self.unpack_root / uuid.uuid4().hex
        try:
            members = unpack_zip(file.path, workdir)
        except FileRefused as exc:
            yield self._refuse(item, exc.reason), None
            return
        except Exception as exc:
            yield self._unexpected(item, exc), None
            return
        try:
            for member in members:
                yield self._prepare(
                    _Item(f"{file.path}!{member.name}", member.path, file.kind,
                          file.institution_id, Path(Path(member.name).name)), pending_shas)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _prepare(self, item: _Item, pending_shas: set[tuple]
                 ) -> tuple[FileResult, _PendingLoad | None]:
        """Check and parse one file: its result, and what to load (None when nothing is:
        refused, or already loaded)."""
        kind, institution_id = item.kind, item.institution_id
        result = FileResult(file=item.name, kind=kind, institution_id=institution_id)
        try:
            source, context = self._check_arguments(item.path, kind, institution_id)
            sha = file_sha256(item.path)
            previous = self.ledger.already_loaded(sha, kind, institution_id)
            if previous or (sha, kind, institution_id) in pending_shas:
                result.status = "skipped"
                result.warnings.append(
                    f"same content already loaded from {previous or 'a file of this batch'}")
                return result, None
            if source.stream is not None:  # read in pieces while it loads
                stream = source.stream(item.path, context)
            else:
                parsed = source.parse(item.path, context)
                erased = self._withhold_erased(parsed, source, context)
        except FileRefused as exc:
            return self._refuse(item, exc.reason), None
        except (PathwaysError, FileNotFoundError) as exc:
            result.status = "refused"
            result.errors.append(f"{item.name}: {exc.args[0] if exc.args else exc}")
            return result, None
        except OSError as exc:
            return self._refuse(item, f"cannot be read ({exc.strerror or type(exc).__name__})"
                                      ": check that the file is a regular file Pathways may "
                                      "read", read=False), None
        except Exception as exc:
            return self._unexpected(item, exc), None
        pending_shas.add((sha, kind, institution_id))
        if source.stream is not None:
            return result, _PendingLoad(result, item, source, institution_id, sha, stream, [],
                                        streamed=True)
        table = self._with_lineage(parsed.table, item.name, sha, institution_id)
        tables: list[tuple[Callable, pa.Table]] = []
        if table.num_rows:
            tables.append((source.resource, table))
            tables.extend(
                (source.child_resources[name],
                 self._with_lineage(child, item.name, sha, institution_id))
                for name, child in parsed.children.items() if child.num_rows)
        _describe(result, parsed.rows_read, table.num_rows, parsed.quarantined,
                  parsed.warnings, erased)
        return result, _PendingLoad(result, item, source, institution_id, sha, parsed, tables)

    def _refuse(self, item: _Item, reason: str, read: bool = True) -> FileResult:
        """A refused file's result, recorded in the ledger (hashed only when ``read``: a
        link or a device is never opened)."""
        result = FileResult(file=item.name, kind=item.kind,
                            institution_id=item.institution_id, status="refused")
        result.errors.append(f"{item.name}: {reason}")
        self._record_refusal(item, reason, read)
        return result

    def _unexpected(self, item: _Item, exc: Exception) -> FileResult:
        """Refuse a file an unexpected error stopped; the traceback goes to the log only
        (it may quote the file), the message names the error's kind."""
        log.error("unexpected error ingesting %s", item.name, exc_info=exc)
        return self._refuse(item, (
            f"could not be read: Pathways met an unexpected error ({type(exc).__name__}) in "
            "it, so nothing of it was loaded (the other files were not affected); please "
            "report it to the Pathways team with the ingest log"))

    def _load(self, batch: list[_PendingLoad]) -> None:
        """One dlt run for the tables of every file in ``batch``, then each file's ledger
        row. When the run fails, each file is loaded on its own, and a file that fails
        alone is refused: one file's failure never loses the others."""
        try:
            self._write_batch(batch)
        except Exception as exc:  # one file's failure never loses the others
            # Delete the failed package whole. dlt 1.30 deprecates this for abort_packages,
            # which keeps the package's rows in failed_jobs: a copy of student records.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                self.pipeline.drop_pending_packages()
            if len(batch) > 1:
                for pending in batch:
                    self._load([pending])
                return
            pending = batch[0]
            reason = _refusal_in(exc)
            if reason is not None:  # a streamed file found unreadable part way
                refused = self._refuse(pending.item, reason)
            else:
                log.error("loading %s failed", pending.item.name, exc_info=exc)
                refused = self._unexpected(pending.item, exc)
            pending.result.__dict__.update(refused.__dict__)
            return
        for pending in batch:
            parsed, result = pending.parsed, pending.result
            if pending.streamed:
                assert isinstance(parsed, StreamedFile)
                _describe(result, parsed.rows_read, parsed.rows_loaded, parsed.quarantined,
                          parsed.warnings, 0)
            self.ledger.record(
                sha256=pending.sha, file=pending.item.name, kind=pending.kind.name,
                institution_id=pending.institution_id, ingest_id=self.ingest_id,
                encoding=parsed.encoding, rows_read=parsed.rows_read,
                rows_loaded=result.rows_loaded, quarantined=parsed.quarantined,
                status="loaded", message="; ".join(result.warnings) or None,
                submission_key=submission_key(pending.item.key_path)
                if pending.kind.supersedes else None,
            )

    def _write_batch(self, batch: list[_PendingLoad]) -> None:
        """The dlt run of a batch: tables of one resource concatenated; the streamed files'
        pieces written to one Parquet file per table first (``ingestion.piece_files``)."""
        by_resource: dict[Callable, list[pa.Table]] = {}
        for pending in batch:
            for resource, table in pending.tables:
                by_resource.setdefault(resource, []).append(table)
        resources = [resource(tables[0] if len(tables) == 1
                              else pa.concat_tables(tables, promote_options="default"))
                     for resource, tables in by_resource.items()]
        table_names = [resource.table_name for resource in resources]
        pieces = PieceFiles(self.pieces_root)
        try:
            streamed = [pending for pending in batch if pending.streamed]
            if streamed:
                for table_name, piece_file in self._write_pieces(streamed, pieces).items():
                    resources.append(imported_resource(table_name, piece_file))
                    table_names.append(table_name)
            if resources:
                self.pipeline.run(resources)
        finally:
            pieces.remove()
        if resources:
            self.discard_load_packages()
            # The raw tables' tallies gain the rows of these files (the refresh's source
            # signatures, pathways.core.tallies): found by this ingest's id and the files'
            # hashes, which zone maps find without reading the rest of the pool.
            shas = sorted({pending.sha for pending in batch})
            for table_name in table_names:
                tallies.add_loaded(self.con, RAW_SCHEMA, table_name,
                                   "_ingest_id = ? and _file_sha256 in (select unnest(?))",
                                   [self.ingest_id, shas])

    def _write_pieces(self, batch: list[_PendingLoad], pieces: PieceFiles
                      ) -> dict[str, PieceFile]:
        """Every piece of the streamed files of a batch, with its lineage, appended to its
        table's file as it is read: no file is ever held whole. A file found unreadable
        part way raises its ``FileRefused`` here, before dlt runs."""
        for pending in batch:
            assert isinstance(pending.parsed, StreamedFile)
            for table_name, table in pending.parsed.pieces():
                if table.num_rows:
                    pieces.write(table_name, self._with_lineage(
                        table, pending.item.name, pending.sha, pending.institution_id))
        return pieces.close()

    # -- helpers --------------------------------------------------------------------------
    def _withhold_erased(self, parsed: ParsedFile, source: SourceKind,
                         context: ParseContext) -> int:
        """Drop the rows (loadable or quarantined) of people who asked to be forgotten;
        returns how many. Their absence is counted, never their content."""
        if source.keep_rows is None or context.institution is None:
            return 0
        erasures = ErasureList(self.con, context.institution)
        if not erasures:
            return 0
        keep = source.keep_rows(parsed.table, erasures, context)
        kept_quarantine = [q for q in parsed.quarantined if not erasures.in_text(q.raw)]
        erased = keep.count(False) + len(parsed.quarantined) - len(kept_quarantine)
        parsed.table = parsed.table.filter(pa.array(keep, pa.bool_()))
        parsed.quarantined = kept_quarantine
        return erased

    def _check_arguments(self, path: Path, kind: str,
                         institution_id: str | None) -> tuple[SourceKind, ParseContext]:
        """The file's kind and what its parser needs; PathwaysError or FileNotFoundError
        when the request itself is wrong."""
        source = source_kind(kind, self.imports)
        if source.needs_institution and not institution_id:
            raise PathwaysError(f"--institution is required for {kind} files")
        institution = self.config.get(institution_id) if institution_id else None
        import_source = (self.imports.get(kind.removeprefix(IMPORT_PREFIX))
                         if kind.startswith(IMPORT_PREFIX) else None)
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {path}")
        return source, ParseContext(institution, import_source)

    def _with_lineage(self, table: pa.Table, name: str, sha: str,
                      institution_id: str | None) -> pa.Table:
        n = table.num_rows
        columns = {  # constant columns, dictionary-encoded: one value, n small indices
            "_source_file": _constant(name, n),
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

    def _record_refusal(self, item: _Item, reason: str, read: bool) -> None:
        sha = ""
        if read:
            try:
                sha = file_sha256(item.path)
            except OSError:
                sha = ""
        self.ledger.record(sha256=sha, file=item.name, kind=item.kind,
                           institution_id=item.institution_id, ingest_id=self.ingest_id,
                           encoding=None, rows_read=0, rows_loaded=0, quarantined=[],
                           status="refused", message=reason)


def _ingest_memory_limit(con: duckdb.DuckDBPyConnection) -> str:
    """INGEST_MEMORY_LIMIT, or the connection's own limit when that is lower."""
    current = con.execute("select current_setting('memory_limit')").fetchall()[0][0]
    units = {"B": 1, "KB": 1000, "KIB": 1024, "MB": 1000**2, "MIB": 1024**2,
             "GB": 1000**3, "GIB": 1024**3, "TB": 1000**4, "TIB": 1024**4}
    number, _, unit = str(current).strip().partition(" ")
    try:
        current_bytes = float(number) * units[unit.strip().upper() or "B"]
    except (KeyError, ValueError):
        return INGEST_MEMORY_LIMIT
    return f"{int(current_bytes)}B" if current_bytes < INGEST_MEMORY_BYTES else (
        INGEST_MEMORY_LIMIT)


def _describe(result: FileResult, rows_read: int, rows_loaded: int,
              quarantined: list[QuarantinedRow], file_warnings: list[str], erased: int) -> None:
    """Fill a loaded file's result: its counts, warnings and first quarantined rows."""
    result.rows_read = rows_read
    result.rows_loaded = rows_loaded
    result.rows_quarantined = len(quarantined)
    result.rows_erased = erased
    result.status = "loaded"
    result.warnings.extend(file_warnings)
    if erased:
        result.warnings.append(f"{erased} rows withheld: erasure requests (ops.erasures)")
    result.errors.extend(
        f"row {q.row}{f' (line {q.line})' if q.line else ''}: {q.reason}"
        for q in quarantined[:20])
    if len(quarantined) > 20:
        result.errors.append(f"... and {len(quarantined) - 20} more in ops.quarantine")


def _refusal_in(exc: BaseException) -> str | None:
    """The reason of a FileRefused that caused ``exc`` (dlt wraps what a resource raised),
    or None."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, FileRefused):
            return seen.reason
        seen = seen.__cause__ or seen.__context__
    return None


def ingest_files(build_db: Path, config: PathwaysConfig, imports: ImportsConfig,
                 files: list[LandingFile],
                 on_progress: Callable[[int, int], None] | None = None) -> list[FileResult]:
    """Load ``files`` into the build area (configuration tables first); ``on_progress(done,
    total)`` after each file. Bad input is reported in the results, never raised."""
    done = 0

    def file_done(_: FileResult) -> None:
        nonlocal done
        done += 1
        if on_progress:
            on_progress(done, len(files))

    with Ingestor(build_db, config, imports) as ingestor:
        ingestor.load_reference()
        return ingestor.ingest_many(files, file_done)
