"""`adapter` for sqlfluff's jinja templater (it has dbt's ref, source and config, not this).

The project's portable macros (dbt_project/macros/portable_sql.sql) pick their SQL with
``adapter.dispatch``; sqlfluff lints the DuckDB SQL, so here dispatch finds the macro's
``default__`` implementation among the macros sqlfluff loaded, as dbt does on DuckDB.
"""

from jinja2 import pass_context


@pass_context
def dispatch(context, macro_name, macro_namespace=None):
    """The ``default__`` implementation of ``macro_name``."""
    return context.resolve(f"default__{macro_name}")
