"""The registry of landing-file kinds: the runner looks every kind up here.

``roster``, ``nsc`` and ``profiles`` are fixed; ``import:<source>`` exists for each source
configured in config/imports.yml. A new source is a module that declares its
``SourceKind`` (see ingestion.kind) and one entry below.
"""

from __future__ import annotations

from ingestion.imports import IMPORT_PREFIX, import_kind
from ingestion.kind import SourceKind
from ingestion.nsc import NSC
from ingestion.profiles import PROFILES
from ingestion.rosters import ROSTER
from pathways.core.config import ImportsConfig
from pathways.core.errors import PathwaysError

FIXED_KINDS: dict[str, SourceKind] = {kind.name: kind for kind in (ROSTER, NSC, PROFILES)}
KIND_NAMES: tuple[str, ...] = (*FIXED_KINDS, IMPORT_PREFIX + "<source>")


class UnknownKind(PathwaysError):
    """A file kind that is neither fixed nor a configured import source."""


def source_kind(name: str, imports: ImportsConfig) -> SourceKind:
    """The kind called ``name``; an ``import:<source>`` must be configured."""
    if name in FIXED_KINDS:
        return FIXED_KINDS[name]
    if name.startswith(IMPORT_PREFIX):
        source = imports.get(name.removeprefix(IMPORT_PREFIX))  # UnknownImportSource
        return import_kind(source.name)
    raise UnknownKind(f"unknown kind {name!r}; expected one of {', '.join(KIND_NAMES)}")
