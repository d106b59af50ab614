"""The one way Pathways opens a DuckDB database, with its resource limits applied.

Three kinds of database, three doors:

* ``connect_build(path)``: the restricted build area (raw, staging, pii, marts, audit, ops);
* ``connect_published(path)``: the published warehouse analysts, the API and exports read
  (read-only unless publishing writes a new one);
* ``connect_scratch()``: an in-memory database for work of the moment (Splink's own
  connection, reading a file, copying between attached databases).

Each applies ``PATHWAYS_DUCKDB_THREADS`` and ``PATHWAYS_MEMORY_LIMIT`` (see
pathways.core.settings). The context managers close the connection however the block ends;
``open_build`` is for the few holders of a long-lived connection (ingest keeps one for a
batch of files) that close it themselves. SQL identifiers and literals built from data go
through ``quote_ident`` and ``quote_literal``.

The build area's folder is created readable by its owner only and its database file kept
at mode 0600 (pathways.core.build_area). A database another process holds, or a folder
that cannot be written, is a ``PathwaysError`` with a one-line message, not a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from pathways.core.build_area import ensure_private_dir, restrict_file
from pathways.core.errors import BuildAreaBusy, StorageError
from pathways.core.settings import Settings


def _config(settings: Settings | None) -> dict[str, str | int]:
    return (settings or Settings.from_env()).duckdb_config()


def _connect(path: Path, what: str, read_only: bool,
             settings: Settings | None) -> duckdb.DuckDBPyConnection:
    """``duckdb.connect``, its errors worded for the person who ran the command."""
    try:
        return duckdb.connect(str(path), read_only=read_only, config=_config(settings))
    except duckdb.IOException as error:
        message = str(error)
        if "lock" in message.lower():
            holder = message[message.find("(PID"):].split(")")[0] + ")" \
                if "(PID" in message else "another process"
            raise BuildAreaBusy(f"{what} {path} is in use by {holder.strip('()') or holder};"
                                " wait for it to finish") from error
        reason = message.split(":", 1)[-1].strip().splitlines()[0]
        raise StorageError(f"cannot open {what} {path}: {reason}") from error


def open_build(path: Path, *, read_only: bool = False,
               settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
    """A connection to the build area at ``path`` that the caller closes. A new build area
    gets its folder created, owner-only, and the database file stays owner-only."""
    if not read_only:
        ensure_private_dir(path.parent)
    con = _connect(path, "the build area", read_only, settings)
    if not read_only:
        restrict_file(path)
    return con


@contextmanager
def connect_build(path: Path, *, read_only: bool = False,
                  settings: Settings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The build area at ``path``, closed when the block ends."""
    con = open_build(path, read_only=read_only, settings=settings)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def connect_published(path: Path, *, read_only: bool = True,
                      settings: Settings | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The published warehouse (or an export file) at ``path``, read-only by default."""
    con = _connect(path, "the warehouse file", read_only, settings)
    try:
        yield con
    finally:
        con.close()


def connect_scratch(settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the resource limits; the caller closes it."""
    return duckdb.connect(":memory:", config=_config(settings))


def quote_ident(identifier: str) -> str:
    """``identifier`` as a double-quoted SQL identifier (embedded quotes doubled)."""
    return '"' + str(identifier).replace('"', '""') + '"'


def quote_literal(value: object) -> str:
    """``value`` as a single-quoted SQL string literal (embedded quotes doubled), for the
    statements that take no parameters (``attach``, ``copy ... to``)."""
    return "'" + str(value).replace("'", "''") + "'"


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    """Whether ``schema.table`` exists in the connection's current database."""
    return bool(con.execute(
        "select count(*) from duckdb_tables() where database_name = current_database() "
        "and schema_name = ? and table_name = ?", [schema, table]).fetchall()[0][0])
