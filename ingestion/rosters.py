"""Student rosters: every institution's file shape read into one standard raw table.

dlt loads the rows into ``raw.rosters``. Values stay text as sent; beside them, the two
dates in ISO form (``_date_of_birth_iso``, ``_graduation_date_iso``, read with the file's
day or month order) and, when the file had one name column, that column as sent
(``full_name``) with its parts split into the standard name columns.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import dlt
import pyarrow as pa

from ingestion.archives import read_delivered
from ingestion.dates import file_date_order, parse_date
from ingestion.headers import map_headers, missing_required
from ingestion.kind import ParseContext, SourceKind
from ingestion.limits import clipped
from ingestion.names import split_name
from ingestion.parsed import ParsedFile, RecordScreen, text_table
from ingestion.textfiles import (
    FileRefused,
    Record,
    TrailingSummary,
    decode_bytes,
    find_header,
    read_fixed_width,
    read_records,
    skipped_above,
    sniff_delimiter,
    split_lines,
)
from ingestion.xlsx import read_xlsx
from pathways.core.config import (
    REQUIRED_ROSTER_COLUMNS,
    SINGLE_NAME_COLUMN,
    STANDARD_ROSTER_COLUMNS,
    Institution,
    RosterFormat,
)
from pathways.core.erasure_list import ErasureList
from pathways.core.text_encoding import describe_content

DATE_COLUMNS = ("date_of_birth", "graduation_date")
ISO_COLUMNS = {column: f"_{column}_iso" for column in DATE_COLUMNS}
_NAME_PARTS = ("first_name", "middle_name", "last_name", "suffix")


def _header_tests(fmt: RosterFormat):
    def accepts(fields: list[str]) -> bool:
        return not missing_required(map_headers(fields, fmt.column_map))

    def score(fields: list[str]) -> int:
        return len(REQUIRED_ROSTER_COLUMNS) - len(missing_required(
            map_headers(fields, fmt.column_map)))

    return accepts, score


def _missing_message(headers: list[str], line: int, fmt: RosterFormat) -> str:
    missing = missing_required(map_headers(headers, fmt.column_map))
    where = f" on line {line}" if line > 1 else ""
    found = clipped(", ".join(headers), 300)
    return (f"required column missing: {', '.join(missing)} (headers found{where}: {found}). "
            f"Send the file with a header line naming every required column "
            f"({', '.join(REQUIRED_ROSTER_COLUMNS)}), or map the institution's own names to "
            "them with column_map in config/institutions.yml")


class _Shape:
    """Headers, their standard columns and the records of one roster, however it was
    read, with what was noticed on the way."""

    def __init__(self, headers: list[str], records: Iterable[Record],
                 expected_fields: int | None, warnings: list[str],
                 encoding: str | None, min_length: int = 0) -> None:
        self.headers = headers
        self.records = records
        self.expected_fields = expected_fields
        self.warnings = warnings
        self.encoding = encoding
        self.min_length = min_length


def _read_shape(path: Path, fmt: RosterFormat) -> tuple[_Shape, list[str | None]]:
    """Read the file in whichever shape it really has, the configured one first."""
    accepts, score = _header_tests(fmt)
    data = read_delivered(path)
    if describe_content(data) == "workbook":
        table = read_xlsx(data, accepts, score)
        if not table.header:
            raise FileRefused(path, "the workbook has no rows: send it again with the "
                                    "roster on its first sheet")
        if not table.found:
            raise FileRefused(path, _missing_message(table.header, table.header_line, fmt))
        warnings = list(table.warnings)
        if fmt.format == "fixed_width":
            warnings.insert(0, "the file is an Excel workbook, not fixed-width text as "
                               "configured; it was read as a workbook")
        return (_Shape(table.header, table.records, len(table.header), warnings, None),
                map_headers(table.header, fmt.column_map))
    decoded = decode_bytes(data, path, fmt.encoding)
    warnings = list(decoded.warnings)
    if fmt.format == "xlsx":
        warnings.append("the file is text, not an Excel workbook as configured; it was read "
                        "as delimited text")
    lines = split_lines(decoded.text)
    sniffed = sniff_delimiter(decoded.text)
    if fmt.format == "fixed_width":
        search = find_header(lines, accepts, score, None, sniffed)
        if not search.found:
            columns = [f.name for f in fmt.layout]
            min_length = max(f.start for f in fmt.layout if f.name in REQUIRED_ROSTER_COLUMNS)
            return (_Shape(columns, read_fixed_width(decoded.text, fmt.layout), None, warnings,
                           decoded.encoding, min_length), list(columns))
        warnings.append("the file has a header line and is delimited, not fixed-width as "
                        "configured; it was read as delimited text. If this institution's "
                        "files always are, set format: delimited under its roster in "
                        "config/institutions.yml")
    else:
        search = find_header(lines, accepts, score, fmt.delimiter,
                             None if fmt.delimiter else sniffed)
    if not search.fields:
        raise FileRefused(path, "the file has no header row: send it with a header line "
                                "naming the columns")
    if not search.found:
        raise FileRefused(path, _missing_message(search.fields, search.index + 1, fmt))
    warnings.extend(search.warnings)
    warnings.extend(skipped_above(search.index))
    records = read_records(lines, search.index + 1, search.delimiter)
    return (_Shape(search.fields, records, len(search.fields), warnings, decoded.encoding),
            map_headers(search.fields, fmt.column_map))


def _date_reason(column: str, value: str, day_first: bool) -> str:
    reason = f"{column} {value!r} is not a date"
    if parse_date(value, not day_first) is not None:  # a date in the other order
        order = "day/month/year" if day_first else "month/day/year"
        reason += f" in this file's {order} order"
    return reason


def parse_roster(path: Path, institution: Institution) -> ParsedFile:
    """Read one roster file, whatever shape it arrives in (see ingestion.textfiles).

    Refuses the whole file when it is empty, has only a header, or no line within the first
    20 names every required column; quarantines single rows with the wrong number of
    fields, empty required values, impossible dates, NUL bytes or values too long to be
    roster values.
    """
    fmt = institution.roster
    shape, mapped = _read_shape(path, fmt)
    headers = shape.headers
    duplicated = sorted({m for m in mapped if m and mapped.count(m) > 1})
    if duplicated:
        names = [h for h, m in zip(headers, mapped, strict=True) if m in duplicated]
        raise FileRefused(path, f"several headers map to {', '.join(duplicated)} "
                                f"({', '.join(names)}): keep one, or tell them apart with "
                                "column_map in config/institutions.yml")
    warnings = list(shape.warnings)
    extra = [h for h, m in zip(headers, mapped, strict=True) if m is None]
    if extra:
        warnings.append(f"unexpected columns kept in raw._extra_columns: {', '.join(extra)}")
    single_name = SINGLE_NAME_COLUMN in mapped
    if single_name:
        name_header = headers[mapped.index(SINGLE_NAME_COLUMN)]
        warnings.append(f"the name column {name_header!r} was split into first, middle and "
                        "last names and suffix (\"Last, First Middle\" or \"First Middle "
                        "Last\"); the name as sent is kept in raw.rosters.full_name")

    summary = TrailingSummary()
    screen = RecordScreen(path, headers)
    rows: list[tuple[Record, dict[str, str]]] = []
    for record in screen.rows(summary.filter(shape.records), shape.expected_fields):
        if shape.min_length and len(record.raw.rstrip()) < shape.min_length:
            screen.reject(record, f"line is {len(record.raw.rstrip())} characters; the layout "
                                  f"needs at least {shape.min_length}")
            continue
        values = {m: v.strip() for m, v in zip(mapped, record.fields, strict=True) if m}
        rows.append((record, values))

    order = file_date_order(((r.line, v[c]) for r, v in rows for c in DATE_COLUMNS
                             if v.get(c)), fmt.date_order)
    if order.warning:
        warnings.append(order.warning)
    columns = [*STANDARD_ROSTER_COLUMNS, SINGLE_NAME_COLUMN, *ISO_COLUMNS.values()]
    out: dict[str, list] = {c: [] for c in columns}
    out["_source_row"] = []
    out["_extra_columns"] = []
    for record, values in rows:
        reason = _complete(values, single_name, order.day_first)
        if reason:
            screen.reject(record, reason)
            continue
        for column in columns:
            out[column].append(values.get(column) or None)
        out["_source_row"].append(record.row)
        out["_extra_columns"].append(
            json.dumps({h: v for h, m, v in zip(headers, mapped, record.fields, strict=True)
                        if m is None}, ensure_ascii=False) if extra else None)
    warnings.extend(screen.repair_warnings())
    warnings.extend(summary.warnings(screen.rows_read))
    quarantined = sorted(screen.quarantined, key=lambda q: q.row)
    return ParsedFile(text_table(out), screen.rows_read, quarantined, warnings, shape.encoding)


def _complete(values: dict[str, str], single_name: bool, day_first: bool) -> str | None:
    """Fill the name parts and ISO dates of one row in place; why the row cannot be loaded,
    or None when it can."""
    if single_name and values.get(SINGLE_NAME_COLUMN):
        parts = split_name(values[SINGLE_NAME_COLUMN])
        for column in _NAME_PARTS:
            if not values.get(column):
                values[column] = getattr(parts, column.removesuffix("_name"))
        if not values.get("first_name") or not values.get("last_name"):
            return (f"name {values[SINGLE_NAME_COLUMN]!r} could not be split into a first and "
                    "a last name: write it \"Last, First Middle\", or send first_name and "
                    "last_name columns")
    for column in REQUIRED_ROSTER_COLUMNS:
        if not values.get(column, "").strip():
            if single_name and column in ("first_name", "last_name"):
                return "the name is empty"
            return f"{column} is empty"
    for column in DATE_COLUMNS:
        value = values.get(column, "")
        if value:
            parsed = parse_date(value, day_first)
            if parsed is None:
                return _date_reason(column, value, day_first)
            values[ISO_COLUMNS[column]] = parsed.isoformat()
    return None


@dlt.resource(name="rosters", write_disposition="append")
def rosters_resource(table: pa.Table) -> Iterator[pa.Table]:
    """Roster rows (text columns plus lineage columns) for ``raw.rosters``."""
    yield table


def _keep_rows(table: pa.Table, erasures: ErasureList, _: ParseContext) -> list[bool]:
    """Withhold the rows of erased people, by student id or email."""
    return [not (erasures.has_student(sid) or erasures.has_email(email))
            for sid, email in zip(table.column("student_id").to_pylist(),
                                  table.column("email").to_pylist(), strict=True)]


def _parse(path: Path, context: ParseContext) -> ParsedFile:
    assert context.institution is not None  # the runner checks needs_institution
    return parse_roster(path, context.institution)


ROSTER = SourceKind(name="roster", parse=_parse, resource=rosters_resource,
                    keep_rows=_keep_rows, supersedes=True)
