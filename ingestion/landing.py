"""The landing folder: which entries are files to load, and which cannot be trusted.

Institutions (or their systems) write into the landing folder, so it is trusted only for
regular files placed under it. A symbolic link (to a file or a folder, inside or outside
the landing folder: a link in one institution's roster folder to another institution's
roster would otherwise load the other's students as its own), a device, a FIFO or a socket,
and anything whose real path lies outside the folder, is refused with a plain message and
never opened, so nothing of what it points to is read, stored or printed.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# The kind of a third-party import file: ``import:<source name>`` (ingestion.imports).
IMPORT_PREFIX = "import:"
# Folders whose names start with these are not deliveries (_truth, .git, ...).
IGNORED_PREFIXES = ("_", ".")
UNKNOWN_KIND = "unknown"


@dataclass(frozen=True)
class LandingFile:
    """One entry to ingest: its path, kind and institution, and the landing folder it was
    found in (None for a file named on the command line)."""

    path: Path
    kind: str
    institution_id: str | None
    landing: Path | None = None


def _position(parts: tuple[str, ...]) -> tuple[str, str | None] | None:
    """(kind, institution) of a file at ``parts`` below the landing folder, or None when
    that is not where deliveries go."""
    if parts[0] == "profiles" and len(parts) >= 2:
        return "profiles", None
    if len(parts) >= 3 and parts[1] in ("roster", "nsc"):
        return parts[1], parts[0]
    if len(parts) >= 4 and parts[1] == "imports":
        return IMPORT_PREFIX + parts[2], parts[0]
    return None


def discover(landing: Path) -> list[LandingFile]:
    """Entries of a landing folder to ingest: ``<institution>/roster/*``,
    ``<institution>/nsc/*``, ``<institution>/imports/<source>/*`` and ``profiles/*``, in
    name order. Links are listed (to be refused), never followed; folders starting with
    ``_`` or ``.`` (such as ``_truth``) are skipped. A folder of an institution the
    configuration does not know is listed too: its files are refused one by one at ingest,
    and the other institutions' files load."""
    found: list[LandingFile] = []
    for entry in _walk(landing):
        rel = entry.relative_to(landing).parts
        if any(part.startswith(IGNORED_PREFIXES) for part in rel):
            continue
        position = _position(rel)
        if entry.is_symlink():
            position = position or _position((*rel, "*"))
            if position is None and rel:
                position = (UNKNOWN_KIND, rel[0] if len(rel) > 1 else None)
        if position is not None:
            found.append(LandingFile(entry, position[0], position[1], landing))
    return sorted(found, key=lambda f: str(f.path))


def _walk(folder: Path) -> Iterator[Path]:
    """Every entry below ``folder`` that is not a real folder, descending into real folders
    only (a link to a folder is an entry, not a folder)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            if not entry.name.startswith(IGNORED_PREFIXES):
                yield from _walk(path)
        else:
            yield path


def untrusted(file: LandingFile) -> str | None:
    """Why ``file`` is not read at all (a link, not a regular file, outside the landing
    folder), or None when it is a regular file Pathways may open. Decided from the entry
    itself, never from what it points to."""
    try:
        mode = os.lstat(file.path).st_mode
    except FileNotFoundError:
        return None  # the runner says "no such file"
    if stat.S_ISLNK(mode):
        return ("is a symbolic link, not a file: Pathways reads only regular files placed in "
                "the landing folder, and nothing was read through the link; put the file "
                "itself there")
    if not stat.S_ISREG(mode):
        return ("is not a regular file (a folder, device, pipe or socket): nothing was read "
                "from it; put the roster file itself there")
    if file.landing is not None:
        root = os.path.realpath(file.landing)
        real = os.path.realpath(file.path)
        if os.path.commonpath([root, real]) != root:
            return ("lies outside the landing folder once its folders are resolved: nothing "
                    "was read from it")
    return None


def open_regular(path: Path) -> int:
    """A file descriptor of ``path`` opened without following a link, or OSError when the
    entry is (now) a link or not a regular file: the last check before reading."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(f"{path} is not a regular file")
    return fd
