"""The `pathways` command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pathways.config import load_config
from pathways.paths import build_path, project_root, warehouse_path

app = typer.Typer(
    help="Pathways: alumni outcomes warehouse (dlt -> DuckDB -> dbt -> Splink -> marts).",
    no_args_is_help=True,
    add_completion=False,
)
match_app = typer.Typer(help="Train and evaluate the linkage model.", no_args_is_help=True)
app.add_typer(match_app, name="match")
report_app = typer.Typer(help="Reports for institutions and the data team.",
                         no_args_is_help=True)
app.add_typer(report_app, name="report")

console = Console(stderr=True)
out = Console()


def _progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


@app.command()
def institutions(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON (id, name, unitid).")] = False,
) -> None:
    """List the institutions configured in config/institutions.yml."""
    config = load_config()
    if as_json:
        out.print_json(json.dumps([{"id": i.id, "name": i.name, "unitid": i.unitid}
                                   for i in config.institutions]))
        return
    table = Table("id", "name", "unitid", "roster format")
    for i in config.institutions:
        fmt = i.roster.format + (f" ({i.roster.delimiter!r})" if i.roster.delimiter else "")
        table.add_row(i.id, i.name, i.unitid, fmt)
    out.print(table)


@app.command()
def generate(
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
) -> None:
    """Generate realistic demo data: rosters, NSC returns, a profile pool, and ground truth."""
    from pathways.generate import generate as run_generate

    config = load_config()
    if n_institutions > len(config.institutions):
        raise typer.BadParameter(
            f"only {len(config.institutions)} institutions are configured",
            param_hint="--institutions")
    with _progress() as progress:
        tasks: dict[str, int] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(f"generate {step}", total=total)
            progress.update(tasks[step], completed=done)

        try:
            summary = run_generate(out_dir, config.institutions[:n_institutions], n_alumni,
                                   n_profiles, seed, report, batch=batch,
                                   updates_from=updates_from, n_updates=updates)
        except ValueError as exc:
            console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from exc
    out.print(f"Wrote {out_dir}: {summary.institutions} institutions, {summary.alumni} alumni "
              f"({summary.alumni_with_profile} with a profile), {summary.profiles} profiles, "
              f"{summary.roster_files} roster files, {summary.nsc_files} NSC files.")


def _print_results(results: list, as_json: bool) -> None:
    if as_json:
        for result in results:
            out.print(json.dumps(result.to_dict(), ensure_ascii=False), soft_wrap=True)
        return
    table = Table("file", "kind", "institution", "read", "loaded", "quarantined", "status")
    table.columns[0].overflow = "fold"
    for r in results:
        colour = {"loaded": "green", "skipped": "yellow", "refused": "red"}[r.status]
        table.add_row(r.file, r.kind, r.institution_id or "", str(r.rows_read),
                      str(r.rows_loaded), str(r.rows_quarantined), f"[{colour}]{r.status}")
    out.print(table)
    for r in results:
        for message in r.errors:
            console.print(f"[red]{r.file}[/red]: {message}" if r.status != "refused"
                          else f"[red]refused[/red] {message}")
        for message in r.warnings:
            console.print(f"[yellow]{r.file}[/yellow]: {message}")


def _ingest(landing: Path | None, file: Path | None, kind: str | None,
            institution: str | None, warehouse: Path, as_json: bool) -> list:
    from ingestion.runner import Ingestor, LandingFile, discover

    config = load_config()
    if file is not None:
        if kind is None:
            raise typer.BadParameter("--kind is needed with a FILE", param_hint="--kind")
        files = [LandingFile(file, kind, institution)]
    else:
        if landing is None or not landing.is_dir():
            raise typer.BadParameter(f"landing folder {landing} does not exist",
                                     param_hint="--landing")
        try:
            files = discover(landing, config)
        except KeyError as exc:
            raise typer.BadParameter(str(exc.args[0]), param_hint="--landing") from exc
    with Ingestor(warehouse, config) as ingestor:
        ingestor.load_reference()
        if as_json:
            results = ingestor.ingest_many(files)
        else:
            with _progress() as progress:
                task = progress.add_task("ingest files", total=len(files))
                results = ingestor.ingest_many(files, lambda _r: progress.advance(task))
    _print_results(results, as_json)
    return results


@app.command()
def ingest(
    file: Annotated[Path | None, typer.Argument(help="One file to load (else --landing).")] = None,
    landing: Annotated[Path | None, typer.Option(help="Landing folder to scan.")] = None,
    kind: Annotated[str | None, typer.Option(
        help="roster, nsc, profiles or import:<source> (with FILE).")] = None,
    institution: Annotated[str | None, typer.Option(
        help="Institution id (required for roster and nsc files).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
) -> None:
    """Load new files into the build area's raw schema (the same content twice adds nothing).

    Exits 1 when any file was refused; rows quarantined within a loaded file do not fail.
    """
    if file is None and landing is None:
        landing = Path("landing")
    results = _ingest(landing, file, kind, institution, build_path(), as_json)
    if any(r.status == "refused" for r in results):
        raise typer.Exit(1)


def _print_summary(warehouse: Path) -> None:
    from pathways.summary import institution_summaries

    table = Table("institution", "alumni", "found", "employed*", "further study",
                  "top employers (current)", title="Alumni outcomes by institution")
    names = {i.id: i.name for i in load_config().institutions}
    for s in institution_summaries(warehouse, names):
        table.add_row(f"{s.institution_name} ({s.institution_id})", f"{s.n_alumni:,}",
                      f"{s.n_found:,} ({s.found_rate:.0%})", f"{s.employment_rate:.1%}",
                      f"{s.further_education_rate:.1%}", s.top_employers)
    out.print(table)
    out.print("* employed after graduation, among alumni whose outcome is known (profile found "
              "or a survey/verification record).")
    _print_measures(warehouse, names)


def _print_measures(warehouse: Path, names: dict[str, str]) -> None:
    from pathways.summary import measure_summaries

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.1%}"

    table = Table("institution", "in field", "degree-level job", "knowledge rate",
                  "career outcomes", "modelled earnings†", "top occupations (current)",
                  title="Outcome measures by institution")
    for s in measure_summaries(warehouse, names):
        table.add_row(f"{s.institution_name} ({s.institution_id})", pct(s.in_field_rate),
                      pct(s.degree_level_job_rate), pct(s.knowledge_rate),
                      pct(s.career_outcomes_rate),
                      "–" if s.median_modelled_earnings is None
                      else f"${s.median_modelled_earnings:,.0f}", s.top_occupations)
    out.print(table)
    out.print("In field by the NCES CIP-SOC crosswalk; degree-level job by O*NET job zone; "
              "knowledge and career outcomes rates as NACE defines them. † median, modelled "
              "from occupation and state (BLS OEWS May 2025), not observed earnings.")


def _error_line(message: str) -> str:
    """The line of a dbt failure message that says what went wrong (not a caret marker)."""
    lines = [ln.strip() for ln in message.strip().splitlines()
             if ln.strip() and set(ln.strip()) - set("^~ ")]
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (errors or lines or ["(no message)"])[-1]


@app.command()
def refresh(
    landing: Annotated[Path | None, typer.Option(help="Ingest this landing folder first.")] = None,
    full: Annotated[bool, typer.Option(
        "--full", help="Rebuild every incremental model from all data (history is kept).")
    ] = False,
) -> None:
    """Ingest new files, build and test everything in the build area, and publish the marts
    only when every model and error-severity test passed (write-audit-publish).

    Only models downstream of a source with new or changed rows are rebuilt and retested,
    and large models (profiles, their positions and educations, scored pairs) process only
    the new and changed records. A change to the code, configuration, reference data or
    linkage model since the last build rebuilds everything."""
    from pathways.pseudonym import ENV_VAR, ensure_local_key
    from pathways.refresh import run_refresh

    warehouse, build_db = warehouse_path(), build_path()
    config = load_config()
    if ensure_local_key(Path.cwd() / ".dlt" / "secrets.toml"):
        console.print(f"[yellow]created a local pseudonym key in .dlt/secrets.toml "
                      f"(set {ENV_VAR} in production; see README)")

    def ingest() -> bool:
        results = _ingest(landing, None, None, None, build_db, as_json=False)
        return not any(r.status == "refused" for r in results)

    with _progress() as progress:
        task = progress.add_task("dbt build (models and tests)", total=None)
        result = run_refresh(
            build_db=build_db, warehouse=warehouse, config=config, full=full,
            ingest=ingest if landing is not None else None,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total))
    if result.message and result.status == "succeeded":
        console.print(f"[yellow]{result.message}")
    if result.status != "succeeded":
        console.print(f"[red]refresh {result.run_id} failed at {result.failed_step}; the "
                      f"published warehouse {warehouse} is unchanged.")
        if result.failed_step == "publish":
            console.print(f"  [red]{result.message}")
        for node, message in (result.dbt.failures if result.dbt else []):
            where = result.dbt.failing_rows.get(node) if result.dbt else None
            console.print(f"  [red]{node}[/red]: {_error_line(message)}"
                          + (f"\n    failing rows: {where} (in {build_db})" if where else ""))
        raise typer.Exit(1)
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
              "warned).")
    _print_summary(warehouse)


@app.command()
def status(
    limit: Annotated[int, typer.Option(help="How many runs to show.")] = 10,
) -> None:
    """Show the latest refreshes: status, steps, tests, and for a failure where it failed."""
    from pathways.refresh import latest_runs

    runs = latest_runs(build_path(), warehouse_path(), limit)
    if not runs:
        out.print("no refresh has run yet (or one is running now and holds the build area)")
        return
    table = Table("run", "started", "status", "built", "tests passed/failed/warned",
                  "steps (s)", "published", title="Refreshes")
    for run in runs:
        colour = {"succeeded": "green", "failed": "red", "interrupted": "red"}.get(
            run["status"], "yellow")
        steps = json.loads(run["step_seconds"]) if run["step_seconds"] else {}
        table.add_row(run["run_id"], str(run["started_at"])[:19], f"[{colour}]{run['status']}",
                      _what_was_built(run),
                      f"{run['tests_passed']}/{run['tests_failed']}/{run['tests_warned']}",
                      ", ".join(f"{k} {v}" for k, v in steps.items()),
                      "yes" if run["published"] else "no")
    out.print(table)
    for run in runs:
        if run["status"] in ("failed", "interrupted"):
            out.print(f"[red]{run['run_id']}[/red] {run['status']} at "
                      f"{run['failed_step'] or 'an unknown step'}: {run['message']}")


def _what_was_built(run: dict) -> str:
    """Everything, or what descends from the sources that changed (pathways.changes)."""
    if run["full_rebuild"]:
        return "everything"
    changed = json.loads(run["changed_sources"]) if run["changed_sources"] else None
    if changed is None:
        return "incremental"
    return ("downstream of " + ", ".join(changed)) if changed else "history marts only"


@report_app.command("errors")
def report_errors(
    institution: Annotated[str, typer.Option(help="Institution id.")],
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
) -> None:
    """Write every refused file, quarantined row and failed validation of one institution
    as a CSV in plain language, ready to send back for correction."""
    from pathways.reports import write_errors_report

    try:
        load_config().get(institution)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--institution") from exc
    n = write_errors_report(build_path(), institution, out_file)
    out.print(f"wrote {n} problems for {institution} to {out_file}")


@report_app.command("outcomes")
def report_outcomes(
    institution: Annotated[str, typer.Option(help="Institution id.")],
    out_file: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
) -> None:
    """Write a self-contained HTML outcomes report with charts (rates by program,
    employers, occupations, industries, locations, further study, match quality,
    history), from the published warehouse and suppressed as the API is."""
    from pathways.delivery.published import WarehouseUnavailable
    from pathways.delivery.report import UnknownInstitution, write_report

    try:
        load_config().get(institution)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--institution") from exc
    try:
        path = write_report(warehouse_path(), institution, out_file)
    except (WarehouseUnavailable, UnknownInstitution) as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(1) from exc
    out.print(f"wrote the outcomes report for {institution} to {path}")


@report_app.command("changes")
def report_changes(
    institution: Annotated[str, typer.Option(help="Institution id.")],
    run: Annotated[str | None, typer.Option(help="A refresh run id (default: latest).")] = None,
    out_file: Annotated[Path | None, typer.Option("--out", help="Also write a CSV.")] = None,
) -> None:
    """What changed since the previous refresh: new alumni, newly found, employer changes,
    records that vanished (from the snapshot of alumni facts)."""
    import csv

    from pathways.reports import CHANGE_COLUMNS, changes_report

    run_id, rows = changes_report(build_path(), institution, run)
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
    if out_file:
        with out_file.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CHANGE_COLUMNS)
            writer.writerows(rows)


@app.command("forget")
def forget_command(
    institution: Annotated[str, typer.Option(help="Institution id.")],
    student_id: Annotated[str, typer.Option("--student-id", help="The student's id.")],
    reason: Annotated[str | None, typer.Option(help="Why (logged in ops.erasures).")] = None,
    publish: Annotated[bool, typer.Option(
        help="Rebuild and publish right away so the person leaves the marts too.")] = True,
) -> None:
    """Erase a person: their rows leave every layer (raw included), the request is logged
    in ops.erasures by keyed hash, and every later load withholds them."""
    from pathways.config import load_imports
    from pathways.erasure import forget

    try:
        inst = load_config().get(institution)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--institution") from exc
    build_db = build_path()
    if not build_db.exists():
        console.print(f"[red]no build area at {build_db}: nothing to erase yet")
        raise typer.Exit(1)
    counts = forget(build_db, inst, load_imports(), student_id, reason)
    removed = sum(counts.values())
    out.print(f"erased {removed} rows of {institution} student {student_id!r} from the build "
              f"area: " + ", ".join(f"{t} {n}" for t, n in counts.items() if n))
    if removed == 0:
        console.print("[yellow]no rows held that student id; the erasure is recorded anyway "
                      "so later files are withheld")
    if publish:
        refresh(landing=None, full=False)


@app.command("export")
def export_command(
    institution: Annotated[str, typer.Option(help="Institution id.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write.")],
) -> None:
    """Write one institution's published marts as Parquet files and one DuckDB file: no
    other institution's rows, no direct identifiers."""
    from pathways.export import export_institution

    try:
        load_config().get(institution)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--institution") from exc
    warehouse = warehouse_path()
    if not warehouse.exists():
        console.print(f"[red]no published warehouse at {warehouse}; run `pathways refresh`")
        raise typer.Exit(1)
    result = export_institution(warehouse, institution, out_dir)
    for table, n in result.tables.items():
        out.print(f"{out_dir / (table + '.parquet')}: {n:,} rows")
    out.print(f"{result.duckdb_file}; manifest {result.manifest}")


