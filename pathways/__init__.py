"""Pathways: an alumni-outcomes warehouse (dlt -> DuckDB -> dbt -> Splink -> marts)."""

__version__ = "0.1.0"
