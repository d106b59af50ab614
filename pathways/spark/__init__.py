"""The Spark engine: what a build on Apache Spark needs beyond the dbt project itself.

Ingest stays as it is (dlt into the build area's DuckDB: ledger, quarantine and refusals
unchanged); ``pathways.spark.lake`` then lands the raw and ops tables as Parquet, which the
dbt project's ``spark`` target registers as Spark tables its sources resolve to.
"""
