"""Commands about the configuration and demo data: `institutions`, `generate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pathways.cli._shared import fail, out, progress, runtime


def institutions(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (id, name, unitid).")] = False,
) -> None:
    """List the institutions configured in config/institutions.yml."""
    config = runtime(ctx).config
    if as_json:
        out.print_json(json.dumps([{"id": i.id, "name": i.name, "unitid": i.unitid}
                                   for i in config.institutions]))
        return
    table = Table("id", "name", "unitid", "roster format")
    for i in config.institutions:
        fmt = i.roster.format + (f" ({i.roster.delimiter!r})" if i.roster.delimiter else "")
        table.add_row(i.id, i.name, i.unitid, fmt)
    out.print(table)


def generate(
    ctx: typer.Context,
    out_dir: Annotated[Path, typer.Option("--out", help="Landing folder to write.")],
    n_institutions: Annotated[int, typer.Option(
        "--institutions", min=1, help="Use the first N configured institutions.")] = 4,
    n_alumni: Annotated[int, typer.Option("--alumni", min=1, help="Total alumni.")] = 4000,
    n_profiles: Annotated[int, typer.Option("--profiles", min=1,
                                            help="Total profiles in the pool.")] = 40000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 7,
    batch: Annotated[str | None, typer.Option(
        help="Tag every file name (a later delivery that adds to an earlier landing "
             "folder instead of superseding it).")] = None,
    updates_from: Annotated[Path | None, typer.Option(
        help="An earlier landing folder: add new versions of some of its profiles.")] = None,
    updates: Annotated[int, typer.Option(
        min=0, help="How many profile versions to add with --updates-from.")] = 0,
    only: Annotated[str | None, typer.Option(
        help="Write this institution's files alone (of the first --institutions), all "
             "--alumni its own: a new institution's first delivery.")] = None,
) -> None:
    """Generate realistic demo data: rosters, NSC returns, a profile pool, and ground truth."""
    from pathways.generate import generate as run_generate

    configured = runtime(ctx).config.institutions
    if n_institutions > len(configured):
        raise typer.BadParameter(f"only {len(configured)} institutions are configured",
                                 param_hint="--institutions")
    with progress() as bar:
        tasks: dict[str, int] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(f"generate {step}", total=total)
            bar.update(tasks[step], completed=done)

        try:
            summary = run_generate(out_dir, configured[:n_institutions], n_alumni,
                                   n_profiles, seed, report, batch=batch,
                                   updates_from=updates_from, n_updates=updates,
                                   only=only)
        except ValueError as exc:
            raise fail(f"error: {exc}", 2) from exc
    out.print(f"Wrote {out_dir}: {summary.institutions} institutions, {summary.alumni} alumni "
              f"({summary.alumni_with_profile} with a profile), {summary.profiles} profiles, "
              f"{summary.roster_files} roster files, {summary.nsc_files} NSC files.")


def register(app: typer.Typer) -> None:
    app.command()(institutions)
    app.command()(generate)
