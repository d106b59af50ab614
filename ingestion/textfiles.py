"""Reading institution text files: encodings, delimiters, where the header is, fixed width.

The institution's configuration is the first guess, not a cage: when the configured
encoding cannot read the bytes, or the configured delimiter gives no header naming the
required columns while another delimiter does, the file is read the way it really is and a
warning names what differed and the configuration change that would make it the default.
A file is never loaded silently mis-parsed: if no reading finds the header, it is refused.

Every function here keeps values as text: a ZIP code ``02138`` stays ``02138``.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ingestion.archives import NOT_READABLE, read_delivered
from ingestion.limits import CSV_FIELD_LIMIT, HEADER_SEARCH_LINES
from ingestion.refused import FileRefused
from pathways.core.config import FixedWidthField
from pathways.core.text_encoding import (
    BOMS,
    describe_content,
    detect_encoding,
    encoding_family,
    encoding_name,
    line_of,
    utf16_without_bom,
)

# Python's csv module refuses a value over 131,072 characters by raising mid-file; Pathways
# reads values up to CSV_FIELD_LIMIT and quarantines rows with values over MAX_VALUE_CHARS.
csv.field_size_limit(CSV_FIELD_LIMIT)

DELIMITERS = ",;\t|"
_DELIMITER_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "pipes (|)"}


@dataclass(frozen=True)
class DecodedText:
    """A file's text, the encoding it was read with, and what differed from configuration."""

    text: str
    encoding: str
    warnings: list[str] = field(default_factory=list)


def _configure_hint(encoding: str) -> str:
    return (f"If this institution's files are always {encoding_name(encoding)}, set "
            f"encoding: {encoding_family(encoding)} under its roster in config/institutions.yml.")


def decode_bytes(data: bytes, path: Path | str, configured: str | None = None) -> DecodedText:
    """Decode a file's bytes: the byte-order mark wins, then the configured encoding when it
    reads the bytes (UTF-8 instead of a configured single-byte code page when the bytes are
    valid UTF-8 with accents, which a code page would turn into 'JosÃ©'), then detection.
    Refuses empty files and bytes no encoding reads."""
    if not data.strip():
        raise FileRefused(path, "the file is empty: send the roster with its header line and "
                                "one line per graduate")
    kind = describe_content(data)
    if kind != "text":
        raise FileRefused(path, NOT_READABLE.get(kind, "is not a text file"))
    warnings: list[str] = []
    if configured:
        try:
            codecs.lookup(configured)
        except LookupError:
            warnings.append(f"the configured encoding {configured!r} is not one Pathways "
                            "knows; the file's encoding was detected instead.")
            configured = None
    marked = next((name for bom, name in BOMS if data.startswith(bom)), None)
    encoding = marked or utf16_without_bom(data)
    if encoding:
        if configured and encoding_family(configured) != encoding_family(encoding):
            why = "it starts with a byte-order mark" if marked else "every other byte is 0"
            warnings.append(f"the file is {encoding_name(encoding)} ({why}), not "
                            f"{encoding_name(configured)} as configured; it was read as "
                            f"{encoding_name(encoding)}. {_configure_hint(encoding)}")
    elif configured:
        try:
            data.decode(configured)
            encoding = configured
            if encoding_family(configured) not in ("utf-8", "utf-16") and not data.isascii():
                try:
                    data.decode("utf-8")
                    encoding = "utf-8"
                    warnings.append(
                        f"the file is UTF-8, not {encoding_name(configured)} as configured "
                        "(its accented letters are UTF-8 byte sequences); it was read as "
                        f"UTF-8. {_configure_hint('utf-8')}")
                except UnicodeDecodeError:
                    pass
        except UnicodeDecodeError as exc:
            try:
                encoding = detect_encoding(data)
            except UnicodeError:
                encoding = None
            if encoding:
                warnings.append(
                    f"the file is not {encoding_name(configured)} as configured (line "
                    f"{line_of(data, exc.start)} holds a byte {encoding_name(configured)} "
                    f"does not use); it was read as {encoding_name(encoding)}. "
                    f"{_configure_hint(encoding)}")
    if encoding is None:
        try:
            encoding = detect_encoding(data)
        except UnicodeError as exc:
            raise FileRefused(path, _undecodable(data)) from exc
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise FileRefused(path, _undecodable(data)) from exc
    return DecodedText(text.lstrip("\ufeff"), encoding, warnings)


