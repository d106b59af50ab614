"""Reports on one institution from the build area: the error file it can act on, and what
the latest refresh changed."""

from __future__ import annotations

import csv
from pathlib import Path

from pathways.core.db import connect_build

ERROR_COLUMNS: tuple[str, ...] = ("institution_id", "file", "row", "field", "value", "problem",
                                  "raw_text")

# Every check reads the warehouse as it stands after the last refresh. Each yields rows in
# ERROR_COLUMNS order for one institution (parameter $1).
_CHECKS: tuple[str, ...] = (
    # Files refused whole.
    """select institution_id, file, null, null, null, 'file refused: ' || message, null
       from ops.file_ledger where status = 'refused' and institution_id = $1""",
    # Rows quarantined at ingest.
    """select institution_id, file, source_row, null, null, reason, raw_text
       from ops.quarantine where institution_id = $1""",
    # Roster values that loaded but fail validation.
    """select s.institution_id, s._source_file, s._source_row, 'program_cip', s.program_cip,
              'program_cip ''' || s.program_cip || ''' is not a CIP 2020 code', null
       from staging.stg_rosters__students as s
       anti join reference.cip_programs as c on s.program_cip = c.cip_code
       where s.institution_id = $1""",
    """select s.institution_id, s._source_file, s._source_row, 'state', s.state,
              'state ''' || s.state || ''' is not a US state or territory code', null
       from staging.stg_rosters__students as s
       anti join reference.us_states as u on s.state = u.state_code
       where s.institution_id = $1 and s.state is not null""",
    """select s.institution_id, s._source_file, s._source_row, 'degree_level',
              s.degree_level_raw,
              'degree_level ''' || s.degree_level_raw || ''' is not a known degree level '
              || '(certificate, associate, bachelor, master, doctoral)', null
       from staging.stg_rosters__students as s
       where s.institution_id = $1 and s.degree_level is null""",
    # Third-party rows nobody can use yet.
    """select institution_id, _source_file, _source_row, 'outcome', outcome_raw,
              source_name || ': outcome ''' || outcome_raw
              || ''' has no mapping in config/imports.yml', null
       from staging.stg_imports__records
       where institution_id = $1 and mapping_status = 'unmapped'""",
)


def errors_report(build_db: Path, institution_id: str) -> list[tuple]:
    """Every quarantined row, refused file and failed validation of one institution."""
    with connect_build(build_db, read_only=True) as con:
        rows: list[tuple] = []
        for sql in _CHECKS:
            rows.extend(con.execute(sql, [institution_id]).fetchall())
    return sorted(rows, key=lambda r: (str(r[1]), r[2] or 0, str(r[3])))


def write_errors_report(build_db: Path, institution_id: str, out: Path) -> int:
    """Write the error report as CSV; returns the number of problems."""
    rows = errors_report(build_db, institution_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ERROR_COLUMNS)
        writer.writerows(rows)
    return len(rows)


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
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CHANGE_COLUMNS)
            writer.writerows(rows)
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
