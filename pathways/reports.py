"""Reports for people: the error file an institution can act on."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

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


def errors_report(warehouse: Path, institution_id: str) -> list[tuple]:
    """Every quarantined row, refused file and failed validation of one institution."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows: list[tuple] = []
        for sql in _CHECKS:
            rows.extend(con.execute(sql, [institution_id]).fetchall())
    finally:
        con.close()
    return sorted(rows, key=lambda r: (str(r[1]), r[2] or 0, str(r[3])))


def write_errors_report(warehouse: Path, institution_id: str, out: Path) -> int:
    """Write the error report as CSV; returns the number of problems."""
    rows = errors_report(warehouse, institution_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(ERROR_COLUMNS)
        writer.writerows(rows)
    return len(rows)
