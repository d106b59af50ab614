"""Reading an XLSX workbook as text, so leading zeros survive and dates read as dates.

The header is the first row, among the first HEADER_SEARCH_LINES of the first sheet that has
one, that names every required column: a title row and blank rows above it are skipped,
and a workbook whose first sheet is a cover page is read from the sheet that holds the
roster (with a warning).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from ingestion.limits import HEADER_SEARCH_LINES
from ingestion.refused import FileRefused
from ingestion.textfiles import Record, skipped_above

_ZERO_PADDED = re.compile(r'^"?(0+)"?$')


def cell_text(value: object, number_format: str | None = None) -> str:
    """A cell as the text a person sees: cells stored as text stay as they are ('02138'),
    whole numbers lose Excel's '.0', numbers shown zero-padded by their format ('000000')
    keep those zeros, dates become YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and number_format:
        padded = _ZERO_PADDED.match(number_format)
        if padded:
            return str(value).zfill(len(padded[1]))
    return str(value).strip()


def _row_text(cells: tuple) -> list[str]:
    return [cell_text(c.value, getattr(c, "number_format", None)) for c in cells]


@dataclass
class WorkbookTable:
    """The header row of a workbook (or the best candidate when none names the required
    columns), the records below it, and what was noticed."""

    found: bool
    header: list[str]
    header_line: int  # 1-based worksheet row
    records: Iterator[Record]
    warnings: list[str] = field(default_factory=list)


def _trim(fields: list[str]) -> list[str]:
    while fields and not fields[-1]:
        fields.pop()
    return fields


def read_xlsx(source: Path | bytes, accepts: Callable[[list[str]], bool],
              score: Callable[[list[str]], int]) -> WorkbookTable:
    """The roster table of a workbook: header and records of the first sheet whose first
    rows hold a header that ``accepts``; blank rows are skipped."""
    # openpyxl is imported here, when a workbook arrives: every ingest imports this module,
    # and openpyxl's import (about 80 ms) would be paid by every refresh.
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(source) if isinstance(source, bytes) else source,
                                 read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise FileRefused(source if isinstance(source, Path) else "workbook",
                          "not a readable XLSX workbook: it is damaged, or not a workbook; "
                          "open it in Excel, save it as .xlsx or CSV UTF-8 and send it "
                          "again") from exc
    best: tuple[int, list[str], int] | None = None  # (score, fields, row number)
    for number, sheet in enumerate(workbook.worksheets):
        rows = sheet.iter_rows()
        for row_number, cells in enumerate(islice(rows, HEADER_SEARCH_LINES), start=1):
            fields = _trim(_row_text(cells))
            if not fields:
                continue
            if accepts(fields):
                warnings = skipped_above(row_number - 1)
                if number:
                    warnings.insert(0, f"the roster is on sheet {sheet.title!r}, not the "
                                       "first sheet: it was read from there")
                return WorkbookTable(True, fields, row_number,
                                     _records(workbook, rows, fields, row_number), warnings)
            points = score(fields)
            if number == 0 and (best is None or points > best[0]):
                best = (points, fields, row_number)
    workbook.close()
    if best is None:
        return WorkbookTable(False, [], 1, iter(()))
    return WorkbookTable(False, best[1], best[2], iter(()))


def _records(workbook, rows: Iterator, header: list[str], header_line: int) -> Iterator[Record]:
    number = 0
    for line, cells in enumerate(rows, start=header_line + 1):
        fields = _row_text(cells)
        if not any(fields):
            continue
        # Trailing empty cells beyond the header are formatting, not data.
        while len(fields) > len(header) and not fields[-1]:
            fields.pop()
        number += 1
        yield Record(number, fields + [""] * (len(header) - len(fields)), "\t".join(fields),
                     line)
    workbook.close()
