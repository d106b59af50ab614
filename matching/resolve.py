"""One-to-one resolution of scored pairs.

Within an institution, an alumnus gets at most one profile and a profile at most one
alumnus. Pairs are accepted in rounds: a pair is accepted when it is the best remaining
pair for both its alumnus and its profile (mutual best). The highest-weighted remaining
pair is always mutually best, so every round accepts at least one pair and the result is
the greedy highest-weight-first matching. For each alumnus the best pair it did not get
is kept as the runner-up, for clerical review.
"""

from __future__ import annotations

import duckdb


def resolve_one_to_one(con: duckdb.DuckDBPyConnection, pairs: str, out: str) -> int:
    """Resolve ``pairs`` (institution_id, alumni_id, profile_id, match_probability,
    match_weight, explanation) into table ``out``: candidate_rank 1 for accepted pairs and 2
    for each alumnus's best pair it did not get. A profile scored on several rows (one per
    education entry) keeps its best row. Returns the number of rounds used."""
    con.execute(f"""
        create or replace temp table _candidates as
        select
            institution_id,
            alumni_id,
            profile_id,
            max(match_probability) as match_probability,
            max(match_weight) as match_weight,
            arg_max(explanation, match_weight) as explanation
        from {pairs}
        group by institution_id, alumni_id, profile_id
    """)
    con.execute("""
        create or replace temp table _accepted as
        select * from _candidates where false
    """)
    rounds = 0
    while True:
        rounds += 1
        before = con.execute("select count(*) from _accepted").fetchall()[0][0]
        con.execute("""
            insert into _accepted
            with remaining as (
                select c.*
                from _candidates as c
                anti join _accepted as a
                    on c.institution_id = a.institution_id and c.alumni_id = a.alumni_id
                anti join _accepted as b
                    on c.institution_id = b.institution_id and c.profile_id = b.profile_id
            ),
            ranked as (
                select
                    *,
                    row_number() over (
                        partition by institution_id, alumni_id
                        order by match_weight desc, profile_id
                    ) as alumni_rank,
                    row_number() over (
                        partition by institution_id, profile_id
                        order by match_weight desc, alumni_id
                    ) as profile_rank
                from remaining
            )
            select
                institution_id, alumni_id, profile_id, match_probability, match_weight,
                explanation
            from ranked
            where alumni_rank = 1 and profile_rank = 1
        """)
        after = con.execute("select count(*) from _accepted").fetchall()[0][0]
        if after == before:
            break
    con.execute(f"""
        create or replace table {out} as
        with runner_up as (
            select c.*
            from _candidates as c
            anti join _accepted as a
                on c.institution_id = a.institution_id
                and c.alumni_id = a.alumni_id
                and c.profile_id = a.profile_id
            qualify row_number() over (
                partition by c.institution_id, c.alumni_id
                order by c.match_weight desc, c.profile_id
            ) = 1
        )
        select *, 1 as candidate_rank from _accepted
        union all
        select *, 2 as candidate_rank from runner_up
    """)
    return rounds
