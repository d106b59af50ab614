"""The per-institution summary `make demo` and `pathways summary` print."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

SUMMARY_SQL = """
with

alumni as (
    select * from marts.dim_alumni
),

positions as (
    select * from marts.fct_alumni_positions
),

per_institution as (
    select
        institution_id,
        count(*) as n_alumni,
        count(*) filter (where is_profile_found) as n_found,
        count(*) filter (where is_outcome_known) as n_outcome_known,
        count(*) filter (where is_employed_after_graduation) as n_employed,
        count(*) filter (where has_further_education) as n_further_education
    from alumni
    group by institution_id
),

employer_counts as (
    select institution_id, employer_name, count(distinct alumni_key) as n_alumni
    from positions
    where is_current
    group by institution_id, employer_name
),

top_employers as (
    select
        institution_id,
        string_agg(employer_name, ', ' order by n_alumni desc, employer_name) as top_employers
    from (
        select *
        from employer_counts
        qualify row_number() over (
            partition by institution_id order by n_alumni desc, employer_name
        ) <= 3
    )
    group by institution_id
)

select
    per_institution.institution_id,
    per_institution.n_alumni,
    per_institution.n_found,
    per_institution.n_outcome_known,
    per_institution.n_employed,
    per_institution.n_further_education,
    coalesce(top_employers.top_employers, '') as top_employers
from per_institution
left join top_employers using (institution_id)
order by per_institution.institution_id
"""


@dataclass(frozen=True)
class InstitutionSummary:
    institution_id: str
    institution_name: str
    n_alumni: int
    n_found: int
    n_outcome_known: int
    n_employed: int
    n_further_education: int
    top_employers: str

    @property
    def found_rate(self) -> float:
        return self.n_found / self.n_alumni if self.n_alumni else 0.0

    @property
    def employment_rate(self) -> float:
        """Employed after graduation among alumni some outcome source covers."""
        return self.n_employed / self.n_outcome_known if self.n_outcome_known else 0.0

    @property
    def further_education_rate(self) -> float:
        return self.n_further_education / self.n_alumni if self.n_alumni else 0.0


def institution_summaries(warehouse: Path, names: dict[str, str]) -> list[InstitutionSummary]:
    """One summary per institution, read from the published marts; ``names`` maps
    institution ids to display names."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(SUMMARY_SQL).fetchall()
    finally:
        con.close()
    return [InstitutionSummary(row[0], names.get(row[0], row[0]), *row[1:]) for row in rows]
