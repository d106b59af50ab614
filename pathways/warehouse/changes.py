"""Which sources changed since the last successful build, and what a refresh must rebuild.

Every dbt source table in the build area gets a signature: its row count and the sum of a
hash of each row over every column but dlt's load bookkeeping (``_dlt_load_id`` and
``_dlt_id`` are new on every load, even of an unchanged configuration table); about 0.2 s
for all sources at a million profiles, so the raw tables' are kept by ingest instead
(pathways.core.tallies) and a refresh reads them. A refresh compares them with the signatures the
last successful refresh built from and rebuilds only what descends from a source that
changed (``dbt build --select source:<name>+``), plus the models stamped with the refresh
itself (tag ``every_refresh``: the history marts). A node with no changed ancestor would
be rebuilt from the same rows by the same code (code and configuration changes trigger a
full rebuild, see pathways.warehouse.fingerprint), and its tests would see the rows they passed on.
Validation tests (warn severity: unknown CIP codes, states, degree levels, unmapped survey
answers) run on every refresh all the same: they store the rows people review in schema
audit, so every refresh reports every open problem, as a full rebuild would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from pathways.core.db import connect_build, quote_ident, table_exists
from pathways.core.tallies import count_and_hash, tally

# Models whose rows depend on the refresh itself (its id, its time), not only on sources.
EVERY_REFRESH_TAG = "every_refresh"
# Tests every refresh runs, whatever changed: the validation (warn-severity) tests.
EVERY_REFRESH_TESTS = "config.severity:warn"
# libyaml's safe loader where it is built in (about ten times faster on the sources files).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class SourceTable:
    """A dbt source table: ``source_name.table_name`` read from ``schema.identifier``."""

    source_name: str
    table_name: str
    schema: str
    identifier: str

    @property
    def label(self) -> str:
        return f"{self.source_name}.{self.table_name}"


def source_tables(project_dir: Path) -> list[SourceTable]:
    """Every source table declared in the project's ``_*__sources.yml`` files."""
    tables = []
    for path in sorted((project_dir / "dbt_project" / "models").rglob("_*__sources.yml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        for source in document.get("sources", []):
            schema = source.get("schema", source["name"])
            for table in source.get("tables", []):
                tables.append(SourceTable(source["name"], table["name"], schema,
                                          table.get("identifier", table["name"])))
    return tables


def signatures(build: Path | duckdb.DuckDBPyConnection,
               tables: list[SourceTable]) -> dict[str, str]:
    """``source.table`` -> "<rows>:<sum of row hashes>" (or "missing") for each table of the
    build area (its path, read-only, or a connection to it that may write). Raw tables are
    read from the tallies ingest keeps (pathways.core.tallies), recounted (and, on a
    connection that may write, kept) where a tally is missing or no longer counts the
    table's rows; other tables (ops) are hashed in full."""
    if isinstance(build, duckdb.DuckDBPyConnection):
        return _signatures(build, tables, keep=True)
    with connect_build(build, read_only=True) as con:
        return _signatures(con, tables, keep=False)


def _signatures(con: duckdb.DuckDBPyConnection, tables: list[SourceTable],
                keep: bool) -> dict[str, str]:
    columns: dict[tuple[str, str], list[str]] = {}
    for schema, name, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where not starts_with(column_name, '_dlt_') "
            "order by schema_name, table_name, column_index").fetchall():
        columns.setdefault((schema, name), []).append(quote_ident(column))
    tallied = keep and table_exists(con, "ops", "source_tallies")
    result = {}
    for table in tables:
        names = columns.get((table.schema, table.identifier))
        if not names:
            result[table.label] = "missing"
            continue
        if tallied and table.schema == "raw":
            rows, total = tally(con, table.schema, table.identifier, names)
        else:
            rows, total = count_and_hash(con, table.schema, table.identifier, names)
        result[table.label] = f"{rows}:{total}"
    return result


def changed_sources(current: dict[str, str], previous: dict[str, str]) -> list[str]:
    """Labels of the sources whose signature differs from ``previous`` (new ones too)."""
    return sorted(label for label, signature in current.items()
                  if previous.get(label) != signature)


def incremental_build_arguments(changed: list[str] | None) -> list[str]:
    """The selection of an incremental ``dbt build`` after ``changed`` sources changed (None:
    unknown, everything). Unit tests depend only on the code the fingerprint covers:
    unchanged, they passed already. Seeds are never selected by what descends from a
    source; excluding them by name would also drop every test that reads one (the
    unknown-CIP and state validations), so they are not excluded."""
    selection = [] if changed is None else ["--select", *build_selection(changed)]
    return [*selection, "--exclude", "resource_type:unit_test"]


def build_selection(changed: list[str]) -> list[str]:
    """dbt ``--select`` arguments: everything downstream of a changed source, the models
    every refresh stamps, and the validation tests."""
    return ([f"source:{label}+" for label in changed]
            + [f"tag:{EVERY_REFRESH_TAG}", EVERY_REFRESH_TESTS])
