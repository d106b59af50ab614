"""`target` for sqlfluff's jinja templater: it lints the DuckDB build's SQL."""

type = "duckdb"
name = "dev"
schema = "main"
