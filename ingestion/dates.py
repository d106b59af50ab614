"""Dates as student information systems write them, read the same way in Python and SQL.

Formats (a value is trimmed of spaces first; a time of day after a date is ignored, the date
is taken as written, never shifted by a time zone):

* ``2021-05-15``, ISO timestamps ``2021-05-15T14:30:00Z``, ``2021-05-15 14:30:00``;
* ``2021/05/15``; ``20210515``;
* ``05/15/2021``, ``5/15/21``, ``05-15-2021``, ``05.15.2021``, also with a time such as
  ``5/15/2021 12:00:00 AM`` (Excel and SQL Server exports): month first unless the file
  is day-first (below);
* ``15-MAY-21``, ``15-May-2021``, ``15 May 2021`` (Ellucian Banner and other Oracle exports);
* ``May 15, 2021``, ``Sept. 5 2021``, ``September 5, 2021``;
* Excel serial numbers: five digits, days since 1899-12-30 (``44331``).

Two-digit years pivot at ``TWO_DIGIT_YEAR_PIVOT``: ``00``-``49`` are 2000-2049 and
``50``-``99`` are 1950-1999 (Python's and DuckDB's own ``%y`` pivot at 69, which makes a
birth year written ``65`` 2065).

Day or month first is a property of a file, never guessed row by row: ``file_date_order``
looks at every numeric date of a roster and reads the file day-first when some date can only
be day-first (``25/05/2021``) and none can only be month-first (``05/25/2021``), or the
majority says so; the dates that contradict the file's order are quarantined. A roster's
dates are written to raw in ISO form at ingest beside the text as sent, so staging has one
format. The dbt macro ``parse_roster_date`` (dbt_project/macros) reads the same formats,
month first, for third-party imports and for roster rows loaded before the ISO columns
existed; tests/test_dates.py checks that the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

TWO_DIGIT_YEAR_PIVOT = 50
EXCEL_EPOCH = date(1899, 12, 30)

# Month names and the abbreviations registrars use (one list, shared with the SQL macro).
MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")), start=1):
    for _name in _names:
        MONTHS[_name] = _number

# The patterns, ASCII only ([0-9], not \d, which in Python also matches other scripts'
# digits) so that RE2 in DuckDB reads them the same. The SQL macro uses the same strings.
_TIME = r"(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
PATTERNS: dict[str, str] = {
    "excel_serial": r"[0-9]{5}",
    "compact": r"([0-9]{4})([0-9]{2})([0-9]{2})",
    "iso": r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})" + _TIME,
    "ymd_slash": r"([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})",
    "numeric": r"([0-9]{1,2})([/.-])([0-9]{1,2})[/.-]([0-9]{4}|[0-9]{2})"
               r"(?: +[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?: *[AaPp][Mm])?)?",
    "day_month_name": r"([0-9]{1,2})[- ]([A-Za-z]+)\.?[- ]([0-9]{4}|[0-9]{2})",
    "month_name_day": r"([A-Za-z]+)\.? +([0-9]{1,2}),? +([0-9]{4})",
}
_RE = {name: re.compile(pattern) for name, pattern in PATTERNS.items()}


def full_year(text: str) -> int:
    """A year as written: four digits as they are, two digits by the century pivot."""
    year = int(text)
    if len(text) == 2:
        return year + (2000 if year < TWO_DIGIT_YEAR_PIVOT else 1900)
    return year


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_date(value: str, day_first: bool = False) -> date | None:
    """The date ``value`` writes, or None when it is not a date in any format above.

    ``day_first`` reads ``05/06/2021`` as 5 June; it concerns only the numeric
    day/month/year family, every other format says which part is which."""
    text = value.strip(" ")
    if _RE["excel_serial"].fullmatch(text):
        return EXCEL_EPOCH + timedelta(days=int(text))
    for name in ("compact", "iso", "ymd_slash"):
        match = _RE[name].fullmatch(text)
        if match:
            return _date(int(match[1]), int(match[2]), int(match[3]))
    match = _RE["numeric"].fullmatch(text)
    if match:
        # The separators must agree (05/15-2021 is not a date).
        if text[len(match[1]) + len(match[2]) + len(match[3])] != match[2]:
            return None
        first, second = int(match[1]), int(match[3])
        month, day = (second, first) if day_first else (first, second)
        return _date(full_year(match[4]), month, day)
    match = _RE["day_month_name"].fullmatch(text)
    if match and match[2].lower() in MONTHS:
        return _date(full_year(match[3]), MONTHS[match[2].lower()], int(match[1]))
    match = _RE["month_name_day"].fullmatch(text)
    if match and match[1].lower() in MONTHS:
        return _date(int(match[3]), MONTHS[match[1].lower()], int(match[2]))
    return None


def order_evidence(value: str) -> str | None:
    """'day_first' when a numeric date can only be day first (25/05/2021), 'month_first'
    when it can only be month first (05/25/2021), None when it says nothing."""
    match = _RE["numeric"].fullmatch(value.strip(" "))
    if not match:
        return None
    first, second = int(match[1]), int(match[3])
    if first > 12 and second <= 12:
        return "day_first"
    if second > 12 and first <= 12:
        return "month_first"
    return None


@dataclass(frozen=True)
class DateOrder:
    """How one file writes its numeric dates, and what to tell the sender about it."""

    day_first: bool
    warning: str | None = None


def file_date_order(values: Iterable[tuple[int, str]],
                    configured: str | None = None) -> DateOrder:
    """The order of a file's numeric dates from all of them at once (``(line, value)``
    pairs). ``configured`` ('day_first' or 'month_first', the institution's
    ``roster.date_order``) is the first guess; the file's own dates overrule it only when
    none of them agrees with it. Without either, month first (the US convention)."""
    evidence: dict[str, list[tuple[int, str]]] = {"day_first": [], "month_first": []}
    for line, value in values:
        found = order_evidence(value)
        if found:
            evidence[found].append((line, value))
    day, month = evidence["day_first"], evidence["month_first"]
    if configured:
        against = "month_first" if configured == "day_first" else "day_first"
        if evidence[against] and not evidence[configured]:
            line, value = evidence[against][0]
            order = "day/month/year" if against == "day_first" else "month/day/year"
            return DateOrder(against == "day_first", (
                f"dates are {order} (line {line}: {value!r}), not "
                f"{configured.replace('_', ' ')} as configured: the file was read {order}; "
                f"if this institution's files are always so, set date_order: {against} "
                "under its roster in config/institutions.yml"))
        return DateOrder(configured == "day_first")
    if day and len(day) >= len(month):
        line, value = day[0]
        many = len(month) > 1
        note = (f"; the {len(month)} date{'s' if many else ''} written month first "
                f"{'contradict' if many else 'contradicts'} it: "
                f"{'their rows are' if many else 'its row is'} quarantined" if month else "")
        return DateOrder(True, f"dates are day/month/year (line {line}: {value!r}); the "
                               f"file was read that way{note}")
    return DateOrder(False)
