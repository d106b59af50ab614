"""Finding the records of one person table that are the same person.

    from matching import dedupe
    clusters = dedupe(roster, threshold=0.9)
    clusters, model = dedupe(roster, return_model=True)
    clusters = dedupe(next_roster, model=model)

The input conventions are ``link``'s (matching.person_link): a pyarrow Table, pandas
DataFrame or DuckDB relation with a unique ``record_id`` and any of the standard person
columns. The same features, comparisons and cost-chosen blocking rules are used, within the
one table; without ``model`` a model is trained on the fly. Pairs at or above ``threshold``
are joined into clusters by connected components (two records are the same person when a
chain of such pairs joins them).

Returns a pyarrow Table with one row per input record: ``record_id``, ``cluster_id`` (the
smallest record id of its cluster, so a record alone is its own cluster) and
``match_probability`` (the strongest pair that put it in its cluster; null for a record
alone).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow as pa
from splink.backends.duckdb import DuckDBAPI

from matching.person_link import as_arrow, load_or_train, person_features
from pathways.core.db import connect_scratch


def dedupe(table: Any, *, threshold: float = 0.9, model: str | Path | dict | None = None,
           return_model: bool = False) -> pa.Table | tuple[pa.Table, dict]:
    """Cluster the records of ``table`` that are the same person; see the module docstring."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    records = as_arrow(table, "table")
    logging.getLogger("splink").setLevel(logging.WARNING)
    con = connect_scratch()
    person_features(con, records, "features")
    db_api = DuckDBAPI(connection=con)
    frames = [db_api.register("features", dataset_display_name="records")]
    linker, trained = load_or_train(frames, con, "features", None, model)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold)
    result = con.sql(f"""
        with edges as (
            select unique_id_l as record_id, match_probability
            from {predictions.physical_name}
            union all
            select unique_id_r, match_probability from {predictions.physical_name}
        ),
        best as (
            select record_id, max(match_probability) as match_probability
            from edges group by record_id
        )
        select
            c.unique_id as record_id,
            c.cluster_id,
            best.match_probability
        from {clusters.physical_name} as c
        left join best on c.unique_id = best.record_id
        order by c.cluster_id, c.unique_id
    """).to_arrow_table()
    con.close()
    return (result, trained) if return_model else result
