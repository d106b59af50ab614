"""Scoring alumni against profiles with a trained model, then one-to-one resolution."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import duckdb
import pyarrow as pa
from splink import Linker
from splink.backends.duckdb import DuckDBAPI

from matching.explain import explanation_sql
from matching.features import alumni_features, profile_features
from matching.resolve import resolve_one_to_one
from matching.train import metadata_path

# Pairs below this probability are not even candidates (keeps review queues short).
CANDIDATE_THRESHOLD = 0.2

logging.getLogger("splink").setLevel(logging.WARNING)


def load_model(model: str | Path | dict) -> dict:
    """A saved Splink model as a settings dict."""
    if isinstance(model, dict):
        return model
    return json.loads(Path(model).read_text(encoding="utf-8"))


def prior_for_pool(model: str | Path | dict, profile_rows: int) -> float | None:
    """The prior match probability for a pool of ``profile_rows`` profile rows.

    The chance that a random alumnus-profile pair is a match falls as the pool grows: an
    alumnus has at most one profile however many strangers the pool holds. Training records
    the expected links per profile row in the model's metadata; the prior is that divided
    by the current pool size. None when the model has no metadata (use its own prior).
    """
    if isinstance(model, dict) or profile_rows <= 0:
        return None
    path = metadata_path(Path(model))
    if not path.exists():
        return None
    rate = json.loads(path.read_text(encoding="utf-8")).get("links_per_profile_row")
    return min(rate / profile_rows, 0.5) if rate else None


def linker_for(con: duckdb.DuckDBPyConnection, left: str, right: str,
               model: dict) -> Linker:
    """A Linker over two feature tables already in ``con``."""
    db_api = DuckDBAPI(connection=con)
    left_df = db_api.register(left, dataset_display_name="alumni")
    right_df = db_api.register(right, dataset_display_name="profiles")
    return Linker([left_df, right_df], model, log_level=logging.WARNING)


def oriented_pairs_sql(predictions: str, explanation: str = "null") -> str:
    """Predictions with the alumni side always on the left, whatever Splink's ordering."""
    return f"""
        select
            case when source_dataset_l = 'alumni' then record_id_l else record_id_r end
                as alumni_id,
            case when source_dataset_l = 'alumni' then record_id_r else record_id_l end
                as profile_id,
            case when source_dataset_l = 'alumni' then institution_id_l else institution_id_r end
                as institution_id,
            match_probability,
            match_weight,
            cast({explanation} as varchar) as explanation
        from {predictions}
    """


# A reviewer's "yes" makes a pair certain and a "no" removes it, on every later refresh.
CONFIRMED_WEIGHT = 99.0


def apply_reviews(con: duckdb.DuckDBPyConnection, pairs: str, reviews: pa.Table | None) -> None:
    """Override scored ``pairs`` (a table in ``con``) with reviewers' decisions: drop pairs
    marked "no", and add or raise pairs marked "yes" to certainty."""
    if reviews is None or reviews.num_rows == 0:
        return
    con.register("_reviews", reviews)
    con.execute(f"""
        delete from {pairs}
        using _reviews
        where {pairs}.alumni_id = _reviews.alumni_id
            and {pairs}.profile_id = _reviews.profile_id
    """)
    con.execute(f"""
        insert into {pairs}
        select
            alumni_id, profile_id, split_part(alumni_id, '|', 1), 1.0, {CONFIRMED_WEIGHT},
            'confirmed by reviewer ' || coalesce(reviewer, '')
            || ' on ' || cast(decided_at as varchar)
        from _reviews
        where decision = 'yes'
    """)
    con.unregister("_reviews")


def score(alumni: pa.Table, profiles: pa.Table, educations: pa.Table,
          model: str | Path | dict, *, reviews: pa.Table | None = None,
          connection: duckdb.DuckDBPyConnection | None = None,
          candidate_threshold: float = CANDIDATE_THRESHOLD) -> pa.Table:
    """Score and resolve. ``alumni`` has record_id, institution_id, graduation_year,
    program_name and person columns; ``profiles`` has profile_id and person columns;
    ``educations`` has profile_id, institution_id, end_year, field_of_study.

    ``reviews`` (alumni_id, profile_id, decision 'yes'/'no', reviewer, decided_at) override
    the model. Returns institution_id, alumni_id, profile_id, match_probability,
    match_weight, explanation, candidate_rank (1 = accepted one-to-one pair, 2 = runner-up
    kept for review). Splink runs in its own DuckDB connection (in-memory unless given).
    """
    con = connection or duckdb.connect()
    alumni_features(con, alumni, "alumni_features")
    profile_features(con, profiles, educations, "profile_features")
    settings = dict(load_model(model), retain_intermediate_calculation_columns=True)
    profile_rows = con.execute("select count(*) from profile_features").fetchall()[0][0]
    prior = prior_for_pool(model, profile_rows)
    if prior is not None:
        settings["probability_two_random_records_match"] = prior
    linker = linker_for(con, "alumni_features", "profile_features", settings)
    predictions = linker.inference.predict(threshold_match_probability=candidate_threshold)
    columns = {row[0] for row in con.execute(
        f"describe {predictions.physical_name}").fetchall()}
    explanation = explanation_sql(settings, columns)
    con.execute(f"create or replace temp table _pairs as "
                f"{oriented_pairs_sql(predictions.physical_name, explanation)}")
    apply_reviews(con, "_pairs", reviews)
    resolve_one_to_one(con, "_pairs", "_resolved")
    return con.sql("select * from _resolved order by institution_id, alumni_id, candidate_rank"
                   ).to_arrow_table()
