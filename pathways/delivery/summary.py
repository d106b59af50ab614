"""The per-institution summary `make demo` and `pathways summary` print, read from the
published marts: the latest point of agg_outcomes_history plus current top employers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pathways.core.db import connect_published

SUMMARY_SQL = """
with

latest as (
    select *
    from marts.agg_outcomes_history
    qualify row_number() over (partition by institution_id order by refreshed_at desc) = 1
),

employer_counts as (
    select institution_id, employer_normalized as employer_name,
        count(distinct alumni_key) as n_alumni
    from marts.fct_alumni_positions
    where is_current and employer_normalized is not null
    group by institution_id, employer_normalized
),

ranked_employers as (
    select
        institution_id,
        string_agg(employer_name, ', ' order by n_alumni desc, employer_name)
            filter (where rank <= 3) as top_employers
    from (
        select
            *,
            row_number() over (
                partition by institution_id order by n_alumni desc, employer_name
            ) as rank
        from employer_counts
    )
    group by institution_id
)

select
    latest.institution_id,
    latest.n_alumni,
    latest.n_found,
    latest.n_outcome_known,
    latest.n_employed,
    coalesce(latest.employment_rate, 0),
    coalesce(latest.further_education_rate, 0),
    coalesce(ranked_employers.top_employers, '')
from latest
left join ranked_employers using (institution_id)
order by latest.institution_id
"""


@dataclass(frozen=True)
class InstitutionSummary:
    institution_id: str
    institution_name: str
    n_alumni: int
    n_found: int
    n_outcome_known: int
    n_employed: int
    employment_rate: float  # among alumni whose outcome is known
    further_education_rate: float
    top_employers: str

    @property
    def found_rate(self) -> float:
        return self.n_found / self.n_alumni if self.n_alumni else 0.0


def institution_summaries(warehouse: Path, names: dict[str, str]) -> list[InstitutionSummary]:
    """One summary per institution, read from the published marts; ``names`` maps
    institution ids to display names."""
    with connect_published(warehouse) as con:
        rows = con.execute(SUMMARY_SQL).fetchall()
    return [InstitutionSummary(row[0], names.get(row[0], row[0]), *row[1:]) for row in rows]


MEASURES_SQL = """
with

alumni as (
    select * from marts.dim_alumni
),

occupations as (
    select
        alumni.institution_id,
        positions.soc_title,
        count(distinct alumni.alumni_key) as n_alumni
    from alumni
    inner join marts.fct_alumni_positions as positions
        on alumni.alumni_key = positions.alumni_key
    where positions.is_current and positions.soc_code is not null
    group by alumni.institution_id, positions.soc_title
),

top_occupations as (
    select
        institution_id,
        string_agg(soc_title, ', ' order by n_alumni desc, soc_title)
            filter (where rank <= 2) as top_occupations
    from (
        select
            *,
            row_number() over (
                partition by institution_id order by n_alumni desc, soc_title
            ) as rank
        from occupations
    )
    group by institution_id
)

select
    alumni.institution_id,
    avg(alumni.first_job_is_in_field::integer),
    avg(alumni.is_in_degree_level_job::integer),
    median(alumni.modelled_annual_earnings),
    count(alumni.nace_outcome) / count(*),
    count(*) filter (where alumni.nace_outcome in ('employed', 'continuing_education',
                                                   'service'))
    / nullif(count(alumni.nace_outcome)
             - count(*) filter (where alumni.nace_outcome = 'not_seeking'), 0),
    coalesce(any_value(top_occupations.top_occupations), '')
from alumni
left join top_occupations using (institution_id)
group by alumni.institution_id
order by alumni.institution_id
"""


@dataclass(frozen=True)
class MeasureSummary:
    """Whole-institution outcome measures (see the docs site's methodology): never a small
    cell, so printed as they are."""

    institution_id: str
    institution_name: str
    in_field_rate: float | None  # first jobs in field by the CIP-SOC crosswalk
    degree_level_job_rate: float | None  # current jobs needing a degree at their level
    median_modelled_earnings: float | None  # OEWS, modelled from occupation and state
    knowledge_rate: float | None  # NACE
    career_outcomes_rate: float | None  # NACE
    top_occupations: str  # detailed SOC of current jobs


def measure_summaries(warehouse: Path, names: dict[str, str]) -> list[MeasureSummary]:
    """One row of outcome measures per institution, read from the published marts."""
    with connect_published(warehouse) as con:
        rows = con.execute(MEASURES_SQL).fetchall()
    return [MeasureSummary(row[0], names.get(row[0], row[0]), *row[1:]) for row in rows]
