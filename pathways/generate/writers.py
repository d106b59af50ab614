"""Write the generated world as the files institutions and vendors really send."""

from __future__ import annotations

import csv
import gzip
import io
import random
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path

import orjson

from pathways.core.config import STANDARD_ROSTER_COLUMNS, Institution
from pathways.generate import catalog
from pathways.generate.people import (
    LAST_GRAD_YEAR,
    SEARCH_DATE,
    Alumnus,
    Profile,
    strip_accents,
)

LAST_SURVEY_COHORT = LAST_GRAD_YEAR

NSC_COLUMNS: tuple[str, ...] = (
    "Your Unique Identifier", "First Name", "Middle Initial", "Last Name", "Name Suffix",
    "Requester Return Field", "Record Found Y/N", "Search Date", "College Code/Branch",
    "College Name", "College State", "2-year / 4-year", "Public / Private", "Enrollment Begin",
    "Enrollment End", "Enrollment Status", "Class Level", "Enrollment Major 1",
    "Enrollment CIP 1", "Enrollment Major 2", "Enrollment CIP 2", "Graduated?",
    "Graduation Date", "Degree Title", "Degree Major 1", "Degree Major 2", "Degree Major 3",
    "Degree Major 4", "Degree CIP 1", "Degree CIP 2", "Degree CIP 3", "Degree CIP 4",
    "College Sequence",
)

ROSTER_YEAR_RANGES: tuple[tuple[int, int], ...] = ((2016, 2018), (2019, 2021), (2022, 2025))

# Header styles so header matching has real work to do.
_HEADER_STYLES = ("snake", "mapped", "title", "fixed", "snake", "upper")


def _header(column: str, style: str) -> str:
    if style == "title":
        return column.replace("_", " ").title()
    if style == "upper":
        return column.upper()
    return column


def _encodable(value: str, encoding: str) -> str:
    """Registrar exports in legacy encodings lose what the code page cannot hold: accents
    are dropped where possible (Nguyễn -> Nguyen) and other letters become '?' (Ł -> ?)."""
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        return strip_accents(value).encode(encoding, errors="replace").decode(encoding)
    return value


def roster_rows(alumni: Iterable[Alumnus], index: int) -> Iterable[dict[str, str]]:
    """Standard-column roster rows for alumni, in the institution's own value styles."""
    date_style = catalog.ROSTER_DATE_STYLES[index % len(catalog.ROSTER_DATE_STYLES)]
    degree_style = catalog.ROSTER_DEGREE_STYLES[index % len(catalog.ROSTER_DEGREE_STYLES)]
    excel_mangled = index == 1  # this registrar's file went through Excel: leading zeros lost
    for a in alumni:
        postal = a.postal_code or ""
        student_id = a.student_id
        if excel_mangled:
            postal, student_id = postal.lstrip("0"), student_id.lstrip("0")
        yield {
            "student_id": student_id,
            "first_name": a.roster_first_name,
            "middle_name": a.person.middle_name or "",
            "last_name": a.roster_last_name,
            "former_last_name": a.former_last_name or "",
            "suffix": a.suffix or "",
            "date_of_birth": a.date_of_birth.strftime(date_style),
            "email": a.person.email or "",
            "phone": a.phone or "",
            "street_address": a.street_address or "",
            "city": a.person.city,
            "state": a.person.state,
            "postal_code": postal,
            "program_cip": a.program.cip,
            "program_name": a.program.name,
            "degree_level": degree_style[a.degree_level],
            "graduation_date": a.graduation_date.strftime(date_style),
        }


def write_roster(path: Path, institution: Institution, index: int, alumni: list[Alumnus]) -> None:
    """One roster file in the institution's configured shape."""
    fmt = institution.roster
    rows = list(roster_rows(alumni, index))
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt.format == "fixed_width":
        encoding = fmt.encoding or "utf-8"
        with path.open("w", encoding=encoding, newline="") as handle:
            for row in rows:
                line = ""
                for spec in fmt.layout:
                    value = _encodable(row[spec.name], encoding)[: spec.width]
                    line += value.ljust(spec.width)
                handle.write(line.rstrip() + "\r\n")
        return
    # Delimited. No configured encoding means the file is Excel "Unicode text" (UTF-16).
    encoding = fmt.encoding or "utf-16"
    inverse = {std: raw for raw, std in fmt.column_map.items()}
    style = _HEADER_STYLES[index % len(_HEADER_STYLES)]
    header = [inverse.get(c) or _header(c, style) for c in STANDARD_ROSTER_COLUMNS]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fmt.delimiter or ",", lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_encodable(row[c], encoding) for c in STANDARD_ROSTER_COLUMNS])
    path.write_bytes(buffer.getvalue().encode(encoding))


def _terms(begin: date, end: date) -> list[tuple[date, date]]:
    """Fall and spring terms between two dates."""
    terms = []
    year = begin.year
    while True:
        for start, stop in ((date(year, 1, 15), date(year, 5, 10)),
                            (date(year, 8, 25), date(year, 12, 15))):
            if start >= begin - timedelta(days=40) and stop <= end + timedelta(days=40):
                terms.append((start, stop))
        year += 1
        if date(year, 1, 1) > end:
            return terms


