"""National Student Clearinghouse StudentTracker detail return files into ``raw.nsc_detail``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import dlt
import pyarrow as pa

from ingestion.headers import normalise_header
from ingestion.kind import ParseContext, SourceKind
from ingestion.parsed import ParsedFile, RecordScreen, text_table
from ingestion.textfiles import (
    FileRefused,
    TrailingSummary,
    decode,
    find_header,
    read_records,
    skipped_above,
    sniff_delimiter,
    split_lines,
)
from pathways.core.erasure_list import ErasureList

# The 33 columns of the StudentTracker detail report, in order, and their raw names.
NSC_COLUMNS: dict[str, str] = {
    "Your Unique Identifier": "your_unique_identifier",
    "First Name": "first_name",
    "Middle Initial": "middle_initial",
    "Last Name": "last_name",
    "Name Suffix": "name_suffix",
    "Requester Return Field": "requester_return_field",
    "Record Found Y/N": "record_found",
    "Search Date": "search_date",
    "College Code/Branch": "college_code_branch",
    "College Name": "college_name",
    "College State": "college_state",
    "2-year / 4-year": "college_level",
    "Public / Private": "college_control",
    "Enrollment Begin": "enrollment_begin",
    "Enrollment End": "enrollment_end",
    "Enrollment Status": "enrollment_status",
    "Class Level": "class_level",
    "Enrollment Major 1": "enrollment_major_1",
    "Enrollment CIP 1": "enrollment_cip_1",
    "Enrollment Major 2": "enrollment_major_2",
    "Enrollment CIP 2": "enrollment_cip_2",
    "Graduated?": "graduated",
    "Graduation Date": "graduation_date",
    "Degree Title": "degree_title",
    "Degree Major 1": "degree_major_1",
    "Degree Major 2": "degree_major_2",
    "Degree Major 3": "degree_major_3",
    "Degree Major 4": "degree_major_4",
    "Degree CIP 1": "degree_cip_1",
    "Degree CIP 2": "degree_cip_2",
    "Degree CIP 3": "degree_cip_3",
    "Degree CIP 4": "degree_cip_4",
    "College Sequence": "college_sequence",
}
_BY_NORMALISED = {normalise_header(k): v for k, v in NSC_COLUMNS.items()}
_DATE_COLUMNS = ("search_date", "enrollment_begin", "enrollment_end", "graduation_date")


def _reason(values: dict[str, str]) -> str | None:
    if not values["your_unique_identifier"]:
        return "Your Unique Identifier is empty"
    if values["record_found"] not in ("Y", "N"):
        return f"Record Found Y/N {values['record_found']!r} is not Y or N"
    for column in _DATE_COLUMNS:
        value = values[column]
        if value:
            try:
                datetime.strptime(value, "%Y%m%d")
            except ValueError:
                return f"{column} {value!r} is not a YYYYMMDD date"
    return None


def _mapped(headers: list[str]) -> list[str | None]:
    return [_BY_NORMALISED.get(normalise_header(h)) for h in headers]


def parse_nsc(path: Path) -> ParsedFile:
    """Read one StudentTracker detail file; refuse it if any of the 33 columns is missing
    from every one of its first lines."""
    decoded = decode(path)
    lines = split_lines(decoded.text)
    search = find_header(
        lines, lambda fields: set(NSC_COLUMNS.values()) <= set(_mapped(fields)),
        lambda fields: len({m for m in _mapped(fields) if m}), None,
        sniff_delimiter(decoded.text))
    mapped = _mapped(search.fields)
    missing = [k for k, v in NSC_COLUMNS.items() if v not in mapped]
    if missing:
        raise FileRefused(path, f"not a StudentTracker detail file: required column missing: "
                                f"{', '.join(missing)}; send the detail report as "
                                "StudentTracker returns it (33 columns)")
    out: dict[str, list] = {c: [] for c in NSC_COLUMNS.values()}
    out["_source_row"] = []
    summary = TrailingSummary()
    screen = RecordScreen(path, search.fields)
    records = summary.filter(read_records(lines, search.index + 1, search.delimiter))
    for record in screen.rows(records, len(search.fields)):
        values = {m: v.strip() for m, v in zip(mapped, record.fields, strict=True) if m}
        reason = _reason(values)
        if reason:
            screen.reject(record, reason)
            continue
        for column in NSC_COLUMNS.values():
            out[column].append(values[column] or None)
        out["_source_row"].append(record.row)
    warnings = [*decoded.warnings, *skipped_above(search.index), *screen.repair_warnings(),
                *summary.warnings(screen.rows_read)]
    return ParsedFile(text_table(out), screen.rows_read, screen.quarantined, warnings,
                      decoded.encoding)


@dlt.resource(name="nsc_detail", write_disposition="append")
def nsc_resource(table: pa.Table) -> Iterator[pa.Table]:
    """StudentTracker detail rows (text) for ``raw.nsc_detail``."""
    yield table


def _keep_rows(table: pa.Table, erasures: ErasureList, _: ParseContext) -> list[bool]:
    """Withhold the rows of erased people, by the identifier the institution sent NSC."""
    return [not erasures.has_student(sid)
            for sid in table.column("your_unique_identifier").to_pylist()]


NSC = SourceKind(name="nsc", parse=lambda path, _: parse_nsc(path), resource=nsc_resource,
                 keep_rows=_keep_rows)
