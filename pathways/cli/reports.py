"""`pathways report ...`: files for institutions and the data team."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pathways.cli._shared import InstitutionOption, out, runtime

app = typer.Typer(help="Reports for institutions and the data team.", no_args_is_help=True)


@app.command("errors")
def report_errors(
    ctx: typer.Context,
    institution: InstitutionOption,
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
) -> None:
    """Write every refused file, quarantined row and failed validation of one institution
    as a CSV in plain language, ready to send back for correction."""
    from pathways.warehouse.reports import write_errors_report

    report = write_errors_report(runtime(ctx).settings.build_db, institution, out_file)
    out.print(f"wrote {len(report.rows)} problems for {institution} to {out_file}")
    for note in report.notes:
        out.print(f"note: {note}", markup=False)


@app.command("outcomes")
def report_outcomes(
    ctx: typer.Context,
    institution: InstitutionOption,
    out_file: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
) -> None:
    """Write a self-contained HTML outcomes report with charts (rates by program,
    employers, occupations, industries, locations, further study, match quality,
    history), from the published warehouse and suppressed as the API is."""
    from pathways.delivery.report import write_report

    path = write_report(runtime(ctx).settings.warehouse, institution, out_file)
    out.print(f"wrote the outcomes report for {institution} to {path}")


@app.command("changes")
def report_changes(
    ctx: typer.Context,
    institution: InstitutionOption,
    run: Annotated[str | None, typer.Option(help="A refresh run id (default: latest).")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Also write a CSV.")] = None,
) -> None:
    """What changed since the previous refresh: new alumni, newly found, employer changes,
    records that vanished (from the snapshot of alumni facts)."""
    from pathways.warehouse.reports import CHANGE_COLUMNS, write_changes_report

    run_id, rows = write_changes_report(runtime(ctx).settings.build_db, institution, run,
                                        out_file)
    if run_id is None:
        out.print("no published refresh yet")
        return
    counts: dict[str, int] = {}
    for row in rows:
        counts[row[0]] = counts.get(row[0], 0) + 1
    out.print(f"changes for {institution} in refresh {run_id}: "
              + (", ".join(f"{n} {change}" for change, n in counts.items()) or "none"))
    table = Table(*CHANGE_COLUMNS)
    for row in rows[:50]:
        table.add_row(*(str(v) if v is not None else "" for v in row))
    if rows:
        out.print(table)
    if len(rows) > 50:
        out.print(f"... and {len(rows) - 50} more" + ("" if out_file else " (use --out)"))
