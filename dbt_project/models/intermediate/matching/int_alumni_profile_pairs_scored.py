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

Profile features are read from int_profile_features, kept between refreshes. An
incremental run reads only the feature rows of the changed profiles and of the profiles
some blocking rule pairs with a changed alumnus (matching.pool_features), so its cost
follows the change, not the pool.
"""

import pyarrow as pa
import pyarrow.compute as pc

from matching.features import alumni_features
from matching.incremental import merge_scored_pairs
from matching.pool_features import blocked_profiles_sql, frozen_tf_columns
from matching.predict import prior_for_pool, score_pairs
from matching.term_frequencies import reference_path, register_reference
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
    features_rel = dbt.ref("int_profile_features")
    latest = [rel.aggregate("max(_ingested_at)").fetchall()[0][0]
              for rel in (alumni_rel, features_rel)]
    seen = max((value for value in latest if value is not None), default=None)
    alumni = alumni_rel.project(ALUMNI_COLUMNS).to_arrow_table()
    pool_rows = features_rel.aggregate("count(*)").fetchall()[0][0]

    since = previous_prior = None
    if dbt.is_incremental:
        since, previous_prior = session.sql(
            f"select max(_scored_through), any_value(_prior) from {dbt.this}").fetchall()[0]
    frozen = frozen_tf_columns(model_path)
    con = connect_scratch()
    try:
        if since is None or frozen is None \
                or prior_for_pool(model_path, pool_rows) != previous_prior:
            # A first build, frequencies not frozen with the model, or the pool crossed
            # a step of the prior: every pair is scored, against every kept feature row.
            if dbt.config.get("scoring_engine") == "spark":
                scored = _score_on_spark(alumni, features_rel.to_arrow_table(), model_path)
            else:
                scored = score_pairs(alumni, None, None, model_path, connection=con,
                                     profile_rows=features_rel.to_arrow_table())
            pairs = scored.pairs
        else:
            changed_alumni = alumni_rel.filter(f"_ingested_at > '{since}'").project(
                "alumni_record_id as record_id").to_arrow_table()
            changed_profiles = features_rel.filter(f"_ingested_at > '{since}'").project(
                "record_id").distinct().to_arrow_table()
            previous = session.sql(
                f"select alumni_id, profile_id, institution_id, match_probability, "
                f"match_weight, explanation from {dbt.this}").to_arrow_table()
            register_reference(con, reference_path(model_path))
            alumni_features(con, alumni.filter(pc.is_in(
                alumni["record_id"], value_set=changed_alumni["record_id"])),
                "_changed_alumni", frozen)
            scored = score_pairs(alumni, None, None, model_path, connection=con,
                                 changed_alumni=changed_alumni,
                                 changed_profiles=changed_profiles,
                                 previous_prior=previous_prior, pool_rows=pool_rows,
                                 profile_rows=needed_profile_rows(
                                     session, features_rel, model_path,
                                     con.sql("select * from _changed_alumni").to_arrow_table(),
                                     since))
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


def _score_on_spark(alumni, profile_rows, model_path):
    """Every pair scored with Splink's SparkAPI on the build's SparkSession: a Spark
    build runs this model between two dbt commands (pathways.spark.python_steps sets
    ``scoring_engine``), and the same pairs come out as on DuckDB."""
    from pyspark.sql import SparkSession

    from matching.spark_predict import score_pairs_spark

    spark = SparkSession.getActiveSession()
    return score_pairs_spark(spark, alumni, None, None, model_path, profile_rows=profile_rows)


def needed_profile_rows(session, features_rel, model_path, changed_alumni_features, since):
    """The kept feature rows an incremental run scores: those a blocking rule pairs with a
    changed alumnus, and every row of a changed profile."""
    features_rel.create_view("_kept_profile_features", replace=True)
    session.register("_changed_alumni_features", changed_alumni_features)
    try:
        return session.sql(f"""
            with blocked as (
                {blocked_profiles_sql(model_path, "_changed_alumni_features",
                                      "_kept_profile_features")}
            )
            select * from _kept_profile_features
            where unique_id in (select unique_id from blocked) or _ingested_at > '{since}'
        """).to_arrow_table()
    finally:
        session.unregister("_changed_alumni_features")
        session.execute("drop view if exists _kept_profile_features")
