"""Merging newly scored candidate pairs into the pairs an earlier build kept.

An incremental build of ``int_alumni_profile_pairs_scored`` scores only pairs that touch
a changed record (matching.predict.score_pairs with changed alumni and profiles). The
table it writes back replaces, for every alumnus the change touches, all of that
alumnus's rows (dbt's delete+insert on ``alumni_id``). This module says which alumni are
touched and what their rows become, so that no stale pair lingers and no kept pair is lost.
"""

from __future__ import annotations

import pyarrow as pa

from pathways.core.db import connect_scratch

PAIR_COLUMNS = ("alumni_id", "profile_id", "institution_id", "match_probability",
                "match_weight", "explanation")

_MERGE_SQL = """
with touched as (
    -- changed alumni, alumni that left the roster, alumni that had a pair with a changed
    -- profile, and alumni with a new pair
    select record_id as alumni_id from _changed_alumni
    union select alumni_id from _previous
    where alumni_id not in (select record_id from _alumni)
    union select alumni_id from _previous
    where profile_id in (select record_id from _changed_profiles)
    union select alumni_id from _pairs
),
kept as (
    -- earlier pairs of touched alumni that nothing changed: neither side was rescored
    select * from _previous
    where alumni_id in (select alumni_id from touched)
        and alumni_id in (select record_id from _alumni)
        and alumni_id not in (select record_id from _changed_alumni)
        and profile_id not in (select record_id from _changed_profiles)
),
scored as (
    select * from _pairs
    union all by name
    select * from kept
),
emptied as (
    -- a touched alumnus left with no candidate keeps one row with a null profile, so the
    -- delete+insert removes its stale pairs
    select
        touched.alumni_id,
        null::varchar as profile_id,
        coalesce(_alumni.institution_id, split_part(touched.alumni_id, '|', 1))
            as institution_id,
        null::double as match_probability,
        null::double as match_weight,
        null::varchar as explanation
    from touched
    left join _alumni on touched.alumni_id = _alumni.record_id
    where touched.alumni_id not in (select alumni_id from scored)
)
select {columns} from scored
union all by name
select {columns} from emptied
order by alumni_id, profile_id
"""


def merge_scored_pairs(pairs: pa.Table, previous: pa.Table, alumni: pa.Table,
                       changed_alumni: pa.Table, changed_profiles: pa.Table) -> pa.Table:
    """The rows that replace those of every touched alumnus.

    ``pairs``: the newly scored pairs (PAIR_COLUMNS); ``previous``: the pairs the table
    holds now; ``alumni``: every current alumnus (``record_id``, ``institution_id``);
    ``changed_alumni`` / ``changed_profiles``: one-column tables (``record_id``) of the
    records scored again. An alumnus is touched when it changed, left the roster, had a
    pair with a changed profile, or has a new pair; its rows become its new pairs plus its
    earlier pairs with unchanged profiles, or one row with a null profile when none is
    left (an alumnus that left the roster keeps only that row)."""
    con = connect_scratch()
    try:
        for name, table in (("_pairs", pairs), ("_previous", previous), ("_alumni", alumni),
                            ("_changed_alumni", changed_alumni),
                            ("_changed_profiles", changed_profiles)):
            con.register(name, table)
        return con.sql(_MERGE_SQL.format(columns=", ".join(PAIR_COLUMNS))).to_arrow_table()
    finally:
        con.close()
