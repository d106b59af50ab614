"""Reading the first worksheet of an XLSX workbook as text, so leading zeros survive."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path

from openpyxl import load_workbook

from ingestion.textfiles import FileRefused, Record


def cell_text(value: object) -> str:
    """A cell as the text a person sees: cells stored as text stay as they are ('02138'),
    whole numbers lose Excel's '.0', dates become YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_xlsx(path: Path) -> tuple[list[str], Iterator[Record]]:
    """Header and records of the first worksheet; blank rows are skipped."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileRefused(path, f"not a readable XLSX workbook: {exc}") from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [cell_text(v) for v in next(rows)]
    except StopIteration:
        workbook.close()
        return [], iter(())
    while header and not header[-1]:
        header.pop()

    def records() -> Iterator[Record]:
        number = 0
        for values in rows:
            fields = [cell_text(v) for v in values]
            if not any(fields):
                continue
            # Trailing empty cells beyond the header are formatting, not data.
            while len(fields) > len(header) and not fields[-1]:
                fields.pop()
            number += 1
            yield Record(number, fields + [""] * (len(header) - len(fields)), "\t".join(fields))
        workbook.close()

    return header, records()
