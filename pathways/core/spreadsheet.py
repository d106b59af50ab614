"""CSV files people open in a spreadsheet, written so that no cell runs as a formula.

The error report, the change report, the clerical-review file and the title coder's output
carry text that anyone may have chosen (roster values, file names, profile titles and
employers). A spreadsheet runs a cell that starts like a formula (OWASP "CSV injection"),
so every such cell gets a leading apostrophe, which spreadsheets show as text and never
evaluate; files read back in (reviewers' decisions) lose that apostrophe again.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

# A cell a spreadsheet would run as a formula: text beginning with one of these (also after
# leading spaces), and their full-width forms.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_safe(value: object) -> object:
    """``value`` as a CSV cell no spreadsheet evaluates: text that would start a formula
    (``=``, ``+``, ``-``, ``@``, a tab or a carriage return) is prefixed with an
    apostrophe; numbers and empty cells are left alone."""
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def from_spreadsheet_safe(value: str) -> str:
    """The text ``spreadsheet_safe`` protected, from a cell read back from such a file:
    the apostrophe it added is removed, any other text is returned as it is."""
    if value.startswith("'") and value[1:].lstrip(" ").startswith(_FORMULA_STARTS):
        return value[1:]
    return value


def write_safe_csv(out: Path, header: Iterable[str], rows: Iterable[Iterable[object]]) -> None:
    """A UTF-8 CSV file whose every cell is ``spreadsheet_safe`` (None is an empty cell)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([spreadsheet_safe(v) for v in row] for row in rows)


__all__ = ["from_spreadsheet_safe", "spreadsheet_safe", "write_safe_csv"]
