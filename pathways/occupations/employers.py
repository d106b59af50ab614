"""Employer names without their legal form: "Acme Widgets, Inc." and "ACME WIDGETS" are one.

The legal-form terms are cleanco's (the maintained list of business-entity suffixes of
many countries: Inc, LLC, Ltd, GmbH, N.A., S.p.A., ...). cleanco's own ``basename`` walks
its 321 terms in Python for every name (about 60 µs a name); here the same terms become
one regular expression applied to all distinct names at once, so a pool with a hundred
thousand employers costs a few hundred milliseconds. Only trailing terms are removed,
as ``basename`` does by default; the name is otherwise kept as written.
"""

from __future__ import annotations

import re
from functools import cache

import pyarrow as pa
import pyarrow.compute as pc
from cleanco import prepare_default_terms


def _token_pattern(token: str) -> str:
    """A cleanco term token as written in a name: "na" matches N.A., NA, n.a; "co" Co."""
    letters = [re.escape(c) for c in token if c not in ".,-"]
    return r"[.,-]?".join(letters) + r"\.?"


@cache
def _suffix_pattern() -> str:
    terms = sorted({" ".join(parts) for _, parts in prepare_default_terms()}, key=len,
                   reverse=True)
    alternatives = "|".join(
        r"\s+".join(_token_pattern(token) for token in term.split()) for term in terms
        if term and all(c.isascii() for c in term))
    # One or more legal-form terms at the end, after a space or comma.
    return rf"(?i)(?:(?:\s*,\s*|\s+)(?:{alternatives}))+[\s.,]*$"


def employer_basenames(names: pa.Array) -> pa.Array:
    """Each name without trailing legal-form terms and trailing punctuation (null stays
    null; a name that is nothing but a legal form is kept whole)."""
    names = pc.cast(names, pa.string())
    trimmed = pc.utf8_trim_whitespace(names)
    base = pc.replace_substring_regex(trimmed, pattern=_suffix_pattern(), replacement="")
    base = pc.replace_substring_regex(base, pattern=r"[\s,;:\-–]+$", replacement="")
    return pc.if_else(pc.equal(base, ""), trimmed, base)


def employer_keys(basenames: pa.Array) -> pa.Array:
    """The comparison key of an employer: its base name lowercased, accents, "the" and
    everything but letters and digits removed ("The Home Depot" -> "homedepot")."""
    text = pc.utf8_normalize(pc.cast(basenames, pa.string()), form="NFKD")
    text = pc.utf8_lower(pc.replace_substring_regex(text, pattern=r"\p{Mn}+", replacement=""))
    text = pc.replace_substring_regex(text, pattern=r"&", replacement=" and ")
    text = pc.replace_substring_regex(text, pattern=r"^the\s+", replacement="")
    text = pc.replace_substring_regex(text, pattern=r"[^a-z0-9]+", replacement="")
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
