"""Student rosters: every institution's file shape read into one standard raw table.

dlt loads the rows into ``raw.rosters``. All values stay text; staging parses and conforms.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import dlt
import pyarrow as pa

from ingestion.headers import map_headers
from ingestion.kind import ParseContext, SourceKind
from ingestion.parsed import ParsedFile, RecordScreen, parse_date_text, text_table
from ingestion.textfiles import (
    FileRefused,
    decode,
    read_delimited,
    read_fixed_width,
    sniff_delimiter,
)
from ingestion.xlsx import read_xlsx
from pathways.core.config import REQUIRED_ROSTER_COLUMNS, STANDARD_ROSTER_COLUMNS, Institution
from pathways.core.erasure_list import ErasureList

DATE_COLUMNS = ("date_of_birth", "graduation_date")


def _validate(values: dict[str, str]) -> str | None:
    """Why a roster row cannot be loaded, or None when it can."""
    for column in REQUIRED_ROSTER_COLUMNS:
        if not values.get(column, "").strip():
            return f"{column} is empty"
    for column in DATE_COLUMNS:
        value = values.get(column, "").strip()
        if value and parse_date_text(value) is None:
            return f"{column} {value!r} is not a date"
    return None


def parse_roster(path: Path, institution: Institution) -> ParsedFile:
    """Read one roster file in the institution's configured shape.

    Refuses the whole file when it is empty, has only a header, or lacks a required column;
    quarantines single rows with the wrong number of fields, empty required values or
    impossible dates.
    """
    fmt = institution.roster
    warnings: list[str] = []
    is_xlsx = fmt.format == "xlsx" or path.suffix.lower() == ".xlsx"
    text, encoding = ("", None) if is_xlsx else decode(path, fmt.encoding)
    if is_xlsx:
        headers, records = read_xlsx(path)
        if not headers:
            raise FileRefused(path, "the workbook's first sheet is empty")
        mapped = map_headers(headers, fmt.column_map)
        min_length = 0
    elif fmt.format == "fixed_width":
        columns = [f.name for f in fmt.layout]
        records = read_fixed_width(text, fmt.layout)
        mapped: list[str | None] = list(columns)
        min_length = max(f.start for f in fmt.layout if f.name in REQUIRED_ROSTER_COLUMNS)
        headers = columns
    else:
        delimiter = fmt.delimiter or sniff_delimiter(text)
        headers, records = read_delimited(text, delimiter)
        if not headers:
            raise FileRefused(path, "the file has no header row")
        mapped = map_headers(headers, fmt.column_map)
        min_length = 0
    present = {m for m in mapped if m}
    missing = [c for c in REQUIRED_ROSTER_COLUMNS if c not in present]
    if missing:
        raise FileRefused(path, f"required column missing: {', '.join(missing)} "
                                f"(headers found: {', '.join(headers)})")
    duplicated = sorted({m for m in mapped if m and mapped.count(m) > 1})
    if duplicated:
        raise FileRefused(path, f"several headers map to {', '.join(duplicated)}")
    extra = [h for h, m in zip(headers, mapped, strict=True) if m is None]
    if extra:
        warnings.append(f"unexpected columns kept in raw._extra_columns: {', '.join(extra)}")

    out: dict[str, list] = {c: [] for c in STANDARD_ROSTER_COLUMNS}
    out["_source_row"] = []
    out["_extra_columns"] = []
    fixed_width = fmt.format == "fixed_width" and not is_xlsx
    screen = RecordScreen(path)
    for record in screen.rows(records, None if fixed_width else len(headers)):
        if fixed_width and len(record.raw.rstrip()) < min_length:
            screen.reject(record, f"line is {len(record.raw.rstrip())} characters; the layout "
                                  f"needs at least {min_length}")
            continue
        values = {m: v.strip() for m, v in zip(mapped, record.fields, strict=True) if m}
        reason = _validate(values)
        if reason:
            screen.reject(record, reason)
            continue
        for column in STANDARD_ROSTER_COLUMNS:
            out[column].append(values.get(column) or None)
        out["_source_row"].append(record.row)
        out["_extra_columns"].append(
            json.dumps({h: v for h, m, v in zip(headers, mapped, record.fields, strict=True)
                        if m is None}, ensure_ascii=False) if extra else None)
    return ParsedFile(text_table(out), screen.rows_read, screen.quarantined, warnings, encoding)


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
