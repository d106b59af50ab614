"""The restricted build area: one folder that only its owner can read.

Everything that holds raw rows lives in the folder of the build database
(``Settings.build_dir``), which is created with mode 0700, and the database file itself is
kept at 0600 whatever the umask:

| path | what |
|---|---|
| ``<build>.duckdb`` | raw, staging, pii, marts, audit, snapshots and ops |
| ``dlt/`` | dlt's working folder; load packages are deleted as soon as they are loaded |
| ``logs/`` | dbt's log of each build |
| ``target/`` | dbt's artifacts: manifest, run results, compiled SQL, parse state |
| ``build.lock`` | held by the one process that ingests, refreshes or erases at a time |

``pathways forget`` scans every file here (and the project's ``target/``, where ``make docs``
writes) for the person it erases (pathways.warehouse.erasure).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from pathways.core.errors import BuildAreaBusy, StorageError

OWNER_ONLY_DIR = 0o700
OWNER_ONLY_FILE = 0o600
LOCK_NAME = "build.lock"

# Locks this process holds: build folder -> (open lock file, depth). A refresh run by
# `pathways forget` takes the lock the erasure already holds.
_held: dict[Path, tuple[int, int]] = {}


def dlt_pipelines_dir(build_db: Path) -> Path:
    """dlt's working folder (extract, normalise and load packages) for ``build_db``."""
    return build_db.parent / "dlt"


def logs_dir(build_db: Path) -> Path:
    """Where dbt writes its log for builds of ``build_db``."""
    return build_db.parent / "logs"


def dbt_target_dir(build_db: Path) -> Path:
    """Where dbt writes its artifacts for builds of ``build_db``. One folder per build area,
    not the project's ``target/``: refreshes of two warehouses from one checkout (one per
    institution group, or tests run in parallel) never read each other's run results, each
    keeps its own partial-parse state, and failure messages that may quote rows stay in the
    restricted folder."""
    return build_db.parent / "target"


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing and make it readable by its owner only."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIR)
        if stat.S_IMODE(path.stat().st_mode) != OWNER_ONLY_DIR:
            path.chmod(OWNER_ONLY_DIR)
    except OSError as error:
        raise StorageError(f"cannot create the restricted folder {path}: "
                           f"{error.strerror or error}") from error
    return path


def restrict_file(path: Path) -> None:
    """Make an existing file readable and writable by its owner only."""
    with contextlib.suppress(FileNotFoundError):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(OWNER_ONLY_FILE)


@contextlib.contextmanager
def exclusive(build_db: Path, activity: str) -> Iterator[None]:
    """Hold the build area's lock for ``activity`` (``refresh``, ``ingest``, ``forget``).

    The lock is an ``flock`` on ``build.lock``: the kernel releases it when its holder ends
    in any way, ``kill -9`` included, so a crashed refresh never blocks the next one. A
    second process gets BuildAreaBusy naming the holder; the same process may nest."""
    folder = ensure_private_dir(build_db.parent).resolve()
    if folder in _held:
        fd, depth = _held[folder]
        _held[folder] = (fd, depth + 1)
        try:
            yield
        finally:
            fd, depth = _held[folder]
            _held[folder] = (fd, depth - 1)
        return
    lock = folder / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, OWNER_ONLY_FILE)
    except OSError as error:
        raise StorageError(f"cannot create {lock}: {error.strerror or error}") from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
        os.close(fd)
        raise BuildAreaBusy(f"the build area {folder} is in use ({holder}); wait for it "
                            "to finish, or see `pathways status`") from None
    os.ftruncate(fd, 0)
    since = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    os.pwrite(fd, f"{activity} by pid {os.getpid()} since {since}".encode(), 0)
    _held[folder] = (fd, 1)
    try:
        yield
    finally:
        fd, _ = _held.pop(folder)
        os.ftruncate(fd, 0)
        os.close(fd)  # closing the only descriptor releases the flock


def is_busy(build_db: Path) -> bool:
    """Whether a process holds the build area's lock right now (this one included)."""
    folder = build_db.parent
    if folder.resolve() in _held:
        return True
    lock = folder / LOCK_NAME
    try:
        fd = os.open(lock, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
