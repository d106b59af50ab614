"""Term frequencies frozen with the model.

Splink adjusts exact-match weights for how common a value is (a shared "Smith" says less
than a shared "Zbigniewski"). Computed on each refresh's data, those frequencies move a
little whenever names are added, so every earlier pair's score would drift and an
incremental refresh could never equal a full one. Pathways computes them once, on the
training data, and ships them with the model (``pathways_match_v1.tf.parquet``): a pair
scores the same whatever else is in the warehouse. A value the reference never saw counts
as the rarest value it did see.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


def tf_columns(settings: dict) -> list[str]:
    """Columns whose comparisons use term-frequency adjustments."""
    columns = []
    for comparison in settings.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            column = level.get("tf_adjustment_column")
            if column and column not in columns:
                columns.append(column)
    return columns


def reference_path(model_path: Path) -> Path:
    """pathways_match_v1.json -> pathways_match_v1.tf.parquet."""
    return model_path.with_name(model_path.stem + ".tf.parquet")


def compute_reference(con: duckdb.DuckDBPyConnection, tables: list[str],
                      columns: list[str]) -> pa.Table:
    """column_name, value, tf for each of ``columns`` over the rows of ``tables`` (as
    Splink computes them: a value's share of the non-null values)."""
    parts = []
    for column in columns:
        rows = " union all ".join(f"select {column} as value from {table}" for table in tables)
        parts.append(f"""
            select '{column}' as column_name, value,
                count(*) / sum(count(*)) over () as tf
            from ({rows}) where value is not null group by value
        """)
    return con.sql(" union all ".join(parts) + " order by column_name, value").to_arrow_table()


def write_reference(reference: pa.Table, path: Path) -> None:
    pq.write_table(reference, path, compression="zstd")


REFERENCE_VIEW = "_tf_reference"


def register_reference(con: duckdb.DuckDBPyConnection, reference_file: Path) -> None:
    """Make the reference readable in ``con`` (as REFERENCE_VIEW) for tf_columns_sql."""
    con.register(REFERENCE_VIEW, pq.read_table(reference_file))


def tf_columns_sql(table_alias: str, columns: list[str]) -> tuple[list[str], list[str]]:
    """Select expressions ``tf_<column>`` and the left joins that feed them, for rows of
    ``table_alias``: Splink uses such columns instead of computing frequencies. A value
    the reference never saw gets the column's smallest frequency; a null stays null."""
    selects, joins = [], []
    for index, column in enumerate(columns):
        alias = f"_tf{index}"
        joins.append(f"left join (select value, tf from {REFERENCE_VIEW} where column_name = "
                     f"'{column}') as {alias} on {table_alias}.{column} = {alias}.value")
        selects.append(
            f"case when {table_alias}.{column} is null then null else coalesce({alias}.tf, "
            f"(select min(tf) from {REFERENCE_VIEW} where column_name = '{column}')) "
            f"end as tf_{column}")
    return selects, joins
