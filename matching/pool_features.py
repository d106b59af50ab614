"""Profile features kept between refreshes, and the profiles a few alumni can block with.

Scoring a small delivery used to recompute the features of every profile of the pool
(names prepared in Python, the SQL of matching.features) and hand all of them to Splink,
so a refresh's linkage cost grew with the pool, not with the change. The build now keeps
the features of every profile (``int_profile_features``, incremental: only new or changed
profiles are featured), and an incremental scoring run hands Splink only

* the features of the profiles that share a blocking key with a changed alumnus, found by
  running the model's own blocking rules as joins against the kept table
  (``blocked_profiles_sql``); a profile no rule pairs with a changed alumnus could never
  become a pair of one, so the pairs Splink scores are exactly those it would score
  against the whole pool;
* and the features of the changed profiles, for the other alumni.

Term frequencies are frozen with the model (matching.term_frequencies) and carried on the
feature rows, and the prior is computed for the size of the whole kept table, so every pair
scores as in a full run.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from matching.features import profile_features
from matching.predict import load_model
from matching.term_frequencies import reference_path, register_reference, tf_columns
from pathways.core.db import connect_scratch


def frozen_tf_columns(model_path: Path) -> list[str] | None:
    """The model's term-frequency columns when all are frozen with it (carried on the
    feature rows), else None: frequencies computed on the data would depend on every
    profile, and the kept features could not be scored in part."""
    if not reference_path(model_path).exists():
        return None
    return tf_columns(load_model(model_path))


def compute_profile_features(profiles: pa.Table, educations: pa.Table,
                             model_path: Path) -> pa.Table:
    """Feature rows (matching.features.profile_features, with frozen ``tf_`` columns) of
    ``profiles`` (profile_id, names, email, city, state, ``_ingested_at``) and their
    ``educations``, each row carrying its profile's ``_ingested_at``."""
    frozen = frozen_tf_columns(model_path)
    con = connect_scratch()
    try:
        if frozen:
            register_reference(con, reference_path(model_path))
        profile_features(con, profiles.drop_columns(["_ingested_at"]), educations,
                         "_features", frozen or [])
        con.register("_ingested", profiles.select(["profile_id", "_ingested_at"]))
        return con.sql("""
            select f.*, i._ingested_at
            from _features as f
            inner join _ingested as i on f.record_id = i.profile_id
            order by f.unique_id
        """).to_arrow_table()
    finally:
        con.close()


def blocked_profiles_sql(model_path: Path, alumni: str, features: str) -> str:
    """SQL listing the ``unique_id`` of every row of ``features`` that some blocking rule
    of the model pairs with a row of ``alumni`` (both feature tables, Splink's ``l`` and
    ``r``): one hash join per rule, as Splink blocks."""
    rules = [rule["blocking_rule"] if isinstance(rule, dict) else rule
             for rule in load_model(model_path)["blocking_rules_to_generate_predictions"]]
    joins = [f"select r.unique_id from {alumni} as l inner join {features} as r on {rule}"
             for rule in rules]
    return "\nunion\n".join(joins)
