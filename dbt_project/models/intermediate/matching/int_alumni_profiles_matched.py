"""One-to-one linkage of alumni to profiles, from the scored candidate pairs.

Reviewers' decisions are applied over the model (a "yes" makes a pair certain, a "no"
removes it), then pairs are resolved one-to-one per institution. One row per alumnus and
candidate rank: rank 1 is the accepted pair, rank 2 the runner-up kept for review. Pairs
of alumni no longer on any roster are dropped. Resolution is global within an institution,
so it runs over all pairs on every build (it takes well under a second per million).
"""

from matching.predict import resolve


def model(dbt, session):
    dbt.config(materialized="table")
    pairs = dbt.ref("int_alumni_profile_pairs_scored").filter("profile_id is not null").project(
        "institution_id, alumni_id, profile_id, match_probability, match_weight, explanation"
    ).to_arrow_table()
    alumni = dbt.ref("int_alumni_deduplicated").project(
        "alumni_record_id as record_id").to_arrow_table()
    reviews = dbt.ref("stg_ops__match_reviews").project(
        "alumni_id, profile_id, decision, reviewer, decided_at"
    ).to_arrow_table()
    return resolve(alumni, pairs, reviews=reviews)
