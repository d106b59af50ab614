"""Identifiers typed into free text: found, and replaced by a placeholder before publishing.

Employer names, job titles and survey answers are written by people, and people type their
phone number into a job title ("Owner (call (630) 555-9311 or sandraphilban@hotmail.com)")
or run a business under their own name ("Sandra Philban Photography"). Column names and
exact roster values cannot catch that; this module reads the text itself:

* e-mail addresses (also written "name at host dot com");
* phone numbers: Google's libphonenumber (``phonenumbers``) finds numbers in running text
  and keeps only those valid in the North American plan (so "3M", "Route 66", "7-Eleven",
  a year range or a hexadecimal key are not numbers), plus local seven-digit numbers
  written ``555-9311``;
* street addresses: a house number, up to three words and a USPS street suffix ("1200 W
  Oak Street"), or a PO box;
* the names of roster people: a roster person's first name followed by their last (or
  former last) name, a middle name or initial allowed between, or a value that is just
  "Last, First [Middle]".
  Surnames alone are not names here: "Johnson & Johnson" and "Ford Motor Company" stay.

``Scanner.redact`` replaces what it finds with ``[email removed]``, ``[phone removed]``,
``[address removed]`` or ``[name removed]`` and says what it removed; ``Scanner.findings``
is the check the publish gate runs on every text value of every mart. The dbt model
``int_free_text_redactions`` and the gate use the same scanner.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import phonenumbers

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
SPELLED_EMAIL = re.compile(
    r"\b[A-Za-z0-9._%+-]+\s*(?:\(at\)|\[at\]|\sat\s)\s*[A-Za-z0-9-]+\s*"
    r"(?:\(dot\)|\[dot\]|\sdot\s)\s*(?:com|org|net|edu|gov|us|io)\b", re.IGNORECASE)
LOCAL_PHONE = re.compile(r"(?<![\w-])\d{3}[-.]\d{4}(?![\w-])")
STREET_SUFFIXES = (
    "street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|way|place|pl|"
    "terrace|ter|parkway|pkwy|highway|hwy|circle|cir|trail|trl|square|sq|alley|aly")
ADDRESS_WORDS = frozenset(STREET_SUFFIXES.split("|")) | {"box"}
STREET_ADDRESS = re.compile(
    r"\b\d{1,6}(?:-\d{1,4})?\s+(?:[NSEW]\.?\s+|(?:north|south|east|west)\s+)?"
    r"(?:[A-Za-z0-9'.-]+\s+){0,3}?(?:" + STREET_SUFFIXES + r")\b\.?"
    r"|\bP\.?\s?O\.?\s+Box\s+\d+",
    re.IGNORECASE)
LAST_FIRST = re.compile(r"\s*[^\W\d_][\w'’-]*\s*,\s*[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w.'’-]*)?\s*")
GAP = re.compile(r"\.?\s+")
CONNECTIVES = frozenset({"and", "of", "the", "for", "at", "in", "on", "by", "to", "with"})
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
DIGIT = re.compile(r"\d")
# Keys and hashes (alumni_key, position_key): hexadecimal strings carry no typed text.
HEX_KEY = re.compile(r"[0-9a-f]{16,}")
# A value that is only a classification code (SOC 2018 and O*NET-SOC "15-1252.00", CIP
# "11.0701") is not typed text: phone-number matching would read some codes as numbers.
CLASSIFICATION_CODE = re.compile(r"\d{2}-\d{4}(\.\d{2})?|\d{2}(\.\d{2}(\d{2})?)?")
MIN_PHONE_DIGITS = 7
PLACEHOLDERS = {"email": "[email removed]", "phone": "[phone removed]",
                "address": "[address removed]", "name": "[name removed]"}
KINDS = tuple(PLACEHOLDERS)
DESCRIPTIONS = {"email": "an e-mail address", "phone": "a phone number",
                "address": "a street address", "name": "a roster person's name"}


def _fold(word: str) -> str:
    """Lower case without accents, so "José" in a roster finds "Jose" in a title."""
    if word.isascii():
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("’", "'")


def _words(text: str | None) -> list[str]:
    return [_fold(w) for w in WORD.findall(text or "")]


@dataclass(frozen=True)
class Finding:
    kind: str  # email, phone, address or name
    start: int
    end: int


@dataclass(frozen=True)
class Redaction:
    """A text value with what was found in it replaced (``kinds``: what, in order)."""

    original: str
    redacted: str
    kinds: tuple[str, ...]


def _adjacent(matches: list[re.Match], start: int, end: int, text: str) -> bool:
    """Whether words ``start..end-1`` follow each other with only spaces (or an initial's
    full stop) between them: "Davis, Cross" and "Kelly and Jones" are not one name."""
    return all(GAP.fullmatch(text[matches[k].end():matches[k + 1].start()])
               for k in range(start, min(end, len(matches)) - 1))


def _is_middle(matches: list[re.Match], index: int, text: str) -> bool:
    """Whether word ``index`` can be a middle name or initial: capitalised, not a
    connective ("and", "of")."""
    if index >= len(matches):
        return False
    word = matches[index].group()
    return word[0].isupper() and word.lower() not in CONNECTIVES


class Scanner:
    """Finds identifiers in text, given the names of the people on the rosters."""

    def __init__(self, people: Iterable[tuple[str | None, str | None, str | None]] = ()):
        """``people``: (first name, last name, former last name) of every roster person."""
        self._names: set[str] = set()
        self._firsts: set[str] = set()
        self._longest = 1
        for first, last, former in people:
            first_words = _words(first)
            if not first_words or len(first_words[0]) < 2:
                continue
            for surname in (last, former):
                last_words = _words(surname)
                if last_words and len(last_words[0]) >= 2:
                    self._names.add(" ".join([first_words[0], *last_words]))
                    self._firsts.add(first_words[0])
                    self._longest = max(self._longest, len(last_words))

    def findings(self, text: str | None) -> list[Finding]:
        """Every identifier in ``text``, in order, overlapping ones merged."""
        if not text or HEX_KEY.fullmatch(text) or CLASSIFICATION_CODE.fullmatch(text):
            return []
        matches = list(WORD.finditer(text))
        words = [_fold(m.group()) for m in matches]
        found = []
        if "@" in text:
            found += [Finding("email", m.start(), m.end()) for m in EMAIL.finditer(text)]
        if "at" in words and "dot" in words:
            found += [Finding("email", m.start(), m.end())
                      for m in SPELLED_EMAIL.finditer(text)]
        digits = sum(c.isdigit() for c in text) if DIGIT.search(text) else 0
        if digits and not ADDRESS_WORDS.isdisjoint(words):
            found += [Finding("address", m.start(), m.end())
                      for m in STREET_ADDRESS.finditer(text)]
        if digits >= MIN_PHONE_DIGITS:
            found += [Finding("phone", m.start, m.end) for m in phonenumbers.PhoneNumberMatcher(
                text, "US", leniency=phonenumbers.Leniency.VALID)]
            found += [Finding("phone", m.start(), m.end()) for m in LOCAL_PHONE.finditer(text)]
        found += self._name_findings(text, matches, words)
        merged: list[Finding] = []
        for finding in sorted(found, key=lambda f: (f.start, -f.end)):
            if merged and finding.start < merged[-1].end:
                last = merged[-1]
                merged[-1] = Finding(last.kind, last.start, max(last.end, finding.end))
            else:
                merged.append(finding)
        return merged

    def _name_findings(self, text: str, matches: list[re.Match],
                       words: list[str]) -> list[Finding]:
        if not self._names or self._firsts.isdisjoint(words):
            return []
        found = []
        for i, word in enumerate(words):
            if word not in self._firsts:
                continue
            for skip in (0, 1):
                if skip and not _is_middle(matches, i + 1, text):
                    continue
                for length in range(1, self._longest + 1):
                    end = i + 1 + skip + length
                    if end > len(words) or not _adjacent(matches, i, end, text):
                        break
                    if " ".join([word, *words[i + 1 + skip:end]]) in self._names:
                        found.append(Finding("name", matches[i].start(), matches[end - 1].end()))
        # "Last, First [Middle]" as a roster writes it, the whole value and nothing else
        # (law firms are named "Garcia, Kelly and Jones").
        if (2 <= len(words) <= 3 and LAST_FIRST.fullmatch(text)
                and f"{words[1]} {words[0]}" in self._names):
            found.append(Finding("name", matches[0].start(), matches[-1].end()))
        return found

    def redact(self, text: str | None) -> Redaction | None:
        """``text`` with every finding replaced by its placeholder; None when clean."""
        found = self.findings(text)
        if not found or text is None:
            return None
        pieces, position = [], 0
        for finding in found:
            pieces += [text[position:finding.start], PLACEHOLDERS[finding.kind]]
            position = finding.end
        pieces.append(text[position:])
        return Redaction(text, "".join(pieces), tuple(f.kind for f in found))
