"""Scoring alumni against profiles with a trained model, then one-to-one resolution."""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from splink import Linker
from splink.backends.duckdb import DuckDBAPI

from matching.explain import explanation_sql
from matching.features import alumni_features, profile_features
from matching.resolve import resolve_one_to_one
from matching.term_frequencies import reference_path, register_reference, tf_columns
from matching.train import metadata_path
from pathways.core.db import connect_scratch

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
    return min(rate / pool_bucket(profile_rows), 0.5) if rate else None


def pool_bucket(profile_rows: int) -> float:
    """The pool size the prior is computed for: ``profile_rows`` rounded to a quarter power
    of two (steps of 19%). A pool that grows by a percent or two keeps its prior, so pairs
    scored in earlier refreshes keep their scores and an incremental refresh equals a full
    one; crossing a step rescores every pair (see score_pairs)."""
    return 2 ** (round(math.log2(profile_rows) * 4) / 4)


def linker_for(con: duckdb.DuckDBPyConnection, left: str, right: str,
               model: dict, db_api: DuckDBAPI | None = None) -> Linker:
    """A Linker over two feature tables already in ``con`` (through ``db_api`` when the
    caller registers more tables with it later)."""
    db_api = db_api or DuckDBAPI(connection=con)
    left_df = db_api.register(left, dataset_display_name="alumni")
    right_df = db_api.register(right, dataset_display_name="profiles")
    return Linker([left_df, right_df], model, log_level=logging.WARNING)


def oriented_pairs_sql(predictions: str, explanation: str = "null") -> str:
    """Predictions with the alumni side always on the left, whatever Splink's ordering
    (alumni datasets are named alumni...)."""
    alumni_left = "starts_with(source_dataset_l, 'alumni')"
    return f"""
        select
            case when {alumni_left} then record_id_l else record_id_r end as alumni_id,
            case when {alumni_left} then record_id_r else record_id_l end as profile_id,
            case when {alumni_left} then institution_id_l else institution_id_r end
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


@dataclass
class ScoredPairs:
    """Candidate pairs, the prior they were scored with, and whether only the changes were
    scored (False: every pair was)."""

    pairs: pa.Table
    prior: float | None
    incremental: bool


def prepare_scoring(con: duckdb.DuckDBPyConnection, alumni: pa.Table,
                    profiles: pa.Table | None, educations: pa.Table | None,
                    model: str | Path | dict, *, profile_rows: pa.Table | None = None,
                    pool_rows: int | None = None) -> tuple[dict, list[str]]:
    """Feature tables ``alumni_features`` and ``profile_features`` in ``con``; the model's
    settings with the prior scaled to the pool; and the columns whose term frequencies are
    frozen with the model (carried as ``tf_<column>`` on the feature tables).
    ``profile_rows``: profile features computed before (matching.pool_features, frozen
    frequencies included) instead of ``profiles`` and ``educations``; ``pool_rows``: the
    size of the whole pool's feature table when ``profile_rows`` are only part of it."""
    settings = dict(load_model(model), retain_intermediate_calculation_columns=True)
    frozen: list[str] = []
    if not isinstance(model, dict) and reference_path(Path(model)).exists():
        register_reference(con, reference_path(Path(model)))
        frozen = tf_columns(settings)
    alumni_features(con, alumni, "alumni_features", frozen)
    if profile_rows is None:
        profile_features(con, profiles, educations, "profile_features", frozen)
    else:
        con.register("_profile_rows", profile_rows)
        keep = ", ".join(name for name in profile_rows.column_names if name != "_ingested_at")
        con.execute(f"create or replace table profile_features as select {keep} "
                    "from _profile_rows")
        con.unregister("_profile_rows")
    if pool_rows is None:
        pool_rows = con.execute("select count(*) from profile_features").fetchall()[0][0]
    prior = prior_for_pool(model, pool_rows)
    if prior is not None:
        settings["probability_two_random_records_match"] = prior
    return settings, frozen


