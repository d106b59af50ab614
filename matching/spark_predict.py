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
* **The explanation text** is formatted in DuckDB on the kept pairs (a few per alumnus),
  with the same SQL as ``score_pairs``, so it is the same string on both engines.

The Spark session is the caller's (local or a cluster). It must carry Splink's similarity
jar (``spark.jars`` = ``splink_spark_jar()``), which provides ``jaro_winkler``.
"""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from splink import Linker
from splink.backends.spark import SparkAPI, similarity_jar_location

from matching.dialect_settings import settings_for_dialect
from matching.explain import explanation_sql
from matching.predict import CANDIDATE_THRESHOLD, ScoredPairs, prepare_scoring
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


def _best_rows_sql(predictions: str, columns: list[str]) -> str:
    """Spark SQL: predictions oriented alumni-left, one row per pair (the best of a
    profile's education rows), with the gamma_/mw_ columns the explanation reads."""
    alumni_left = "startswith(source_dataset_l, 'alumni')"
    extra = ", ".join(columns)
    return f"""
        select * except (_rank) from (
            select
                *,
                row_number() over (
                    partition by alumni_id, profile_id
                    order by match_weight desc, match_probability desc
                ) as _rank
            from (
                select
                    case when {alumni_left} then record_id_l else record_id_r end
                        as alumni_id,
                    case when {alumni_left} then record_id_r else record_id_l end
                        as profile_id,
                    case when {alumni_left} then institution_id_l else institution_id_r end
                        as institution_id,
                    {extra}
                from {predictions}
            )
        )
        where _rank = 1
    """


def score_pairs_spark(spark: SparkSession, alumni: pa.Table, profiles: pa.Table,
                      educations: pa.Table, model: str | Path | dict, *,
                      candidate_threshold: float = CANDIDATE_THRESHOLD) -> ScoredPairs:
    """Candidate pairs (alumni_id, profile_id, institution_id, match_probability,
    match_weight, explanation), one row per pair (the best of a profile's education rows),
    at or above ``candidate_threshold``: what ``matching.predict.score_pairs`` returns for
    the same inputs (every alumnus against every profile), scored on ``spark``.

    ``model`` is the committed model JSON (its trained parameters are translated to Spark
    SQL; its frozen term frequencies and metadata set the frequencies and the prior)."""
    db_api = SparkAPI(spark_session=spark, break_lineage_method="persist")
    _check_similarity_functions(spark)
    con = connect_scratch()
    try:
        settings, frozen = prepare_scoring(con, alumni, profiles, educations, model)
        prior = settings.get("probability_two_random_records_match")
        spark_settings = settings_for_dialect(settings, "spark")
        spark_settings["retain_intermediate_calculation_columns"] = True
        tag = uuid.uuid4().hex[:12]
        views = []

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
        predictions = linker.inference.predict(threshold_match_probability=candidate_threshold)
        spark_frame: DataFrame = predictions.as_spark_dataframe()
        wanted = [c for c in spark_frame.columns
                  if c.startswith(("gamma_", "mw_")) or c in _KEPT]
        spark_frame.createOrReplaceTempView(f"__pathways_predictions_{tag}")
        best = spark.sql(_best_rows_sql(f"__pathways_predictions_{tag}", wanted)).toArrow()
        for view in (f"__pathways_predictions_{tag}", *views):
            spark.catalog.dropTempView(view)
        predictions.drop_table_from_database_and_remove_from_cache()
        con.register("_spark_best", best)
        explanation = explanation_sql(settings, set(best.column_names))
        pairs = con.sql(f"""
            select
                cast(alumni_id as varchar) as alumni_id,
                cast(profile_id as varchar) as profile_id,
                cast(institution_id as varchar) as institution_id,
                cast(match_probability as double) as match_probability,
                cast(match_weight as double) as match_weight,
                cast({explanation} as varchar) as explanation
            from _spark_best
        """).to_arrow_table()
    finally:
        con.close()
    return ScoredPairs(pairs, prior, False)
