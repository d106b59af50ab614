"""What ingesting one file did: the result every ingest path reports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass
class FileResult:
    """What happened to one file (the JSON summary `pathways ingest --json` prints)."""

    file: str
    kind: str
    institution_id: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_erased: int = 0  # withheld: the person asked to be forgotten (pathways forget)
    status: str = "pending"  # loaded | skipped (already loaded) | refused
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)
