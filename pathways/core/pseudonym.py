"""Pseudonymous alumni keys: HMAC-SHA256 of institution and student id with a secret key.

The key comes from the environment variable ``PATHWAYS_PSEUDONYM_KEY`` or from dlt secrets
(``.dlt/secrets.toml``: ``[pathways] pseudonym_key = "..."``), never from the repository.
The same key always gives the same alumni keys, so marts are stable across refreshes;
rotating it changes every key (see README, "Pseudonymous keys").
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from pathways.core.errors import MissingPseudonymKey

ENV_VAR = "PATHWAYS_PSEUDONYM_KEY"

# Record keys for cell-key perturbation (see pathways/delivery/disclosure.py) take this many
# values; the perturbation table (seeds/cell_key_ptable.csv) covers cell keys 0..4095.
RECORD_KEY_RANGE = 4096

__all__ = ["ENV_VAR", "RECORD_KEY_RANGE", "MissingPseudonymKey", "alumni_key",
           "ensure_local_key", "pseudonym_key", "record_key"]


def pseudonym_key() -> bytes:
    """The secret key, from the environment or dlt secrets."""
    value = os.environ.get(ENV_VAR)
    if not value:
        import dlt

        try:
            value = dlt.secrets.get("pathways.pseudonym_key")
        except Exception:  # dlt raises several config errors; any means "not configured"
            value = None
    if not value:
        raise MissingPseudonymKey(
            f"no pseudonym key: set {ENV_VAR} or add pseudonym_key under [pathways] in "
            ".dlt/secrets.toml"
        )
    return str(value).encode("utf-8")


def alumni_key(key: bytes, institution_id: str, student_id: str) -> str:
    """The pseudonymous key of one alumnus (64 hex characters)."""
    message = f"{institution_id}\x1f{student_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def record_key(key: bytes, alumni_key: str) -> int:
    """The alumnus's record key for cell-key perturbation: an integer in
    0..RECORD_KEY_RANGE-1 from a keyed hash of the pseudonymous alumni key.

    Keyed (with the pseudonym secret, under its own label) so that nobody without the
    secret can compute an alumnus's record key and so undo the perturbation of a count;
    derived from the alumni key, so it is the same on every refresh. About one alumnus in
    4,096 shares each value: it identifies no one."""
    digest = hmac.new(key, f"record-key\x1f{alumni_key}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") % RECORD_KEY_RANGE


def ensure_local_key(secrets_file: Path) -> bool:
    """Create ``secrets_file`` with a random key when no key is configured anywhere.
    Returns True when a key was created (so the caller can say so)."""
    try:
        pseudonym_key()
        return False
    except MissingPseudonymKey:
        pass
    key = secrets.token_hex(32)
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    with secrets_file.open("a", encoding="utf-8") as handle:
        handle.write(f'\n[pathways]\npseudonym_key = "{key}"\n')
    secrets_file.chmod(0o600)
    # dlt has already read its (then missing) secrets file in this process.
    os.environ[ENV_VAR] = key
    return True
