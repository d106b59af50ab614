"""Scoring alumni against profiles on Apache Spark (Splink's SparkAPI), with exactly the
contract of ``matching.predict.score_pairs``.

The committed model's trained parameters are translated to Spark SQL
(matching.dialect_settings); the features, the pool-scaled prior and the frozen term
frequencies are those ``score_pairs`` uses, so a pair scores the same on both engines.

What runs where:

* **Features** are built by ``matching.features`` in a scratch DuckDB on the Arrow inputs
  (name folding and transliteration run in Python per distinct name) and handed to Spark as
  Arrow: this step stays single-machine. It is linear in the inputs (about a second per
  100k profiles on DuckDB, see docs/scaling_linkage.md), unlike blocking and comparing.
* **Blocking, comparisons and scoring** (Splink's predict) run on Spark, as does keeping
  each pair's best education row.
* **Incremental scoring** (changed alumni and profiles) uses Splink's ``predict_between``
  on Spark, with the same halves as ``score_pairs``: changed alumni against every profile,
  the other alumni against the changed profiles.
* **The explanation text** is formatted in DuckDB on the kept pairs (a few per alumnus),
  with the same SQL as ``score_pairs``, so it is the same string on both engines.

The Spark session is the caller's (local or a cluster). It must carry Splink's similarity
jar (``spark.jars`` = ``splink_spark_jar()``), which provides ``jaro_winkler``.
"""

from __future__ import annotations

import logging
import math
import uuid
from pathlib import Path

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from splink import Linker
from splink.backends.spark import SparkAPI, similarity_jar_location

from matching.dialect_settings import settings_for_dialect
from matching.explain import explanation_sql
from matching.predict import CANDIDATE_THRESHOLD, ScoredPairs, prepare_scoring
from matching.term_frequencies import tf_columns
from pathways.core.db import connect_scratch
from pathways.core.errors import PathwaysError

logging.getLogger("splink").setLevel(logging.WARNING)

# Splink's prediction columns the explanation and the pair table read.
_KEPT = ("match_probability", "match_weight")


def splink_spark_jar() -> str:
    """The path of Splink's similarity jar (shipped in the splink wheel, no download):
    set it as ``spark.jars`` when building the session."""
    return similarity_jar_location()


def _check_similarity_functions(spark: SparkSession) -> None:
    try:
        spark.sql("select jaro_winkler('martha', 'marhta') as s").collect()
    except Exception as error:  # pyspark raises AnalysisException subclasses
        raise PathwaysError(
            "the Spark session has no jaro_winkler function: start it with "
            f"spark.jars={splink_spark_jar()} (Splink's similarity jar)") from error


def _oriented_sql(predictions: str, columns: list[str]) -> str:
    """Spark SQL: predictions with the alumni side on the left, whatever Splink's ordering
    (alumni datasets are named alumni...), with the gamma_/mw_ columns the explanation
    reads."""
    alumni_left = "startswith(source_dataset_l, 'alumni')"
    return f"""
        select
            case when {alumni_left} then record_id_l else record_id_r end as alumni_id,
            case when {alumni_left} then record_id_r else record_id_l end as profile_id,
            case when {alumni_left} then institution_id_l else institution_id_r end
                as institution_id,
            {", ".join(columns)}
        from {predictions}
    """


def _best_rows_sql(parts: list[str]) -> str:
    """Spark SQL: one row per pair of the union of ``parts`` (oriented predictions), the
    best of a profile's education rows."""
    return f"""
        select * except (_rank) from (
            select
                *,
                row_number() over (
                    partition by alumni_id, profile_id
                    order by match_weight desc, match_probability desc
                ) as _rank
            from ({" union all ".join(parts)})
        )
        where _rank = 1
    """


_EMPTY_IDS = pa.table({"record_id": pa.array([], pa.string())})


