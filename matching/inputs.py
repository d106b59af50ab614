"""Reading linkage inputs from the build area (for training and explaining outside dbt)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from pathways.core.db import connect_build

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
