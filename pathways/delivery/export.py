"""Per-institution delivery: one institution's marts as Parquet files and one DuckDB file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pathways.core.db import connect_published, quote_ident, quote_literal
from pathways.core.errors import WarehouseUnavailable


@dataclass(frozen=True)
class ExportResult:
    tables: dict[str, int]  # table -> rows exported
    duckdb_file: Path
    manifest: Path


def export_institution(warehouse: Path, institution_id: str, out: Path) -> ExportResult:
    """Write ``<table>.parquet`` for every published mart with institution_id, restricted to
    one institution, the same tables in ``<institution_id>.duckdb``, and a manifest.
    Reads only the published warehouse, which holds no direct identifiers; the record keys
    of the cell-key method stay there (the extract needs none)."""
    if not warehouse.exists():
        raise WarehouseUnavailable(f"no published warehouse at {warehouse}; run "
                                   "`pathways refresh`")
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{institution_id}.duckdb"
    target.unlink(missing_ok=True)
    counts: dict[str, int] = {}
    with connect_published(target, read_only=False) as con:
        con.execute(f"attach {quote_literal(warehouse)} as published (read_only)")
        tables = [row[0] for row in con.execute(
            "select distinct table_name from duckdb_columns() where database_name = "
            "'published' and schema_name = 'marts' and column_name = 'institution_id' "
            "order by 1").fetchall()]
        refresh = con.execute("select max(run_id) from published.ops.refresh_runs "
                              "where published").fetchall()[0][0]
        con.execute("create schema marts")
        for table in tables:
            # record_key (cell-key perturbation) serves only the shareable channels
            con.execute(f"create table marts.{quote_ident(table)} as select columns(lambda c: "
                        f"c != 'record_key') from published.marts.{quote_ident(table)} "
                        f"where institution_id = {quote_literal(institution_id)}")
            counts[table] = con.execute(
                f"select count(*) from marts.{quote_ident(table)}").fetchall()[0][0]
            parquet = out / f"{table}.parquet"
            con.execute(f"copy marts.{quote_ident(table)} to {quote_literal(parquet)} "
                        "(format parquet, compression zstd)")
        con.execute("detach published")
    manifest = out / "manifest.json"
    manifest.write_text(json.dumps({"institution_id": institution_id, "refresh_id": refresh,
                                    "tables": counts}, indent=2) + "\n", encoding="utf-8")
    return ExportResult(counts, target, manifest)
