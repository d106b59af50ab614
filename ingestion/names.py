"""A roster's single name column split into first, middle, last and suffix.

Some student information systems export one name column: PeopleSoft's NAME is
"Last,First Middle", other reports write "First Middle Last" with suffixes (Jr., III).
``nameparser`` (a maintained parser of Western personal names) reads both forms; the
original text is kept in ``raw.rosters.full_name``. Names written family-name first without
a comma ("Nguyen Thi Lan") cannot be told apart from "First Middle Last": such files should
use the "Last, First Middle" form or separate columns (README "Roster files").
"""

from __future__ import annotations

from dataclasses import dataclass

from nameparser import HumanName

# The pseudo-column a single name header maps to (ingestion.headers).
FULL_NAME = "full_name"


@dataclass(frozen=True)
class NameParts:
    first: str
    middle: str
    last: str
    suffix: str


def split_name(text: str) -> NameParts:
    """The parts of one written name. Titles (Dr., Mr.) and nicknames in quotes are
    dropped from the parts; what cannot be found is empty."""
    name = HumanName(text.strip())
    return NameParts(first=name.first, middle=name.middle, last=name.last,
                     suffix=name.suffix)
