"""The result of reading one file: rows to load, rows quarantined, and what was noticed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pyarrow as pa


@dataclass(frozen=True)
class QuarantinedRow:
    """A row that cannot be loaded, with a reason a person understands."""

    row: int  # 1-based data row number (the header is not counted)
    raw: str
    reason: str


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
