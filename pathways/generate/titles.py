"""How people write job titles on profiles and surveys: a real title, dressed up.

The demo generator and the title-coding benchmark both start from a title O*NET lists for
the occupation someone holds and write it the way profiles do: seniority words and levels
("Sr. Accountant II"), abbreviations ("Cust Svc Rep"), employment type and shift ("Line
Cook - 2nd Shift - Temp"), work arrangement and location ("Data Analyst (Remote)",
"Nurse - Boston, MA"), a department or unit ("Registered Nurse, ICU"), an acronym in
parentheses, the comma form ("Analyst, Marketing") and any case. Each variation is drawn
independently with the probability in ``RATES``; about two titles in five come out as
written by O*NET (bar the case).
"""

from __future__ import annotations

import random
import re

RATES = {
    "seniority": 0.18, "level": 0.10, "abbreviation": 0.25, "employment": 0.08,
    "shift": 0.05, "location": 0.08, "department": 0.08, "acronym": 0.04, "comma": 0.04,
    "punctuation": 0.04,
}

SENIORITY = ("Senior", "Sr.", "Sr", "Junior", "Jr.", "Lead", "Principal", "Staff",
             "Associate", "Entry Level", "Senior", "Sr.")
LEVELS = ("I", "II", "III", "IV", "1", "2", "3", "Level 2", "L3", "II", "I")
# Words profiles abbreviate, and how.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "Senior": ("Sr.", "Sr"), "Junior": ("Jr.", "Jr"), "Manager": ("Mgr", "Mgr."),
    "Assistant": ("Asst", "Asst."), "Associate": ("Assoc",), "Technician": ("Tech",),
    "Representative": ("Rep",), "Coordinator": ("Coord",), "Administrator": ("Admin",),
    "Administrative": ("Admin",), "Engineer": ("Engr", "Eng"), "Specialist": ("Spec",),
    "Supervisor": ("Supv", "Supvr"), "Director": ("Dir",), "Executive": ("Exec",),
    "Department": ("Dept",), "Operations": ("Ops",), "Marketing": ("Mktg",),
    "Management": ("Mgmt",), "Customer": ("Cust",), "Service": ("Svc",),
    "Human Resources": ("HR",), "Information Technology": ("IT",),
    "Vice President": ("VP",), "Quality Assurance": ("QA",), "Maintenance": ("Maint",),
    "Manufacturing": ("Mfg",), "Accounting": ("Acctg",), "Developer": ("Dev",),
    "Government": ("Govt",), "International": ("Intl",), "Laboratory": ("Lab",),
}
EMPLOYMENT = (" (Contract)", " - Contract", "Part-Time ", " - Part Time", " (PT)", "Temp ",
              " - Per Diem", " PRN", " (Full-Time)", " - Seasonal", " - Temporary",
              " (Contractor)", "Full Time ")
SHIFTS = (" - Night Shift", " (Nights)", " - 2nd Shift", " - Evening Shift", ", Weekends",
          " (Day Shift)", " - 3rd Shift", " - Overnight")
PLACES = (("Boston", "MA"), ("Chicago", "IL"), ("Austin", "TX"), ("Denver", "CO"),
          ("Seattle", "WA"), ("Atlanta", "GA"), ("Columbus", "OH"), ("Phoenix", "AZ"),
          ("New York", "NY"), ("Miami", "FL"))
DEPARTMENTS = ("Finance", "Marketing", "Operations", "ICU", "Pediatrics",
               "Emergency Department", "Sales", "Engineering", "Customer Success",
               "Facilities", "Accounts Payable", "Research", "Admissions", "Oncology",
               "Corporate", "Northeast Region")


def _abbreviate(rng: random.Random, title: str) -> str:
    words = [w for w in ABBREVIATIONS if re.search(rf"\b{w}\b", title)]
    if not words:
        return title
    word = rng.choice(words)
    return re.sub(rf"\b{word}\b", rng.choice(ABBREVIATIONS[word]), title, count=1)


def _location(rng: random.Random) -> str:
    city, state = rng.choice(PLACES)
    return rng.choice((f" - {city}, {state}", ", Remote", " (Remote)", " - Hybrid",
                       f" | {city}", f" - {state}", f" ({city}, {state})"))


def _department(rng: random.Random) -> str:
    name = rng.choice(DEPARTMENTS)
    return rng.choice((f", {name}", f" - {name}", f" ({name})", f" | {name}",
                       f" - {name} Dept"))


def _comma_form(title: str) -> str:
    """"Marketing Analyst" -> "Analyst, Marketing" (titles of two or three words)."""
    words = title.split()
    if not 2 <= len(words) <= 3 or "," in title:
        return title
    return f"{words[-1]}, {' '.join(words[:-1])}"


def _acronym(title: str) -> str:
    words = [w for w in re.findall(r"[A-Za-z]+", title) if w.lower() not in
             ("and", "of", "the", "for", "in")]
    if len(words) < 2 or "(" in title:
        return title
    return f"{title} ({''.join(w[0].upper() for w in words)})"


def profile_spelling(rng: random.Random, title: str) -> str:
    """``title`` (an O*NET or BLS title) written the way a profile might write it."""
    text = re.sub(r"\s*\([^)]*\)", "", title).strip() or title  # "Field Tech (FT)" aside
    if rng.random() < RATES["abbreviation"]:
        text = _abbreviate(rng, text)
    if rng.random() < RATES["comma"]:
        text = _comma_form(text)
    if rng.random() < RATES["acronym"]:
        text = _acronym(text)
    if rng.random() < RATES["seniority"]:
        text = f"{rng.choice(SENIORITY)} {text}"
    if rng.random() < RATES["level"]:
        text = f"{text} {rng.choice(LEVELS)}"
    if rng.random() < RATES["employment"]:
        kind = rng.choice(EMPLOYMENT)
        text = kind + text if kind.endswith(" ") else text + kind
    if rng.random() < RATES["shift"]:
        text += rng.choice(SHIFTS)
    if rng.random() < RATES["department"]:
        text += _department(rng)
    if rng.random() < RATES["location"]:
        text += _location(rng)
    if rng.random() < RATES["punctuation"]:
        text = rng.choice((text + ".", text.replace(" ", "  ", 1), " " + text + " "))
    case = rng.random()
    if case < 0.12:
        text = text.lower()
    elif case < 0.2:
        text = text.upper()
    return text
