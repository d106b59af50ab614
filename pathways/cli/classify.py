"""`pathways classify ...`: code free text to official classifications."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pathways.cli._shared import out, runtime

app = typer.Typer(help="Code free text to official classifications.", no_args_is_help=True)


@app.command("titles")
def classify_titles(
    ctx: typer.Context,
    input_file: Annotated[Path, typer.Option("--input", help="CSV (UTF-8, UTF-16 or "
                                             "Windows-1252) or .xlsx with a `title` column "
                                             "(optional `employer` or `naics_sector`).")],
    output_file: Annotated[Path, typer.Option("--output", help="CSV to write: every input "
                                              "column plus the occupation columns.")],
    title_column: Annotated[str | None, typer.Option(
        "--title-column", help="The job titles' column, when it is not called title, job "
                               "title or position title (a survey's `Q12`).")] = None,
    employer_column: Annotated[str | None, typer.Option(
        "--employer-column", help="The employers' column, when it is not called employer "
                                  "or company (the industry it names decides shared "
                                  "titles).")] = None,
) -> None:
    """Code job titles to SOC 2018 detailed occupations (and O*NET-SOC codes).

    Adds soc_code, soc_title, onet_soc_code, soc_major_group, coding_score (0-1) and
    coding_method to every row. Titles that fit no occupation well enough get no code
    (coding_method says why); see README "Occupations" for the methods and their accuracy.
    The built coder is kept in PATHWAYS_CACHE_DIR (~/.cache/pathways) between runs."""
    from pathways.occupations import classify_file

    summary = classify_file(input_file, output_file, title_column=title_column,
                            employer_column=employer_column,
                            cache_dir=runtime(ctx).settings.cache_dir)
    methods = ", ".join(f"{method} {n:,}" for method, n in summary.methods.most_common())
    out.print(f"coded {summary.rows:,} rows ({summary.distinct_titles:,} distinct titles) in "
              f"{summary.seconds:.1f} s: {summary.coded_share:.1%} to a detailed occupation "
              f"({methods})" + (f"; industry from column {summary.used_employer!r}"
                                if summary.used_employer else ""))
    if summary.read_as != "UTF-8":
        out.print(f"read {input_file} as {summary.read_as}")
    out.print(f"wrote {summary.output}")
