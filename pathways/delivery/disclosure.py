"""Disclosure control for the counts the API and the outcomes report compute at request time.

Every count a shareable channel shows goes through the cell-key method (ONS; the doc block
``disclosure_control`` in dbt_project/models/overview.md says why and what it guarantees):

* each alumnus has a record key (``dim_alumni.record_key``, 0..4095, a keyed hash of the
  alumni key);
* a count's cell key is the sum of its alumni's record keys modulo 4096, so the same alumni
  always give the same key;
* the published perturbation table (``marts.dim_cell_key_perturbations``) gives, for the
  true count and the cell key, what to add;
* a perturbed count is shown when it is 0 or at least the institution's ``min_cell_size``,
  and a part is never shown above its whole.

The SQL built here is the same expression as the dbt macro ``perturbed_count``, which
perturbs the agg_* marts at build time, so a count of the same alumni is the same number
whichever channel shows it. Every breakdown (pathways.delivery.queries) is counted through
``perturbed_counts``; nothing else in the API computes a count.
"""

from __future__ import annotations

PTABLE = "marts.dim_cell_key_perturbations"

NOTE = ("counts are perturbed by the cell-key method (ONS): the same alumni always give the "
        "same count, within 2 of the true count in all but 2 cases in 4,096 (3 for those), "
        "so figures need not add up exactly")


def perturbed(count: str, cell_key: str) -> str:
    """SQL for the perturbed value of the count ``count`` whose alumni's record keys sum to
    ``cell_key`` (both SQL expressions; the modulus is applied here). Zero stays zero."""
    return f"""({count} + coalesce((
        select perturbations.perturbation
        from {PTABLE} as perturbations
        where {count} >= perturbations.min_count
            and {count} <= coalesce(perturbations.max_count, {count})
            and coalesce({cell_key}, 0) % (
                select max(ranges.max_cell_key) + 1 from {PTABLE} as ranges
            ) between perturbations.min_cell_key and perturbations.max_cell_key
    ), 0))"""


def is_shown(value: int | None, min_cell_size: int) -> bool:
    """Whether a perturbed count may be shown: 0, or at least ``min_cell_size``."""
    return value is not None and (value == 0 or value >= min_cell_size)


def perturbed_counts(members: str) -> str:
    """SQL counting the alumni of ``members`` per category, perturbed. ``members`` is a query
    returning the category columns (none for a plain total), then ``alumni_key`` and
    ``record_key``, one row per distinct alumnus and category; the result has the category
    columns, then ``n_alumni`` (one row even when ``members`` is empty and has no category
    columns)."""
    return f"""
        select * exclude (n_true, cell_key), {perturbed("n_true", "cell_key")} as n_alumni
        from (
            select * exclude (alumni_key, record_key), count(*) as n_true,
                sum(record_key) as cell_key
            from ({members}) as members
            group by all
        ) as counted
    """
