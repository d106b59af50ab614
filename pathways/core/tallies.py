"""Tallies of the raw tables: how many rows each holds and the sum of a hash of each row.

A refresh decides what to rebuild from each source table's signature (its rows and the sum
of a hash of every row over every column but dlt's load bookkeeping,
pathways.warehouse.changes). Hashing every row of the profile pool on every refresh costs
time in proportion to the pool, so ingest keeps the tally instead: after each load it adds
the rows of the files it just loaded (found by their ingest id and file hash, which DuckDB's
zone maps find without reading the rest of the table), and recounts a table it replaces
whole (the configuration tables). The sum of row hashes is additive, so the kept tally
equals a recount of the same rows by the same columns.

A tally is only trusted while it still counts the table's rows (``count(*)`` reads no
rows): anything else that deleted rows (an erasure) or a load killed before its tally was
kept leaves a count that differs, and the table is recounted in full and the tally
repaired. Rows updated in place would keep the count; nothing in Pathways updates raw rows
in place (dlt appends or replaces, erasure deletes).
"""

from __future__ import annotations

import duckdb

from pathways.core.db import quote_ident


def hashed_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    """The quoted columns a tally hashes: all but dlt's ``_dlt_*`` bookkeeping."""
    return [quote_ident(name) for (name,) in con.execute(
        "select column_name from duckdb_columns() where database_name = current_database() "
        "and schema_name = ? and table_name = ? and not starts_with(column_name, '_dlt_') "
        "order by column_index", [schema, table]).fetchall()]


def count_and_hash(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                   columns: list[str], where: str = "true",
                   params: list | None = None) -> tuple[int, int]:
    """(rows, sum of row hashes) of the rows of ``schema.table`` that ``where`` selects."""
    rows, total = con.execute(
        f'select count(*), coalesce(sum(hash({", ".join(columns)})), 0)::hugeint '
        f"from {quote_ident(schema)}.{quote_ident(table)} where {where}", params or []
    ).fetchone()
    return int(rows), int(total)


def _store(con: duckdb.DuckDBPyConnection, schema: str, table: str,
           rows: int, total: int) -> None:
    con.execute("delete from ops.source_tallies where schema_name = ? and table_name = ?",
                [schema, table])
    con.execute("insert into ops.source_tallies (schema_name, table_name, row_count, "
                "hash_sum) values (?, ?, ?, ?::hugeint)", [schema, table, rows, str(total)])


def _kept(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[int, int] | None:
    row = con.execute("select row_count, hash_sum::varchar from ops.source_tallies "
                      "where schema_name = ? and table_name = ?", [schema, table]).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def _count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int:
    return int(con.execute(
        f"select count(*) from {quote_ident(schema)}.{quote_ident(table)}").fetchone()[0])


def recount(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[int, int]:
    """Tally every row of ``schema.table`` and keep the tally."""
    rows, total = count_and_hash(con, schema, table, hashed_columns(con, schema, table))
    _store(con, schema, table, rows, total)
    return rows, total


def add_loaded(con: duckdb.DuckDBPyConnection, schema: str, table: str, where: str,
               params: list) -> None:
    """Add the rows just appended to ``schema.table`` (those ``where`` selects) to its
    tally; recount in full when there is no tally yet or it did not count the table's
    other rows."""
    kept = _kept(con, schema, table)
    if kept is None:
        recount(con, schema, table)
        return
    rows, total = count_and_hash(con, schema, table, hashed_columns(con, schema, table),
                                 where, params)
    if kept[0] + rows != _count(con, schema, table):
        recount(con, schema, table)
        return
    _store(con, schema, table, kept[0] + rows, kept[1] + total)


def tally(con: duckdb.DuckDBPyConnection, schema: str, table: str,
          columns: list[str]) -> tuple[int, int]:
    """The tally of ``schema.table`` (hashing ``columns``): the kept one while it counts the
    table's rows, else a recount (kept from now on)."""
    kept = _kept(con, schema, table)
    if kept is not None and kept[0] == _count(con, schema, table):
        return kept
    rows, total = count_and_hash(con, schema, table, columns)
    _store(con, schema, table, rows, total)
    return rows, total
