"""The outcome queries behind the API and the outcomes report, with small-cell suppression.

Every function reads the published warehouse through a cursor and returns plain rows that
carry ``institution_id`` and nothing that identifies a person. Two kinds of results:

* tables the marts already hold (outcomes by program, match quality, history), filtered and
  paged; their suppression was applied by dbt and is returned as is;
* breakdowns counted here from the facts (employers, occupations by SOC major group and by
  detailed SOC, industries, locations, further education) for any program / degree level /
  cohort filter. A category is shown only when at least ``min_cell_size`` alumni are in
  it (the institution's setting in ``dim_institutions``); the number of withheld
  categories is reported, and when the filtered base itself is smaller than
  ``min_cell_size`` nothing is shown.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

import duckdb


class Breakdown(enum.StrEnum):
    """What a breakdown counts alumni by."""

    employers = "employers"
    occupations = "occupations"
    detailed_occupations = "detailed_occupations"
    industries = "industries"
    states = "states"
    cities = "cities"
    colleges = "colleges"
    college_levels = "college_levels"


@dataclass(frozen=True)
class Filters:
    """Which alumni a query describes. ``program`` is a CIP code or a prefix of one
    ("11", "11.07" or "11.0701"); ``cohort`` is the graduation year."""

    program: str | None = None
    degree_level: str | None = None
    cohort: int | None = None

    def where(self, alias: str = "alumni") -> tuple[str, list[Any]]:
        """SQL conditions on dim_alumni (under ``alias``) and their parameters."""
        clauses: list[str] = []
        params: list[Any] = []
        if self.program:
            clauses.append(f"starts_with({alias}.program_cip, ?)")
            params.append(self.program)
        if self.degree_level:
            clauses.append(f"{alias}.degree_level = ?")
            params.append(self.degree_level)
        if self.cohort is not None:
            clauses.append(f"{alias}.graduation_year = ?")
            params.append(self.cohort)
        return " and ".join(clauses) or "true", params


@dataclass
class Page:
    """One page of rows, the number of rows in all pages, and for breakdowns the base
    they were counted on and how much was suppressed."""

    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    base: int | None = None
    suppressed_categories: int | None = None
    min_cell_size: int | None = None
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _BreakdownSpec:
    source: str  # rows joined to dim_alumni as "alumni"
    keys: tuple[str, ...]  # category columns, named as returned
    condition: str  # which rows of the source count
    base: str  # which filtered alumni form the denominator
    base_text: str


_POSITIONS = ("marts.fct_alumni_positions as facts inner join marts.dim_alumni as alumni "
              "on facts.alumni_key = alumni.alumni_key")
_FURTHER = ("marts.fct_alumni_further_education as facts inner join marts.dim_alumni as "
            "alumni on facts.alumni_key = alumni.alumni_key")
_KNOWN = "alumni.is_outcome_known"
_KNOWN_TEXT = "alumni with a known outcome (a linked profile or a third-party report)"
_AFTER = "facts.months_after_graduation >= 0 and not facts.is_same_institution"
_AFTER_TEXT = "all alumni (NSC covers every alumnus)"

_BREAKDOWNS: dict[Breakdown, _BreakdownSpec] = {
    # Employers as normalised (legal form and case aside: "Acme Widgets, Inc." and "ACME
    # WIDGETS" are one), shown under the spelling most of their positions use.
    Breakdown.employers: _BreakdownSpec(
        _POSITIONS, ("facts.employer_normalized as employer_name",),
        "facts.employer_normalized is not null", _KNOWN, _KNOWN_TEXT),
    Breakdown.occupations: _BreakdownSpec(
        _POSITIONS, ("facts.soc_major_group as soc_major_group",
                     "facts.soc_major_group_title as soc_major_group_title"),
        "facts.soc_major_group is not null", _KNOWN, _KNOWN_TEXT),
    Breakdown.detailed_occupations: _BreakdownSpec(
        _POSITIONS, ("facts.soc_code as soc_code", "facts.soc_title as soc_title",
                     "facts.soc_major_group as soc_major_group"),
        "facts.soc_code is not null", _KNOWN, _KNOWN_TEXT),
    Breakdown.industries: _BreakdownSpec(
        _POSITIONS, ("facts.naics_sector as naics_sector",
                     "facts.naics_sector_title as naics_sector_title"),
        "facts.naics_sector is not null", _KNOWN, _KNOWN_TEXT),
    Breakdown.states: _BreakdownSpec(
        "marts.dim_alumni as alumni", ("alumni.current_state as state",),
        "alumni.current_state is not null", "alumni.current_state is not null",
        "alumni whose current location is known"),
    Breakdown.cities: _BreakdownSpec(
        "marts.dim_alumni as alumni", ("alumni.current_city as city",
                                       "alumni.current_state as state"),
        "alumni.current_city is not null and alumni.current_state is not null",
        "alumni.current_state is not null", "alumni whose current location is known"),
    Breakdown.colleges: _BreakdownSpec(
        _FURTHER, ("facts.college_name as college_name", "facts.college_state as state"),
        f"facts.college_name is not null and {_AFTER}", "true", _AFTER_TEXT),
    Breakdown.college_levels: _BreakdownSpec(
        _FURTHER, ("facts.college_level as college_level",),
        f"facts.college_level is not null and {_AFTER}", "true", _AFTER_TEXT),
}


def _rows(cursor: duckdb.DuckDBPyConnection, sql: str,
          params: list[Any]) -> list[dict[str, Any]]:
    result = cursor.execute(sql, params)
    names = [column[0] for column in result.description]
    return [{name: _json_safe(value) for name, value in zip(names, row, strict=True)}
            for row in result.fetchall()]


def _json_safe(value: Any) -> Any:
    """NaN and infinities (which JSON cannot carry) become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def institution(cursor: duckdb.DuckDBPyConnection, institution_id: str) -> dict[str, Any] | None:
    """The institution's row of dim_institutions, with the refresh it was published by."""
    rows = _rows(cursor, """
        select
            institutions.*,
            runs.run_id as refresh_id,
            runs.finished_at as refreshed_at
        from marts.dim_institutions as institutions
        left join (
            select run_id, finished_at from ops.refresh_runs
            where published order by finished_at desc limit 1
        ) as runs on true
        where institutions.institution_id = ?
    """, [institution_id])
    return rows[0] if rows else None


