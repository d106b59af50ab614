"""The result of reading one file: rows to load, rows quarantined, and what was noticed."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ftfy
import pyarrow as pa

from ingestion.limits import MAX_VALUE_CHARS, clipped
from ingestion.refused import FileRefused
from ingestion.textfiles import Record


@dataclass(frozen=True)
class QuarantinedRow:
    """A row that cannot be loaded, with a reason a person understands."""

    row: int  # 1-based data row number (the header is not counted)
    raw: str
    reason: str
    line: int | None = None  # 1-based line of the file the row starts on


# Text that was UTF-8, read as Windows-1252 (or Latin-1) and saved again: a lead byte of a
# two- or three-byte UTF-8 sequence shown as Â..ô followed by a continuation byte shown as
# a C1 control or a Windows-1252 punctuation mark or letter. Only values with such a pair are
# handed to ftfy (which decides whether it really is double encoding): plain text costs
# one regular-expression scan.
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6"
    "\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")


def repair_double_encoding(value: str) -> str:
    """``value`` with double-encoded UTF-8 repaired ('JosÃ© NÃºÃ±ez' -> 'José Núñez');
    anything else, including curly quotes and accents that were right, is left alone."""
    if not _MOJIBAKE_HINT.search(value):
        return value
    return ftfy.fix_encoding(value)


@dataclass
class RecordScreen:
    """The part every file parser shares: count the data rows; quarantine those the csv
    reader could not split, that hold a NUL byte, a value over MAX_VALUE_CHARS or the wrong
    number of fields, or another problem the parser names; repair double-encoded text and
    count the rows repaired; refuse a file that has a header but no data rows."""

    path: Path
    headers: list[str] | None = None
    rows_read: int = 0
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    repaired_lines: list[int] = field(default_factory=list)

    def rows(self, records: Iterable[Record], expected_fields: int | None) -> Iterator[Record]:
        """The records worth parsing further (``expected_fields`` None: any count)."""
        for record in records:
            self.rows_read += 1
            reason = self._problem(record, expected_fields)
            if reason:
                self.reject(record, reason)
                continue
            if _MOJIBAKE_HINT.search(record.raw):  # one scan per row; most rows have none
                fields = [repair_double_encoding(f) for f in record.fields]
                if fields != record.fields:
                    self.repaired_lines.append(record.line)
                    record = Record(record.row, fields, record.raw, record.line)
            yield record
        if self.rows_read == 0:
            raise FileRefused(self.path, "the file has a header but no data rows: send it "
                                         "again with one line per graduate")

    def _problem(self, record: Record, expected_fields: int | None) -> str | None:
        if record.error is not None:
            return (f"the row cannot be split into fields ({record.error}): a value longer "
                    "than the reader's limit, usually a quote that is never closed")
        if "\x00" in record.raw:
            return ("the row holds a NUL byte (an invisible binary character), a sign the "
                    "file was damaged or saved in another encoding: remove it and send the "
                    "row again")
        if len(record.raw) > MAX_VALUE_CHARS:  # no value is longer than its row
            oversized = self._oversized(record)
            if oversized:
                return oversized
        return self._count(record, expected_fields)

    def _oversized(self, record: Record) -> str | None:
        for number, value in enumerate(record.fields):
            if len(value) > MAX_VALUE_CHARS:
                name = (self.headers[number] if self.headers and number < len(self.headers)
                        else f"field {number + 1}")
                lines = value.count("\n")
                hint = (f"; it spans {lines + 1:,} lines, so a quote opened in it is "
                        "probably never closed" if lines > 10 else "")
                return (f"{name} is {len(value):,} characters long, more than the "
                        f"{MAX_VALUE_CHARS:,} a value may have{hint}")
        return None

    @staticmethod
    def _count(record: Record, expected_fields: int | None) -> str | None:
        if expected_fields is not None and len(record.fields) != expected_fields:
            return f"{len(record.fields)} fields, expected {expected_fields}"
        return None

    def reject(self, record: Record, reason: str) -> None:
        self.quarantined.append(QuarantinedRow(record.row, clipped(record.raw), reason,
                                               record.line))

    def repair_warnings(self) -> list[str]:
        """The warning about double-encoded text, when any was repaired."""
        if not self.repaired_lines:
            return []
        n = len(self.repaired_lines)
        shown = ", ".join(str(line) for line in self.repaired_lines[:10])
        more = ", ..." if n > 10 else ""
        return [f"repaired double-encoded text (UTF-8 read as Windows-1252 and saved again, "
                f"so that 'é' showed as 'Ã©') in {n} row{'s' if n > 1 else ''} (line"
                f"{'s' if n > 1 else ''} {shown}{more}): ask for the file to be exported "
                "once, as UTF-8"]


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


def text_table(columns: dict[str, list]) -> pa.Table:
    """An Arrow table whose columns are nullable strings, except ``_source_row`` (int64)."""
    return pa.table({
        name: pa.array(values, type=pa.int64() if name == "_source_row" else pa.string())
        for name, values in columns.items()
    })


class StreamedFile:
    """A file read in pieces, for files that may be larger than memory (the profile pool).

    ``pieces()`` yields ``(table name, rows)`` one bounded Arrow table at a time, each
    piece's ``_source_row`` numbering the file's lines; what the whole file gave
    (``rows_read``, ``rows_loaded``, ``quarantined``, ``warnings``) is known once the pieces
    are exhausted. A piece may raise ``FileRefused`` (a file that turns out unreadable part
    way): the runner then loads nothing of the file.
    """

    def __init__(self) -> None:
        self.rows_read = 0
        self.rows_loaded = 0
        self.quarantined: list[QuarantinedRow] = []
        self.warnings: list[str] = []
        self.encoding: str | None = None

    def pieces(self) -> Iterator[tuple[str, pa.Table]]:
        raise NotImplementedError
