"""What a file someone sent is, and what encoding its text is in: the one reading every
Pathways input uses.

Rosters come from registrar systems and surveys from career offices' spreadsheets: UTF-8,
UTF-8 or UTF-16 with a byte-order mark (Excel's "CSV UTF-8" and "Unicode Text"), UTF-16
without one, and Windows-1252 (Excel's plain "CSV" on Windows, and nearly every US
registrar export). ``detect_encoding`` tells them apart without configuration;
``encoding_name`` names an encoding the way a person would; ``describe_content`` says what
bytes that are not text are (a workbook, a PDF, an archive).
"""

from __future__ import annotations

import codecs
import io
import zipfile

from charset_normalizer import from_bytes

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
_NAMES = {"utf-8": "UTF-8", "utf-16": "UTF-16", "cp1252": "Windows-1252 (cp1252)",
          "iso8859-1": "Latin-1 (ISO-8859-1)"}


def encoding_family(encoding: str) -> str:
    """'utf-8' for utf-8-sig and UTF8, 'utf-16' for utf-16-le, 'cp1252' for windows-1252."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return encoding.lower()
    for suffix in ("-sig", "-le", "-be"):
        name = name.removesuffix(suffix)
    return name


def encoding_name(encoding: str) -> str:
    """A person's name for an encoding: 'Windows-1252 (cp1252)', 'UTF-8'."""
    family = encoding_family(encoding)
    return _NAMES.get(family, family)


def utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes are mostly-ASCII UTF-16 with no BOM (every
    other byte NUL), else None."""
    sample = data[:4000]
    if len(sample) < 8:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


def line_of(data: bytes, position: int) -> int:
    """The line (from 1) holding byte ``position`` of ``data``."""
    return data.count(b"\n", 0, position) + 1


def detect_encoding(data: bytes) -> str:
    """The encoding of ``data`` without configuration: a byte-order mark; UTF-16 without
    one; UTF-8 when the bytes are valid UTF-8; Windows-1252 when they decode as it (the
    encoding of nearly every US registrar export, and one statistical detectors confuse
    with its Central European sibling cp1250 on short files); else charset-normalizer's
    best guess. UnicodeError when nothing fits."""
    for bom, name in BOMS:
        if data.startswith(bom):
            return name
    utf16 = utf16_without_bom(data)
    if utf16:
        return utf16
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if data.count(0) <= len(data) // 10:  # a few NUL bytes: damaged rows, not UTF-16
        try:
            data.decode("cp1252")
            return "cp1252"
        except UnicodeDecodeError:
            pass
    # UTF-16 and UTF-32 without a byte-order mark were ruled out above (their NUL pattern):
    # charset-normalizer offers them for random bytes, which would decode to nonsense.
    for guess in from_bytes(data[:200_000]):
        if not guess.encoding.startswith(("utf_16", "utf_32")):
            return guess.encoding
    raise UnicodeError("no text encoding fits these bytes")


def describe_content(data: bytes) -> str:
    """What the bytes are: 'text', 'workbook' (XLSX), 'zip', 'legacy_excel', 'pdf',
    'document' (another office format), 'archive' (7z, rar, tar)."""
    if data.startswith(ZIP_MAGICS):
        return _zip_kind(data)
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "legacy_excel"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith((b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"BZh", b"\xfd7zXZ")):
        return "archive"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "archive"
    return "text"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return "zip"
    if "xl/workbook.xml" in names:
        return "workbook"
    if "[Content_Types].xml" in names or "mimetype" in names:
        return "document"
    return "zip"
