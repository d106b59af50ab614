"""Schema ``ops`` of the build area: Pathways' own bookkeeping, defined in one place.

| table | written by | what |
|---|---|---|
| ``file_ledger`` | ingest | one row per file: content hash, counts, loaded/refused/superseded |
| ``quarantine`` | ingest | rows that could not be loaded: file, row, line, raw text, reason |
| ``refresh_runs`` | refresh | one row per refresh: status, steps, tests, published, held back |
| ``match_reviews`` | match review import | reviewers' yes/no decisions on candidate pairs |
| ``erasures`` | forget | erased people, as keyed hashes only |
| ``source_tallies`` | ingest | rows and row-hash sum of each raw table (core.tallies) |
| ``reference_loads`` | ingest | digest of the configuration each load of raw's config tables had |

Every writer calls ``ensure_ops_schema`` on its connection first; the statements are
idempotent, and columns added since a table was first created are added in place.
"""

from __future__ import annotations

import duckdb

OPS_DDL = """
create schema if not exists ops;
create table if not exists ops.file_ledger (
    file_sha256 varchar,
    file varchar,
    kind varchar,
    institution_id varchar,
    ingest_id varchar,
    encoding varchar,
    rows_read bigint,
    rows_loaded bigint,
    rows_quarantined bigint,
    status varchar,
    message varchar,
    ingested_at timestamptz default current_timestamp
);
alter table ops.file_ledger add column if not exists submission_key varchar;
alter table ops.file_ledger add column if not exists superseded_by varchar;
create table if not exists ops.quarantine (
    file_sha256 varchar,
    file varchar,
    kind varchar,
    institution_id varchar,
    ingest_id varchar,
    source_row bigint,
    raw_text varchar,
    reason varchar,
    quarantined_at timestamptz default current_timestamp
);
alter table ops.quarantine add column if not exists source_line bigint;
create table if not exists ops.refresh_runs (
    run_id varchar primary key,
    started_at timestamptz,
    finished_at timestamptz,
    status varchar,          -- running, publishing, succeeded, partial, failed, interrupted
    failed_step varchar,
    message varchar,
    step_seconds json,
    rows_per_layer json,
    tests_passed integer,
    tests_failed integer,
    tests_warned integer,
    published boolean default false
);
alter table ops.refresh_runs add column if not exists build_fingerprint varchar;
alter table ops.refresh_runs add column if not exists full_rebuild boolean;
alter table ops.refresh_runs add column if not exists source_signatures json;
alter table ops.refresh_runs add column if not exists changed_sources json;
-- partial refreshes: institution -> why its new data was held back (its last published
-- rows stay published); free-text values redacted before publishing, by what they held
alter table ops.refresh_runs add column if not exists held_back json;
alter table ops.refresh_runs add column if not exists redactions json;
create table if not exists ops.match_reviews (
    institution_id varchar not null,
    student_id varchar not null,
    profile_id varchar not null,
    decision varchar not null check (decision in ('yes', 'no')),
    reviewer varchar,
    note varchar,
    source_file varchar,
    decided_at timestamptz default current_timestamp
);
create table if not exists ops.erasures (
    institution_id varchar not null,
    alumni_key varchar not null,
    email_keys varchar[],
    reason varchar,
    rows_erased json,
    requested_at timestamptz default current_timestamp
);
create table if not exists ops.source_tallies (
    schema_name varchar not null,
    table_name varchar not null,
    row_count bigint not null,
    hash_sum hugeint not null,
    tallied_at timestamptz default current_timestamp
);
create table if not exists ops.reference_loads (
    config_digest varchar not null,
    loaded_at timestamptz default current_timestamp
);
"""


def ensure_ops_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the ``ops`` tables (and any column added since) on the build area ``con``."""
    con.execute(OPS_DDL)
