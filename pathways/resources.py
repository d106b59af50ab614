"""Resource limits for the DuckDB connections Pathways opens.

Environment variables, read by ingest, the linkage model, publishing, compaction and (via
profiles.yml) dbt:

* ``PATHWAYS_DUCKDB_THREADS``: threads each DuckDB connection may use (default: every
  core);
* ``PATHWAYS_MEMORY_LIMIT``: memory each DuckDB database may use before spilling to disk
  (default 8GB; DuckDB syntax, e.g. ``4GB``);
* ``PATHWAYS_THREADS``: how many dbt models and tests run at once (default 4).
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

THREADS_ENV = "PATHWAYS_DUCKDB_THREADS"
MEMORY_ENV = "PATHWAYS_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "8GB"


def duckdb_threads() -> int:
    """Threads per DuckDB connection: $PATHWAYS_DUCKDB_THREADS, else every core."""
    raw = os.environ.get(THREADS_ENV)
    if raw:
        try:
            threads = int(raw)
        except ValueError as error:
            raise ValueError(f"{THREADS_ENV}={raw!r} is not a whole number") from error
        if threads < 1:
            raise ValueError(f"{THREADS_ENV}={raw!r} must be at least 1")
        return threads
    return os.cpu_count() or 1


def duckdb_config() -> dict[str, str | int]:
    """DuckDB settings for a new connection."""
    return {"threads": duckdb_threads(),
            "memory_limit": os.environ.get(MEMORY_ENV, DEFAULT_MEMORY_LIMIT)}


def connect(database: str | Path = ":memory:") -> duckdb.DuckDBPyConnection:
    """A read-write DuckDB connection with Pathways' resource limits."""
    return duckdb.connect(str(database), config=duckdb_config())
