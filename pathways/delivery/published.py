"""Read the published warehouse while refreshes keep replacing it.

``publish`` swaps in a new warehouse file with an atomic rename. A reader that opened the
old file keeps reading it (the inode stays alive while open); the next query should see the
new one. DuckDB caches one database instance per path, so reconnecting to the same path
while any old connection is open would return the old data. Each version is therefore
attached read-only to its own in-memory DuckDB, and a version is replaced when the file's
identity (inode, size, mtime) changes. Queries already running finish on the version they
started with.

A version is read in full once when it is opened (every table, every column: DuckDB checks
each block's checksum as it reads it), so a damaged file is refused before it answers
anything rather than failing query by query. Messages never name the file: they reach API
clients; the operator knows where the warehouse is.
"""

from __future__ import annotations

import dataclasses
import logging
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

LOG = logging.getLogger(__name__)

MISSING = "no published warehouse yet: run `pathways refresh` first"
DAMAGED = ("the published warehouse cannot be read (the file is damaged or not a DuckDB "
           "database): publish it again with `pathways refresh`")


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
        self._damaged: tuple[int, int, int] | None = None  # the version found unreadable

    def _identity(self) -> tuple[int, int, int]:
        try:
            stat = os.stat(self.path)
        except FileNotFoundError as missing:
            raise WarehouseUnavailable(MISSING) from missing
        return stat.st_ino, stat.st_size, stat.st_mtime_ns

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor on the newest published version (each request takes its own)."""
        identity = self._identity()
        with self._lock:
            if self._damaged == identity:
                raise WarehouseUnavailable(DAMAGED, damaged=True)
            if self._current is None or self._current.identity != identity:
                try:
                    connection = self._open()
                except WarehouseUnavailable:
                    self._damaged = identity
                    raise
                self._current = _Version(identity, connection)
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
            _read_everything(con)
        except duckdb.Error as error:
            con.close()
            LOG.error("published warehouse %s cannot be read: %s", self.path, error)
            raise WarehouseUnavailable(DAMAGED, damaged=True) from error
        return con

    def check(self) -> None:
        """Read the current version in full again; when it fails, every later request is
        refused as damaged (until a new file is published). The API calls this when a
        query fails, to tell a damaged file from a fault in the query."""
        with self._lock:
            current = self._current
        if current is None:
            return
        try:
            _read_everything(current.connection.cursor())
        except duckdb.Error as error:
            LOG.error("published warehouse %s cannot be read: %s", self.path, error)
            with self._lock:
                self._damaged = current.identity
            raise WarehouseUnavailable(DAMAGED, damaged=True) from error

    @contextmanager
    def session(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for several queries that must all see the same published version."""
        cursor = self.cursor()
        try:
            yield cursor
        finally:
            cursor.close()


def _read_everything(con: duckdb.DuckDBPyConnection) -> None:
    """Read every column of every table of the attached warehouse (a few milliseconds per
    megabyte), so that DuckDB verifies the checksum of every block."""
    tables = con.execute(
        "select schema_name, table_name from duckdb_tables() "
        "where database_name = 'warehouse'").fetchall()
    if not tables:
        raise duckdb.Error("the file holds no tables")
    for schema, table in tables:
        name = ".".join('"' + part.replace('"', '""') + '"' for part in (schema, table))
        con.execute(f"select bit_xor(hash(t)) from warehouse.{name} as t").fetchall()