def min_cell_size(cursor: duckdb.DuckDBPyConnection, institution_id: str) -> int:
    """The institution's smallest shareable cell (default 10 when it is not configured)."""
    row = cursor.execute("select min_cell_size from marts.dim_institutions "
                         "where institution_id = ?", [institution_id]).fetchone()
    return int(row[0]) if row and row[0] else 10


def outcomes(cursor: duckdb.DuckDBPyConnection, institution_id: str, filters: Filters,
             limit: int, offset: int) -> Page:
    """Rows of agg_outcomes_by_program (suppressed as dbt published them). A cohort filter
    keeps that cohort's rows; without one, the all-cohort rollups come too."""
    where, params = filters.where("outcomes")
    sql = f"""
        from marts.agg_outcomes_by_program as outcomes
        where outcomes.institution_id = ? and {where}
    """
    total = cursor.execute(f"select count(*) {sql}", [institution_id, *params]).fetchone()[0]
    rows = _rows(cursor, f"""
        select outcomes.* {sql}
        order by outcomes.program_cip, outcomes.degree_level,
            outcomes.graduation_year nulls first
        limit ? offset ?
    """, [institution_id, *params, limit, offset])
    return Page(rows, total, limit, offset)


def breakdown(cursor: duckdb.DuckDBPyConnection, institution_id: str, by: Breakdown,
              filters: Filters, limit: int, offset: int,
              current_only: bool = False) -> Page:
    """Distinct alumni per category of ``by``, largest first, small cells withheld.

    ``share`` is the category's alumni over the base (see ``Page.notes``); an alumnus may
    count in several categories (two employers, say)."""
    spec = _BREAKDOWNS[by]
    smallest = min_cell_size(cursor, institution_id)
    where, params = filters.where("alumni")
    condition = spec.condition
    if current_only and spec.source == _POSITIONS:
        condition += " and facts.is_current"
    base = cursor.execute(
        f"select count(*) from marts.dim_alumni as alumni "
        f"where alumni.institution_id = ? and {where} and {spec.base}",
        [institution_id, *params]).fetchone()[0]
    notes = [f"base: {spec.base_text} matching the filters",
             f"categories with fewer than {smallest} alumni are withheld"]
    names = [key.split(" as ")[1] for key in spec.keys]
    counted = f"""
        with counted as (
            select {", ".join(spec.keys)}, count(distinct alumni.alumni_key) as n_alumni
            from {spec.source}
            where alumni.institution_id = ? and {where} and {condition}
            group by all
        )
    """
    counts = [institution_id, *params]
    shown, withheld = cursor.execute(
        f"{counted} select count(*) filter (where n_alumni >= ?), "
        f"count(*) filter (where n_alumni < ?) from counted",
        [*counts, smallest, smallest]).fetchone()
    if base < smallest:
        notes.append(f"the base ({'fewer than ' + str(smallest)} alumni) is too small to show")
        return Page([], 0, limit, offset, None, shown + withheld, smallest, notes)
    rows = _rows(cursor, f"""
        {counted}
        select
            ? as institution_id,
            {", ".join(names)},
            n_alumni,
            round(n_alumni / ?, 4) as share
        from counted
        where n_alumni >= ?
        order by n_alumni desc, {", ".join(f"{name} nulls last" for name in names)}
        limit ? offset ?
    """, [*counts, institution_id, base, smallest, limit, offset])
    return Page(rows, shown, limit, offset, base, withheld, smallest, notes)


def match_quality(cursor: duckdb.DuckDBPyConnection, institution_id: str, limit: int,
                  offset: int) -> Page:
    """agg_match_quality: one row per published refresh, newest first."""
    return _by_refresh(cursor, "agg_match_quality", institution_id, limit, offset)


def history(cursor: duckdb.DuckDBPyConnection, institution_id: str, limit: int,
            offset: int) -> Page:
    """agg_outcomes_history: one row per published refresh, newest first."""
    return _by_refresh(cursor, "agg_outcomes_history", institution_id, limit, offset)


def _by_refresh(cursor: duckdb.DuckDBPyConnection, table: str, institution_id: str,
                limit: int, offset: int) -> Page:
    total = cursor.execute(f"select count(*) from marts.{table} where institution_id = ?",
                           [institution_id]).fetchone()[0]
    rows = _rows(cursor, f"""
        select * from marts.{table} where institution_id = ?
        order by refreshed_at desc, refresh_id desc limit ? offset ?
    """, [institution_id, limit, offset])
    return Page(rows, total, limit, offset)
