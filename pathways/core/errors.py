"""The errors Pathways raises for people to read.

Every error a user can cause or meet (a misspelt institution, a missing warehouse, a
refused file, a privacy gate that held) is a ``PathwaysError`` whose message is one plain
sentence. The command line prints that sentence and exits non-zero; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations


class PathwaysError(Exception):
    """An error with a message written for the person who ran the command."""


class ConfigError(PathwaysError):
    """The configuration (YAML files, environment variables) is invalid or incomplete."""


class UnknownInstitution(ConfigError):
    """An institution id that the configuration does not know."""


class UnknownImportSource(ConfigError):
    """A third-party import source that config/imports.yml does not define."""


class MissingPseudonymKey(ConfigError):
    """No secret for pseudonymous keys is configured."""


class NotBuiltYet(PathwaysError):
    """A step needs a build area or published warehouse that does not exist yet."""


class WarehouseUnavailable(NotBuiltYet):
    """No published warehouse can be read: missing, or (``damaged``) it cannot be read."""

    def __init__(self, message: str, damaged: bool = False) -> None:
        super().__init__(message)
        self.damaged = damaged


class PrivacyViolation(PathwaysError):
    """A mart holds a direct identifier; nothing is published."""


class BuildAreaBusy(PathwaysError):
    """Another process (a refresh, an ingest, an erasure) is using the build area."""


class StorageError(PathwaysError):
    """A folder or file Pathways must create or write cannot be (permissions, a file in
    the way, a full disk)."""
