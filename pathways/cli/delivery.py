"""Commands that deliver the published warehouse: `summary`, `export`, `serve`, `keys`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from pathways.cli._shared import (
    InstitutionOption,
    OptionalInstitutionOption,
    Runtime,
    console,
    fail,
    out,
    runtime,
)


def print_summary(rt: Runtime) -> None:
    """The per-institution summary table from the published marts."""
    from pathways.delivery.summary import institution_summaries

    table = Table("institution", "alumni", "found", "employed*", "further study",
                  "top employers (current)", title="Alumni outcomes by institution")
    names = {i.id: i.name for i in rt.config.institutions}
    for s in institution_summaries(rt.settings.warehouse, names):
        table.add_row(f"{s.institution_name} ({s.institution_id})", f"{s.n_alumni:,}",
                      f"{s.n_found:,} ({s.found_rate:.0%})", f"{s.employment_rate:.1%}",
                      f"{s.further_education_rate:.1%}", s.top_employers)
    out.print(table)
    out.print("* employed after graduation, among alumni whose outcome is known (profile found "
              "or a survey/verification record).")
    _print_measures(rt, names)


def _print_measures(rt: Runtime, names: dict[str, str]) -> None:
    from pathways.delivery.summary import measure_summaries

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:.1%}"

    table = Table("institution", "in field", "degree-level job", "knowledge rate",
                  "career outcomes", "modelled earnings†", "top occupations (current)",
                  title="Outcome measures by institution")
    for s in measure_summaries(rt.settings.warehouse, names):
        table.add_row(f"{s.institution_name} ({s.institution_id})", pct(s.in_field_rate),
                      pct(s.degree_level_job_rate), pct(s.knowledge_rate),
                      pct(s.career_outcomes_rate),
                      "–" if s.median_modelled_earnings is None
                      else f"${s.median_modelled_earnings:,.0f}", s.top_occupations)
    out.print(table)
    out.print("In field by the NCES CIP-SOC crosswalk; degree-level job by O*NET job zone; "
              "knowledge and career outcomes rates as NACE defines them. † median, modelled "
              "from occupation and state (BLS OEWS May 2025), not observed earnings.")


def summary(ctx: typer.Context) -> None:
    """Print the per-institution outcome summary from the marts."""
    print_summary(runtime(ctx))


def export(
    ctx: typer.Context,
    institution: InstitutionOption,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write.")],
) -> None:
    """Write one institution's published marts as Parquet files and one DuckDB file: no
    other institution's rows, no direct identifiers."""
    from pathways.delivery.export import export_institution

    result = export_institution(runtime(ctx).settings.warehouse, institution, out_dir)
    for table, n in result.tables.items():
        out.print(f"{out_dir / (table + '.parquet')}: {n:,} rows")
    out.print(f"{result.duckdb_file}; manifest {result.manifest}")


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the published warehouse read-only as a REST API (docs at /docs, schema at
    /openapi.json). It keeps serving while refreshes publish new data."""
    import uvicorn

    console.print(f"serving {runtime(ctx).settings.warehouse} on http://{host}:{port} "
                  f"(docs: http://{host}:{port}/docs)")
    uvicorn.run("pathways.delivery.server:app", host=host, port=port, workers=workers,
                log_level="info")


keys_app = typer.Typer(help="API keys: one institution each, stored hashed.",
                       no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    ctx: typer.Context,
    institution: InstitutionOption,
    label: Annotated[str | None, typer.Option(help="Who or what the key is for.")] = None,
) -> None:
    """Create an API key and print it (shown once; only its hash is stored)."""
    from pathways.delivery.keys import KeyStore

    record, token = KeyStore(runtime(ctx).settings.api_keys).create(institution, label)
    console.print(f"key {record.key_id} for {institution} (store it now: it is not shown "
                  "again; revoke with `pathways keys revoke " + record.key_id + "`)")
    out.print(token, soft_wrap=True)


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="The key id (8 hex digits).")],
) -> None:
    """Revoke an API key: requests carrying it get 401 from then on."""
    from pathways.delivery.keys import KeyStore

    if not KeyStore(runtime(ctx).settings.api_keys).revoke(key_id):
        raise fail(f"no active key {key_id!r}")
    out.print(f"revoked {key_id}")


@keys_app.command("list")
def keys_list(ctx: typer.Context, institution: OptionalInstitutionOption = None) -> None:
    """List API keys (ids, institutions, labels, when created and revoked; never secrets)."""
    from pathways.delivery.keys import KeyStore

    table = Table("key id", "institution", "label", "created", "revoked")
    for key in KeyStore(runtime(ctx).settings.api_keys).list(institution):
        table.add_row(key.key_id, key.institution_id, key.label or "", key.created_at,
                      key.revoked_at or "")
    out.print(table)


def register(app: typer.Typer) -> None:
    app.command()(summary)
    app.command("export")(export)
    app.command()(serve)