keys_app = typer.Typer(help="API keys: one institution each, stored hashed.",
                       no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("create")
def keys_create(
    institution: Annotated[str, typer.Option(help="Institution the key may read.")],
    label: Annotated[str | None, typer.Option(help="Who or what the key is for.")] = None,
) -> None:
    """Create an API key and print it (shown once; only its hash is stored)."""
    from pathways.delivery.keys import KeyStore
    from pathways.paths import api_keys_path

    try:
        load_config().get(institution)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--institution") from exc
    record, token = KeyStore(api_keys_path()).create(institution, label)
    console.print(f"key {record.key_id} for {institution} (store it now: it is not shown "
                  "again; revoke with `pathways keys revoke " + record.key_id + "`)")
    out.print(token, soft_wrap=True)


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key id (8 hex digits).")]
                ) -> None:
    """Revoke an API key: requests carrying it get 401 from then on."""
    from pathways.delivery.keys import KeyStore
    from pathways.paths import api_keys_path

    if not KeyStore(api_keys_path()).revoke(key_id):
        console.print(f"[red]no active key {key_id!r}")
        raise typer.Exit(1)
    out.print(f"revoked {key_id}")


@keys_app.command("list")
def keys_list(
    institution: Annotated[str | None, typer.Option(help="Only this institution's keys.")]
    = None,
) -> None:
    """List API keys (ids, institutions, labels, when created and revoked; never secrets)."""
    from pathways.delivery.keys import KeyStore
    from pathways.paths import api_keys_path

    table = Table("key id", "institution", "label", "created", "revoked")
    for key in KeyStore(api_keys_path()).list(institution):
        table.add_row(key.key_id, key.institution_id, key.label or "", key.created_at,
                      key.revoked_at or "")
    out.print(table)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the published warehouse read-only as a REST API (docs at /docs, schema at
    /openapi.json). It keeps serving while refreshes publish new data."""
    import uvicorn

    console.print(f"serving {warehouse_path()} on http://{host}:{port} "
                  f"(docs: http://{host}:{port}/docs)")
    uvicorn.run("pathways.delivery.server:app", host=host, port=port, workers=workers,
                log_level="info")


@app.command()
def summary() -> None:
    """Print the per-institution outcome summary from the marts."""
    _print_summary(warehouse_path())


@match_app.command("train")
def match_train(
    out_dir: Annotated[Path, typer.Option("--out", help="Where to write the model.")] = Path(
        "matching/models"),
    seed: Annotated[int, typer.Option(help="Seed for u sampling.")] = 42,
) -> None:
    """Train the linkage model on the warehouse's current alumni and profiles.

    Estimates u by random sampling and m by EM over several blocks (or from reviewer-
    confirmed pairs once there are enough), then writes pathways_match_v<N>.json and its
    charts. Needs a warehouse built at least up to the
    intermediate layer (e.g. `pathways refresh` once, or `dbt build --exclude
    int_alumni_profiles_matched+`).
    """
    from matching.train import train
    from matching.warehouse import read_inputs

    inputs = read_inputs(build_path())
    with console.status("training (u by sampling, m by EM)"):
        trained = train(inputs.alumni, inputs.profiles, inputs.educations,
                        out_dir if out_dir.is_absolute() else project_root() / out_dir,
                        seed=seed, confirmed=inputs.confirmed)
    out.print(f"model: {trained.model_path}")
    if trained.used_confirmed_pairs:
        out.print(f"m probabilities estimated from {trained.used_confirmed_pairs} "
                  "reviewer-confirmed pairs")
    for chart in trained.charts:
        out.print(f"chart: {chart}")


@match_app.command("evaluate")
def match_evaluate(
    truth: Annotated[Path, typer.Option(help="Generated landing folder (its _truth/) or CSV.")],
    chart: Annotated[Path | None, typer.Option(
        help="Precision-recall chart to write (HTML); default next to the warehouse.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare accepted links with ground truth: precision, recall, F1 and breadth at
    several thresholds, and write a precision-recall chart."""
    from matching.evaluate import CURVE_THRESHOLDS, evaluate, pr_chart_html

    truth_csv = truth / "_truth" / "alumni.csv" if truth.is_dir() else truth
    if not truth_csv.is_file():
        raise typer.BadParameter(f"no ground truth at {truth_csv}", param_hint="--truth")
    build_db = build_path()
    scores = evaluate(build_db, truth_csv)
    chart = chart or warehouse_path().parent / "match_evaluation.html"
    chart.write_text(pr_chart_html(evaluate(build_db, truth_csv, CURVE_THRESHOLDS)),
                     encoding="utf-8")
    if as_json:
        out.print_json(json.dumps([s.as_dict() for s in scores]))
        return
    table = Table("threshold", "precision", "recall", "recall (findable)", "F1", "breadth",
                  "TP", "FP", "FN", title="Linkage against ground truth")
    for s in scores:
        table.add_row(f"{s.threshold:.2f}", f"{s.precision:.4f}", f"{s.recall:.4f}",
                      f"{s.recall_findable:.4f}", f"{s.f1:.4f}", f"{s.breadth:.1%}",
                      str(s.true_positives), str(s.false_positives), str(s.false_negatives))
    out.print(table)
    s = scores[0]
    out.print(f"{s.with_profile:.1%} of alumni have a profile; {s.findable:.1%} have one that "
              "lists their school under a name the roster knows, or shows their roster email "
              "(findable). Recall counts every alumnus with a profile; recall (findable) only "
              "the findable ones.")
    out.print(f"precision-recall chart: {chart}")


