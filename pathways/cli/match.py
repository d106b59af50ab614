"""`pathways match ...`: train, evaluate, explain and review the linkage model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pathways.cli._shared import OptionalInstitutionOption, console, fail, out, runtime

app = typer.Typer(help="Train and evaluate the linkage model.", no_args_is_help=True)
review_app = typer.Typer(help="Clerical review of uncertain matches.", no_args_is_help=True)
app.add_typer(review_app, name="review")


@app.command("train")
def match_train(
    ctx: typer.Context,
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
    from matching.train import train_from_build

    settings = runtime(ctx).settings
    with console.status("training (u by sampling, m by EM)"):
        trained = train_from_build(
            settings.build_db,
            out_dir if out_dir.is_absolute() else settings.project_root / out_dir, seed=seed)
    out.print(f"model: {trained.model_path}")
    if trained.used_confirmed_pairs:
        out.print(f"m probabilities estimated from {trained.used_confirmed_pairs} "
                  "reviewer-confirmed pairs")
    for chart in trained.charts:
        out.print(f"chart: {chart}")


def _truth_csv(truth: Path) -> Path:
    """A generated landing folder's ground truth (its _truth/alumni.csv), or a CSV."""
    csv_file = truth / "_truth" / "alumni.csv" if truth.is_dir() else truth
    if not csv_file.is_file():
        raise typer.BadParameter(f"no ground truth at {csv_file}", param_hint="--truth")
    return csv_file


@app.command("evaluate")
def match_evaluate(
    ctx: typer.Context,
    truth: Annotated[Path, typer.Option(
        help="Generated landing folder (its _truth/) or CSV.", callback=_truth_csv)],
    chart: Annotated[Path | None, typer.Option(
        help="Precision-recall chart to write (HTML); default next to the warehouse.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Compare accepted links with ground truth: precision, recall, F1 and breadth at
    several thresholds, and write a precision-recall chart."""
    from matching.evaluate import evaluate_with_chart

    settings = runtime(ctx).settings
    chart = chart or settings.warehouse.parent / "match_evaluation.html"
    scores = evaluate_with_chart(settings.build_db, truth, chart)
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


@app.command("explain")
def match_explain(
    ctx: typer.Context,
    sample: Annotated[float, typer.Option(
        help="Share of records to count from (1.0 = exact).", min=0.001, max=1.0)] = 1.0,
    institution: OptionalInstitutionOption = None,
    student_id: Annotated[str | None, typer.Option(
        help="With --institution: explain this alumnus's candidates instead.")] = None,
) -> None:
    """Show what each blocking rule costs: comparisons it adds and the running total, so
    the cost of linkage is known before it runs. With --institution and --student-id, show
    that alumnus's candidate profiles, every comparison's weight and what became of each
    (linked, runner-up, linked to another alumnus, ...): why a link was or wasn't made."""
    from matching.explain import blocking_costs_in_build

    if (institution is None) != (student_id is None):
        raise typer.BadParameter("give both --institution and --student-id, or neither",
                                 param_hint="--institution/--student-id")
    if institution is not None and student_id is not None:
        _print_alumnus_explanation(ctx, institution, student_id)
        return

    with console.status("counting comparisons"):
        records, n_alumni, n_profiles = blocking_costs_in_build(
            runtime(ctx).settings.build_db, sample)
    table = Table("blocking rule", "comparisons added", "cumulative",
                  title=f"Blocking cost ({n_alumni:,} alumni x {n_profiles:,} profiles)")
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


@review_app.command("export")
def review_export(
    ctx: typer.Context,
    out_file: Annotated[Path, typer.Option("--out", help="CSV file to write.")],
    lower: Annotated[float, typer.Option(help="Lowest probability to include.")] = 0.5,
    upper: Annotated[float, typer.Option(help="Probability from which pairs are certain.")] = 0.95,
    institution: OptionalInstitutionOption = None,
) -> None:
    """Write undecided candidate pairs with lower <= probability < upper, both records side
    by side with the per-comparison explanation, and empty decision/reviewer/note columns.
    The file holds direct identifiers: keep it with the restricted data team."""
    from matching.review import export_review

    if not 0 <= lower < upper <= 1:
        raise typer.BadParameter(f"need 0 <= lower < upper <= 1, got {lower} and {upper}")
    n = export_review(runtime(ctx).settings.build_db, out_file, lower, upper, institution)
    out.print(f"wrote {n} pairs to {out_file}; fill 'decision' with yes or no, then "
              f"`pathways match review import {out_file}`")


@review_app.command("import")
def review_import(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A review CSV with decisions filled in.")],
) -> None:
    """Store reviewers' yes/no decisions; they override the model on every later refresh."""
    from matching.review import import_review

    result = import_review(runtime(ctx).settings.build_db, file)
    if result.errors:
        for error in result.errors:
            console.print(f"[red]{error}")
        raise fail("nothing imported")
    out.print(f"imported {result.imported} decisions ({result.skipped_blank} rows left blank); "
              "they apply from the next `pathways refresh`")


def _print_alumnus_explanation(ctx: typer.Context, institution: str, student_id: str) -> None:
    """`match explain --institution --student-id`: one table per candidate profile."""
    from matching.candidates import explain_build_alumnus

    settings = runtime(ctx).settings
    with console.status("scoring the alumnus against every blocked profile"):
        explained = explain_build_alumnus(settings.build_db, settings.project_root,
                                          institution, student_id)
    out.print(f"{explained.alumni_id}: {len(explained.candidates)} candidate profiles; every "
              f"pair starts at the prior {explained.prior_weight:+.2f} and is linked at "
              f"probability {explained.threshold} or more (one-to-one per institution)")
    for c in explained.candidates:
        table = Table("comparison", "level", "weight", "alumnus", "profile",
                      title=f"{c.profile_id}: {c.status}, probability {c.match_probability:.4f}"
                            f", weight {c.match_weight:+.2f}", caption=f"found by {c.found_by}")
        for w in c.comparisons:
            table.add_row(w.comparison, w.level, f"{w.weight:+.2f}", w.alumnus_value,
                          w.profile_value)
        out.print(table)
