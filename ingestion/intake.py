"""Ingest a landing folder, knowing first, without starting dlt, whether anything is new.

A scheduled refresh is handed the same landing folder again and again, and most times
every file in it was loaded before. Starting dlt and its pipeline, and replacing the
configuration tables, costs seconds even then; so each file is checked here first, as the
runner would (a regular file inside the folder, hashed, looked up in the ledger), and only
when some file is new or cannot be vouched for (an archive, a file the runner would
refuse, a configuration that differs from the one last loaded into raw) does the runner
(ingestion.runner, dlt) ingest the folder. The results are the runner's for the same files:
each skipped, naming the file its content was loaded from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingestion.archives import is_zip_archive
from ingestion.landing import discover, untrusted
from ingestion.ledger import Ledger, file_sha256, reference_digest, reference_loaded
from ingestion.results import FileResult
from pathways.core.build_area import exclusive
from pathways.core.config import ImportsConfig, PathwaysConfig
from pathways.core.db import connect_build
from pathways.core.errors import PathwaysError


def already_ingested(build_db: Path, config: PathwaysConfig, imports: ImportsConfig,
                     landing: Path,
                     on_progress: Callable[[int, int], None] | None = None,
                     ) -> list[FileResult] | None:
    """The results of ingesting ``landing`` when every file in it was loaded before and
    raw's configuration tables hold this configuration (each file skipped, as the runner
    reports it); None when the runner must ingest it."""
    if not build_db.exists():
        return None
    files = discover(landing)
    results = []
    with exclusive(build_db, "ingest"), connect_build(build_db) as con:
        ledger = Ledger(con)
        if not reference_loaded(con, reference_digest(config, imports)):
            return None
        for done, file in enumerate(files, start=1):
            if untrusted(file):
                return None
            try:
                if not file.path.is_file() or is_zip_archive(file.path):
                    return None
                sha = file_sha256(file.path)
            except OSError:
                return None  # the runner says why it cannot be read
            previous = ledger.already_loaded(sha, file.kind, file.institution_id)
            if previous is None:
                return None
            results.append(FileResult(
                file=str(file.path), kind=file.kind, institution_id=file.institution_id,
                status="skipped", warnings=[f"same content already loaded from {previous}"]))
            if on_progress:
                on_progress(done, len(files))
    return results


def ingest_landing(build_db: Path, config: PathwaysConfig, imports: ImportsConfig,
                   landing: Path,
                   on_progress: Callable[[int, int], None] | None = None,
                   on_work: Callable[[], None] | None = None) -> list[FileResult]:
    """Load every new file of a landing folder (see ``ingestion.landing.discover``): at
    once when none is new, else through the runner (configuration tables first), calling
    ``on_work()`` before it starts (a refresh starts dbt then, to parse alongside)."""
    if not landing.is_dir():
        raise PathwaysError(f"landing folder {landing} does not exist")
    known = already_ingested(build_db, config, imports, landing, on_progress)
    if known is not None:
        return known
    if on_work is not None:
        on_work()
    from ingestion.runner import ingest_files  # starts dlt: only when there is work

    return ingest_files(build_db, config, imports, discover(landing), on_progress)
