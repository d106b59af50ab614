"""Reports on one institution from the build area: the error file it can act on, and what
the latest refresh changed. Both are CSV files people open in a spreadsheet, so every cell
is written spreadsheet-safe (OWASP "CSV injection"): roster values, file names and profile
text are anyone's to choose."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pathways.core.db import connect_build
from pathways.core.errors import NotBuiltYet
from pathways.core.spreadsheet import write_safe_csv

ERROR_COLUMNS: tuple[str, ...] = ("institution_id", "file", "row", "line", "field", "value",
                                  "problem", "raw_text")

@dataclass(frozen=True)
class _Check:
    """One check of the error report: its SQL (rows in ERROR_COLUMNS order for one
    institution, parameter $1) and the relations it reads."""

    sql: str
    needs: tuple[str, ...]
    validation: bool = False  # reads what a build creates (staging views, reference seeds)


_CHECKS: tuple[_Check, ...] = (
    # Files refused whole: each once, and not when a file of that name has loaded since.
    _Check("""select institution_id, file, null, null, null, null, 'file refused: ' || message,
              null
       from ops.file_ledger as refused
       where status = 'refused' and institution_id = $1
           and not exists (
               select 1 from ops.file_ledger as later
               where later.file = refused.file and later.status in ('loaded', 'superseded')
                   and later.ingested_at > refused.ingested_at)
       qualify row_number() over (partition by file, file_sha256, message
                                  order by ingested_at desc) = 1""",
           ("ops.file_ledger",)),
    # Rows quarantined at ingest (not those of a file a corrected one superseded).
    _Check("""select institution_id, file, source_row, source_line, null, null, reason, raw_text
       from ops.quarantine as q
       where institution_id = $1
           and not exists (select 1 from ops.file_ledger as l
                           where l.file_sha256 = q.file_sha256 and l.status = 'superseded')""",
           ("ops.quarantine", "ops.file_ledger")),
    # Roster values that loaded but fail validation.
    _Check("""select s.institution_id, s._source_file, s._source_row, null, 'program_cip',
              s.program_cip,
              'program_cip ''' || s.program_cip || ''' is not a CIP 2020 code', null
       from staging.stg_rosters__students as s
       anti join reference.cip_programs as c on s.program_cip = c.cip_code
       where s.institution_id = $1""",
           ("staging.stg_rosters__students", "reference.cip_programs"), validation=True),
    _Check("""select s.institution_id, s._source_file, s._source_row, null, 'state', s.state,
              'state ''' || s.state || ''' is not a US state or territory code', null
       from staging.stg_rosters__students as s
       anti join reference.us_states as u on s.state = u.state_code
       where s.institution_id = $1 and s.state is not null""",
           ("staging.stg_rosters__students", "reference.us_states"), validation=True),
    _Check("""select s.institution_id, s._source_file, s._source_row, null, 'degree_level',
              s.degree_level_raw,
              'degree_level ''' || s.degree_level_raw || ''' is not a known degree level '
              || '(certificate, associate, bachelor, master, doctoral)', null
       from staging.stg_rosters__students as s
       where s.institution_id = $1 and s.degree_level is null""",
           ("staging.stg_rosters__students",), validation=True),
    # Third-party rows nobody can use yet.
    _Check("""select institution_id, _source_file, _source_row, null, 'outcome', outcome_raw,
              source_name || ': outcome ''' || outcome_raw
              || ''' has no mapping in config/imports.yml', null
       from staging.stg_imports__records
       where institution_id = $1 and mapping_status = 'unmapped'""",
           ("staging.stg_imports__records",), validation=True),
)


def _relations(con: duckdb.DuckDBPyConnection) -> set[str]:
    """schema.name of every table and view of the build area."""
    return {f"{schema}.{name}" for schema, name in con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database()").fetchall()}


@dataclass
class ErrorReport:
    """The problems of one institution (rows in ERROR_COLUMNS order) and, in sentences,
    what the report could not include yet."""

    rows: list[tuple] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def errors_report(build_db: Path, institution_id: str) -> ErrorReport:
    """Every refused file, quarantined row and failed validation of one institution. Works
    as soon as anything was ingested; validation failures are listed once a build has run,
    and the report says so when none has."""
    if not build_db.exists():
        raise NotBuiltYet(f"nothing has been ingested yet (no build area at {build_db}): run "
                          "pathways ingest or pathways refresh first")
    report = ErrorReport()
    with connect_build(build_db, read_only=True) as con:
        present = _relations(con)
        skipped_validation = False
        for check in _CHECKS:
            if not set(check.needs) <= present:
                skipped_validation |= check.validation
                continue
            report.rows.extend(con.execute(check.sql, [institution_id]).fetchall())
        built = None
        if "ops.refresh_runs" in present:
            built = con.execute("select max(finished_at) from ops.refresh_runs "
                                "where status = 'succeeded'").fetchall()[0][0]
    if skipped_validation:
        report.notes.append(
            "validation of loaded values (CIP codes, states, degree levels, survey outcomes) "
            "is listed once a build has run (pathways refresh); none has yet, so this report "
            "holds refused files and quarantined rows only")
    elif built is not None:
        report.notes.append("loaded values validated against the reference data of the build "
                            f"of {built:%Y-%m-%d %H:%M}")
    report.rows.sort(key=lambda r: (str(r[1]), r[2] or 0, str(r[4])))
    return report


def write_errors_report(build_db: Path, institution_id: str, out: Path) -> ErrorReport:
    """Write the error report as CSV, safe to open in a spreadsheet."""
    report = errors_report(build_db, institution_id)
    write_safe_csv(out, ERROR_COLUMNS, report.rows)
    return report


CHANGE_COLUMNS: tuple[str, ...] = ("change", "alumni_key", "program_cip", "degree_level",
                                   "graduation_year", "before", "after")

_CHANGES_SQL = """
with
window_of as (
    select started_at, finished_at from ops.refresh_runs where run_id = $2
),
facts as (
    select * from snapshots.snap_alumni_facts where institution_id = $1
),
versions as (
    select
        facts.*,
        lag(is_profile_found) over by_key as previous_found,
        lag(current_employer) over by_key as previous_employer,
        lag(dbt_valid_from) over by_key as previous_from,
        row_number() over by_key as version_number
    from facts
    window by_key as (partition by alumni_key order by dbt_valid_from)
),
in_window as (
    select versions.* from versions, window_of
    where versions.dbt_valid_from between window_of.started_at and window_of.finished_at
),
closed as (
    select versions.* from versions, window_of
    where versions.dbt_valid_to between window_of.started_at and window_of.finished_at
        and not exists (
            select 1 from facts as later
            where later.alumni_key = versions.alumni_key
                and later.dbt_valid_from >= versions.dbt_valid_to
        )
)
select 'new alumnus', alumni_key, program_cip, degree_level, graduation_year, null, null
from in_window where version_number = 1
union all
select 'newly found', alumni_key, program_cip, degree_level, graduation_year,
    'not found', 'profile found'
from in_window where version_number > 1 and is_profile_found and not previous_found
union all
select 'employer changed', alumni_key, program_cip, degree_level, graduation_year,
    coalesce(previous_employer, '(none)'), coalesce(current_employer, '(none)')
from in_window
where version_number > 1 and current_employer is distinct from previous_employer
union all
select 'vanished', alumni_key, program_cip, degree_level, graduation_year,
    'present', 'gone'
from closed
order by 1, 2
"""


def write_changes_report(build_db: Path, institution_id: str, run_id: str | None,
                         out: Path | None) -> tuple[str | None, list[tuple]]:
    """``changes_report``, also written to ``out`` as CSV when given."""
    run_id, rows = changes_report(build_db, institution_id, run_id)
    if out is not None and run_id is not None:
        write_safe_csv(out, CHANGE_COLUMNS, rows)  # employer names come from public profiles
    return run_id, rows


def changes_report(build_db: Path, institution_id: str,
                   run_id: str | None = None) -> tuple[str | None, list[tuple]]:
    """What changed for an institution in a refresh (default: the latest published one):
    new alumni, newly found, employer changes and records that vanished."""
    with connect_build(build_db, read_only=True) as con:
        if run_id is None:
            rows = con.execute("select run_id from ops.refresh_runs where published "
                               "order by started_at desc limit 1").fetchall()
            if not rows:
                return None, []
            run_id = rows[0][0]
        return run_id, con.execute(_CHANGES_SQL, [institution_id, run_id]).fetchall()
