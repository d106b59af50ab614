"""Read the published warehouse while refreshes keep replacing it.

``publish`` swaps in a new warehouse file with an atomic rename. A reader that opened the
old file keeps reading it (the inode stays alive while open); the next query should see the
new one. DuckDB caches one database instance per path, so reconnecting to the same path
while any old connection is open would return the old data. Each version is therefore
attached read-only to its own in-memory DuckDB, and a version is replaced when the file's
identity (inode, size, mtime) changes. Queries already running finish on the version they
started with.
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from pathways.core.db import connect_scratch, quote_literal
from pathways.core.errors import WarehouseUnavailable
from pathways.core.settings import Settings

__all__ = ["PublishedWarehouse", "WarehouseUnavailable"]


@dataclass
class _Version:
    identity: tuple[int, int, int]
    connection: duckdb.DuckDBPyConnection


class PublishedWarehouse:
    """Thread-safe, read-only access to the current published warehouse file."""

    def __init__(self, path: Path, threads: int | None = None) -> None:
        self.path = path
        self.threads = threads
        self._lock = threading.Lock()
        self._current: _Version | None = None

    def _identity(self) -> tuple[int, int, int]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError as missing:
            raise WarehouseUnavailable(
                f"no published warehouse at {self.path}: run `pathways refresh` first"
            ) from missing
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the newest published version (each request takes its own)."""
        identity = self._identity()
        with self._lock:
            if self._current is None or self._current.identity != identity:
                self._current = _Version(identity, self._open())
            cursor = self._current.connection.cursor()
        cursor.execute("use warehouse")  # each cursor starts in the in-memory catalog
        return cursor

    def _open(self) -> duckdb.DuckDBPyConnection:
        settings = Settings.from_env()
        if self.threads:
            settings = dataclasses.replace(settings, duckdb_threads=self.threads)
        con = connect_scratch(settings)
        try:
            con.execute(f"attach {quote_literal(self.path)} as warehouse (read_only)")
        except duckdb.Error as error:
            con.close()
            raise WarehouseUnavailable(f"cannot open {self.path}: {error}") from error
        return con

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for several queries that must all see the same published version."""
        cursor = self.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
