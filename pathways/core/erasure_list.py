"""Who asked to be forgotten, as keyed hashes: what ingest checks every new row against.

``pathways forget`` (pathways.warehouse.erasure) records each erased person in
``ops.erasures`` by keyed hash of every spelling of their student id and of their emails,
never the raw values. Ingest loads an ``ErasureList`` per institution and withholds
matching rows from every later file, even the same roster sent again.
"""

from __future__ import annotations

import re

import duckdb

from pathways.core.config import Institution
from pathways.core.ops import ensure_ops_schema
from pathways.core.pseudonym import alumni_key, pseudonym_key


def email_key(key: bytes, institution_id: str, email: str) -> str:
    """The keyed hash an erased email is remembered by."""
    return alumni_key(key, institution_id, "email:" + email.strip().lower())


def id_variants(student_id: str, institution: Institution) -> list[str]:
    """The ways a student id can appear in files: as given, without leading zeros (a
    spreadsheet's doing) and padded to the institution's id width."""
    sid = student_id.strip()
    variants = {sid, sid.lstrip("0") or "0"}
    width = institution.roster.student_id_width
    if width and sid.isdigit():
        variants.add(sid.zfill(width))
    return sorted(variants)


class ErasureList:
    """The erased people of one institution, as keyed hashes, for filtering at ingest."""

    def __init__(self, con: duckdb.DuckDBPyConnection, institution: Institution | None) -> None:
        self.institution = institution
        self.keys: set[str] = set()
        self.email_keys: set[str] = set()
        self._key: bytes | None = None
        if institution is None:
            return
        ensure_ops_schema(con)
        for key, emails in con.execute(
                "select alumni_key, email_keys from ops.erasures where institution_id = ?",
                [institution.id]).fetchall():
            self.keys.add(key)
            self.email_keys.update(emails or [])

    def __bool__(self) -> bool:
        return bool(self.keys)

    @property
    def _secret(self) -> bytes:
        if self._key is None:
            self._key = pseudonym_key()
        return self._key

    def has_student(self, student_id: str | None) -> bool:
        """Whether ``student_id`` (in any of its spellings) belongs to an erased person."""
        if not self or not student_id or self.institution is None:
            return False
        return any(alumni_key(self._secret, self.institution.id, v) in self.keys
                   for v in id_variants(student_id, self.institution))

    def has_email(self, email: str | None) -> bool:
        """Whether ``email`` belongs to an erased person."""
        if not self or not email or self.institution is None:
            return False
        return email_key(self._secret, self.institution.id, email) in self.email_keys

    def in_text(self, text: str) -> bool:
        """Whether any token of a raw row (a quarantined line) is an erased id or email."""
        if not self:
            return False
        tokens = [t for t in re.split(r"[\s,;|\t\"']+", text) if t]
        return any(self.has_student(t) or ("@" in t and self.has_email(t)) for t in tokens)