def nsc_rows(alumni: Iterable[Alumnus]) -> Iterable[list[str]]:
    """StudentTracker detail rows: one per enrolled term and one per credential."""
    search = SEARCH_DATE.strftime("%Y%m%d")
    degree_titles = {"associate": "ASSOCIATE OF SCIENCE", "bachelor": "BACHELOR OF SCIENCE",
                     "master": "MASTER OF SCIENCE", "doctoral": "DOCTOR OF PHILOSOPHY"}
    for a in alumni:
        ident = [a.student_id, strip_accents(a.roster_first_name).upper(),
                 (a.person.middle_name or "")[:1].upper(),
                 strip_accents(a.roster_last_name).upper(), (a.suffix or "").upper().rstrip("."),
                 a.student_id]
        if not a.enrollments:
            yield [*ident, "N", search] + [""] * 25
            continue
        for sequence, e in enumerate(a.enrollments, start=1):
            college = [e.college.code, e.college.name, e.college.state, e.college.level,
                       e.college.control]
            major = e.program.name.upper()
            class_level = "G" if e.level in ("master", "doctoral") else "J"
            for term_begin, term_end in _terms(e.begin, e.end):
                status = "F" if (term_begin.toordinal() + len(a.student_id)) % 5 else "H"
                yield [*ident, "Y", search, *college, term_begin.strftime("%Y%m%d"),
                       term_end.strftime("%Y%m%d"), status, class_level, major, e.program.cip,
                       "", "", "N", "", "", "", "", "", "", "", "", "", "", str(sequence)]
            if e.completed:
                yield [*ident, "Y", search, *college, "", "", "", "", "", "", "", "", "Y",
                       e.end.strftime("%Y%m%d"), degree_titles[e.level], major, "", "", "",
                       e.program.cip, "", "", "", str(sequence)]


def write_nsc(path: Path, alumni: list[Alumnus]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(NSC_COLUMNS)
        writer.writerows(nsc_rows(alumni))


def _month(value: date | None) -> str | None:
    return value.strftime("%Y-%m") if value else None


def profile_json(profile: Profile) -> bytes:
    """One profile as a JSON line, the shape the profile vendor delivers."""
    return orjson.dumps({
        "profile_id": profile.profile_id,
        "first_name": profile.first_name,
        "middle_name": profile.middle_name,
        "last_name": profile.last_name,
        "full_name": " ".join(x for x in (profile.first_name, profile.middle_name,
                                          profile.last_name) if x),
        "location": {"city": profile.city, "state": profile.state},
        "email": profile.email,
        "education": [
            {"school": e.school, "degree": e.degree, "field_of_study": e.field_of_study,
             "start_year": e.start_year, "end_year": e.end_year}
            for e in profile.education
        ],
        "positions": [
            {"employer": p.employer, "title": p.title, "start_date": _month(p.start),
             "end_date": _month(p.end), "location": {"city": p.city, "state": p.state}}
            for p in profile.positions
        ],
        "updated_at": profile.updated_at.isoformat(),
    })


class ProfileFileWriter:
    """Writes gzip JSON-lines files of at most ``per_file`` profiles each."""

    def __init__(self, folder: Path, per_file: int = 250_000, prefix: str = "profiles") -> None:
        self.folder = folder
        self.per_file = per_file
        self.prefix = prefix
        self.count = 0
        self._handle: gzip.GzipFile | None = None
        self._buffer: list[bytes] = []
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, profile: Profile) -> None:
        if self.count % self.per_file == 0:
            self._flush()
            if self._handle:
                self._handle.close()
            name = f"{self.prefix}_{self.count // self.per_file + 1:04d}.jsonl.gz"
            # Closed in write() when the next file starts, and in close().
            self._handle = gzip.open(self.folder / name, "wb", compresslevel=1)  # noqa: SIM115
        self._buffer.append(profile_json(profile))
        self.count += 1
        if len(self._buffer) >= 5000:
            self._flush()

    def write_lines(self, lines: Iterator[bytes]) -> None:
        """Append already-serialised profile lines to the current file."""
        for line in lines:
            self._buffer.append(line)
        self._flush()

    def _flush(self) -> None:
        if self._handle and self._buffer:
            self._handle.write(b"\n".join(self._buffer) + b"\n")
        self._buffer = []

    def close(self) -> None:
        self._flush()
        if self._handle:
            self._handle.close()
            self._handle = None


TRUTH_COLUMNS: tuple[str, ...] = (
    "institution_id", "student_id", "profile_id", "profile_findable", "graduation_date",
    "degree_level",
    "program_cip", "employed_after_graduation", "months_to_first_job", "first_job_in_field",
    "further_study", "current_state", "first_job_soc_code",
)
POSITION_TRUTH_COLUMNS: tuple[str, ...] = (
    "institution_id", "student_id", "position_index", "employer", "title", "soc_code",
    "onet_soc_code", "is_in_field", "started_on", "ended_on",
)


