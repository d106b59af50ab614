"""Commands that fill and build the warehouse: `ingest`, `refresh`, `status`, `forget`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from pathways.cli._shared import (
    InstitutionOption,
    OptionalInstitutionOption,
    console,
    out,
    progress,
    runtime,
)
from pathways.cli.delivery import print_summary
from pathways.core.settings import ENGINES, Settings

if TYPE_CHECKING:
    from pathways.warehouse.spark_refresh import OpenBuild


def _print_results(results: list, as_json: bool) -> None:
    if as_json:
        for result in results:
            out.print(json.dumps(result.to_dict(), ensure_ascii=False), soft_wrap=True)
        return
    table = Table("file", "kind", "institution", "read", "loaded", "quarantined", "status")
    table.columns[0].overflow = "fold"
    for r in results:
        colour = {"loaded": "green", "skipped": "yellow", "refused": "red"}[r.status]
        table.add_row(escape(r.file), r.kind, r.institution_id or "", str(r.rows_read),
                      str(r.rows_loaded), str(r.rows_quarantined), f"[{colour}]{r.status}")
    out.print(table)
    for r in results:  # file names and messages quote files: never read them as markup
        for message in r.errors:
            console.print(f"[red]{escape(r.file)}[/red]: {escape(message)}"
                          if r.status != "refused" else f"[red]refused[/red] {escape(message)}")
        for message in r.warnings:
            console.print(f"[yellow]{escape(r.file)}[/yellow]: {escape(message)}")


def _ingest_landing(ctx: typer.Context, landing: Path, as_json: bool = False,
                    on_work: Callable[[], None] | None = None) -> list:
    """Ingest a landing folder with a progress bar (or quietly with ``as_json``);
    ``on_work()`` when some file is new."""
    from ingestion.intake import ingest_landing

    rt = runtime(ctx)
    if as_json:
        return ingest_landing(rt.settings.build_db, rt.config, rt.imports, landing,
                              on_work=on_work)
    with progress() as bar:
        task = bar.add_task("ingest files", total=None)
        return ingest_landing(
            rt.settings.build_db, rt.config, rt.imports, landing,
            on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            on_work=on_work)


def ingest(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(help="One file to load (else --landing).")] = None,
    landing: Annotated[Path | None, typer.Option(help="Landing folder to scan.")] = None,
    kind: Annotated[str | None, typer.Option(
        help="roster, nsc, profiles or import:<source> (with FILE).")] = None,
    institution: OptionalInstitutionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
) -> None:
    """Load new files into the build area's raw schema (the same content twice adds nothing).

    Exits 1 when any file was refused; rows quarantined within a loaded file do not fail.
    """
    from ingestion.runner import LandingFile, ingest_files

    rt = runtime(ctx)
    if file is not None:
        if kind is None:
            raise typer.BadParameter("--kind is needed with a FILE", param_hint="--kind")
        results = ingest_files(rt.settings.build_db, rt.config, rt.imports,
                               [LandingFile(file, kind, institution)])
    else:
        landing = landing or Path("landing")
        if not landing.is_dir():
            raise typer.BadParameter(f"landing folder {landing} does not exist",
                                     param_hint="--landing")
        results = _ingest_landing(ctx, landing, as_json)
    _print_results(results, as_json)
    if any(r.status == "refused" for r in results):
        raise typer.Exit(1)


def _print_refresh(settings: Settings, result) -> None:
    """What a refresh did; exits 1 when it failed."""
    from pathways.core.free_text import DESCRIPTIONS

    warehouse, build_db = settings.warehouse, settings.build_db
    if result.status == "unchanged":
        out.print(f"Refresh {result.run_id}: {result.message}.", soft_wrap=True)
        return
    if result.message and result.status == "succeeded":
        console.print(f"[yellow]{result.message}", soft_wrap=True)
    if result.status not in ("succeeded", "partial"):
        console.print(f"[red]refresh {result.run_id} failed at {result.failed_step}; the "
                      f"published warehouse {warehouse} is unchanged.", soft_wrap=True)
        if result.failed_step == "publish":
            console.print(f"  [red]{result.message}", soft_wrap=True)
        for node, line, where in (result.dbt.failure_summaries() if result.dbt else []):
            console.print(f"  [red]{node}[/red]: {line}"
                          + (f"\n    failing rows: {where} (in {build_db})" if where else ""),
                          soft_wrap=True)
        raise typer.Exit(1)
    for kind, n in sorted(result.redactions.items()):
        console.print(f"[yellow]redacted {n} free-text value{'' if n == 1 else 's'} holding "
                      f"{DESCRIPTIONS[kind]} before publishing (see "
                      "pii.int_free_text_redactions in the build area)", soft_wrap=True)
    dbt = result.dbt
    if result.full_rebuild:
        mode = f"full rebuild: {result.full_rebuild_reason}"
    elif result.changed_sources is None:
        mode = "incremental"
    elif result.changed_sources:
        mode = "incremental; new or changed rows in " + ", ".join(result.changed_sources)
    else:
        mode = "incremental; no source changed"
    out.print(f"Refresh {result.run_id} ({mode}) published {len(result.published_tables)} "
              f"marts to {warehouse} ({dbt.tests_passed} tests passed, {dbt.tests_warned} "
              "warned" + (f", {dbt.tests_failed} failed" if dbt.tests_failed else "") + ").",
              soft_wrap=True)
    if result.held_back:
        console.print(f"[red]held back {', '.join(sorted(result.held_back))}: their last "
                      "published rows stay published until their data passes the tests "
                      f"(failing rows in {build_db}):", soft_wrap=True)
        for institution, reasons in sorted(result.held_back.items()):
            for reason in reasons:
                console.print(f"  [red]{institution}[/red]: {reason}", soft_wrap=True)


def _local_key_warning() -> None:
    """Create a local pseudonym key when none is configured, and say so."""
    from pathways.core.pseudonym import ENV_VAR, ensure_local_key

    if ensure_local_key(Path.cwd() / ".dlt" / "secrets.toml"):
        console.print(f"[yellow]created a local pseudonym key in .dlt/secrets.toml "
                      f"(set {ENV_VAR} in production; see README)")


def _spark_engine(settings: Settings) -> OpenBuild | None:
    """The Spark engine a refresh on Spark is handed (pathways.spark.build.spark_build),
    None on DuckDB. Refused with a one-line message, before anything is ingested or
    erased, when pyspark or Java is missing."""
    if settings.engine != "spark":
        return None
    from pathways.warehouse.spark_refresh import check_spark_available

    check_spark_available()
    from pathways.spark.build import spark_build

    return spark_build


def refresh(
    ctx: typer.Context,
    landing: Annotated[Path | None, typer.Option(help="Ingest this landing folder first.")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Rebuild every incremental model from all data (history is kept).")
    ] = False,
    target: Annotated[str | None, typer.Option(
        help="The engine to build on: duckdb or spark (default PATHWAYS_ENGINE, else "
             "duckdb). The published warehouse is the same DuckDB file either way.")
    ] = None,
) -> None:
    """Ingest new files, build and test everything in the build area, and publish the marts
    only when every model and error-severity test passed (write-audit-publish).

    Only models downstream of a source with new or changed rows are rebuilt and retested,
    and large models (profiles, their positions and educations, scored pairs) process only
    the new and changed records. A change to the code, configuration, reference data or
    linkage model since the last build rebuilds everything."""
    from pathways.warehouse.refresh import run_refresh

    rt = runtime(ctx)
    settings = rt.settings
    if target is not None:
        if target.lower() not in ENGINES:
            raise typer.BadParameter(f"{target!r} is not one of {', '.join(ENGINES)}",
                                     param_hint="--target")
        settings = replace(settings, engine=target.lower())
    spark_build = _spark_engine(settings)
    if landing is not None and not landing.is_dir():
        raise typer.BadParameter(f"landing folder {landing} does not exist",
                                 param_hint="--landing")
    _local_key_warning()

    def ingest(start_build: Callable[[], None]) -> bool:
        results = _ingest_landing(ctx, landing, on_work=start_build)
        _print_results(results, as_json=False)
        return not any(r.status == "refused" for r in results)

    with progress() as bar:
        task = bar.add_task("dbt build (models and tests)", total=None)
        result = run_refresh(
            settings=settings, config=rt.config, full=full,
            ingest=ingest if landing is not None else None,
            on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            spark_build=spark_build)
    _print_refresh_and_summary(rt, result)


def _print_refresh_and_summary(rt, result) -> None:
    """The refresh's outcome, then (when anything was published) the summary; exit 1 when
    the refresh failed or held an institution back."""
    try:
        _print_refresh(rt.settings, result)
    finally:
        if result.status in ("succeeded", "partial"):
            print_summary(rt)
    if result.status == "partial":
        raise typer.Exit(1)


def _what_was_built(run: dict) -> str:
    """Everything, or what descends from the sources that changed."""
    if run["status"] == "unchanged":
        return "nothing (nothing new)"
    if run["full_rebuild"]:
        return "everything"
    changed = json.loads(run["changed_sources"]) if run["changed_sources"] else None
    if changed is None:
        return "incremental"
    return ("downstream of " + ", ".join(changed)) if changed else "history marts only"


def status(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(help="How many runs to show.")] = 10,
) -> None:
    """Show the latest refreshes: status, steps, tests, and for a failure where it failed."""
    from pathways.warehouse.refresh import latest_runs

    settings = runtime(ctx).settings
    runs = latest_runs(settings.build_db, settings.warehouse, limit)
    if not runs:
        out.print("no refresh has run yet (or one is running now and holds the build area)")
        return
    table = Table("run", "started", "status", "built", "tests passed/failed/warned",
                  "steps (s)", "published", title="Refreshes")
    for run in runs:
        colour = {"succeeded": "green", "unchanged": "green", "failed": "red",
                  "interrupted": "red"}.get(
            run["status"], "yellow")
        steps = json.loads(run["step_seconds"]) if run["step_seconds"] else {}
        held = json.loads(run["held_back"]) if run["held_back"] else {}
        table.add_row(run["run_id"], str(run["started_at"])[:19], f"[{colour}]{run['status']}",
                      _what_was_built(run),
                      f"{run['tests_passed']}/{run['tests_failed']}/{run['tests_warned']}",
                      ", ".join(f"{k} {v}" for k, v in steps.items()),
                      ("all but " + ", ".join(sorted(held))) if held and run["published"]
                      else "yes" if run["published"] else "no")
    out.print(table)
    for run in runs:
        if run["status"] in ("failed", "interrupted"):
            out.print(f"[red]{run['run_id']}[/red] {run['status']} at "
                      f"{run['failed_step'] or 'an unknown step'}: {run['message']}",
                      soft_wrap=True)
        held = json.loads(run["held_back"]) if run["held_back"] else {}
        for institution, reasons in sorted(held.items()):
            out.print(f"[yellow]{run['run_id']}[/yellow] held back {institution} (its last "
                      f"published rows stayed published): {'; '.join(reasons)}", soft_wrap=True)


def forget(
    ctx: typer.Context,
    institution: InstitutionOption,
    student_id: Annotated[str, typer.Option("--student-id", help="The student's id.")],
    reason: Annotated[str | None, typer.Option(help="Why (logged in ops.erasures).")] = None,
    publish: Annotated[bool, typer.Option(
        help="Rebuild and publish right away so the person leaves the marts too.")] = True,
) -> None:
    """Erase a person: their rows leave every layer (raw included), the request is logged
    in ops.erasures by keyed hash, and every later load withholds them."""
    from pathways.warehouse.erasure import forget_person

    rt = runtime(ctx)
    spark_build = _spark_engine(rt.settings) if publish else None
    if publish:
        _local_key_warning()
    with progress() as bar:
        task = bar.add_task("erase, then dbt build (models and tests)", total=None)
        forgotten = forget_person(
            rt.settings, rt.config, rt.imports, institution, student_id, reason,
            republish=publish,
            on_progress=lambda done, total: bar.update(task, completed=done, total=total),
            spark_build=spark_build)
    out.print(f"erased {forgotten.rows_erased} rows of {institution} student {student_id!r} "
              f"from the build area: "
              + ", ".join(f"{t} {n}" for t, n in forgotten.counts.items() if n))
    if forgotten.files:
        out.print("and from the files that quoted them: "
                  + ", ".join(f"{kind} {n}" for kind, n in forgotten.files.items()),
                  soft_wrap=True)
    if forgotten.delivered:
        out.print("the institution's delivered files still hold them (Pathways reads the "
                  "landing folder and never writes there; delete or replace these): "
                  + ", ".join(forgotten.delivered), soft_wrap=True)
    if forgotten.rows_erased == 0:
        console.print("[yellow]no rows held that student id; the erasure is recorded anyway "
                      "so later files are withheld")
    if forgotten.refresh is not None:
        _print_refresh_and_summary(rt, forgotten.refresh)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(refresh)
    app.command()(status)
    app.command("forget")(forget)
