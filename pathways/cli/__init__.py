"""The `pathways` command line: one Typer app assembled from small modules.

Each command parses its options, calls one library function and prints what it returned.
The root callback reads the settings once per run; the institution option is validated in
one place (pathways.cli._shared). Errors meant for people (pathways.core.errors) end the
run with their one-line message and exit status 1, never a traceback.
"""

from __future__ import annotations

import sys

import typer

from pathways.cli import classify, delivery, match, reports, setup, warehouse
from pathways.cli._shared import Runtime, console
from pathways.core.errors import PathwaysError

app = typer.Typer(
    help="Pathways: alumni outcomes warehouse (dlt -> DuckDB -> dbt -> Splink -> marts).",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def _load_settings(ctx: typer.Context) -> None:
    """Read PATHWAYS_* settings once for the whole run."""
    try:
        ctx.obj = Runtime()
    except PathwaysError as error:
        console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from error


for module in (setup, warehouse, delivery):
    module.register(app)
app.add_typer(reports.app, name="report")
app.add_typer(match.app, name="match")
app.add_typer(delivery.keys_app, name="keys")
app.add_typer(classify.app, name="classify")


def main() -> None:
    """The console script: the app, with PathwaysError reported as one line."""
    try:
        app()
    except PathwaysError as error:
        console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        sys.exit(1)
