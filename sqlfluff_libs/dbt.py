"""`dbt` for sqlfluff's jinja templater: the cross-database macros the models call.

sqlfluff lints the DuckDB SQL without dbt, so each renders as dbt-duckdb renders it.
"""


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    """dbt.datediff: whole ``datepart`` boundaries from ``first_date`` to ``second_date``."""
    return f"date_diff('{datepart}', {first_date}, {second_date})"
