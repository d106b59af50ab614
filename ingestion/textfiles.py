"""Reading institution text files: encodings, delimiters, fixed-width layouts.

Every function here keeps values as text: a ZIP code ``02138`` stays ``02138``.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from charset_normalizer import from_bytes

from pathways.core.config import FixedWidthField

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class FileRefused(Exception):
    """The file as a whole cannot be used; nothing of it is loaded."""

    def __init__(self, file: Path | str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = str(file)
        self.reason = reason


def detect_encoding(data: bytes, configured: str | None = None) -> str:
    """The text encoding of ``data``.

    In order: a byte-order mark; the institution's configured encoding; UTF-8 when the
    bytes are valid UTF-8; Windows-1252 when they decode as it and hold no NUL bytes (the
    encoding of nearly every US registrar export, and one that statistical detectors confuse
    with its Central European sibling cp1250 on short files); otherwise charset-normalizer's
    best guess (UTF-16 without a BOM, other code pages). Configure ``encoding`` for an
    institution whose files are in another single-byte code page.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    if configured:
        return configured
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" not in data:
        try:
            data.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise UnicodeError("no text encoding fits these bytes")
    return best.encoding


def decode(path: Path, configured: str | None = None) -> tuple[str, str]:
    """The decoded text of a file and the encoding used. Refuses empty or undecodable files."""
    data = path.read_bytes()
    if not data.strip():
        raise FileRefused(path, "the file is empty")
    try:
        encoding = detect_encoding(data, configured)
        text = data.decode(encoding)
    except (UnicodeError, LookupError) as exc:
        raise FileRefused(path, f"cannot be decoded as text: {exc}") from exc
    return text.lstrip("\ufeff"), encoding


def sniff_delimiter(text: str) -> str:
    """The delimiter of a delimited text: comma, semicolon, tab or pipe."""
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return max(",;\t|", key=first.count)


@dataclass(frozen=True)
class Record:
    """One data record: its 1-based data row number, its fields and its raw text."""

    row: int
    fields: list[str]
    raw: str


def read_delimited(text: str, delimiter: str) -> tuple[list[str], Iterator[Record]]:
    """Header and records of a delimited text. Quoted fields may hold delimiters and newlines."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return [], iter(())

    def records() -> Iterator[Record]:
        previous_line = reader.line_num
        row = 0
        for fields in reader:
            raw = "".join(lines[previous_line:reader.line_num]).rstrip("\r\n")
            previous_line = reader.line_num
            if not any(f.strip() for f in fields):
                continue  # blank line
            row += 1
            yield Record(row, fields, raw)

    return header, records()


def read_fixed_width(text: str, layout: list[FixedWidthField]) -> Iterator[Record]:
    """Records of a fixed-width text; fields are sliced by the layout and stripped."""
    row = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        row += 1
        fields = [line[f.start - 1: f.start - 1 + f.width].strip() for f in layout]
        yield Record(row, fields, line)