@match_app.command("explain")
def match_explain(
    sample: Annotated[float, typer.Option(
        help="Share of records to count from (1.0 = exact).", min=0.001, max=1.0)] = 1.0,
) -> None:
    """Show what each blocking rule costs: comparisons it adds and the running total, so
    the cost of linkage is known before it runs."""
    from matching.explain import blocking_costs
    from matching.warehouse import read_inputs

    inputs = read_inputs(build_path())
    with console.status("counting comparisons"):
        records = blocking_costs(inputs.alumni, inputs.profiles, inputs.educations, sample)
    table = Table("blocking rule", "comparisons added", "cumulative",
                  title=f"Blocking cost ({inputs.alumni.num_rows:,} alumni x "
                        f"{inputs.profiles.num_rows:,} profiles)")
    for r in records:
        table.add_row(r["blocking_rule"], f"{r['marginal_comparison_count']:,}",
                      f"{r['cumulative_comparison_count']:,}")
    out.print(table)
    if records:
        last = records[-1]
        possible = max(last["total_possible_comparison_count"], 1)
        share = last["cumulative_comparison_count"] / possible
        out.print(f"total: {last['cumulative_comparison_count']:,} comparisons "
                  f"({share:.4%} of all {last['total_possible_comparison_count']:,} pairs)"
                  + (" (estimated from a sample)" if last["is_estimate"] else ""))