def _undecodable(data: bytes) -> str:
    try:
        data.decode("utf-8")
        line = None
    except UnicodeDecodeError as exc:
        line = line_of(data, exc.start)
    where = f" (line {line} is the first that cannot be read)" if line else ""
    return ("is not readable text in UTF-8, UTF-16 or Windows-1252" + where + ": save the "
            "roster as \"CSV UTF-8\" (Excel: Save As, CSV UTF-8) and send it again")


def decode(path: Path, configured: str | None = None) -> DecodedText:
    """The decoded text of a delivered file (gunzipped first when it is gzip)."""
    return decode_bytes(read_delivered(path), path, configured)


def sniff_delimiter(text: str) -> str:
    """The delimiter of a delimited text: comma, semicolon, tab or pipe."""
    sample = "\n".join(text.splitlines()[:HEADER_SEARCH_LINES])
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = next((line for line in sample.splitlines() if line.strip()), "")
        return max(DELIMITERS, key=first.count)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def split_lines(text: str) -> list[str]:
    """Lines with their endings, split where the csv module splits them (\\r\\n, \\r,
    \\n) and nowhere else (str.splitlines also splits at form feeds and U+2028)."""
    return _LINE.findall(text)


@dataclass(frozen=True)
class Record:
    """One data record: its 1-based data row number, its fields, its raw text, the 1-based
    line of the file it starts on, and why it could not be split (None when it could)."""

    row: int
    fields: list[str]
    raw: str
    line: int = 0
    error: str | None = None


def _split_line(line: str, delimiter: str) -> list[str] | None:
    try:
        return next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        return None


@dataclass
class HeaderSearch:
    """Where the header of a delimited text is, or the best candidate when none is."""

    found: bool
    delimiter: str
    index: int  # 0-based line index
    fields: list[str]
    warnings: list[str] = field(default_factory=list)


def find_header(lines: list[str], accepts: Callable[[list[str]], bool],
                score: Callable[[list[str]], int], configured: str | None = None,
                sniffed: str | None = None) -> HeaderSearch:
    """The first line, among the first HEADER_SEARCH_LINES, that ``accepts`` (it names every
    required column) under the configured delimiter, else under another one (with a
    warning when one was configured). When none does, the candidate ``score`` likes best,
    for the refusal message."""
    first = configured or sniffed or ","
    order = [first, *(d for d in DELIMITERS if d != first)]
    window = lines[:HEADER_SEARCH_LINES]
    best: HeaderSearch | None = None
    best_score = -1
    for delimiter in order:
        for index, line in enumerate(window):
            if not line.strip():
                continue
            fields = _split_line(line, delimiter)
            if not fields:
                continue
            if accepts(fields):
                search = HeaderSearch(True, delimiter, index, fields)
                if configured and delimiter != configured:
                    search.warnings.append(
                        f"the file is separated by {_DELIMITER_NAMES[delimiter]}, not by "
                        f"{_DELIMITER_NAMES.get(configured, repr(configured))} as configured; "
                        f"it was read with {_DELIMITER_NAMES[delimiter]}. If this "
                        "institution's files always are, set delimiter: "
                        f"{_yaml_delimiter(delimiter)} under its roster in "
                        "config/institutions.yml.")
                return search
            points = score(fields)
            if points > best_score or (best is None):
                best, best_score = HeaderSearch(False, delimiter, index, fields), points
    if best is None:
        return HeaderSearch(False, first, 0, [])
    if best_score <= 0:  # nothing named anything: report the first line as it is split
        index = next(i for i, line in enumerate(window) if line.strip())
        return HeaderSearch(False, first, index, _split_line(window[index], first) or [])
    return best


def _yaml_delimiter(delimiter: str) -> str:
    return '"\\t"' if delimiter == "\t" else f'"{delimiter}"'