def truth_row(a: Alumnus) -> list[str]:
    first = a.first_job_start
    first_positions = [p for p in a.positions if p.start == first]
    months = ((first.year - a.graduation_date.year) * 12 + first.month
              - a.graduation_date.month) if first else None
    in_field = first_positions[0].is_in_field if first_positions else None
    return [a.institution.id, a.student_id, a.profile_id or "",
            str(a.profile_findable).lower(), a.graduation_date.isoformat(),
            a.degree_level, a.program.cip, str(first is not None).lower(),
            "" if months is None else str(months),
            "" if in_field is None else str(in_field).lower(),
            str(bool(a.enrollments)).lower(), a.current_state,
            first_positions[0].soc_code if first_positions else ""]


def position_truth_rows(alumni: Iterable[Alumnus]) -> Iterable[list[str]]:
    """Every job of every alumnus with its true occupation (before any source drops it)."""
    for a in alumni:
        for index, p in enumerate(a.positions):
            yield [a.institution.id, a.student_id, str(index), p.employer, p.title, p.soc_code,
                   p.onet_soc_code, "" if p.is_in_field is None else str(p.is_in_field).lower(),
                   p.start.isoformat(), p.end.isoformat() if p.end else ""]


def write_truth(path: Path, alumni: list[Alumnus]) -> None:
    """``alumni.csv`` at ``path`` and ``positions.csv`` beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(TRUTH_COLUMNS)
        writer.writerows(truth_row(a) for a in alumni)
    with (path.parent / "positions.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(POSITION_TRUTH_COLUMNS)
        writer.writerows(position_truth_rows(alumni))


SURVEY_COLUMNS: tuple[str, ...] = (
    "Student ID", "Email", "Survey Status", "Outcome", "Employer Name", "Job Title",
    "Job City", "Job State", "Start Date", "Annual Salary", "Continuing Education Institution",
    "Response Date",
)
_SALARY = {"11": 78000, "13": 64000, "15": 82000, "17": 72000, "19": 52000, "21": 44000,
           "23": 50000, "25": 45000, "27": 47000, "29": 68000, "31": 37000, "33": 48000,
           "35": 30000, "41": 38000, "43": 36000, "47": 46000, "49": 45000}


def survey_rows(alumni: Iterable[Alumnus], rng: random.Random) -> Iterable[list[str]]:
    """First-destination survey responses for recent cohorts, about six months out: the
    status follows the alumnus's true first job and further study at that point."""
    for a in alumni:
        if a.graduation_date.year < LAST_SURVEY_COHORT - 2 or rng.random() > 0.45:
            continue
        six_months = date(a.graduation_date.year + (a.graduation_date.month + 6 > 12),
                          (a.graduation_date.month + 5) % 12 + 1, 1)
        if six_months > SEARCH_DATE:
            continue
        job = next((p for p in a.positions if a.graduation_month <= p.start <= six_months), None)
        study = next((e for e in a.enrollments if e.begin <= six_months), None)
        row = dict.fromkeys(SURVEY_COLUMNS, "")
        row.update({"Student ID": a.student_id, "Email": a.person.email or "",
                    "Survey Status": "Complete" if rng.random() < 0.9 else "Partial",
                    "Response Date": six_months.strftime("%m/%d/%Y")})
        if job is not None:
            row.update({
                "Outcome": rng.choice(("Employed full-time",) * 8 + ("Employed part-time",)),
                "Employer Name": job.employer, "Job Title": job.title.removeprefix("Intern, "),
                "Job City": job.city, "Job State": job.state,
                "Start Date": job.start.strftime("%m/%d/%Y"),
                "Annual Salary": str(_SALARY.get(job.soc_group, 45000)
                                     + rng.randrange(-8, 9) * 1000) if rng.random() < 0.6 else "",
            })
        elif study is not None:
            row.update({"Outcome": "Continuing education",
                        "Continuing Education Institution": study.college.name.title()})
        elif rng.random() < 0.05:
            row["Outcome"] = "Volunteer or service program"
        else:
            row["Outcome"] = "Seeking employment" if rng.random() < 0.7 else "Not seeking"
        yield [row[c] for c in SURVEY_COLUMNS]


VERIFICATION_COLUMNS: tuple[str, ...] = (
    "EMAIL_ADDR", "EMPLOYER", "JOB_TITLE", "HIRE_DT", "TERM_DT", "STATUS", "VERIFIED_DT",
)


def verification_rows(alumni: Iterable[Alumnus], rng: random.Random) -> Iterable[list[str]]:
    """An employment-verification vendor's feed, matched on the roster email: one row per
    position after graduation it could verify."""
    verified = SEARCH_DATE.strftime("%Y%m%d")
    for a in alumni:
        if not a.person.email or rng.random() > 0.2:
            continue
        for p in a.positions:
            if p.start < a.graduation_month or rng.random() > 0.9:
                continue
            yield [a.person.email.upper(), p.employer.upper(), p.title.upper(),
                   p.start.strftime("%Y%m%d"), p.end.strftime("%Y%m%d") if p.end else "",
                   "A" if p.end is None else "I", verified]


def write_csv(path: Path, header: tuple[str, ...], rows: Iterable[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)
