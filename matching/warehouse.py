"""Reading linkage inputs from a built warehouse (for training and evaluation outside dbt)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

ALUMNI_SQL = """
    select
        alumni_record_id as record_id, institution_id, first_name, middle_name, last_name,
        former_last_name, email, city, state, postal_code, graduation_year, program_name
    from intermediate.int_alumni_deduplicated
"""
PROFILES_SQL = """
    select profile_id, first_name, middle_name, last_name, email, city, state
    from intermediate.int_profiles_deduplicated
"""
EDUCATIONS_SQL = """
    select profile_id, institution_id, end_year, field_of_study
    from intermediate.int_profile_educations_resolved
"""


@dataclass(frozen=True)
class LinkageInputs:
    alumni: pa.Table
    profiles: pa.Table
    educations: pa.Table


def read_inputs(warehouse: Path) -> LinkageInputs:
    """The three linkage inputs as Arrow, read from the intermediate layer (read-only)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return LinkageInputs(
            alumni=con.sql(ALUMNI_SQL).to_arrow_table(),
            profiles=con.sql(PROFILES_SQL).to_arrow_table(),
            educations=con.sql(EDUCATIONS_SQL).to_arrow_table(),
        )
    finally:
        con.close()