def skipped_above(index: int) -> list[str]:
    """The warning for lines skipped above a header found on line ``index + 1``."""
    if index == 0:
        return []
    return [f"the header is line {index + 1}: the {index} line{'s' if index > 1 else ''} "
            "above it (a title, run date or blank lines) were not loaded"]


def read_records(lines: list[str], start: int, delimiter: str) -> Iterator[Record]:
    """The records after the header (``lines[start:]``). Quoted fields may hold delimiters
    and newlines; a record the csv module cannot split is yielded with its ``error``;
    blank lines are skipped."""
    reader = csv.reader(iter(lines[start:]), delimiter=delimiter)
    previous = 0
    row = 0
    while True:
        error = None
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            fields, error = [], str(exc)
        raw = "".join(lines[start + previous:start + reader.line_num]).rstrip("\r\n")
        line = start + previous + 1
        previous = reader.line_num
        if error is None and not any(f.strip() for f in fields):
            continue
        row += 1
        yield Record(row, fields, raw, line, error)


_SUMMARY = re.compile(
    r"^\W*(?:"
    r"(?:grand\s+)?totals?\b|(?:record|row|student|graduate)s?\s+count\b|count\b"
    r"|(?:number|no\.?)\s+of\s+(?:records|rows|students|graduates)\b"
    r"|[0-9][0-9,]*\s+(?:rows?|records?|students?|graduates?)\b"
    r"|(?:records?|rows?)(?:\s+(?:read|written|exported|selected))?\s*[:=]?\s*[0-9]"
    r"|end\s+of\s+(?:report|file|data|records?)\b|[*=-]+\s*end\b"
    r"|page\s+[0-9]+(?:\s+of\s+[0-9]+)?\b"
    r"|(?:report\s+)?(?:generated|printed|produced|prepared)\s+(?:on|by|at)\b"
    r")", re.IGNORECASE)
_NUMBER = re.compile(r"[0-9][0-9,]*")


@dataclass
class TrailingSummary:
    """Summary lines below the data ("Total records: 5", "5 rows selected.", "End of
    report"): recognised only at the end of a file, where they are not people, and not
    counted as rows. Before any later data row they are records like any other."""

    lines: list[tuple[int, str]] = field(default_factory=list)

    @staticmethod
    def _is_summary(record: Record) -> bool:
        if record.error is not None:
            return False
        values: list[str] = []
        for value in record.fields:  # a data row stops this after its fourth value
            if value.strip():
                values.append(value.strip())
                if len(values) > 3:
                    return False
        return bool(values) and bool(_SUMMARY.match(" ".join(values)))

    def filter(self, records: Iterable[Record]) -> Iterator[Record]:
        held: list[Record] = []
        for record in records:
            if self._is_summary(record):
                held.append(record)
                continue
            yield from held
            held.clear()
            yield record
        self.lines = [(r.line, " ".join(f.strip() for f in r.fields if f.strip()))
                      for r in held]

    def warnings(self, rows_read: int) -> list[str]:
        """What to say about the summary lines, given how many data rows were read."""
        out = []
        for line, text in self.lines:
            shown = text if len(text) <= 80 else text[:80] + "…"
            note = f"line {line} ({shown!r}) is a summary line below the data, not a person: " \
                   "not loaded"
            numbers = [int(n.replace(",", "")) for n in _NUMBER.findall(text)]
            counts = re.search(r"total|count|records?|rows?|students?|graduates?", text, re.I)
            if counts and len(numbers) == 1 and numbers[0] != rows_read:
                note += f"; it says {numbers[0]:,} but the file has {rows_read:,} data rows"
            out.append(note)
        return out


def read_fixed_width(text: str, layout: list[FixedWidthField]) -> Iterator[Record]:
    """Records of a fixed-width text; fields are sliced by the layout and stripped."""
    row = 0
    for number, line in enumerate(split_lines(text), start=1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        row += 1
        fields = [line[f.start - 1: f.start - 1 + f.width].strip() for f in layout]
        yield Record(row, fields, line, number)
