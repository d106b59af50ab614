"""The public professional profile pool: JSON lines (gzip or not) read with a declared schema.

A profile file can be larger than memory (a pool delivered as one file), so it is read in
pieces (``ProfileStream``), and the hot path never touches a row in Python. DuckDB's
``read_json`` parses the file against the declared columns (no inference; gzip included) as a
streaming query fetched one record batch at a time; Arrow compute splits each batch's nested
education and positions lists into flat child tables (one row per entry, keyed by the
profile's line); dlt loads the three flat tables (``raw.profiles``,
``raw.profile_educations``, ``raw.profile_positions``) as the pieces arrive. Only from the
first batch with a line that does not parse does a slower pass read the lines themselves
and quarantine exactly those that do not fit.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import dlt
import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ingestion.archives import ExpansionGuard, delivered_chunks, is_gzip
from ingestion.kind import SourceKind
from ingestion.limits import MAX_STREAMED_EXPANDED_BYTES, clipped_bytes
from ingestion.parsed import ParsedFile, QuarantinedRow, StreamedFile
from ingestion.textfiles import FileRefused
from pathways.core.db import connect_scratch

_LOCATION = pa.struct([("city", pa.string()), ("state", pa.string())])
EDUCATION = pa.struct([
    ("school", pa.string()),
    ("degree", pa.string()),
    ("field_of_study", pa.string()),
    ("start_year", pa.int32()),
    ("end_year", pa.int32()),
])
POSITION = pa.struct([
    ("employer", pa.string()),
    ("title", pa.string()),
    ("start_date", pa.string()),
    ("end_date", pa.string()),
    ("location", _LOCATION),
])
PROFILE_SCHEMA = pa.schema([
    ("profile_id", pa.string()),
    ("first_name", pa.string()),
    ("middle_name", pa.string()),
    ("last_name", pa.string()),
    ("full_name", pa.string()),
    ("location", _LOCATION),
    ("email", pa.string()),
    ("education", pa.list_(EDUCATION)),
    ("positions", pa.list_(POSITION)),
    ("updated_at", pa.string()),
])

# The same schema for DuckDB's read_json.
_DUCKDB_COLUMNS = {
    "profile_id": "VARCHAR", "first_name": "VARCHAR", "middle_name": "VARCHAR",
    "last_name": "VARCHAR", "full_name": "VARCHAR",
    "location": "STRUCT(city VARCHAR, state VARCHAR)", "email": "VARCHAR",
    "education": "STRUCT(school VARCHAR, degree VARCHAR, field_of_study VARCHAR, "
                 "start_year INTEGER, end_year INTEGER)[]",
    "positions": "STRUCT(employer VARCHAR, title VARCHAR, start_date VARCHAR, "
                 "end_date VARCHAR, location STRUCT(city VARCHAR, state VARCHAR))[]",
    "updated_at": "VARCHAR",
}

_PARSE = pj.ParseOptions(explicit_schema=PROFILE_SCHEMA, unexpected_field_behavior="ignore")


def duckdb_columns_sql() -> str:
    """The declared schema as a DuckDB ``read_json(columns = ...)`` struct literal."""
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in _DUCKDB_COLUMNS.items()) + "}"


def _count_from(start: int, n: int) -> pa.Array:
    """start, start + 1, ..., as an int64 Arrow array (numpy's arange: a cumulative sum in
    Arrow took 0.37 s a million profiles)."""
    return pa.array(np.arange(start, start + n, dtype=np.int64))


def _children(table: pa.Table, column: str, index_name: str) -> pa.Table:
    """One row per entry of a list column, with the profile id, the profile's line and the
    entry's 1-based position in its list; struct fields become columns."""
    lists = table.column(column).combine_chunks()
    parents = pc.list_parent_indices(lists)
    entries = pc.list_flatten(lists)
    starts = pc.take(lists.offsets, parents)
    position = pc.add(pc.subtract(_count_from(0, len(entries)), pc.cast(starts, pa.int64())), 1)
    columns = {
        "profile_id": pc.take(table.column("profile_id"), parents),
        "_source_row": pc.take(table.column("_source_row"), parents),
        index_name: position,
    }
    for i, field in enumerate(entries.type):
        values = entries.field(i)
        if pa.types.is_struct(field.type):  # location
            for j, sub in enumerate(field.type):
                columns[f"{field.name}_{sub.name}"] = values.field(j)
        else:
            columns[field.name] = values
    return pa.table(columns)


