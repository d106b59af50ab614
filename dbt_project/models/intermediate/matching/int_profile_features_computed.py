"""Linkage features of the current profile versions, kept between refreshes.

One row per profile and education entry at a customer institution (or one row with an
empty institution for a profile listing none), as matching.features builds them, with the
term frequencies frozen with the model (`tf_` columns). Incremental by profile: a refresh
computes features only for profiles with a version newer than the model has seen and
replaces all their rows (delete+insert on record_id), so scoring a small delivery does not
recompute a million profiles' features. A profile's features depend only on its own
version and education entries, so the incremental table equals a full build. The SQL runs
in dbt's own DuckDB session (no Splink here, and no rows through Python).
"""

from matching.features import profile_features_sql, register_nicknames
from matching.term_frequencies import frozen_tf_columns
from pathways.paths import project_root

PROFILE_COLUMNS = "profile_id, first_name, middle_name, last_name, email, city, state, _ingested_at"
EDUCATION_COLUMNS = "profile_id, institution_id, end_year, field_of_study"


def model(dbt, session):
    dbt.config(materialized="incremental", unique_key="record_id",
               incremental_strategy="delete+insert", on_schema_change="fail")
    model_path = project_root() / dbt.config.get("match_model")
    profiles = dbt.ref("int_profiles_deduplicated")
    educations = dbt.ref("int_profile_educations_resolved")
    if dbt.is_incremental:
        (since,) = session.sql(f"select max(_ingested_at) from {dbt.this}").fetchall()[0]
        if since is not None:
            # Educations carry their profile version's _ingested_at (the same watermark).
            profiles = profiles.filter(f"_ingested_at > '{since}'")
            educations = educations.filter(f"_ingested_at > '{since}'")
    profiles.project(PROFILE_COLUMNS).create_view("_pathways_profiles_in", replace=True)
    educations.project(EDUCATION_COLUMNS).create_view("_pathways_educations_in", replace=True)
    register_nicknames(session)
    features = profile_features_sql("_pathways_profiles_in", "_pathways_educations_in",
                                    frozen_tf_columns(session, model_path))
    return session.sql(f"""
        select features.*, profiles._ingested_at
        from ({features}) as features
        inner join _pathways_profiles_in as profiles
            on features.record_id = profiles.profile_id
    """)
