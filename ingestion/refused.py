"""The exception every reader raises when a file as a whole cannot be used."""

from __future__ import annotations

from pathlib import Path


class FileRefused(Exception):
    """The file as a whole cannot be used; nothing of it is loaded.

    ``reason`` is written for the person who sent the file: what is wrong, where, and what
    to send instead. It quotes nothing of the file beyond what its sender wrote in it (a
    header line, a title), and nothing at all of a file Pathways would not read."""

    def __init__(self, file: Path | str, reason: str) -> None:
        super().__init__(f"{file}: {reason}")
        self.file = str(file)
        self.reason = reason