review_app = typer.Typer(help="Clerical review of uncertain matches.", no_args_is_help=True)
match_app.add_typer(review_app, name="review")


@review_app.command("export")
def review_export(
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    lower: Annotated[float, typer.Option(help="Lowest probability to include.")] = 0.5,
    upper: Annotated[float, typer.Option(help="Probability from which pairs are certain.")] = 0.95,
    institution: Annotated[str | None, typer.Option(help="Only this institution.")] = None,
) -> None:
    """Write undecided candidate pairs with lower <= probability < upper, both records side
    by side with the per-comparison explanation, and empty decision/reviewer/note columns.
    The file holds direct identifiers: keep it with the restricted data team."""
    from matching.review import export_review

    try:
        n = export_review(build_path(), out_file, lower, upper, institution)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    out.print(f"wrote {n} pairs to {out_file}; fill 'decision' with yes or no, then "
              f"`pathways match review import {out_file}`")


@review_app.command("import")
def review_import(
    file: Annotated[Path, typer.Argument(help="A review CSV with decisions filled in.")],
) -> None:
    """Store reviewers' yes/no decisions; they override the model on every later refresh."""
    from matching.review import import_review

    result = import_review(build_path(), file)
    if result.errors:
        for error in result.errors:
            console.print(f"[red]{error}")
        console.print("[red]nothing imported")
        raise typer.Exit(1)
    out.print(f"imported {result.imported} decisions ({result.skipped_blank} rows left blank); "
              "they apply from the next `pathways refresh`")


