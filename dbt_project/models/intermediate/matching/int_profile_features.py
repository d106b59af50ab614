"""Linkage features of every current profile, kept between refreshes.

One row per profile and education entry at a customer institution (or one row with an
empty institution_id), as matching.features makes them, with the term frequencies frozen
with the model. Incremental: a refresh features only the profiles with a version newer
than the table has seen (their rows are replaced whole, delete+insert on record_id), so
an incremental scoring run (int_alumni_profile_pairs_scored) reads the few profiles it
needs from here instead of featuring the whole pool again (matching.pool_features).
"""

from matching.pool_features import compute_profile_features
from pathways.core.settings import Settings


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="record_id",
               incremental_strategy="delete+insert", on_schema_change="fail")
    model_path = Settings.from_env().project_root / dbt.config.get("match_model")
    profiles = dbt.ref("int_profiles_deduplicated")
    educations = dbt.ref("int_profile_educations_resolved")
    if dbt.is_incremental:
        since = session.sql(f"select max(_ingested_at) from {dbt.this}").fetchall()[0][0]
        if since is not None:
            # An education row carries its profile version's _ingested_at.
            profiles = profiles.filter(f"_ingested_at > '{since}'")
            educations = educations.filter(f"_ingested_at > '{since}'")
    return compute_profile_features(
        profiles.project("profile_id, first_name, middle_name, last_name, email, city, "
                         "state, _ingested_at").to_arrow_table(),
        educations.project("profile_id, institution_id, end_year, field_of_study"
                           ).to_arrow_table(),
        model_path)
