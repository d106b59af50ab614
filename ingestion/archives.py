"""Compressed deliveries: single ``.gz`` files and ``.zip`` archives, unpacked within limits.

A gzip file is read through ``read_delivered`` (every text reader does), which stops as soon
as the output passes the limit for its size (ingestion.limits): a 51 KB gzip that would
expand to 50 MB is refused after reading a few megabytes, never loaded as one giant row.
A ``.zip`` is unpacked by the runner into a private folder of the build area, member by
member within the same limits, and each member is then ingested as a file of its own
(``archive.zip!member.csv`` in the ledger). An archive is refused whole, before any member
is loaded, when a member's name would place it outside the folder (``../``, an absolute
path, a drive letter), when it holds a link, a password-protected member or another
archive, or when its members would expand past the limits.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from isal import igzip, isal_zlib

from ingestion.limits import (
    FREE_EXPANSION_BYTES,
    MAX_ARCHIVE_MEMBERS,
    MAX_EXPANDED_BYTES,
    MAX_EXPANSION_RATIO,
)
from ingestion.refused import FileRefused
from pathways.core.text_encoding import ZIP_MAGICS

GZIP_MAGIC = b"\x1f\x8b"
_CHUNK = 1 << 20
_OTHER_ARCHIVES = (".zip", ".7z", ".rar", ".tar", ".tgz", ".tar.gz", ".bz2", ".xz")


def expansion_limit(compressed_bytes: int, most: int = MAX_EXPANDED_BYTES) -> int:
    """Most bytes a file of ``compressed_bytes`` may expand to (ingestion.limits); ``most``
    is the absolute cap (higher for files that are streamed, never held)."""
    return min(most, max(FREE_EXPANSION_BYTES, MAX_EXPANSION_RATIO * compressed_bytes))


def _too_big(name: str, compressed: int, most: int = MAX_EXPANDED_BYTES) -> str:
    return (f"{name} expands to more than {expansion_limit(compressed, most):,} bytes from "
            f"{compressed:,} (at most {MAX_EXPANSION_RATIO} times its size beyond "
            f"{FREE_EXPANSION_BYTES:,} bytes, and {most:,} bytes in all): "
            "nothing of it was loaded; send the file uncompressed, or split it")


def gunzipped_chunks(path: Path, most: int = MAX_EXPANDED_BYTES) -> Iterator[bytes]:
    """The decompressed bytes of a gzip file, chunk by chunk (so a reader holds one chunk,
    never the file), refusing it once past its expansion limit (``most`` in all)."""
    compressed = path.stat().st_size
    limit = expansion_limit(compressed, most)
    total = 0
    try:
        with igzip.open(path, "rb") as handle:  # ISA-L: 3x Python's gzip module
            while chunk := handle.read(_CHUNK):
                total += len(chunk)
                if total > limit:
                    raise FileRefused(path, _too_big("the compressed file", compressed, most))
                yield chunk
    except (OSError, EOFError, zlib.error, isal_zlib.error) as exc:
        raise FileRefused(path, "unreadable archive: the gzip data is damaged or cut short "
                                f"({type(exc).__name__}); send the file again") from exc


def _gunzip(path: Path, on_chunk: Callable[[bytes], None]) -> None:
    """Decompress a gzip file chunk by chunk, refusing it once past its expansion limit."""
    for chunk in gunzipped_chunks(path):
        on_chunk(chunk)


def delivered_chunks(path: Path, most: int = MAX_EXPANDED_BYTES) -> Iterator[bytes]:
    """The bytes of a delivered file in chunks, gunzipped (within the limits, ``most`` in
    all) when it is gzip: what ``read_delivered`` returns, without holding the file."""
    if is_gzip(path):
        yield from gunzipped_chunks(path, most)
        return
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == GZIP_MAGIC


def read_delivered(path: Path) -> bytes:
    """The bytes of a delivered file, gunzipped (within the limits) when it is gzip."""
    data = path.read_bytes()
    if not data.startswith(GZIP_MAGIC):
        return data
    chunks: list[bytes] = []
    _gunzip(path, chunks.append)
    return b"".join(chunks)


class ExpansionGuard:
    """Checks a gzip file's expansion limit in a background thread while another reader
    (DuckDB's read_json, which decompresses by itself, without limits) reads the same file.

    Checking first would decompress every file twice in a row (1.9 s of a 1M-profile file's
    ingest); alongside, zlib runs while the GIL is free and the other core is often idle.
    The reader asks ``refusal()`` between pieces and stops at the first, so a bomb is
    decompressed at most about as far as the limit; ``finish()`` waits for the verdict
    before what was read may be kept.
    """

    def __init__(self, path: Path, most: int = MAX_EXPANDED_BYTES) -> None:
        self.path, self.most = path, most
        self._refused: FileRefused | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"gzip check {path.name}",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            for _ in gunzipped_chunks(self.path, self.most):
                if self._stop.is_set():
                    return
        except FileRefused as exc:
            self._refused = exc

    def refusal(self) -> FileRefused | None:
        """The refusal found so far, if any."""
        return self._refused

    def finish(self) -> None:
        """Wait for the check to end; raise its refusal."""
        self._thread.join()
        if self._refused is not None:
            raise self._refused

    def stop(self) -> None:
        """End the check early (the reader gave up on the file for its own reason)."""
        self._stop.set()
        self._thread.join()


# What to tell the sender of a file that is not a roster Pathways can read.
NOT_READABLE: dict[str, str] = {
    "legacy_excel": "is an Excel 97-2003 workbook (.xls), which Pathways does not read: save "
                    "it as an Excel workbook (.xlsx) or as CSV UTF-8 and send it again",
    "pdf": "is a PDF, not a data file: send the roster as CSV (UTF-8) or as an Excel "
           "workbook (.xlsx)",
    "document": "is an office document that is not an Excel workbook (.xlsx): send the "
                "roster as CSV (UTF-8) or .xlsx",
    "archive": "is a 7z, RAR, bzip2, xz or tar archive, which Pathways does not open: send a "
               ".zip, a .gz, or the files themselves",
    "zip": "is an archive inside an archive, which Pathways does not open: send the files "
           "in one .zip",
    "workbook": "is an Excel workbook, which this kind of file is not read from: send it as "
                "a CSV file",
}


def is_zip_archive(path: Path) -> bool:
    """Whether ``path`` is a .zip of files (not an XLSX workbook, which is also a zip)."""
    with path.open("rb") as handle:
        if not handle.read(4).startswith(ZIP_MAGICS):
            return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return True  # refused by unpack_zip, with the reason
    return not ({"xl/workbook.xml", "[Content_Types].xml", "mimetype"} & names)


@dataclass(frozen=True)
class Member:
    """One file unpacked from an archive: its name inside the archive and its copy."""

    name: str
    path: Path


_DRIVE = re.compile(r"^[A-Za-z]:")


def _member_parts(name: str) -> tuple[str, ...] | None:
    """The folder parts of a member name, or None when the name leaves the folder."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or _DRIVE.match(posix):
        return None
    parts = PurePosixPath(posix).parts
    if any(part == ".." for part in parts):
        return None
    return parts


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return stat.S_ISLNK(mode)


def unpack_zip(path: Path, workdir: Path) -> list[Member]:
    """Every file of a .zip, unpacked into ``workdir`` (created private), or FileRefused
    for the whole archive. Folders and entries whose names start with ``_`` or ``.``
    (``__MACOSX/``, ``.DS_Store``) are skipped, as in a landing folder."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileRefused(path, "unreadable archive: this .zip is damaged or cut short; send "
                                "it again") from exc
    with archive:
        wanted: list[zipfile.ZipInfo] = []
        for info in archive.infolist():
            parts = _member_parts(info.filename)
            if parts is None:
                raise FileRefused(path, f"archive member {info.filename!r} would be placed "
                                        "outside the folder (its name starts at the root or "
                                        "holds '..'): nothing of the archive was loaded; send "
                                        "a .zip of plain file names")
            if _is_link(info):
                raise FileRefused(path, f"archive member {info.filename!r} is a link: "
                                        "nothing of the archive was loaded; send the files "
                                        "themselves")
            if info.is_dir() or any(p.startswith(("_", ".")) for p in parts):
                continue
            if info.flag_bits & 0x1:
                raise FileRefused(path, f"archive member {info.filename!r} is password-"
                                        "protected: send the archive without a password")
            if info.filename.lower().endswith(_OTHER_ARCHIVES):
                raise FileRefused(path, f"archive member {info.filename!r} is itself an "
                                        "archive, which Pathways does not open: send the "
                                        "files in one .zip")
            wanted.append(info)
        if not wanted:
            raise FileRefused(path, "the archive holds no files")
        if len(wanted) > MAX_ARCHIVE_MEMBERS:
            raise FileRefused(path, f"the archive holds {len(wanted):,} files, more than the "
                                    f"{MAX_ARCHIVE_MEMBERS:,} Pathways opens at once: split it")
        declared = sum(info.file_size for info in wanted)
        if declared > MAX_EXPANDED_BYTES:
            raise FileRefused(path, _too_big("the archive", path.stat().st_size))
        workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(workdir, 0o700)
        members: list[Member] = []
        total = 0
        try:
            for number, info in enumerate(wanted, start=1):
                limit = expansion_limit(info.compress_size)
                if info.file_size > limit:
                    raise FileRefused(path, _too_big(f"archive member {info.filename!r}",
                                                     info.compress_size))
                target = workdir / f"{number:04d}_{PurePosixPath(info.filename).name}"
                written = 0
                with archive.open(info) as source, target.open("wb") as sink:
                    while chunk := source.read(_CHUNK):
                        written += len(chunk)
                        total += len(chunk)
                        if written > limit or total > MAX_EXPANDED_BYTES:
                            raise FileRefused(path, _too_big(
                                f"archive member {info.filename!r}", info.compress_size))
                        sink.write(chunk)
                members.append(Member(info.filename, target))
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
                OSError) as exc:
            shutil.rmtree(workdir, ignore_errors=True)
            raise FileRefused(path, f"unreadable archive: a member cannot be unpacked "
                                    f"({type(exc).__name__}); send the archive again, made "
                                    "with ordinary (deflate) compression") from exc
        except FileRefused:
            shutil.rmtree(workdir, ignore_errors=True)
            raise
    return members
