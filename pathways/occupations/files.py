"""Code the titles of a CSV file: what ``pathways classify titles`` does.

Career offices run it on their own survey exports: a CSV with a ``title`` column (and,
optionally, ``employer`` or ``naics_sector``), in whatever encoding Excel or the survey tool
wrote it (UTF-8, UTF-16, Windows-1252), or the Excel workbook (.xlsx) itself. The output
keeps every input row and column, in order, and adds OUTPUT_COLUMNS. Bad input is refused
whole with a message naming the file, the row and what is wrong; nothing is written then.
"""

from __future__ import annotations

import csv
import datetime
import io
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from pathways.core.errors import PathwaysError
from pathways.core.spreadsheet import write_safe_csv
from pathways.core.text_encoding import (
    BOMS,
    describe_content,
    detect_encoding,
    encoding_name,
    line_of,
    utf16_without_bom,
)
from pathways.occupations.cache import project_coder
from pathways.occupations.coder import MIN_SCORE, OUTPUT_COLUMNS, TitleCoder
from pathways.occupations.industry import sectors_of_employers

TITLE_HEADERS = ("title", "job title", "job_title", "jobtitle", "position title")
EMPLOYER_HEADERS = ("employer", "employer name", "employer_name", "company")
SECTOR_HEADERS = ("naics_sector",)


class ClassifyError(PathwaysError, ValueError):
    """The input file cannot be coded; the message says why (file, row, field)."""


@dataclass
class ClassifySummary:
    rows: int
    distinct_titles: int
    seconds: float
    output: Path
    methods: Counter = field(default_factory=Counter)
    used_employer: str | None = None
    read_as: str = "UTF-8"  # the input's encoding, or WORKBOOK

    @property
    def coded_share(self) -> float:
        coded = self.rows - self.methods["uncoded"] - self.methods["empty"] - self.methods[
            "token_major_group"]
        return coded / self.rows if self.rows else 0.0


