"""What the runner needs to know about one kind of landing file, in one object.

Each source module (rosters, nsc, profiles, imports) declares its ``SourceKind``: how to
parse a file, which dlt resources load the result, which rows an erasure withholds, and
whether a corrected re-submission supersedes the earlier file. The runner looks kinds up
in ``ingestion.sources`` and never branches on a kind's name, so a new source is one new
module and one line in the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingestion.parsed import ParsedFile, StreamedFile
from pathways.core.config import ImportSource, Institution
from pathways.core.erasure_list import ErasureList


@dataclass(frozen=True)
class ParseContext:
    """What a parser may need besides the file: its institution and, for third-party
    imports, the configured source."""

    institution: Institution | None = None
    import_source: ImportSource | None = None


# Rows of a parsed table to keep (True) given who asked to be forgotten.
KeepRows = Callable[[pa.Table, ErasureList, ParseContext], list[bool]]


@dataclass(frozen=True)
class SourceKind:
    """One kind of file: ``roster``, ``nsc``, ``profiles`` or ``import:<source>``."""

    name: str
    parse: Callable[[Path, ParseContext], ParsedFile]
    resource: Callable[[pa.Table], Any]  # the dlt resource of the main table
    # Child tables a parser returns beside the main one (ParsedFile.children), by name.
    child_resources: dict[str, Callable[[pa.Table], Any]] = field(default_factory=dict)
    needs_institution: bool = True
    # None: the rows are not an institution's records about people (the profile pool).
    keep_rows: KeepRows | None = None
    # Files whose names differ only by version markers re-submit the same data, and the
    # later one supersedes the earlier (see ingestion.ledger.submission_key).
    supersedes: bool = False
    # Kinds whose files can be larger than memory (the profile pool) are read in pieces by
    # this instead of ``parse`` (which then reads a whole file, for tests and callers that
    # want one); refuses the file (FileRefused) when its cheap up-front checks fail.
    stream: Callable[[Path, ParseContext], StreamedFile] | None = None

    def __post_init__(self) -> None:
        if self.stream is not None and self.keep_rows is not None:
            raise ValueError(f"{self.name}: a streamed kind cannot withhold erased rows "
                             "(keep_rows needs the whole table)")
