"""The result of reading one file: rows to load, rows quarantined, and what was noticed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from ingestion.textfiles import FileRefused, Record


@dataclass(frozen=True)
class QuarantinedRow:
    """A row that cannot be loaded, with a reason a person understands."""

    row: int  # 1-based data row number (the header is not counted)
    raw: str
    reason: str


@dataclass
class RecordScreen:
    """The part every file parser shares: count the data rows, quarantine those with the
    wrong number of fields or another problem the parser names, and refuse a file that
    has a header but no data rows."""

    path: Path
    rows_read: int = 0
    quarantined: list[QuarantinedRow] = field(default_factory=list)

    def rows(self, records: Iterable[Record], expected_fields: int | None) -> Iterator[Record]:
        """The records worth parsing further (``expected_fields`` None: any count)."""
        for record in records:
            self.rows_read += 1
            if expected_fields is not None and len(record.fields) != expected_fields:
                self.reject(record, f"{len(record.fields)} fields, expected {expected_fields}")
                continue
            yield record
        if self.rows_read == 0:
            raise FileRefused(self.path, "the file has a header but no data rows")

    def reject(self, record: Record, reason: str) -> None:
        self.quarantined.append(QuarantinedRow(record.row, record.raw, reason))


@dataclass
class ParsedFile:
    """Rows ready for raw (all text), quarantined rows, and warnings about the file."""

    table: pa.Table
    rows_read: int
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str | None = None
    # Flat child tables loaded beside the main one (profile educations and positions).
    children: dict[str, pa.Table] = field(default_factory=dict)


_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%Y%m%d", "%m/%d/%y", "%m-%d-%Y")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date_text(value: str) -> date | None:
    """A date in one of the formats rosters really use, or None if it is not a date.

    Accepts YYYY-MM-DD, MM/DD/YYYY, YYYYMMDD, MM/DD/YY, MM-DD-YYYY and Excel serial
    numbers (days since 1899-12-30, 5 digits). The dbt macro ``parse_roster_date``
    accepts the same formats.
    """
    text = value.strip()
    if text.isdigit() and len(text) == 5:
        return _EXCEL_EPOCH + timedelta(days=int(text))
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def text_table(columns: dict[str, list]) -> pa.Table:
    """An Arrow table whose columns are nullable strings, except ``_source_row`` (int64)."""
    return pa.table({
        name: pa.array(values, type=pa.int64() if name == "_source_row" else pa.string())
        for name, values in columns.items()
    })