# What to tell a career office whose file is not text (pathways.core.text_encoding's kinds).
_NOT_TEXT = {
    "pdf": "a PDF document: export the survey as CSV or Excel (.xlsx)",
    "legacy_excel": "an old Excel workbook (.xls): save it as .xlsx or CSV",
    "zip": "a ZIP archive, not a readable Excel workbook (.xlsx): send the CSV, or the .xlsx "
           "itself saved again from Excel",
    "document": "an office document that is not an Excel workbook (.xlsx): send the survey "
                "as CSV or .xlsx",
    "archive": "an archive (7z, RAR, bzip2, xz or tar): send the CSV or .xlsx itself",
}
WORKBOOK = "Excel workbook"  # read_as of an .xlsx input


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read with (detected: UTF-8, UTF-16 or
    Windows-1252, as Excel saves CSV; pathways.core.text_encoding)."""
    if data.count(0) > len(data) // 10 and not utf16_without_bom(data) and not any(
            data.startswith(bom) for bom, _ in BOMS):
        raise ClassifyError(f"{path} is not a text file: save the survey as CSV or .xlsx")
    try:
        encoding = detect_encoding(data)
    except UnicodeError as error:
        raise ClassifyError(f"{path} is not readable text in UTF-8, UTF-16 or Windows-1252: "
                            "save it as 'CSV UTF-8'") from error
    try:
        return data.decode(encoding).lstrip("\ufeff"), encoding
    except UnicodeDecodeError as error:
        # A byte-order mark promised an encoding the rest of the file does not keep.
        skipped = len(data) - len(error.object)
        row = line_of(data, error.start + skipped)
        raise ClassifyError(
            f"{path} starts as {encoding_name(encoding)} text, but byte "
            f"0x{error.object[error.start]:02x} on line {row} is not {encoding_name(encoding)}"
            " (save the file as 'CSV UTF-8')") from error


def _cell(value: object) -> str:
    """A spreadsheet cell as the text a CSV of it would hold."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def _workbook_rows(path: Path) -> list[list[str]]:
    """The rows of an .xlsx workbook's first sheet, as text, trailing empty cells off."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged archive
        raise ClassifyError(f"{path} is not a readable Excel workbook: {error}") from error
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            row = [_cell(value) for value in values]
            while row and not row[-1].strip():
                row.pop()
            rows.append(row)
        return rows
    finally:
        workbook.close()


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    wanted = {n.replace("_", " ") for n in names}
    for index, name in enumerate(header):
        if name.strip().lower().replace("_", " ") in wanted:
            return index
    return None


@dataclass(frozen=True)
class TitleTable:
    """A survey file as read: its header, its rows (every one as long as the header), the
    positions of its title, employer and sector columns, and how it was read."""

    header: list[str]
    rows: list[list[str]]
    title: int
    employer: int | None
    sector: int | None
    read_as: str  # "UTF-8", "Windows-1252 (cp1252)", ... or WORKBOOK


def _raw_rows(path: Path) -> tuple[list[list[str]], str]:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ClassifyError(f"cannot read {path}: {error.strerror}") from error
    if not data.strip():
        raise ClassifyError(f"{path} is empty")
    kind = describe_content(data)
    if kind == "workbook":
        return _workbook_rows(path), WORKBOOK
    if kind != "text":
        raise ClassifyError(f"{path} is {_NOT_TEXT[kind]}")
    text, encoding = _decode(path, data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text, newline=""), dialect)), encoding_name(encoding)
    except csv.Error as error:
        raise ClassifyError(f"{path} is not a CSV file a reader can split: {error}") from error


def _named(path: Path, header: list[str], name: str, what: str) -> int:
    """The position of the column the user named (case and surrounding spaces aside)."""
    wanted = name.strip().lower()
    for index, column in enumerate(header):
        if column.strip().lower() == wanted:
            return index
    raise ClassifyError(f"{path} has no column {name!r} for the {what} (its columns: "
                        f"{', '.join(header) or 'none'})")


def read_titles(path: Path, title_column: str | None = None,
                employer_column: str | None = None) -> TitleTable:
    """The survey file at ``path`` (CSV in any of the encodings Excel writes, or .xlsx).
    ``title_column`` and ``employer_column`` name the columns when the header does not use
    one of the usual names (a survey tool's "Q12", "Position Title")."""
    raw, read_as = _raw_rows(path)
    lines = iter(raw)
    header: list[str] = []
    for row in lines:
        if any(cell.strip() for cell in row):
            header = row
            break
    if not header:
        raise ClassifyError(f"{path} is empty")
    title = (_named(path, header, title_column, "job titles") if title_column
             else _column(header, TITLE_HEADERS))
    if title is None:
        raise ClassifyError(f"{path} has no title column (its columns: "
                            f"{', '.join(header) or 'none'}); name the job titles' column "
                            "with --title-column, or call it `title`")
    clash = [name for name in header if name.strip().lower() in OUTPUT_COLUMNS]
    if clash:
        raise ClassifyError(f"{path} already has column(s) {', '.join(clash)}, which the "
                            "output adds: rename them")
    workbook = read_as == WORKBOOK
    rows = []
    for number, row in enumerate(lines, start=1):
        # A blank line of a CSV is no row (a line of empty fields is one, coded "empty");
        # an empty row of a sheet is formatting.
        if not row or (workbook and not any(cell.strip() for cell in row)):
            continue
        if workbook and len(row) < len(header):
            row = row + [""] * (len(header) - len(row))  # trailing empty cells
        if len(row) != len(header):
            raise ClassifyError(f"{path} row {number}: {len(row)} fields, the header has "
                                f"{len(header)}")
        rows.append(row)
    employer = (_named(path, header, employer_column, "employers") if employer_column
                else _column(header, EMPLOYER_HEADERS))
    return TitleTable(header, rows, title, employer, _column(header, SECTOR_HEADERS), read_as)


def classify_file(input_path: Path, output_path: Path, coder: TitleCoder | None = None, *,
                  title_column: str | None = None, employer_column: str | None = None,
                  cache_dir: Path | None = None) -> ClassifySummary:
    """Code every row's title and write the input plus OUTPUT_COLUMNS to ``output_path``
    (the columns as ``read_titles`` finds them). Without a ``coder``, the project's, kept
    in ``cache_dir`` between runs (pathways.occupations.cache)."""
    started = time.perf_counter()
    table = read_titles(input_path, title_column, employer_column)
    header, rows, title, employer, sector = (table.header, table.rows, table.title,
                                             table.employer, table.sector)
    coder = coder or project_coder(cache_dir)
    titles = pa.array([row[title].strip() or None for row in rows], pa.string())
    used = None
    if sector is not None:
        sectors = pa.array([row[sector].strip() or None for row in rows], pa.string())
        used = header[sector]
    elif employer is not None:
        sectors = sectors_of_employers(pa.array([row[employer] for row in rows], pa.string()))
        used = header[employer]
    else:
        sectors = None
    coded = coder.code(titles, sectors)
    columns = [coded[name].to_pylist() for name in OUTPUT_COLUMNS]
    # Career offices open the output in a spreadsheet, and survey titles and employers are
    # respondents' own text: every cell is written so that none runs as a formula.
    write_safe_csv(output_path, [*header, *OUTPUT_COLUMNS],
                   ([*row, *(column[index] for column in columns)]
                    for index, row in enumerate(rows)))
    methods = Counter(coded["coding_method"].to_pylist())
    return ClassifySummary(rows=len(rows), distinct_titles=len(set(titles.to_pylist())),
                           seconds=time.perf_counter() - started, output=output_path,
                           methods=methods, used_employer=used, read_as=table.read_as)


__all__ = ["MIN_SCORE", "ClassifyError", "ClassifySummary", "TitleTable", "classify_file",
           "read_titles"]
