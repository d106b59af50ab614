"""Reading linkage inputs from the build area (for training and explaining outside dbt)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pathways.core.db import connect_build
from pathways.core.errors import PathwaysError

ALUMNI_SQL = """
    select
        alumni_record_id as record_id, institution_id, first_name, middle_name, last_name,
        former_last_name, email, city, state, postal_code, graduation_year, program_name
    from pii.int_alumni_deduplicated
"""
PROFILES_SQL = """
    select profile_id, first_name, middle_name, last_name, email, city, state
    from pii.int_profiles_deduplicated
"""
EDUCATIONS_SQL = """
    select profile_id, institution_id, end_year, field_of_study
    from pii.int_profile_educations_resolved
"""


CONFIRMED_SQL = """
    select institution_id || '|' || student_id as alumni_id, profile_id
    from ops.match_reviews
    qualify row_number() over (
        partition by institution_id, student_id, profile_id order by decided_at desc
    ) = 1 and decision = 'yes'
"""


@dataclass(frozen=True)
class LinkageInputs:
    alumni: pa.Table
    profiles: pa.Table
    educations: pa.Table
    confirmed: pa.Table | None = None  # reviewer-confirmed pairs (alumni_id, profile_id)


def read_inputs(build_db: Path) -> LinkageInputs:
    """The three linkage inputs as Arrow, read from the intermediate layer (read-only)."""
    with connect_build(build_db, read_only=True) as con:
        has_reviews = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'ops' and table_name = 'match_reviews'").fetchall()[0][0]
        return LinkageInputs(
            alumni=con.sql(ALUMNI_SQL).to_arrow_table(),
            profiles=con.sql(PROFILES_SQL).to_arrow_table(),
            educations=con.sql(EDUCATIONS_SQL).to_arrow_table(),
            confirmed=con.sql(CONFIRMED_SQL).to_arrow_table() if has_reviews else None,
        )


@dataclass(frozen=True)
class AlumnusOutcome:
    """What the build decided about one alumnus: their record id, the one-to-one result of
    their institution (institution_id, alumni_id, profile_id, candidate_rank,
    match_probability) and reviewers' latest decisions on their pairs (profile_id,
    decision)."""

    alumni_id: str
    matched: pa.Table
    reviews: pa.Table


def read_alumnus_outcome(build_db: Path, institution_id: str, student_id: str
                         ) -> AlumnusOutcome:
    """The build's decisions about one alumnus (read-only). The student id is matched as
    the roster wrote it or with leading zeros dropped; an unknown alumnus is a ValueError
    naming the institution and id."""
    with connect_build(build_db, read_only=True) as con:
        found = con.sql("""
            select alumni_record_id from pii.int_alumni_deduplicated
            where institution_id = ? and (student_id = ? or ltrim(student_id, '0') = ltrim(?, '0'))
            order by student_id = ? desc limit 1
        """, params=[institution_id, student_id, student_id, student_id]).fetchall()
        if not found:
            raise PathwaysError(f"no alumnus with student id {student_id!r} at institution "
                             f"{institution_id!r} in {build_db}")
        alumni_id = found[0][0]
        matched = con.sql("""
            select institution_id, alumni_id, profile_id, candidate_rank, match_probability
            from pii.int_alumni_profiles_matched where institution_id = ?
        """, params=[institution_id]).to_arrow_table()
        has_reviews = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'ops' and table_name = 'match_reviews'").fetchall()[0][0]
        reviews = con.sql("""
            select profile_id, arg_max(decision, decided_at) as decision
            from ops.match_reviews
            where institution_id || '|' || student_id = ?
            group by profile_id
        """, params=[alumni_id]).to_arrow_table() if has_reviews else pa.table(
            {"profile_id": pa.array([], pa.string()), "decision": pa.array([], pa.string())})
        return AlumnusOutcome(alumni_id, matched, reviews)