classify_app = typer.Typer(help="Code free text to official classifications.",
                           no_args_is_help=True)
app.add_typer(classify_app, name="classify")


@classify_app.command("titles")
def classify_titles(
    input_file: Annotated[Path, typer.Option("--input", help="CSV with a `title` column "
                                             "(optional `employer` or `naics_sector`).")],
    output_file: Annotated[Path, typer.Option("--output", help="CSV to write: every input "
                                              "column plus the occupation columns.")],
) -> None:
    """Code job titles to SOC 2018 detailed occupations (and O*NET-SOC codes).

    Adds soc_code, soc_title, onet_soc_code, soc_major_group, coding_score (0-1) and
    coding_method to every row. Titles that fit no occupation well enough (score below
    0.5) get no code; see README "Occupations" for the methods and their accuracy."""
    from pathways.occupations import ClassifyError, MissingReference, OverrideError, classify_file

    try:
        summary = classify_file(input_file, output_file)
    except (ClassifyError, MissingReference, OverrideError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc
    methods = ", ".join(f"{method} {n:,}" for method, n in summary.methods.most_common())
    out.print(f"coded {summary.rows:,} rows ({summary.distinct_titles:,} distinct titles) in "
              f"{summary.seconds:.1f} s: {summary.coded_share:.1%} to a detailed occupation "
              f"({methods})" + (f"; industry from column {summary.used_employer!r}"
                                if summary.used_employer else ""))
    out.print(f"wrote {summary.output}")