def score_pairs_spark(spark: SparkSession, alumni: pa.Table, profiles: pa.Table,
                      educations: pa.Table, model: str | Path | dict, *,
                      changed_alumni: pa.Table | None = None,
                      changed_profiles: pa.Table | None = None,
                      previous_prior: float | None = None,
                      candidate_threshold: float = CANDIDATE_THRESHOLD,
                      profile_rows: pa.Table | None = None,
                      pool_rows: int | None = None) -> ScoredPairs:
    """Candidate pairs (alumni_id, profile_id, institution_id, match_probability,
    match_weight, explanation), one row per pair (the best of a profile's education rows),
    at or above ``candidate_threshold``: what ``matching.predict.score_pairs`` returns for
    the same arguments, scored on ``spark``.

    ``model`` is the committed model JSON (its trained parameters are translated to Spark
    SQL; its frozen term frequencies and metadata set the frequencies and the prior).
    With ``changed_alumni`` / ``changed_profiles`` (one-column tables of record ids) only
    pairs touching a changed record are scored, with Splink's ``predict_between`` as in
    ``score_pairs``; a prior that differs from ``previous_prior`` scores every pair.
    ``profile_rows`` / ``pool_rows``: profile features computed before, as for
    ``score_pairs`` (the build's int_profile_features)."""
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")
    _check_similarity_functions(spark)
    con = connect_scratch()
    tag = uuid.uuid4().hex[:12]
    views: list[str] = []
    try:
        settings, frozen = prepare_scoring(con, alumni, profiles, educations, model,
                                           profile_rows=profile_rows, pool_rows=pool_rows)
        prior = settings.get("probability_two_random_records_match")
        incremental = changed_alumni is not None or changed_profiles is not None
        if incremental and previous_prior is not None and prior is not None \
                and not math.isclose(prior, previous_prior, rel_tol=1e-12):
            incremental = False
        spark_settings = settings_for_dialect(settings, "spark")
        spark_settings["retain_intermediate_calculation_columns"] = True

        def to_spark(sql: str, name: str):
            views.append(f"__pathways_{name}_{tag}")
            frame = spark.createDataFrame(con.sql(sql).to_arrow_table())
            return db_api.register(frame, dataset_display_name=name, table_name=views[-1])

        # Splink joins its own frequency tables onto the inputs even when they carry
        # tf_ columns (DuckDB keeps the first of the two same-named columns, Spark
        # refuses the ambiguity): hand it the frozen frequencies as lookups instead, as
        # score_pairs does for predict_between.
        drop = f" exclude ({', '.join(f'tf_{c}' for c in frozen)})" if frozen else ""
        frames = [to_spark(f"select *{drop} from alumni_features", "alumni"),
                  to_spark(f"select *{drop} from profile_features", "profiles")]
        linker = Linker(frames, spark_settings, log_level=logging.WARNING)
        for column in frozen:
            lookup = to_spark(f"""
                select distinct {column}, tf_{column} from (
                    select {column}, tf_{column} from alumni_features
                    union all select {column}, tf_{column} from profile_features
                ) where {column} is not null
            """, f"tf_{column}")
            linker.table_management.register_term_frequency_lookup(lookup, column)
        if not incremental:
            predicted = [linker.inference.predict(
                threshold_match_probability=candidate_threshold)]
        else:
            for column in tf_columns(settings):
                if column not in frozen:  # a model without frozen frequencies
                    linker.table_management.compute_tf_table(column)
            con.register("_changed_alumni", changed_alumni if changed_alumni is not None
                         else _EMPTY_IDS)
            con.register("_changed_profiles", changed_profiles
                         if changed_profiles is not None else _EMPTY_IDS)
            changed_a = "record_id in (select record_id from _changed_alumni)"
            changed_p = "record_id in (select record_id from _changed_profiles)"
            sides = {
                "alumni_changed": f"select *{drop} from alumni_features where {changed_a}",
                "alumni_unchanged":
                    f"select *{drop} from alumni_features where not ({changed_a})",
                "profiles_all": f"select *{drop} from profile_features",
                "profiles_changed":
                    f"select *{drop} from profile_features where {changed_p}",
            }
            predicted = []
            for left, right in (("alumni_changed", "profiles_all"),
                                ("alumni_unchanged", "profiles_changed")):
                if 0 in (con.sql(f"select count(*) from ({sides[left]})").fetchall()[0][0],
                         con.sql(f"select count(*) from ({sides[right]})").fetchall()[0][0]):
                    continue
                predicted.append(linker.inference.predict_between(
                    to_spark(sides[left], left), to_spark(sides[right], right),
                    threshold_match_probability=candidate_threshold))
        parts = []
        for index, frame in enumerate(predicted):
            spark_frame: DataFrame = frame.as_spark_dataframe()
            wanted = [c for c in spark_frame.columns
                      if c.startswith(("gamma_", "mw_")) or c in _KEPT]
            views.append(f"__pathways_predictions{index}_{tag}")
            spark_frame.createOrReplaceTempView(views[-1])
            parts.append(_oriented_sql(views[-1], wanted))
        best = spark.sql(_best_rows_sql(parts)).toArrow() if parts else None
        for frame in predicted:
            frame.drop_table_from_database_and_remove_from_cache()
        explanation = explanation_sql(settings, set(best.column_names) if best else set())
        if best is None:
            source = ("select null::varchar as alumni_id, null::varchar as profile_id, "
                      "null::varchar as institution_id, null::double as match_probability, "
                      "null::double as match_weight, null::varchar as explanation "
                      "where false")
            explanation = "explanation"
        else:
            con.register("_spark_best", best)
            source = "select * from _spark_best"
        pairs = con.sql(f"""
            select
                cast(alumni_id as varchar) as alumni_id,
                cast(profile_id as varchar) as profile_id,
                cast(institution_id as varchar) as institution_id,
                cast(match_probability as double) as match_probability,
                cast(match_weight as double) as match_weight,
                cast({explanation} as varchar) as explanation
            from ({source})
        """).to_arrow_table()
    finally:
        for view in views:
            spark.catalog.dropTempView(view)
        con.close()
    return ScoredPairs(pairs, prior, incremental)