def _split(table: pa.Table, source_rows: pa.Array) -> tuple[pa.Table, dict]:
    """Flat profiles (location lifted to columns, ``_source_row`` the 1-based line) and the
    flat education and position child tables."""
    table = table.append_column("_source_row", source_rows)
    children = {
        "profile_educations": _children(table, "education", "education_index"),
        "profile_positions": _children(table, "positions", "position_index"),
    }
    location = table.column("location")
    flat = table.drop_columns(["location", "education", "positions"])
    flat = flat.append_column("location_city", pc.struct_field(location, "city"))
    flat = flat.append_column("location_state", pc.struct_field(location, "state"))
    return flat, children


def _check_line(line: bytes) -> str | None:
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        return f"not valid JSON: {exc}"
    if not isinstance(value, dict):
        return "not a JSON object"
    if not value.get("profile_id"):
        return "profile_id is missing"
    try:
        pj.read_json(io.BytesIO(line), parse_options=_PARSE)
    except pa.ArrowInvalid as exc:
        return f"does not fit the profile schema: {exc}"
    return None


def parse_profiles(path: Path) -> ParsedFile:
    """The whole of a profile file at once (tests and small files; ingest streams it with
    ``open_profiles``): the same rows, quarantined lines and refusals."""
    stream = open_profiles(path)
    pieces: dict[str, list[pa.Table]] = {}
    for name, table in stream.pieces():
        pieces.setdefault(name, []).append(table)
    empty_flat, empty_children = _split(PROFILE_SCHEMA.empty_table(), pa.array([], pa.int64()))
    empty = {"profiles": empty_flat, **empty_children}
    tables = {name: pa.concat_tables(pieces[name]) if name in pieces else table
              for name, table in empty.items()}
    flat = tables.pop("profiles")
    return ParsedFile(flat, stream.rows_read, stream.quarantined, [], children=tables)


def open_profiles(path: Path) -> ProfileStream:
    """A profile file to read in pieces; a gzip file that would expand past the limits of
    ingestion.limits is refused while its pieces are read (``ProfileStream.pieces``)."""
    return ProfileStream(path)


# Profiles per piece. A piece of 100,000 generated profiles is about 70 MB of JSON text and
# less as Arrow; ingest holds a few pieces at a time (DuckDB's, the one being split, dlt's
# writer buffer), whatever the size of the file.
PIECE_ROWS = 100_000
# Lines the careful path (from the first line that does not fit) parses together; a chunk
# that does not parse whole is checked line by line.
_CAREFUL_CHUNK_LINES = 10_000


class _NotClean(Exception):
    """The fast path met a line that does not fit: the careful path takes over there."""


class ProfileStream(StreamedFile):
    """One profile file, read in pieces of up to ``piece_rows`` profiles.

    Fast path: DuckDB's ``read_json`` with the declared columns, a streaming query fetched
    one record batch at a time (row i is line i). When a batch fails to parse or holds a
    profile without a ``profile_id``, the careful path reads the file's lines from that
    batch's first line on (the lines before it are delivered already), in chunks: a chunk
    that parses whole is kept whole, any other is checked line by line and its bad lines
    quarantined with their line number and reason.
    """

    def __init__(self, path: Path, piece_rows: int | None = None) -> None:
        super().__init__()
        self.path = path
        self.piece_rows = piece_rows or PIECE_ROWS

    def pieces(self) -> Iterator[tuple[str, pa.Table]]:
        """The file's pieces. A gzip file's expansion limit is checked alongside the
        reading (``ExpansionGuard``): the refusal stops the reading at the next piece, and
        the last piece waits for the verdict, so a refused file yields a ``FileRefused``
        and the runner keeps nothing of it."""
        self.rows_read = self.rows_loaded = 0
        self.quarantined = []
        guard = (ExpansionGuard(self.path, MAX_STREAMED_EXPANDED_BYTES)
                 if is_gzip(self.path) else None)
        try:
            yield from self._pieces(guard)
            if guard is not None:
                guard.finish()
        finally:
            if guard is not None:
                guard.stop()
        if self.rows_read == 0:
            raise FileRefused(self.path, "the file is empty")

    def _pieces(self, guard: ExpansionGuard | None) -> Iterator[tuple[str, pa.Table]]:
        tables = self._fast()
        while True:
            if guard is not None and (refused := guard.refusal()) is not None:
                raise refused
            try:
                table, source_rows = next(tables)
            except StopIteration:
                break
            except _NotClean:  # the lines before it are delivered; carefully from there
                tables = self._careful(skip=self.rows_read)
                continue
            self.rows_loaded += table.num_rows
            flat, children = _split(table, source_rows)
            yield "profiles", flat
            yield from children.items()

    def _fast(self) -> Iterator[tuple[pa.Table, pa.Array]]:
        con = connect_scratch()
        try:
            con.execute("set preserve_insertion_order = true")  # row i is line i
            try:
                reader = con.sql(  # a streaming query: batches are parsed as they are read
                    f"select * from read_json(?, columns = {duckdb_columns_sql()}, "
                    "format = 'newline_delimited', compression = 'auto_detect')",
                    params=[str(self.path)]).to_arrow_reader(self.piece_rows)
            except duckdb.Error as exc:
                raise _NotClean from exc
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except (duckdb.Error, pa.ArrowException, OSError) as exc:
                    # DuckDB's errors reach the Arrow reader as OSError; a file that truly
                    # cannot be read fails again, in words, on the careful path
                    raise _NotClean from exc
                if not _ids_present(batch.column(batch.schema.get_field_index("profile_id"))):
                    raise _NotClean
                rows = _count_from(self.rows_read + 1, batch.num_rows)
                self.rows_read += batch.num_rows
                yield pa.Table.from_batches([batch]).cast(PROFILE_SCHEMA), rows
        finally:
            con.close()

    def _careful(self, skip: int) -> Iterator[tuple[pa.Table, pa.Array]]:
        """The good lines after the first ``skip`` in tables of up to a chunk of lines,
        with their line numbers; the other lines are quarantined."""
        chunk: list[tuple[int, bytes]] = []
        number = 0
        for line in _lines(self.path):
            if not line.strip():
                continue
            number += 1
            if number <= skip:
                continue
            chunk.append((number, line))
            if len(chunk) >= _CAREFUL_CHUNK_LINES:
                yield from self._careful_chunk(chunk)
                chunk = []
        if chunk:
            yield from self._careful_chunk(chunk)

    def _careful_chunk(self, chunk: list[tuple[int, bytes]]
                       ) -> Iterator[tuple[pa.Table, pa.Array]]:
        self.rows_read += len(chunk)
        table = _parse_lines([line for _, line in chunk])
        if table is None:  # some line does not fit: find which
            good = []
            for number, line in chunk:
                reason = _check_line(line)
                if reason:
                    self.quarantined.append(
                        QuarantinedRow(number, clipped_bytes(line), reason, number))
                else:
                    good.append((number, line))
            chunk = good
            table = _parse_lines([line for _, line in chunk]) if chunk else None
        if table is not None:
            yield table, pa.array([number for number, _ in chunk], pa.int64())


