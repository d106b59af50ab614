"""Splink candidate pairs of alumni and profiles, scored incrementally.

One row per alumnus and candidate profile at or above the candidate threshold, before
reviews and one-to-one resolution (int_alumni_profiles_matched). The first build (and
`dbt build --full-refresh`, `pathways refresh --full`) scores every alumnus against every
profile with Splink's `predict`. Later builds score only what changed since the inputs
last seen (`_scored_through`): new or changed alumni against all profiles, and the other
alumni against new or changed profiles, with Splink's `predict_between` on term
frequencies of the full tables, so every pair scores as in a full build. The rows of each
alumnus the change touches are replaced whole (delete+insert on alumni_id); an alumnus
left with no candidate keeps one row with a null profile_id, so stale pairs never linger.
When the profile pool grows past a step of the pool-scaled prior (`_prior`), every pair
is rescored.
"""

import pyarrow as pa

from matching.incremental import merge_scored_pairs
from matching.predict import score_pairs
from pathways.core.db import connect_scratch
from pathways.core.settings import Settings

ALUMNI_COLUMNS = (
    "alumni_record_id as record_id, institution_id, first_name, middle_name, last_name, "
    "former_last_name, email, city, state, postal_code, graduation_year, program_name"
)
SCHEMA = pa.schema([
    ("alumni_id", pa.string()), ("profile_id", pa.string()),
    ("institution_id", pa.string()), ("match_probability", pa.float64()),
    ("match_weight", pa.float64()), ("explanation", pa.string()),
    ("_scored_through", pa.timestamp("us", tz="UTC")), ("_prior", pa.float64()),
])


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="alumni_id",
               incremental_strategy="delete+insert", on_schema_change="fail")
    model_path = Settings.from_env().project_root / dbt.config.get("match_model")
    alumni_rel = dbt.ref("int_alumni_deduplicated")
    profiles_rel = dbt.ref("int_profiles_deduplicated")
    latest = [rel.aggregate("max(_ingested_at)").fetchall()[0][0]
              for rel in (alumni_rel, profiles_rel)]
    seen = max((value for value in latest if value is not None), default=None)
    alumni = alumni_rel.project(ALUMNI_COLUMNS).to_arrow_table()
    profiles = profiles_rel.project(
        "profile_id, first_name, middle_name, last_name, email, city, state"
    ).to_arrow_table()
    educations = dbt.ref("int_profile_educations_resolved").project(
        "profile_id, institution_id, end_year, field_of_study"
    ).to_arrow_table()

    since = previous_prior = None
    if dbt.is_incremental:
        since, previous_prior = session.sql(
            f"select max(_scored_through), any_value(_prior) from {dbt.this}").fetchall()[0]
    con = connect_scratch()
    try:
        if since is None:
            scored = score_pairs(alumni, profiles, educations, model_path, connection=con)
            pairs = scored.pairs
        else:
            changed_alumni = alumni_rel.filter(f"_ingested_at > '{since}'").project(
                "alumni_record_id as record_id").to_arrow_table()
            changed_profiles = profiles_rel.filter(f"_ingested_at > '{since}'").project(
                "profile_id as record_id").to_arrow_table()
            previous = session.sql(
                f"select alumni_id, profile_id, institution_id, match_probability, "
                f"match_weight, explanation from {dbt.this}").to_arrow_table()
            scored = score_pairs(alumni, profiles, educations, model_path, connection=con,
                                 changed_alumni=changed_alumni,
                                 changed_profiles=changed_profiles,
                                 previous_prior=previous_prior)
            if not scored.incremental:  # every pair was rescored: every alumnus is touched
                changed_alumni = alumni.select(["record_id"])
            pairs = merge_scored_pairs(scored.pairs, previous, alumni, changed_alumni,
                                       changed_profiles)
    finally:
        con.close()
    n = pairs.num_rows
    table = pairs.select(list(SCHEMA.names[:6])).cast(pa.schema(list(SCHEMA)[:6]))
    for name, value in (("_scored_through", seen), ("_prior", scored.prior)):
        field = SCHEMA.field(name)
        table = table.append_column(field, pa.repeat(pa.scalar(value, field.type), n))
    return table.sort_by([("alumni_id", "ascending"), ("profile_id", "ascending")])
