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
    select institution_id, employer_name, count(distinct alumni_key) as n_alumni
    from marts.fct_alumni_positions
    where is_current
    group by institution_id, employer_name
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