def _ids_present(ids: pa.Array) -> bool:
    """Whether every profile has a non-empty ``profile_id``."""
    # the shortest id's length, from the offsets alone (comparing every id with "" took
    # 0.37 s a million profiles)
    return not ids.null_count and (not len(ids) or pc.min(pc.binary_length(ids)).as_py() > 0)


def _parse_lines(lines: list[bytes]) -> pa.Table | None:
    """The lines as one table of the declared schema, or None when any does not fit."""
    try:
        table = pj.read_json(io.BytesIO(b"\n".join(lines)), parse_options=_PARSE)
    except pa.ArrowInvalid:
        return None
    if table.num_rows != len(lines) or not _ids_present(table.column("profile_id")):
        return None
    return table


def _lines(path: Path) -> Iterator[bytes]:
    """The lines of a delivered file (gunzipped within the limits), a chunk at a time."""
    pending: list[bytes] = []  # the start of a line that continues in the next chunk
    for chunk in delivered_chunks(path, MAX_STREAMED_EXPANDED_BYTES):
        parts = chunk.split(b"\n")
        if len(parts) == 1:
            pending.append(chunk)
            continue
        pending.append(parts[0])
        yield b"".join(pending)
        yield from parts[1:-1]
        pending = [parts[-1]] if parts[-1] else []
    if pending:
        yield b"".join(pending)


@dlt.resource(name="profiles", write_disposition="append")
def profiles_resource(table: pa.Table) -> Iterator[pa.Table]:
    """Profiles (declared schema, flat) for ``raw.profiles``."""
    yield table


@dlt.resource(name="profile_educations", write_disposition="append")
def educations_resource(table: pa.Table) -> Iterator[pa.Table]:
    """One row per education entry of a loaded profile line, ``raw.profile_educations``."""
    yield table


@dlt.resource(name="profile_positions", write_disposition="append")
def positions_resource(table: pa.Table) -> Iterator[pa.Table]:
    """One row per position of a loaded profile line, ``raw.profile_positions``."""
    yield table


# Public profiles are not an institution's records: no institution, nothing to erase (the
# roster row that would link a profile to a person is what erasure removes).
PROFILES = SourceKind(
    name="profiles", parse=lambda path, _: parse_profiles(path), resource=profiles_resource,
    stream=lambda path, _: open_profiles(path),
    child_resources={"profile_educations": educations_resource,
                     "profile_positions": positions_resource},
    needs_institution=False)
