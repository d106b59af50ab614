"""A SparkSession on the same catalog as the dbt project's ``spark`` target.

The Python steps of a Spark build (and the equivalence test) read what dbt built on Spark
and write their results back as Spark tables; they must see the tables dbt's session made.
dbt-spark's ``session`` method opens its SparkSession from profiles.yml's
``server_side_parameters``; this opens one with the same master, warehouse folder and
metastore (from pathways.core.settings), so both name the same tables. The embedded Derby
metastore admits one process at a time: open this session only while no dbt process on
the spark target is running.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pathways.core.build_area import ensure_private_dir
from pathways.core.settings import Settings

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession


def spark_conf(settings: Settings) -> dict[str, str]:
    """The Spark settings profiles.yml gives dbt's session, from ``settings``, and
    Splink's jar, which profiles.yml cannot name (its path is the installed wheel's)."""
    from splink.backends.spark import similarity_jar_location

    metastore = settings.spark_metastore_dir.resolve()
    return {
        "spark.master": settings.spark_master,
        "spark.app.name": "pathways",
        "spark.sql.warehouse.dir": str(settings.spark_warehouse_dir.resolve()),
        "spark.hadoop.javax.jdo.option.ConnectionURL":
            f"jdbc:derby:;databaseName={metastore};create=true",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",  # stage progress bars bury the CLI's output
        "spark.sql.ansi.enabled": "true",
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={metastore.parent}",
        # Splink's similarity functions (jaro_winkler) for the linkage step; the jar ships
        # in the splink wheel, nothing is downloaded.
        "spark.jars": similarity_jar_location(),
    }


def prepare_spark_dirs(settings: Settings) -> None:
    """Create Spark's folders in the restricted build area (owner-only, like the rest):
    Derby writes its log beside the metastore and fails when that folder is missing."""
    for folder in (settings.spark_metastore_dir.parent, settings.spark_warehouse_dir):
        ensure_private_dir(folder)


def spark_session(settings: Settings) -> SparkSession:
    """The SparkSession (started on first use, about 20 s) on the build's catalog."""
    from pyspark.sql import SparkSession

    prepare_spark_dirs(settings)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf(settings).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    # Errors only on the console: dbt-spark's every statement otherwise logs a warning
    # ("Using an existing Spark session") that buries the refresh's own output.
    session.sparkContext.setLogLevel("ERROR")
    return session


def read_table(spark: SparkSession, relation: str) -> pa.Table:
    """A Spark table or view as Arrow (``DataFrame.toArrow``, Spark 4)."""
    return spark.table(relation).toArrow()
