"""Clerical review: export uncertain pairs side by side, import reviewers' decisions.

Review files hold direct identifiers of both records (that is what a reviewer needs); they
belong with the restricted data team, never with marts or exports.
"""

from __future__ import annotations

import csv
import getpass
from dataclasses import dataclass, field
from pathlib import Path

from pathways.core.db import connect_build
from pathways.core.ops import ensure_ops_schema
from pathways.core.spreadsheet import from_spreadsheet_safe, write_safe_csv

REVIEW_COLUMNS: tuple[str, ...] = (
    "institution_id", "student_id", "profile_id", "match_probability", "match_weight",
    "candidate_rank",
    "roster_first_name", "roster_middle_name", "roster_last_name", "roster_former_last_name",
    "roster_email", "roster_city", "roster_state", "roster_graduation_year", "roster_program",
    "profile_first_name", "profile_middle_name", "profile_last_name", "profile_email",
    "profile_city", "profile_state", "profile_education", "profile_latest_position",
    "explanation", "decision", "reviewer", "note",
)

_EXPORT_SQL = """
with
matches as (
    select * from pii.int_alumni_profiles_matched
),
alumni as (
    select * from pii.int_alumni_deduplicated
),
profiles as (
    select * from pii.int_profiles_deduplicated
),
reviewed as (
    select * from staging.stg_ops__match_reviews
),
educations as (
    select
        profile_id,
        string_agg(
            school_name || coalesce(' ' || end_year, '')
            || coalesce(' (' || field_of_study || ')', ''),
            ' | ' order by education_index
        ) as education
    from pii.int_profile_educations_resolved
    group by profile_id
),
positions as (
    select
        profile_id,
        arg_max(title || ' at ' || coalesce(employer_name, '?'), started_on) as latest_position
    from pii.int_profile_positions_classified
    group by profile_id
)
select
    alumni.institution_id,
    alumni.student_id,
    matches.profile_id,
    matches.match_probability,
    round(matches.match_weight, 2) as match_weight,
    matches.candidate_rank,
    alumni.first_name, alumni.middle_name, alumni.last_name, alumni.former_last_name,
    alumni.email, alumni.city, alumni.state, alumni.graduation_year, alumni.program_name,
    profiles.first_name, profiles.middle_name, profiles.last_name, profiles.email,
    profiles.city, profiles.state, educations.education, positions.latest_position,
    matches.explanation,
    '' as decision, '' as reviewer, '' as note
from matches
inner join alumni on matches.alumni_id = alumni.alumni_record_id
inner join profiles on matches.profile_id = profiles.profile_id
left join educations on matches.profile_id = educations.profile_id
left join positions on matches.profile_id = positions.profile_id
anti join reviewed
    on matches.alumni_id = reviewed.alumni_id and matches.profile_id = reviewed.profile_id
where matches.match_probability >= ? and matches.match_probability < ?
    and (? is null or alumni.institution_id = ?)
order by alumni.institution_id, matches.match_probability desc, alumni.student_id
"""


def export_review(build_db: Path, out: Path, lower: float, upper: float,
                  institution_id: str | None = None) -> int:
    """Write undecided candidate pairs with lower <= probability < upper to a CSV file."""
    if not 0 <= lower < upper <= 1:
        raise ValueError(f"need 0 <= lower < upper <= 1, got {lower} and {upper}")
    with connect_build(build_db, read_only=True) as con:
        rows = con.execute(_EXPORT_SQL, [lower, upper, institution_id, institution_id]
                           ).fetchall()
    # Names, e-mails, titles and explanations are anyone's to choose, and reviewers open
    # this file in a spreadsheet: written so that no cell runs as a formula.
    write_safe_csv(out, REVIEW_COLUMNS, rows)
    return len(rows)


_YES = {"yes", "y", "true", "1", "match", "same"}
_NO = {"no", "n", "false", "0", "nonmatch", "different"}


@dataclass
class ImportResult:
    imported: int = 0
    skipped_blank: int = 0
    errors: list[str] = field(default_factory=list)


def import_review(build_db: Path, path: Path) -> ImportResult:
    """Store reviewers' yes/no decisions from a review CSV in ``ops.match_reviews``.

    Rows with an empty decision are skipped. Any invalid row (unknown decision, missing
    institution_id, student_id or profile_id) rejects the whole file, naming row and field.
    """
    result = ImportResult()
    decisions: list[list[str | None]] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"institution_id", "student_id", "profile_id", "decision"} - set(
            reader.fieldnames or [])
        if missing:
            result.errors.append(f"{path}: required column missing: {', '.join(sorted(missing))}")
            return result
        for row_number, row in enumerate(reader, start=1):
            decision = (row.get("decision") or "").strip().lower()
            if not decision:
                result.skipped_blank += 1
                continue
            if decision not in _YES | _NO:
                result.errors.append(f"{path}: row {row_number}: decision {row['decision']!r} "
                                     "is not yes or no")
                continue
            keys = [from_spreadsheet_safe((row.get(k) or "").strip())
                    for k in ("institution_id", "student_id", "profile_id")]
            empty = [k for k, v in zip(("institution_id", "student_id", "profile_id"), keys,
                                       strict=True) if not v]
            if empty:
                result.errors.append(f"{path}: row {row_number}: {', '.join(empty)} is empty")
                continue
            decisions.append([*keys, "yes" if decision in _YES else "no",
                              (row.get("reviewer") or "").strip() or getpass.getuser(),
                              (row.get("note") or "").strip() or None, str(path)])
    if result.errors:
        return result
    with connect_build(build_db) as con:
        ensure_ops_schema(con)
        if decisions:
            con.executemany(
                "insert into ops.match_reviews (institution_id, student_id, profile_id, "
                "decision, reviewer, note, source_file) values (?, ?, ?, ?, ?, ?, ?)",
                decisions)
    result.imported = len(decisions)
    return result
