"""Job titles as profiles write them, reduced to the words that name the occupation.

Everything here works on whole Arrow arrays of distinct titles (pyarrow.compute, RE2
regular expressions and dictionary look-ups over flattened tokens), so a million
positions that share a few hundred thousand spellings cost a few passes in C++, never a
Python loop per title.

Two steps:

* ``key_of``: the comparison key of any title, used for reference titles and profile titles
  alike: accents, case and punctuation dropped, parenthetical asides removed,
  abbreviations written out (Sr., Mgr, Asst, Tech, Rep, Coord, Admin, Engr, ...) and
  plurals made singular ("Registered Nurses" and "registered nurse" share a key).
* ``forms_of``: the keys worth looking up for a profile title, most specific first: the
  whole title without qualifiers that name no occupation (employment type, shift, work
  arrangement, location, department, levels and numerals), the comma form turned around
  ("Analyst, Marketing" -> "marketing analyst"), the first segment alone ("Registered
  Nurse - ICU" -> "registered nurse"), each also without seniority words, and last an
  acronym in parentheses alone ("(RN)"; acronyms are ambiguous, so only when nothing else
  is a known title).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Written-out forms of the abbreviations profiles use, applied to single tokens after
# punctuation is gone ("Sr." -> "sr" -> "senior").
ABBREVIATIONS: dict[str, str] = {
    "sr": "senior", "snr": "senior", "jr": "junior", "jnr": "junior",
    "mgr": "manager", "mngr": "manager", "mgmt": "management", "mgt": "management",
    "asst": "assistant", "assis": "assistant", "asst.": "assistant", "assoc": "associate",
    "tech": "technician", "techn": "technician", "rep": "representative",
    "reps": "representative", "coord": "coordinator", "coor": "coordinator",
    "engr": "engineer", "eng": "engineer", "engg": "engineering", "dev": "developer",
    "spec": "specialist", "splst": "specialist", "supv": "supervisor", "supvr": "supervisor",
    "supr": "supervisor", "dir": "director", "exec": "executive", "vp": "vice president",
    "svp": "senior vice president", "evp": "executive vice president",
    "avp": "assistant vice president", "mktg": "marketing", "mkt": "marketing",
    "ops": "operations", "hr": "human resources", "it": "information technology",
    "cust": "customer", "svc": "service", "svcs": "services", "srvc": "service",
    "dept": "department", "mfg": "manufacturing", "maint": "maintenance",
    "qa": "quality assurance", "qc": "quality control", "acctg": "accounting",
    "acct": "accountant", "admin": "administrator", "adm": "administrator",
    "pgm": "program", "prog": "programmer", "proj": "project", "sys": "systems",
    "sw": "software", "swe": "software engineer", "sde": "software development engineer",
    "govt": "government", "intl": "international", "natl": "national", "med": "medical",
    "ctr": "center", "dist": "district", "elem": "elementary", "educ": "education",
    "ed": "education", "sci": "science", "res": "research", "lab": "laboratory",
    "anal": "analyst", "analy": "analyst", "wkr": "worker", "opr": "operator",
    "oper": "operator", "insp": "inspector", "instr": "instructor", "prof": "professor",
    "mech": "mechanic", "elec": "electrical", "equip": "equipment", "fin": "financial",
    "gen": "general", "asso": "associate", "pt": "pt", "ft": "ft",
}

# Abbreviations whose expansion depends on the next word ("Admin Assistant" is
# administrative, "System Admin" an administrator): applied before ABBREVIATIONS.
_CONTEXT_RULES: tuple[tuple[str, str], ...] = (
    (r"\badmin(?:istrative)? (assistant|asst|support|specialist|coordinator|officer|clerk|"
     r"secretary|associate|aide)\b", r"administrative \1"),
    (r"\bacct (manager|mgr|executive|exec|representative|rep|coordinator|specialist|"
     r"director)\b", r"account \1"),
    (r"\btech (support|writer|writing|lead|sales|specialist)\b", r"technical \1"),
    (r"\bbus(?:iness)? dev\b", "business development"),
    (r"\bdev ?ops\b", "devops"),
    (r"\bcust(?:omer)? svc\b", "customer service"),
    (r"\bi\.t\.", " it "),
)

# Words that say how, when or where someone works, never what the job is.
_EMPLOYMENT = (r"full[ -]?time|part[ -]?time|ft|pt|contract|contractor|contract to hire|"
               r"temp|temporary|seasonal|per diem|prn|casual|permanent|perm|fixed term|"
               r"freelance|locum|interim|intern|internship|co ?op|volunteer|w2|1099")
_SHIFT = (r"(?:day|days|night|nights|evening|evenings|overnight|weekend|weekends|swing|"
          r"graveyard|rotating|1st|2nd|3rd|first|second|third|early|late|morning|afternoon)"
          r"(?: shift| shifts)?|shift|\d{1,2} ?(?:hr|hour)s?(?: shift)?|nocturnal")
_ARRANGEMENT = r"remote|hybrid|on ?site|in office|work from home|wfh|telecommute|virtual"
_LEVEL = r"i|ii|iii|iv|v|vi|\d|level \d|lvl \d|l\d|grade \d+|tier \d|band \d+|step \d+"
_SENIORITY = (r"senior|junior|lead|principal|staff|entry level|entry|trainee|associate|"
              r"experienced|sen|new grad|new graduate")
_STATES = (r"al|ak|az|ar|ca|co|ct|de|dc|fl|ga|hi|id|il|in|ia|ks|ky|la|me|md|ma|mi|mn|ms|mo|"
           r"mt|ne|nv|nh|nj|nm|ny|nc|nd|oh|ok|or|pa|ri|sc|sd|tn|tx|ut|vt|va|wa|wv|wi|wy|pr|"
           r"usa|us|nyc|sf|la|bay area|dmv|tri state|united states|north america|"
           r"alabama|alaska|arizona|arkansas|california|colorado|connecticut|delaware|"
           r"florida|georgia|hawaii|idaho|illinois|indiana|iowa|kansas|kentucky|louisiana|"
           r"maine|maryland|massachusetts|michigan|minnesota|mississippi|missouri|montana|"
           r"nebraska|nevada|new hampshire|new jersey|new mexico|new york|north carolina|"
           r"north dakota|ohio|oklahoma|oregon|pennsylvania|rhode island|south carolina|"
           r"south dakota|tennessee|texas|utah|vermont|virginia|washington|west virginia|"
           r"wisconsin|wyoming|puerto rico")

# Words that end the name of a department, unit or region appended to a title.
_UNITS = r"department|dept|division|unit|team|region|office|group|branch|ward|floor|clinic"

# Separators between a title and what profiles append to it.
_SEPARATORS = r"\s+[-–—|:@]\s+|\s*[|•·]\s*|\s*[,;]\s*|\s+at\s+|\s+@|\s*/\s*"
_QUALIFIER = (rf"^(?:(?:{_EMPLOYMENT}|{_SHIFT}|{_ARRANGEMENT}|{_STATES}|department|dept|"
              rf"division|team|unit|office|location|based|only|position|role|job|opening|"
              rf"and|or|the|of|in|for|to|a|an)(?:\s+|$))+$")


def _re(array: pa.Array, pattern: str, replacement: str) -> pa.Array:
    return pc.replace_substring_regex(array, pattern=pattern, replacement=replacement)


def squash(array: pa.Array) -> pa.Array:
    """Runs of whitespace made one space, ends trimmed. The pattern matches only what must
    change (RE2's ``\\s`` is ASCII whitespace): ``\\s+`` would also replace every single
    space by itself, three times slower over a pool's titles."""
    return pc.utf8_trim_whitespace(_re(array, r"\s{2,}|[\t\n\f\r]", " "))


def _only_where(array: pa.Array, mask: pa.Array, change: Callable[[pa.Array], pa.Array]
                ) -> pa.Array:
    """``change`` applied to the rows of ``mask`` only (a cheap literal test first spares
    a regular-expression pass over rows it cannot alter)."""
    mask = pc.fill_null(mask, False)
    if not pc.any(mask).as_py():
        return array
    return pc.replace_with_mask(array, mask, change(pc.filter(array, mask)))


def as_array(values: pa.Array | pa.ChunkedArray | list) -> pa.Array:
    """One contiguous string array (Arrow columns often arrive in chunks)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    elif not isinstance(values, pa.Array):
        values = pa.array(values, pa.string())
    return pc.cast(values, pa.string())


def _ascii_lower(titles: pa.Array) -> pa.Array:
    """Lowercase, accents removed, curly quotes and ampersands written plainly."""
    text = pc.utf8_normalize(as_array(titles), form="NFKD")
    text = _re(text, r"\p{Mn}+", "")
    text = pc.utf8_lower(text)
    text = _re(text, r"[’'`]", "")
    return _re(text, r"\s*[&+]\s*", " and ")


def _map_tokens(text: pa.Array) -> pa.Array:
    """Each space-separated token written out (ABBREVIATIONS) and made singular."""
    tokens = pc.split_pattern(text, pattern=" ")
    # Each distinct token is written out once (the 3.1 million words of a generated 1M
    # pool's distinct titles are 18,600 distinct words).
    encoded = pc.dictionary_encode(pc.list_flatten(tokens))
    words = encoded.dictionary
    abbreviations = pa.array(list(ABBREVIATIONS))
    expansions = pa.array(list(ABBREVIATIONS.values()))
    index = pc.index_in(words, value_set=abbreviations)
    words = pc.coalesce(pc.take(expansions, index), words)
    # Singular: "nurses" -> "nurse", "secretaries" -> "secretary"; "analysis", "status",
    # "business" and short words stay as they are. Applied to reference and profile titles
    # alike, so an odd stem ("sale" from "sales") is the same on both sides.
    words = _re(words, r"^(.{3,})ies$", r"\1y")
    words = _re(words, r"^(.{2,}[^siu'])s$", r"\1")
    flat = pc.take(words, encoded.indices)
    offsets = tokens.offsets
    rebuilt = pa.ListArray.from_arrays(offsets, flat, mask=pc.is_null(tokens))
    return pc.binary_join(rebuilt, " ")


_ANY_CONTEXT_RULE = "|".join(f"(?:{pattern})" for pattern, _ in _CONTEXT_RULES)


def _context_rules(text: pa.Array) -> pa.Array:
    """_CONTEXT_RULES in order, on the few titles any of them matches (a title none
    matches is left as it is by each in turn)."""
    def apply(rows: pa.Array) -> pa.Array:
        for pattern, replacement in _CONTEXT_RULES:
            rows = _re(rows, pattern, replacement)
        return rows
    return _only_where(text, pc.match_substring_regex(text, _ANY_CONTEXT_RULE), apply)


def _words(text: pa.Array) -> pa.Array:
    """Letters and digits only, single spaces."""
    # One space replaces each run of anything else, so only the ends need trimming.
    return pc.utf8_trim_whitespace(_re(text, r"[^a-z0-9]+", " "))


def key_of(titles: pa.Array) -> pa.Array:
    """The comparison key of each title (null when nothing is left)."""
    text = _ascii_lower(titles)
    text = _re(text, r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}", " ")
    text = _context_rules(text)
    text = _map_tokens(_words(text))  # single spaces already: tokens are never empty
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


@dataclass(frozen=True)
class Forms:
    """The keys of one array of titles, most specific first (nulls where a form adds
    nothing), plus what was taken away (for the coding method)."""

    full: pa.Array  # without qualifiers, parentheses or levels
    reordered: pa.Array  # "analyst, marketing" -> "marketing analyst"
    head: pa.Array  # the first segment that names a job
    full_plain: pa.Array  # full without seniority words
    head_plain: pa.Array  # head without seniority words
    parenthetical: pa.Array  # an acronym in parentheses, "(RN)" -> "rn"


def _strip_qualifiers(text: pa.Array) -> pa.Array:
    """Leading and trailing employment type, shift, arrangement and level words."""
    edge = rf"(?:{_EMPLOYMENT}|{_SHIFT}|{_ARRANGEMENT}|only)"
    # At the start only a shift that says "shift" ("Night Shift Nurse"): a bare "day",
    # "first" or "early" there names the job ("Day Care Worker", "First Line Supervisor").
    leading = rf"(?:{_EMPLOYMENT}|{_ARRANGEMENT}|only|(?:{_SHIFT}) shifts?)"
    text = _re(text, rf"^(?:{leading}\s+)+", "")
    text = _re(text, rf"(?:\s+(?:{edge}|{_LEVEL}))+$", "")
    text = _re(text, r"^(?:level|grade|tier|band) \d+\s+", "")
    # Single-spaced words in, words taken only from the ends: at most the ends to trim.
    return pc.utf8_trim_whitespace(text)


def _strip_seniority(text: pa.Array) -> pa.Array:
    text = _re(text, rf"^(?:(?:{_SENIORITY})\s+)+", "")
    text = _re(text, rf"(?:\s+(?:{_SENIORITY}))+$", "")
    return pc.utf8_trim_whitespace(text)  # words taken only from the ends


def _nonempty(array: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def forms_of(titles: pa.Array) -> Forms:
    """The look-up forms of each profile title (see the module docstring)."""
    text = _ascii_lower(titles)
    parenthetical = pc.utf8_trim_whitespace(
        pc.extract_regex(text, r"\((?P<inner>[^)]*)\)").field("inner"))
    # Only an acronym that adds to the title's words: not employment, shift or arrangement
    # ("Carpet Installer (PT)" is part-time) and not the initials of the words themselves
    # ("Mine Technician (MT)" says no more than "mine technician").
    acronym = pc.and_(
        pc.match_substring_regex(parenthetical, r"^[a-z]{2,6}$"),
        pc.invert(pc.match_substring_regex(
            parenthetical, rf"^(?:{_EMPLOYMENT}|{_SHIFT}|{_ARRANGEMENT})$")))
    parenthetical = pc.if_else(acronym, parenthetical, pa.scalar(None, pa.string()))
    text = _re(text, r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}", " ")
    text = _re(text, r"\([^)]*$", " ")  # an aside left open
    text = _context_rules(text)
    segments = pc.split_pattern_regex(squash(text), pattern=_SEPARATORS)
    flat = pc.list_flatten(segments)
    parent = pc.list_parent_indices(segments)
    # Each distinct segment is cleaned and written out once: a pool's titles share their
    # segments ("registered nurse", "night shift", "remote").
    by_segment = pc.dictionary_encode(flat)
    segment = by_segment.indices.to_numpy()
    cleaned = _strip_qualifiers(_words(by_segment.dictionary))
    drop = pc.or_(pc.equal(cleaned, ""), pc.match_substring_regex(cleaned, _QUALIFIER))
    unit = pc.match_substring_regex(cleaned, rf"(?:^|\s)(?:{_UNITS})$")
    # A segment's key is its words written out: the key of segments joined by a space is
    # their keys joined by a space (pathways.occupations.normalize.key_of works per word).
    segment_key = _map_tokens(cleaned)
    # A segment after the first that ends in a unit word names where the job is done, not
    # the job ("Registered Nurse - Cardiology Unit", "Analyst | Finance Dept").
    later = np.arange(len(flat)) > segments.offsets.to_numpy()[:-1][parent.to_numpy()]
    keep = ~(drop.to_numpy(zero_copy_only=False)[segment]
             | (later & unit.to_numpy(zero_copy_only=False)[segment]))
    kept_key = pc.take(segment_key, pa.array(segment[keep]))
    kept_parent = parent.to_numpy()[keep]
    lengths = np.bincount(kept_parent, minlength=len(titles))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    kept = pa.ListArray.from_arrays(pa.array(offsets), kept_key)
    first = _nth(kept_key, offsets, lengths, 0)
    second = _nth(kept_key, offsets, lengths, 1)
    full_key = _nonempty(pc.binary_join(kept, " "))
    head_key = _nonempty(first)

    full_plain = _nonempty(_strip_seniority(full_key))
    acronym = _nonempty(_map_tokens(_words(parenthetical)))
    # Initials only where there is an acronym to compare them with.
    has_acronym = pc.is_valid(acronym)
    redundant = pc.or_kleene(
        pc.equal(acronym, _only_where(full_key, has_acronym, _initials)),
        pc.equal(acronym, _only_where(full_plain, has_acronym, _initials)))
    return Forms(
        full=full_key,
        reordered=_nonempty(pc.binary_join_element_wise(second, first, " ")),
        head=head_key,
        full_plain=full_plain,
        head_plain=_nonempty(_strip_seniority(head_key)),
        parenthetical=pc.if_else(pc.fill_null(redundant, False),
                                 pa.scalar(None, pa.string()), acronym),
    )


def _initials(text: pa.Array) -> pa.Array:
    """The first letters of each title's words ("mine technician" -> "mt")."""
    words = pc.split_pattern(_words(text), pattern=" ")
    first = pc.utf8_slice_codeunits(pc.list_flatten(words), 0, 1)
    rebuilt = pa.ListArray.from_arrays(words.offsets, first, mask=pc.is_null(words))
    return pc.binary_join(rebuilt, "")


def _nth(values: pa.Array, offsets: np.ndarray, lengths: np.ndarray, n: int) -> pa.Array:
    """The n-th value of each list given by ``offsets`` (null where a list is shorter)."""
    index = pa.array(offsets[:-1] + n, mask=lengths <= n)
    return pc.take(values, index)
