"""The public professional profile pool: JSON lines (gzip or not) read with a declared schema.

The hot path never touches a row in Python. DuckDB's ``read_json`` parses the file against
the declared columns (no inference; multi-threaded, gzip included) into Arrow; Arrow compute
splits the nested education and positions lists into flat child tables (one row per entry,
keyed by the profile's line); dlt loads the three flat tables (``raw.profiles``,
``raw.profile_educations``, ``raw.profile_positions``). Only when a file has lines that do not
parse does a slower line-by-line pass find and quarantine exactly those lines.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import dlt
import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ingestion.archives import check_gzip_expansion, is_gzip, read_delivered
from ingestion.kind import SourceKind
from ingestion.limits import clipped_bytes
from ingestion.parsed import ParsedFile, QuarantinedRow
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


def _read_fast(path: Path) -> pa.Table | None:
    """The whole file through DuckDB with the declared columns, or None when any line does
    not fit (then the careful path finds which)."""
    columns = duckdb_columns_sql()
    con = connect_scratch()
    try:
        con.execute("set preserve_insertion_order = true")  # row i is line i
        table = con.sql(
            f"select * from read_json(?, columns = {columns}, format = 'newline_delimited', "
            "compression = 'auto_detect')", params=[str(path)]
        ).to_arrow_table()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if table.num_rows == 0 or pc.sum(pc.is_null(table.column("profile_id"))).as_py():
        return None
    return table.cast(PROFILE_SCHEMA)


def _open(path: Path) -> bytes:
    try:
        return read_delivered(path)  # gunzipped within the limits of ingestion.limits
    except OSError as exc:
        raise FileRefused(path, f"cannot be read ({type(exc).__name__})") from exc


def _count_from(start: int, n: int) -> pa.Array:
    """start, start + 1, ..., as an int64 Arrow array, computed in Arrow."""
    if n == 0:
        return pa.array([], pa.int64())
    return pc.add(pc.cumulative_sum(pa.repeat(pa.scalar(1, pa.int64()), n)), start - 1)


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


def _split(table: pa.Table, rows: list[int] | None = None) -> tuple[pa.Table, dict]:
    """Flat profiles (location lifted to columns, 1-based ``_source_row``) and the flat
    education and position child tables."""
    source_rows = (pa.array(rows, type=pa.int64()) if rows is not None
                   else _count_from(1, table.num_rows))
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
    """Read a profile file with the declared schema, quarantining lines that do not fit. A
    gzip file that would expand past the limits of ingestion.limits is refused first."""
    if is_gzip(path):
        check_gzip_expansion(path)
    table = _read_fast(path)
    if table is not None:
        flat, children = _split(table)
        return ParsedFile(flat, table.num_rows, [], [], children=children)
    data = _open(path)
    lines = [line for line in data.split(b"\n") if line.strip()]
    if not lines:
        raise FileRefused(path, "the file is empty")
    good: list[bytes] = []
    good_rows: list[int] = []
    quarantined: list[QuarantinedRow] = []
    for number, line in enumerate(lines, start=1):
        reason = _check_line(line)
        if reason:
            quarantined.append(QuarantinedRow(number, clipped_bytes(line), reason, number))
        else:
            good.append(line)
            good_rows.append(number)
    table = (pj.read_json(io.BytesIO(b"\n".join(good)), parse_options=_PARSE) if good
             else PROFILE_SCHEMA.empty_table())
    flat, children = _split(table, good_rows)
    return ParsedFile(flat, len(lines), quarantined, [], children=children)


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
    child_resources={"profile_educations": educations_resource,
                     "profile_positions": positions_resource},
    needs_institution=False)
