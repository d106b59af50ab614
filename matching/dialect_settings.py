"""A trained model's settings for another SQL engine (DuckDB or Spark).

The committed model (``matching/models/pathways_match_v1.json``) is what Splink saved after
training on DuckDB: its comparison and blocking SQL is DuckDB's (double-quoted identifiers,
``list_intersect``, ``array_length``), which Spark reads as string literals or does not
know. What training learned is dialect-free: each level's m and u probabilities, the prior
and the term-frequency settings. ``settings_for_dialect`` generates the SQL for a dialect
from ``matching.settings`` and copies those parameters in, level by level, so one committed
model serves both engines and a pair scores the same on each.
"""

from __future__ import annotations

from typing import Any

from matching import settings as model_settings
from pathways.core.errors import PathwaysError

DIALECTS = ("duckdb", "spark")

# What a trained level carries besides its SQL.
_LEVEL_PARAMETERS = ("m_probability", "u_probability", "tf_adjustment_column",
                     "tf_adjustment_weight", "tf_minimum_u_value", "fix_m_probability",
                     "fix_u_probability")

# Model options that are not SQL (kept as trained).
_MODEL_OPTIONS = ("link_type", "unique_id_column_name", "source_dataset_column_name",
                  "retain_matching_columns", "retain_intermediate_calculation_columns",
                  "additional_columns_to_retain", "em_convergence", "max_iterations",
                  "match_weight_column_prefix", "term_frequency_adjustment_column_prefix",
                  "comparison_vector_value_column_prefix", "linker_uid")


def _label(level: dict) -> str:
    return level.get("label_for_charts") or level.get("sql_condition", "")


def settings_for_dialect(model: dict, dialect: str) -> dict[str, Any]:
    """Splink settings for ``dialect`` ("duckdb" or "spark"): the comparisons and blocking
    rules of ``matching.settings`` written for that engine, with ``model``'s trained m/u
    probabilities, prior, term-frequency settings and options copied in.

    Levels are matched by comparison name and position and must carry the same labels
    (a model trained with other settings, e.g. without the swap levels, cannot be
    translated and is refused with a PathwaysError naming the level)."""
    if dialect not in DIALECTS:
        raise PathwaysError(f"unknown SQL dialect {dialect!r} (expected one of "
                            f"{', '.join(DIALECTS)})")
    prior = model["probability_two_random_records_match"]
    generated = model_settings.settings(prior).create_settings_dict(dialect)
    trained = {c["output_column_name"]: c for c in model["comparisons"]}
    comparisons = []
    for comparison in generated["comparisons"]:
        name = comparison["output_column_name"]
        if name not in trained:
            raise PathwaysError(f"the model has no comparison {name!r}; retrain it "
                                "(make train-model)")
        levels = comparison["comparison_levels"]
        trained_levels = trained[name]["comparison_levels"]
        if len(levels) != len(trained_levels):
            raise PathwaysError(
                f"comparison {name!r}: the model has {len(trained_levels)} levels, "
                f"matching/settings.py {len(levels)}; retrain it (make train-model)")
        for index, (level, learned) in enumerate(zip(levels, trained_levels, strict=True)):
            if _label(level) != _label(learned) and not level.get("is_null_level"):
                raise PathwaysError(
                    f"comparison {name!r} level {index}: the model has "
                    f"{_label(learned)!r}, matching/settings.py {_label(level)!r}; "
                    "retrain it (make train-model)")
            for key in _LEVEL_PARAMETERS:
                if key in learned:
                    level[key] = learned[key]
                else:
                    level.pop(key, None)
        comparisons.append(comparison)
    result = dict(generated, comparisons=comparisons, sql_dialect=dialect,
                  probability_two_random_records_match=prior)
    for option in _MODEL_OPTIONS:
        if option in model:
            result[option] = model[option]
    return result