def score_pairs(alumni: pa.Table, profiles: pa.Table | None, educations: pa.Table | None,
                model: str | Path | dict, *,
                changed_alumni: pa.Table | None = None,
                changed_profiles: pa.Table | None = None,
                previous_prior: float | None = None,
                connection: duckdb.DuckDBPyConnection | None = None,
                candidate_threshold: float = CANDIDATE_THRESHOLD,
                profile_rows: pa.Table | None = None,
                pool_rows: int | None = None) -> ScoredPairs:
    """Candidate pairs (alumni_id, profile_id, institution_id, match_probability,
    match_weight, explanation), one row per pair (the best of a profile's education rows),
    at or above ``candidate_threshold``, before reviews and one-to-one resolution.

    Without ``changed_alumni`` / ``changed_profiles`` every alumnus is scored against every
    profile (Splink's ``predict``). With them (one-column tables of alumni record ids and
    profile ids), only pairs touching a changed record are scored, with Splink's
    incremental ``predict_between``: changed alumni against all profiles, then the other
    alumni against the changed profiles. Term frequencies are those frozen with the model
    (or, for a model without them, computed on the full tables and registered first), and
    the prior is scaled to the full pool, so each pair scores exactly as it would in a full
    run. When the prior differs from ``previous_prior`` (the
    pool crossed a step of pool_bucket), every pair is scored instead.

    ``profile_rows`` and ``pool_rows``: see prepare_scoring. In an incremental run they may
    be only the profiles a blocking rule pairs with a changed alumnus plus the changed
    profiles (matching.pool_features): those are all the pairs scored.
    """
    con = connection or connect_scratch()
    settings, frozen = prepare_scoring(con, alumni, profiles, educations, model,
                                       profile_rows=profile_rows, pool_rows=pool_rows)
    prior = settings.get("probability_two_random_records_match")
    incremental = changed_alumni is not None or changed_profiles is not None
    if incremental and previous_prior is not None and prior is not None \
            and not math.isclose(prior, previous_prior, rel_tol=1e-12):
        incremental = False
    db_api = DuckDBAPI(connection=con)
    linker = linker_for(con, "alumni_features", "profile_features", settings, db_api)
    if not incremental:
        frames = [linker.inference.predict(threshold_match_probability=candidate_threshold)]
    else:
        for column in tf_columns(settings):
            if column not in frozen:
                linker.table_management.compute_tf_table(column)
                continue
            # predict_between joins registered lookups (it ignores tf_ columns on its
            # inputs): register the frozen values of every value present.
            con.execute(f"""
                create or replace table _tf_lookup_{column} as
                select distinct {column}, tf_{column} from (
                    select {column}, tf_{column} from alumni_features
                    union all select {column}, tf_{column} from profile_features
                ) where {column} is not null
            """)
            linker.table_management.register_term_frequency_lookup(
                db_api.register(f"_tf_lookup_{column}"), column)
        drop = f" exclude ({', '.join(f'tf_{c}' for c in frozen)})" if frozen else ""
        con.register("_changed_alumni", changed_alumni if changed_alumni is not None
                     else pa.table({"record_id": pa.array([], pa.string())}))
        con.register("_changed_profiles", changed_profiles if changed_profiles is not None
                     else pa.table({"record_id": pa.array([], pa.string())}))
        con.execute(f"""
            create or replace temp table alumni_changed as
            select *{drop} from alumni_features
            where record_id in (select record_id from _changed_alumni);
            create or replace temp table alumni_unchanged as
            select *{drop} from alumni_features
            where record_id not in (select record_id from _changed_alumni);
            create or replace temp view profiles_all as
            select *{drop} from profile_features;
            create or replace temp table profiles_changed as
            select *{drop} from profile_features
            where record_id in (select record_id from _changed_profiles);
        """)
        frames = []
        for left, right in (("alumni_changed", "profiles_all"),
                            ("alumni_unchanged", "profiles_changed")):
            sizes = con.execute(f"select (select count(*) from {left}), "
                                f"(select count(*) from {right})").fetchall()[0]
            if 0 in sizes:
                continue
            frames.append(linker.inference.predict_between(
                db_api.register(left, dataset_display_name=left),
                db_api.register(right, dataset_display_name=right),
                threshold_match_probability=candidate_threshold))
    parts = []
    for frame in frames:
        columns = {row[0] for row in con.execute(
            f"describe {frame.physical_name}").fetchall()}
        parts.append(oriented_pairs_sql(frame.physical_name, explanation_sql(settings, columns)))
    empty = ("select null::varchar as alumni_id, null::varchar as profile_id, "
             "null::varchar as institution_id, null::double as match_probability, "
             "null::double as match_weight, null::varchar as explanation where false")
    # A profile scores once per education entry: keep each pair's best row.
    return ScoredPairs(con.sql(f"""
        select
            alumni_id, profile_id, any_value(institution_id) as institution_id,
            max(match_probability) as match_probability,
            max(match_weight) as match_weight,
            arg_max(explanation, match_weight) as explanation
        from ({" union all ".join(parts) if parts else empty})
        group by alumni_id, profile_id
    """).to_arrow_table(), prior, incremental)


def resolve(alumni_ids: pa.Table | None, pairs: pa.Table, *,
            reviews: pa.Table | None = None,
            connection: duckdb.DuckDBPyConnection | None = None) -> pa.Table:
    """Reviewers' decisions over the model, then one-to-one resolution: institution_id,
    alumni_id, profile_id, match_probability, match_weight, explanation, candidate_rank
    (1 = accepted pair, 2 = runner-up kept for review). Pairs of alumni not in
    ``alumni_ids`` (a one-column table of current record ids; None keeps all) are dropped."""
    con = connection or connect_scratch()
    con.register("_scored", pairs)
    keep = "true"
    if alumni_ids is not None:
        con.register("_current_alumni", alumni_ids)
        keep = "alumni_id in (select record_id from _current_alumni)"
    con.execute("create or replace temp table _pairs as select alumni_id, profile_id, "
                "institution_id, match_probability, match_weight, explanation "
                f"from _scored where profile_id is not null and {keep}")
    apply_reviews(con, "_pairs", reviews)
    resolve_one_to_one(con, "_pairs", "_resolved")
    return con.sql("select * from _resolved order by institution_id, alumni_id, candidate_rank"
                   ).to_arrow_table()

