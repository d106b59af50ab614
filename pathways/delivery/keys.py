"""API keys: one institution per key, stored only as SHA-256 hashes, revocable.

A key reads ``pw_<key_id>_<secret>``: ``key_id`` (8 hex digits) names the key in listings
and revocations; the 256-bit random ``secret`` is never stored. A plain SHA-256 is the right
hash for a random secret of that size (a slow password hash protects guessable passwords).
The store is a small SQLite file beside the published warehouse: publishing replaces the
warehouse file whole, and the server and the CLI may use the store at the same time. The
file is created readable by its owner only (mode 0600; SQLite gives its journal the same).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pathways.core.build_area import OWNER_ONLY_FILE, restrict_file
from pathways.core.errors import StorageError

_SCHEMA = """
create table if not exists api_keys (
    key_id text primary key,
    institution_id text not null,
    key_sha256 text not null,
    label text,
    created_at text not null,
    revoked_at text
)
"""


@dataclass(frozen=True)
class ApiKey:
    """A stored key (never the secret itself)."""

    key_id: str
    institution_id: str
    label: str | None
    created_at: str
    revoked_at: str | None


class KeyStore:
    """Create, list, revoke and check API keys kept in a SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Created owner-only before SQLite opens it (SQLite would follow the umask).
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, OWNER_ONLY_FILE))
            restrict_file(self.path)
        except OSError as error:
            raise StorageError(f"cannot create the API key store {self.path}: "
                               f"{error.strerror or error}") from error
        con = sqlite3.connect(self.path, timeout=30)
        try:
            con.execute(_SCHEMA)
            with con:
                yield con
        finally:
            con.close()

    def create(self, institution_id: str, label: str | None = None) -> tuple[ApiKey, str]:
        """A new key for ``institution_id``: the stored record and the key to hand over
        (shown once; only its hash is kept)."""
        with self._connect() as con:
            while True:
                key_id = secrets.token_hex(4)
                taken = con.execute("select 1 from api_keys where key_id = ?", [key_id])
                if taken.fetchone() is None:
                    break
            secret = secrets.token_urlsafe(32)
            token = f"pw_{key_id}_{secret}"
            created_at = datetime.now(UTC).isoformat(timespec="seconds")
            con.execute(
                "insert into api_keys values (?, ?, ?, ?, ?, null)",
                [key_id, institution_id, _sha256(token), label, created_at])
        return ApiKey(key_id, institution_id, label, created_at, None), token

    def revoke(self, key_id: str) -> bool:
        """Revoke a key by id; False when no active key has that id."""
        with self._connect() as con:
            changed = con.execute(
                "update api_keys set revoked_at = ? where key_id = ? and revoked_at is null",
                [datetime.now(UTC).isoformat(timespec="seconds"), key_id]).rowcount
        return changed == 1

    def list(self, institution_id: str | None = None) -> list[ApiKey]:
        """Every key (active and revoked), optionally of one institution."""
        sql = ("select key_id, institution_id, label, created_at, revoked_at from api_keys"
               + (" where institution_id = ?" if institution_id else "")
               + " order by created_at, key_id")
        with self._connect() as con:
            rows = con.execute(sql, [institution_id] if institution_id else []).fetchall()
        return [ApiKey(*row) for row in rows]

    def institution_for(self, token: str) -> str | None:
        """The institution an active key belongs to; None for a malformed, unknown or
        revoked key."""
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "pw" or len(parts[1]) != 8:
            return None
        with self._connect() as con:
            row = con.execute(
                "select institution_id, key_sha256 from api_keys "
                "where key_id = ? and revoked_at is null", [parts[1]]).fetchone()
        if row is None or not hmac.compare_digest(row[1], _sha256(token)):
            return None
        return row[0]


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
