"""Explaining the model: what blocking costs, and why a pair scored as it did (for one
alumnus's candidates, see matching.candidates)."""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa
from splink.backends.duckdb import DuckDBAPI
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from matching.features import alumni_features, profile_features
from matching.inputs import read_inputs
from matching.settings import blocking_rules
from pathways.core.db import connect_scratch


def blocking_costs(alumni: pa.Table, profiles: pa.Table, educations: pa.Table,
                   record_sample_proportion: float = 1.0) -> list[dict]:
    """Comparisons each prediction blocking rule adds (marginal) and the running total.

    With ``record_sample_proportion`` below 1 Splink estimates from a sample of records.
    """
    logging.getLogger("splink").setLevel(logging.WARNING)
    con = connect_scratch()
    alumni_features(con, alumni, "alumni_features")
    profile_features(con, profiles, educations, "profile_features")
    db_api = DuckDBAPI(connection=con)
    frames = [db_api.register("alumni_features", dataset_display_name="alumni"),
              db_api.register("profile_features", dataset_display_name="profiles")]
    records = count_comparisons_from_blocking_rules(
        frames, blocking_rules=blocking_rules(), link_type="link_only",
        record_sample_proportion=record_sample_proportion)
    return [dict(r) for r in records]


def blocking_costs_in_build(build_db: Path, record_sample_proportion: float = 1.0
                            ) -> tuple[list[dict], int, int]:
    """``blocking_costs`` of the build area's alumni and profiles, with how many of each."""
    inputs = read_inputs(build_db)
    records = blocking_costs(inputs.alumni, inputs.profiles, inputs.educations,
                             record_sample_proportion)
    return records, inputs.alumni.num_rows, inputs.profiles.num_rows


def level_labels(model: dict) -> dict[str, dict[int, str]]:
    """comparison -> {comparison vector value: level label} (Splink numbers non-null levels
    from the most specific, n-1, down to 0; the null level is -1)."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        labels[comparison["output_column_name"]] = {
            len(levels) - 1 - i: lv.get("label_for_charts") or lv["sql_condition"]
            for i, lv in enumerate(levels)
        }
    return labels


def explanation_sql(model: dict, available_columns: set[str]) -> str:
    """A SQL expression giving, for a scored pair, each comparison's level and weight:
    "first_name: Exact match on first_name (+6.5); school: same school, same year (+8.6); ..."
    Needs the predictions' gamma_* and mw_* columns (retain_intermediate_calculation_columns).
    """
    parts = []
    for name, labels in level_labels(model).items():
        weight = f"mw_{name}"
        if f"mw_tf_adj_{name}" in available_columns:
            weight = f"(mw_{name} + coalesce(mw_tf_adj_{name}, 0))"
        cases = " ".join(
            f"when {value} then '{name}: {label.replace(chr(39), chr(39) * 2)} ('"
            f" || printf('%+.1f', {weight}) || ')'"
            for value, label in labels.items()
        )
        parts.append(f"case gamma_{name} {cases} end")
    return "concat_ws('; ', " + ", ".join(parts) + ")"

