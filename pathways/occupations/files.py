"""Code the titles of a CSV file: what ``pathways classify titles`` does.

Career offices run it on their own survey exports: a CSV with a ``title`` column (and,
optionally, ``employer`` or ``naics_sector``). The output keeps every input row and column,
in order, and adds OUTPUT_COLUMNS. Bad input is refused whole with a message naming the
file, the row and what is wrong; nothing is written then.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from pathways.core.errors import PathwaysError
from pathways.core.spreadsheet import write_safe_csv
from pathways.occupations.coder import MIN_SCORE, OUTPUT_COLUMNS, TitleCoder
from pathways.occupations.industry import sectors_of_employers

TITLE_HEADERS = ("title", "job title", "job_title", "jobtitle")
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

    @property
    def coded_share(self) -> float:
        coded = self.rows - self.methods["uncoded"] - self.methods["empty"] - self.methods[
            "token_major_group"]
        return coded / self.rows if self.rows else 0.0


def _decode(path: Path) -> str:
    data = path.read_bytes()
    if not data.strip():
        raise ClassifyError(f"{path} is empty")
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        row = data[:error.start].count(b"\n") + 1
        raise ClassifyError(
            f"{path} is not UTF-8 text: byte 0x{data[error.start]:02x} on line {row} "
            "cannot be read (save the file as 'CSV UTF-8')") from error


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    wanted = {n.replace("_", " ") for n in names}
    for index, name in enumerate(header):
        if name.strip().lower().replace("_", " ") in wanted:
            return index
    return None


def read_titles(path: Path) -> tuple[list[str], list[list[str]], int, int | None, int | None]:
    """Header, rows, and the positions of the title, employer and sector columns."""
    try:
        text = _decode(path)
    except OSError as error:
        raise ClassifyError(f"cannot read {path}: {error.strerror}") from error
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise ClassifyError(f"{path} is empty") from None
    title = _column(header, TITLE_HEADERS)
    if title is None:
        raise ClassifyError(f"{path} has no title column (its columns: "
                            f"{', '.join(header) or 'none'}); name the job titles' column "
                            "`title`")
    clash = [name for name in header if name.strip().lower() in OUTPUT_COLUMNS]
    if clash:
        raise ClassifyError(f"{path} already has column(s) {', '.join(clash)}, which the "
                            "output adds: rename them")
    rows = []
    for number, row in enumerate(reader, start=1):
        if not row:
            continue
        if len(row) != len(header):
            raise ClassifyError(f"{path} row {number}: {len(row)} fields, the header has "
                                f"{len(header)}")
        rows.append(row)
    return header, rows, title, _column(header, EMPLOYER_HEADERS), _column(header,
                                                                           SECTOR_HEADERS)


def classify_file(input_path: Path, output_path: Path,
                  coder: TitleCoder | None = None) -> ClassifySummary:
    """Code every row's title and write the input plus OUTPUT_COLUMNS to ``output_path``."""
    started = time.perf_counter()
    header, rows, title, employer, sector = read_titles(input_path)
    coder = coder or TitleCoder.load()
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
                           methods=methods, used_employer=used)


__all__ = ["MIN_SCORE", "ClassifyError", "ClassifySummary", "classify_file", "read_titles"]
