"""The public professional profile pool: gzip JSON lines read with a declared schema.

The hot path never touches a row in Python: pyarrow's JSON reader parses the file against
``PROFILE_SCHEMA`` (no inference, unknown fields ignored) and dlt loads the Arrow batches.
Education and positions stay nested (JSON in DuckDB) and staging unnests them in SQL.
Only when a file has lines that do not parse does a slower line-by-line pass find and
quarantine exactly those lines.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path

import dlt
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ingestion.parsed import ParsedFile, QuarantinedRow
from ingestion.textfiles import FileRefused

_LOCATION = pa.struct([("city", pa.string()), ("state", pa.string())])
PROFILE_SCHEMA = pa.schema([
    ("profile_id", pa.string()),
    ("first_name", pa.string()),
    ("middle_name", pa.string()),
    ("last_name", pa.string()),
    ("full_name", pa.string()),
    ("location", _LOCATION),
    ("email", pa.string()),
    ("education", pa.list_(pa.struct([
        ("school", pa.string()),
        ("degree", pa.string()),
        ("field_of_study", pa.string()),
        ("start_year", pa.int32()),
        ("end_year", pa.int32()),
    ]))),
    ("positions", pa.list_(pa.struct([
        ("employer", pa.string()),
        ("title", pa.string()),
        ("start_date", pa.string()),
        ("end_date", pa.string()),
        ("location", _LOCATION),
    ]))),
    ("updated_at", pa.string()),
])

_PARSE = pj.ParseOptions(explicit_schema=PROFILE_SCHEMA, unexpected_field_behavior="ignore")
_READ = pj.ReadOptions(block_size=16 << 20)


def _open(path: Path) -> bytes:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read()
        return path.read_bytes()
    except (OSError, EOFError) as exc:
        raise FileRefused(path, f"unreadable archive: {exc}") from exc


def _flatten(table: pa.Table, rows: list[int] | None = None) -> pa.Table:
    """Lift location.city/state to top-level columns, keep education and positions nested,
    and add ``_source_row`` (the 1-based line number of each profile)."""
    source_rows = pa.array(rows if rows is not None else range(1, table.num_rows + 1),
                           type=pa.int64())
    table = table.append_column("_source_row", source_rows)
    location = table.column("location")
    table = table.drop_columns(["location"])
    table = table.append_column("location_city", pc.struct_field(location, "city"))
    return table.append_column("location_state", pc.struct_field(location, "state"))


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
    """Read a profile file with the declared schema, quarantining lines that do not fit."""
    data = _open(path)
    if not data.strip():
        raise FileRefused(path, "the file is empty")
    try:
        table = pj.read_json(io.BytesIO(data), read_options=_READ, parse_options=_PARSE)
        missing_ids = pc.sum(pc.is_null(table.column("profile_id"))).as_py()
        if not missing_ids:
            return ParsedFile(_flatten(table), table.num_rows, [], [])
    except pa.ArrowInvalid:
        pass
    lines = [line for line in data.split(b"\n") if line.strip()]
    good: list[bytes] = []
    good_rows: list[int] = []
    quarantined: list[QuarantinedRow] = []
    for number, line in enumerate(lines, start=1):
        reason = _check_line(line)
        if reason:
            quarantined.append(QuarantinedRow(number, line.decode("utf-8", "replace"), reason))
        else:
            good.append(line)
            good_rows.append(number)
    table = (pj.read_json(io.BytesIO(b"\n".join(good)), parse_options=_PARSE) if good
             else PROFILE_SCHEMA.empty_table())
    return ParsedFile(_flatten(table, good_rows), len(lines), quarantined, [])


@dlt.resource(name="profiles", write_disposition="append")
def profiles_resource(table: pa.Table) -> Iterator[pa.Table]:
    """Profiles (declared schema, nested education/positions) for ``raw.profiles``."""
    yield table
