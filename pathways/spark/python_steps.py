"""The project's dbt Python models, run between two dbt commands of a Spark build.

dbt Python models do not run on dbt-spark's ``session`` method (only on Databricks
clusters). Each one is a ``model(dbt, session)`` function written against dbt-duckdb: its
inputs are DuckDB relations, its result a pyarrow table. Here the same function runs with
a stand-in for dbt's context: ``dbt.ref`` reads the Spark table dbt built (as Arrow, into a
scratch DuckDB connection that is also the ``session``), ``dbt.config.get`` answers from
the model's configuration in dbt's manifest, and the build is never incremental (every
incremental model is rebuilt whole on Spark, see ``incremental_unless_spark``). The result
is written back as the Spark table the model's ``ref()`` names, so the SQL models and
tests downstream read it as they read any model. One code path serves both engines: the
model files are not copied or rewritten.

What crosses to the driver here: each Python model's inputs and output as Arrow. These
steps are the single-machine part of a Spark build (docs/scaling.md); the linkage step
scores its pairs on Spark with Splink's SparkAPI (``scoring_engine`` below).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from pathways.core.db import connect_scratch
from pathways.core.errors import PathwaysError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Configuration a Python model reads only on Spark: which engine scores the linkage pairs.
SPARK_CONFIG = {"scoring_engine": "spark"}


@dataclass(frozen=True)
class PythonModel:
    """One Python model of dbt's manifest: its name, file, Spark relation and inputs."""

    unique_id: str
    name: str
    path: Path
    relation: str
    config: Mapping[str, Any]
    depends_on: tuple[str, ...]


def python_models(manifest: Mapping[str, Any], project_root: Path) -> dict[str, PythonModel]:
    """The enabled Python models of a parsed manifest (``manifest.json`` as a dict)."""
    found = {}
    for unique_id, node in manifest["nodes"].items():
        if node.get("language") != "python" or node["resource_type"] != "model":
            continue
        found[unique_id] = PythonModel(
            unique_id, node["name"], project_root / node["original_file_path"],
            node["relation_name"], dict(node["config"]),
            tuple(node["depends_on"]["nodes"]))
    return found


class _Config:
    """``dbt.config``: a no-op when called (the manifest holds the configuration), ``get``
    answers from the manifest, with the Spark build's own keys on top."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._values = {**values, **SPARK_CONFIG}

    def __call__(self, **_: Any) -> None:
        return None

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)


class _Context:
    """The ``dbt`` argument of ``model(dbt, session)`` on Spark."""

    is_incremental = False

    def __init__(self, model: PythonModel, relations: Mapping[str, str],
                 spark: SparkSession, con: duckdb.DuckDBPyConnection) -> None:
        self.config = _Config(model.config)
        self.this = model.relation
        self._inputs = {unique_id.rpartition(".")[2] for unique_id in model.depends_on}
        self._model, self._relations, self._spark, self._con = model, relations, spark, con

    def ref(self, name: str) -> duckdb.DuckDBPyRelation:
        if name not in self._inputs or name not in self._relations:
            raise PathwaysError(f"{self._model.path}: refers to {name!r}, which the "
                                "manifest does not list among its inputs")
        return self._con.from_arrow(self._spark.table(self._relations[name]).toArrow())


def _load(model: PythonModel) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"pathways_spark_step_{model.name}",
                                                  model.path)
    if spec is None or spec.loader is None:
        raise PathwaysError(f"{model.path}: cannot be loaded as a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _arrow(result: Any, model: PythonModel) -> pa.Table:
    if isinstance(result, pa.Table):
        return result
    if hasattr(result, "to_arrow_table"):  # a DuckDB relation
        return result.to_arrow_table()
    raise PathwaysError(f"{model.path}: model() returned {type(result).__name__}; the "
                        "Spark build takes a pyarrow table or a DuckDB relation")


def run_python_model(spark: SparkSession, model: PythonModel,
                     relations: Mapping[str, str]) -> int:
    """Run ``model`` on the Spark tables named by ``relations`` (model name -> relation)
    and write its result to its own relation, replacing it; the number of rows written."""
    con = connect_scratch()
    try:
        result = _arrow(_load(model).model(_Context(model, relations, spark, con), con),
                        model)
    finally:
        con.close()
    schema, _, table = model.relation.rpartition(".")
    spark.sql(f"create schema if not exists {schema}")
    frame = spark.createDataFrame(result)
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.{table}")
    return result.num_rows

