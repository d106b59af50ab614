"""Splink linkage of each institution's alumni to the profile pool (predict only).

Uses the committed, trained model (var `match_model`), its own in-memory DuckDB connection
(data passed as Arrow), reviewers' decisions applied over the model, and one-to-one
resolution per institution. One row per alumnus and candidate rank: rank 1 is the accepted
pair, rank 2 the runner-up kept for review.
"""

from matching.predict import score
from pathways.paths import project_root


def model(dbt, session):
    dbt.config(materialized="table")
    model_path = project_root() / dbt.config.get("match_model")
    alumni = dbt.ref("int_alumni_deduplicated").project(
        "alumni_record_id as record_id, institution_id, first_name, middle_name, last_name, "
        "former_last_name, email, city, state, postal_code, graduation_year, program_name"
    ).to_arrow_table()
    profiles = dbt.ref("int_profiles_deduplicated").project(
        "profile_id, first_name, middle_name, last_name, email, city, state"
    ).to_arrow_table()
    educations = dbt.ref("int_profile_educations_resolved").project(
        "profile_id, institution_id, end_year, field_of_study"
    ).to_arrow_table()
    reviews = dbt.ref("stg_ops__match_reviews").project(
        "alumni_id, profile_id, decision, reviewer, decided_at"
    ).to_arrow_table()
    return score(alumni, profiles, educations, model_path, reviews=reviews)
