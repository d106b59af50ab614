"""What every command module shares: the consoles, the settings loaded once per run, the
configuration read once, and the institution option validated in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from pathways.core.config import ImportsConfig, PathwaysConfig, load_config, load_imports
from pathways.core.errors import UnknownInstitution
from pathways.core.settings import Settings

console = Console(stderr=True)  # messages, progress, warnings
out = Console()  # results: tables, JSON, file names


@dataclass
class Runtime:
    """One invocation's settings and configuration (read on first use, then kept)."""

    settings: Settings = field(default_factory=Settings.from_env)

    @cached_property
    def config(self) -> PathwaysConfig:
        return load_config(self.settings.config_file)

    @cached_property
    def imports(self) -> ImportsConfig:
        return load_imports(self.settings.imports_file)


def runtime(ctx: typer.Context) -> Runtime:
    """The Runtime the root callback put on the context (a fresh one for sub-contexts
    invoked without it, as in tests of a single command)."""
    root = ctx.find_root()
    if not isinstance(root.obj, Runtime):
        root.obj = Runtime()
    return root.obj


def _known_institution(ctx: typer.Context, value: str | None) -> str | None:
    """Check an --institution value against the configuration: an unknown one ends the
    command with a one-line message naming the configured ones and exit status 2 (a usage
    error); a configuration that cannot be read, with its own message and status 1."""
    if value is None or ctx.resilient_parsing:
        return value
    config = runtime(ctx).config
    try:
        config.get(value)
    except UnknownInstitution as error:
        console.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from error
    return value


InstitutionOption = Annotated[str, typer.Option(
    "--institution", help="Institution id (see `pathways institutions`).",
    callback=_known_institution)]
OptionalInstitutionOption = Annotated[str | None, typer.Option(
    "--institution", help="Institution id (see `pathways institutions`).",
    callback=_known_institution)]


def progress() -> Progress:
    """A progress display on standard error."""
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=False)


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``message`` as an error and return the Exit to raise."""
    console.print(f"[red]{message}", highlight=False)
    return typer.Exit(code)
