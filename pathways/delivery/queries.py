"""The outcome queries behind the API and the outcomes report, with disclosure control.

Every function reads the published warehouse through a cursor and returns plain rows that
carry ``institution_id`` and nothing that identifies a person. Two kinds of results:

* tables the marts already hold (outcomes by program, match quality, history), filtered and
  paged; their counts were perturbed and withheld by dbt and are returned as they are;
* breakdowns counted here from the facts (employers, occupations by SOC major group and by
  detailed SOC, industries, locations, further education) for any program / degree level /
  cohort filter, and the institution's number of alumni. Every such count goes through
  pathways.delivery.disclosure: perturbed by the cell-key method, shown only when 0 or at
  least ``min_cell_size`` (the institution's setting in ``dim_institutions``), never above
  its base. When the perturbed base is below
  ``min_cell_size`` nothing is shown; how many categories were withheld is not said.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pathways.delivery import disclosure


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
    """One page of rows, the number of rows in all pages, and for breakdowns the
    (perturbed) base they were counted on."""

    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int
    base: int | None = None
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
    """The institution's row of dim_institutions, with the refresh it was published by and
    its number of alumni perturbed (null when from 1 to min_cell_size - 1)."""
    rows = _rows(cursor, f"""
        select
            institutions.* replace (alumni.n_alumni as n_alumni),
            runs.run_id as refresh_id,
            runs.finished_at as refreshed_at
        from marts.dim_institutions as institutions
        cross join ({disclosure.perturbed_counts(
            "select alumni_key, record_key from marts.dim_alumni where institution_id = ?")}
        ) as alumni
        left join (
            select run_id, finished_at from ops.refresh_runs
            where published order by finished_at desc limit 1
        ) as runs on true
        where institutions.institution_id = ?
    """, [institution_id, institution_id])
    if not rows:
        return None
    row = rows[0]
    if not disclosure.is_shown(row["n_alumni"], row["min_cell_size"] or 10):
        row["n_alumni"] = None
    return row


def min_cell_size(cursor: duckdb.DuckDBPyConnection, institution_id: str) -> int:
    """The institution's smallest shareable cell (default 10 when it is not configured)."""
    row = cursor.execute("select min_cell_size from marts.dim_institutions "
                         "where institution_id = ?", [institution_id]).fetchone()
    return int(row[0]) if row and row[0] else 10


def outcomes(cursor: duckdb.DuckDBPyConnection, institution_id: str, filters: Filters,
             limit: int, offset: int) -> Page:
    """Rows of agg_outcomes_by_program (perturbed and suppressed as dbt published them). A
    cohort filter keeps that cohort's rows; without one, the all-cohort rollups come too."""
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
    smallest = min_cell_size(cursor, institution_id)
    notes = [disclosure.NOTE,
             f"a cell whose perturbed n_alumni is below {smallest} is suppressed; in a shown "
             f"cell a perturbed count from 1 to {smallest - 1} is null, with the rate made "
             "from it; rates are ratios of the counts shown"]
    return Page(rows, total, limit, offset, notes=notes)


def breakdown(cursor: duckdb.DuckDBPyConnection, institution_id: str, by: Breakdown,
              filters: Filters, limit: int, offset: int,
              current_only: bool = False) -> Page:
    """Alumni per category of ``by``, perturbed, largest first, small counts withheld.

    ``share`` is the category's perturbed count over the perturbed base (see
    ``Page.notes``); an alumnus may count in several categories (two employers, say)."""
    spec = _BREAKDOWNS[by]
    smallest = min_cell_size(cursor, institution_id)
    where, params = filters.where("alumni")
    condition = spec.condition
    if current_only and spec.source == _POSITIONS:
        condition += " and facts.is_current"
    base = cursor.execute(disclosure.perturbed_counts(
        f"select alumni.alumni_key, alumni.record_key from marts.dim_alumni as alumni "
        f"where alumni.institution_id = ? and {where} and {spec.base}"),
        [institution_id, *params]).fetchone()[0]
    notes = [f"base: {spec.base_text} matching the filters", disclosure.NOTE,
             f"categories whose perturbed count is below {smallest} are withheld (how many "
             "is not said)"]
    if not disclosure.is_shown(base, smallest):
        notes.append(f"the base (perturbed) is below {smallest}: nothing is shown")
        return Page([], 0, limit, offset, None, smallest, notes)
    names = [key.split(" as ")[1] for key in spec.keys]
    members = f"""
        select distinct {", ".join(spec.keys)}, alumni.alumni_key, alumni.record_key
        from {spec.source}
        where alumni.institution_id = ? and {where} and {condition}
    """
    shown = _rows(cursor, f"""
        select
            ? as institution_id,
            {", ".join(names)},
            least(n_alumni, ?) as n_alumni,
            round(least(n_alumni, ?) / ?, 4) as share
        from ({disclosure.perturbed_counts(members)}) as counted
        where n_alumni >= ?
        order by n_alumni desc, {", ".join(f"{name} nulls last" for name in names)}
    """, [institution_id, base, base, base, institution_id, *params, smallest])
    return Page(shown[offset:offset + limit], len(shown), limit, offset, base, smallest,
                notes)


def match_quality(cursor: duckdb.DuckDBPyConnection, institution_id: str, limit: int,
                  offset: int) -> Page:
    """agg_match_quality: one row per published refresh, newest first."""
    page = _by_refresh(cursor, "agg_match_quality", institution_id, limit, offset)
    page.notes = [*_refresh_notes(cursor, institution_id),
                  "probabilities and positions per found alumnus are not counts and are "
                  "not perturbed"]
    return page


def history(cursor: duckdb.DuckDBPyConnection, institution_id: str, limit: int,
            offset: int) -> Page:
    """agg_outcomes_history: one row per published refresh, newest first."""
    page = _by_refresh(cursor, "agg_outcomes_history", institution_id, limit, offset)
    page.notes = _refresh_notes(cursor, institution_id)
    return page


def _refresh_notes(cursor: duckdb.DuckDBPyConnection, institution_id: str) -> list[str]:
    smallest = min_cell_size(cursor, institution_id)
    return [disclosure.NOTE,
            f"a perturbed count from 1 to {smallest - 1} is null, with the rate made from "
            "it; the change between two refreshes is not the exact number of alumni who "
            "came, left or changed"]


def _by_refresh(cursor: duckdb.DuckDBPyConnection, table: str, institution_id: str,
                limit: int, offset: int) -> Page:
    total = cursor.execute(f"select count(*) from marts.{table} where institution_id = ?",
                           [institution_id]).fetchone()[0]
    rows = _rows(cursor, f"""
        select * from marts.{table} where institution_id = ?
        order by refreshed_at desc, refresh_id desc limit ? offset ?
    """, [institution_id, limit, offset])
    return Page(rows, total, limit, offset)
