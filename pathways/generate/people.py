"""Synthetic people: alumni with their true outcomes, and the public profile pool.

Everything is drawn from one seeded ``random.Random`` so a seed gives the same landing folder
on every machine. Outcomes come first (employment, field, further study, moves) and drive
both the profile positions and the NSC rows, so the three sources agree the way real ones do.
"""

from __future__ import annotations

import importlib
import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from faker.providers.person.en_US import Provider as PersonProvider
from nicknames import NickNamer

from pathways.core.config import Institution
from pathways.generate import catalog, names
from pathways.generate.jobs import job_market

SEARCH_DATE = date(2026, 10, 1)  # the "as of" date of the demo world (NSC search date)
FIRST_GRAD_YEAR = 2016
LAST_GRAD_YEAR = 2025

# Names outside ASCII, the ones encodings break: they must arrive intact.
ACCENTED_FIRST = ("José", "Zoë", "Renée", "Chloé", "Siobhán", "Björn", "Andrés", "Noémie")
ACCENTED_LAST = ("O’Brien", "Nguyễn", "Muñoz", "García", "Peña", "Ramírez", "Løvik", "D’Angelo")


@dataclass
class Position:
    employer: str
    title: str  # as the profile writes it
    soc_code: str  # the true SOC 2018 detailed occupation
    naics_sector: str
    start: date
    end: date | None
    city: str
    state: str
    onet_soc_code: str = ""
    is_in_field: bool | None = None  # for alumni: the crosswalk pairs program and occupation

    @property
    def soc_group(self) -> str:
        """The true SOC 2018 major group, two digits."""
        return self.soc_code[:2]


@dataclass
class Education:
    school: str
    degree: str | None
    field_of_study: str | None
    start_year: int | None
    end_year: int | None


@dataclass
class Enrollment:
    """A post-graduation enrollment that NSC reports (one or more terms, maybe a degree)."""

    college: catalog.College
    level: str  # "master", "bachelor", ...
    program: catalog.Program
    begin: date
    end: date
    completed: bool


@dataclass
class Person:
    first_name: str
    middle_name: str | None
    last_name: str
    sex: str
    city: str
    state: str
    zip3: str
    email: str | None = None
    tradition: str = "common"  # see pathways.generate.names
    native_first: str | None = None  # the name in its own script, when it has one
    native_last: str | None = None


@dataclass
class Alumnus:
    institution: Institution
    student_id: str
    person: Person
    former_last_name: str | None
    suffix: str | None
    date_of_birth: date
    phone: str | None
    street_address: str | None
    postal_code: str | None
    program: catalog.Program
    degree_level: str
    graduation_date: date
    roster_first_name: str
    roster_last_name: str
    # truth
    profile_id: str | None = None
    positions: list[Position] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    current_city: str = ""
    current_state: str = ""
    married_last_name: str | None = None
    # The profile carries evidence a reviewer would accept: it lists the institution under a
    # configured alias with a last name the roster knows (current or former), or it shows the
    # roster email. A profile under a married name nobody reported is not findable.
    profile_findable: bool = False

    @property
    def graduation_month(self) -> date:
        return self.graduation_date.replace(day=1)

    @property
    def first_job_start(self) -> date | None:
        """Start of the first position begun in or after the graduation month."""
        starts = [p.start for p in self.positions if p.start >= self.graduation_month]
        return min(starts) if starts else None


@dataclass
class Profile:
    profile_id: str
    first_name: str
    middle_name: str | None
    last_name: str
    city: str | None
    state: str | None
    email: str | None
    education: list[Education]
    positions: list[Position]
    updated_at: date


def _weighted(mapping: dict[str, float]) -> tuple[list[str], list[float]]:
    names = list(mapping)
    weights = list(mapping.values())
    total = 0.0
    cumulative = []
    for w in weights:
        total += w
        cumulative.append(total)
    return names, cumulative


# Locales whose names are common in the US beyond the census top 1,000 surnames.
LONG_TAIL_LOCALES = ("en_GB", "en_IE", "de_DE", "it_IT", "es_MX", "es_ES", "fr_FR", "pl_PL",
                     "pt_BR", "nl_NL", "vi_VN", "en_IN")
# The census top 1,000 surnames cover about 60% of Americans; the rest is a long tail.
LONG_TAIL_SHARE = 0.4


def _long_tail(attributes: tuple[str, ...]) -> list[str]:
    names: set[str] = set()
    for locale in LONG_TAIL_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in attributes:
            names.update(getattr(provider, attribute, ()))
    return sorted(n for n in names if n.replace(" ", "").replace("-", "").replace("'", "")
                  .isalpha() and len(n) > 1)


class NamePool:
    """Census-weighted US names (Faker's en_US data) with a long tail of surnames and first
    names from other locales, plus nickname knowledge."""

    def __init__(self) -> None:
        self.female = _weighted(PersonProvider.first_names_female)
        self.male = _weighted(PersonProvider.first_names_male)
        self.last = _weighted(PersonProvider.last_names)
        self.long_tail_last = _long_tail(("last_names",))
        self.long_tail_female = _long_tail(("first_names_female",))
        self.long_tail_male = _long_tail(("first_names_male",))
        namer = NickNamer()
        self.nicknames: dict[str, list[str]] = {}
        for given_names in (self.female[0], self.male[0]):
            for name in given_names:
                nicks = sorted(n.title() for n in namer.nicknames_of(name.lower()) if len(n) > 2)
                if nicks:
                    self.nicknames[name] = nicks

    @staticmethod
    def _pick(rng: random.Random, pool: tuple[list[str], list[float]]) -> str:
        return rng.choices(pool[0], cum_weights=pool[1], k=1)[0]

    def first(self, rng: random.Random, sex: str) -> str:
        draw = rng.random()
        if draw < 0.03:
            return rng.choice(ACCENTED_FIRST)
        if draw < 0.25:
            return rng.choice(self.long_tail_female if sex == "F" else self.long_tail_male)
        return self._pick(rng, self.female if sex == "F" else self.male)

    def last_name(self, rng: random.Random) -> str:
        draw = rng.random()
        if draw < 0.03:
            return rng.choice(ACCENTED_LAST)
        if draw < LONG_TAIL_SHARE:
            return rng.choice(self.long_tail_last)
        return self._pick(rng, self.last)

    def person_name(self, rng: random.Random, sex: str) -> names.PersonName:
        """A whole name: from another tradition for about one person in eleven (compound,
        particle, apostrophe, Vietnamese, Chinese, Cyrillic, Greek, hyphenated; see
        pathways.generate.names), otherwise a common first, middle and last name."""
        drawn = names.draw_tradition(rng, sex, lambda: self.first(rng, sex),
                                     lambda: self.last_name(rng))
        if drawn is not None:
            if drawn.middle is None and drawn.tradition in ("particle", "apostrophe",
                                                            "hyphenated"):
                middle = self.first(rng, sex) if rng.random() < 0.6 else None
                drawn = names.PersonName(drawn.first, middle, drawn.last, drawn.tradition)
            return drawn
        first = self.first(rng, sex)
        middle = self.first(rng, sex) if rng.random() < 0.6 else None
        return names.PersonName(first, middle, self.last_name(rng))


def typo(rng: random.Random, text: str) -> str:
    """One keyboard slip: a swapped, dropped or doubled letter."""
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:i] + text[i + 1] + text[i] + text[i + 2:]
    if kind < 0.7:
        return text[:i] + text[i + 1:]
    return text[:i] + text[i] + text[i:]


def strip_accents(text: str) -> str:
    """José -> Jose, O’Brien -> O'Brien: what many people type on public profiles."""
    text = text.replace("’", "'")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    return date(month_index // 12, month_index % 12 + 1, 1)


class World:
    """Draws people, outcomes and profiles for a set of institutions."""

    def __init__(self, institutions: list[Institution], seed: int) -> None:
        self.rng = random.Random(seed)
        # Jobs (occupations, titles, employers) draw from their own stream.
        self.jobs = job_market()
        self.jobs_rng = random.Random(f"jobs-{seed}")
        self.names = NamePool()
        self.institutions = institutions
        self._profile_ids: set[str] = set()
        self._emails: set[str] = set()

    # -- people ---------------------------------------------------------------------------
    def person(self, home_state: str | None) -> Person:
        rng = self.rng
        sex = "F" if rng.random() < 0.55 else "M"
        name = self.names.person_name(rng, sex)
        in_state = [c for c in catalog.CITIES if c[1] == home_state]
        city, state, zip3 = rng.choice(in_state) if in_state and rng.random() < 0.7 else \
            rng.choice(catalog.CITIES)
        return Person(name.first, name.middle, name.last, sex, city, state, zip3,
                      tradition=name.tradition, native_first=name.native_first,
                      native_last=name.native_last)

    def _spelled(self, person: Person, first: str, last: str) -> tuple[str, str]:
        """The person's own name as they spell it on a profile: one of two given names,
        a compound surname's first part, particles dropped or run together, an
        apostrophe dropped, a Vietnamese middle name in the surname
        (pathways.generate.names). A surname other than their own is left alone."""
        rng = self.rng
        first = names.profile_given_name(rng, first, person.tradition)
        if last == person.last_name:
            last = names.profile_surname(rng, last, person.tradition)
            if person.tradition == "vietnamese":
                last, _ = names.vietnamese_surname(rng, last, person.middle_name)
        return first, last

    def _scripted(self, person: Person, first: str, last: str) -> tuple[str, str]:
        """A name from another script written in it, or romanised another way; and the
        boxes swapped on a few profiles."""
        rng = self.rng
        if last == person.last_name or person.native_last is not None:
            first, last = names.profile_script(rng, names.PersonName(
                person.first_name, person.middle_name, person.last_name, person.tradition,
                person.native_first, person.native_last), first, last)
        return names.maybe_swap(rng, first, last)

    def email_for(self, first: str, last: str) -> str:
        """A personal email address, unique like real ones: a taken address gets digits."""
        rng = self.rng
        a = "".join(c for c in strip_accents(first).lower() if c.isalnum())
        b = "".join(c for c in strip_accents(last).lower() if c.isalnum())
        style = rng.random()
        local = f"{a}.{b}" if style < 0.4 else f"{a[:1]}{b}" if style < 0.7 else f"{a}{b}"
        if rng.random() < 0.6:
            local += str(rng.randrange(1, 99))
        domain = rng.choice(catalog.EMAIL_DOMAINS)
        address = f"{local}@{domain}"
        while address in self._emails:
            address = f"{local}{rng.randrange(1, 9999)}@{domain}"
        self._emails.add(address)
        return address

    def new_profile_id(self) -> str:
        while True:
            pid = f"pf{self.rng.getrandbits(40):010x}"
            if pid not in self._profile_ids:
                self._profile_ids.add(pid)
                return pid

    # -- alumni ---------------------------------------------------------------------------
    def alumni(self, institution: Institution, index: int, count: int) -> list[Alumnus]:
        rng = self.rng
        community_college = "Community College" in institution.name
        programs = [p for p in catalog.PROGRAMS
                    if (community_college and {"certificate", "associate"} & set(p.levels))
                    or (not community_college and {"bachelor", "master"} & set(p.levels))]
        # Each institution offers some programs, a few large and many small (Zipf-like).
        offered = rng.sample(programs, min(10, len(programs)))
        popularity = [1 / (rank + 1) for rank in range(len(offered))]
        id_width = institution.roster.student_id_width or 8
        used_ids: set[str] = set()
        result: list[Alumnus] = []
        for _ in range(count):
            person = self.person(institution.state)
            program = rng.choices(offered, weights=popularity, k=1)[0]
            allowed = [lv for lv in program.levels
                       if (lv in ("certificate", "associate")) == community_college]
            level = rng.choice(allowed or list(program.levels))
            grad_year = rng.randint(FIRST_GRAD_YEAR, LAST_GRAD_YEAR)
            grad_date = date(grad_year, *rng.choice(((5, 15), (5, 15), (5, 15), (12, 15), (8, 10))))
            age = {"certificate": 24, "associate": 21, "bachelor": 22, "master": 26,
                   "doctoral": 30}[level] + rng.choice((0, 0, 0, 1, 1, 2, 4, 9))
            dob = date(grad_year - age, rng.randint(1, 12), rng.randint(1, 28))
            while True:
                student_id = str(rng.randrange(1, 10 ** (id_width - 2))).zfill(id_width)
                if student_id not in used_ids:
                    used_ids.add(student_id)
                    break
            former = None
            if person.sex == "F" and rng.random() < 0.04:
                former = self.names.last_name(rng)
            roster_first = person.first_name
            roster_last = person.last_name if rng.random() > 0.015 else typo(rng, person.last_name)
            person.email = self.email_for(person.first_name, person.last_name) \
                if rng.random() < 0.85 else None
            street = (f"{rng.randint(1, 9999)} {rng.choice(catalog.STREET_NAMES)} "
                      f"{rng.choice(catalog.STREET_TYPES)}") if rng.random() < 0.93 else None
            postal = f"{person.zip3}{rng.randrange(0, 100):02d}" if rng.random() < 0.95 else None
            phone = (f"({rng.randint(201, 989)}) 555-{rng.randrange(0, 10000):04d}"
                     if rng.random() < 0.7 else None)
            result.append(Alumnus(
                institution=institution, student_id=student_id, person=person,
                former_last_name=former,
                suffix=(rng.choice(("Jr.", "III", "II"))
                        if person.sex == "M" and rng.random() < 0.03 else None),
                date_of_birth=dob, phone=phone, street_address=street, postal_code=postal,
                program=program, degree_level=level, graduation_date=grad_date,
                roster_first_name=roster_first, roster_last_name=roster_last,
            ))
        # Two different people with the same name at one school (about 1%).
        for _ in range(max(1, count // 100)):
            a, b = rng.sample(result, 2) if len(result) >= 2 else (result[0], result[0])
            if a is not b:
                b.person.first_name = b.roster_first_name = a.person.first_name
                b.person.last_name = b.roster_last_name = a.person.last_name
                b.person.email = self.email_for(b.person.first_name, b.person.last_name)
        for alumnus in result:
            self._outcomes(alumnus)
        return result

    def _outcomes(self, alumnus: Alumnus) -> None:
        """True outcomes: moves, marriage, jobs and further study after graduation."""
        rng = self.rng
        p = alumnus.person
        years_since = SEARCH_DATE.year - alumnus.graduation_date.year
        if rng.random() < 0.4:
            alumnus.current_city, alumnus.current_state, _ = rng.choice(catalog.CITIES)
        else:
            alumnus.current_city, alumnus.current_state = p.city, p.state
        if p.sex == "F" and years_since >= 2 and rng.random() < 0.04 * years_since:
            alumnus.married_last_name = self.names.last_name(rng)
        # Further study (NSC) first: it delays the first job.
        study_rate = {"certificate": 0.15, "associate": 0.45, "bachelor": 0.22,
                      "master": 0.08, "doctoral": 0.02}[alumnus.degree_level]
        study_start = None
        if rng.random() < study_rate:
            next_level = {"certificate": "associate", "associate": "bachelor",
                          "bachelor": "master", "master": "doctoral",
                          "doctoral": "doctoral"}[alumnus.degree_level]
            same_school = rng.random() < 0.3
            college = (catalog.College(f"{alumnus.institution.unitid}-00",
                                       alumnus.institution.name.upper(),
                                       alumnus.institution.state or "", "4", "Public")
                       if same_school else rng.choice(catalog.OTHER_COLLEGES))
            program = alumnus.program if rng.random() < 0.6 else rng.choice(catalog.PROGRAMS)
            begin = date(alumnus.graduation_date.year + rng.choice((0, 0, 1, 2)),
                         rng.choice((1, 8)), rng.choice((15, 25)))
            if begin <= alumnus.graduation_date:
                begin = date(alumnus.graduation_date.year + 1, 1, 15)
            years = {"associate": 2, "bachelor": 2, "master": 2, "doctoral": 5}[next_level]
            end = date(begin.year + years, 5, 15)
            if begin < SEARCH_DATE:
                completed = end < SEARCH_DATE and rng.random() < 0.75
                alumnus.enrollments.append(Enrollment(college, next_level, program, begin,
                                                      min(end, SEARCH_DATE), completed))
                study_start = begin
        # Employment.
        employed = rng.random() < {"certificate": 0.8, "associate": 0.78, "bachelor": 0.86,
                                   "master": 0.9, "doctoral": 0.9}[alumnus.degree_level]
        if study_start is not None and rng.random() < 0.5:
            employed = employed and years_since >= 3
        if rng.random() < 0.3:  # an internship before graduation
            self._position(alumnus, _add_months(alumnus.graduation_date, -rng.randint(8, 14)),
                           months=rng.randint(2, 4), in_field=True)
        if employed:
            start = _add_months(alumnus.graduation_date, rng.choice((0, 1, 1, 2, 3, 4, 6, 9, 14)))
            in_field = rng.random() < 0.68
            held = 0
            while start < SEARCH_DATE:
                months = rng.choice((14, 20, 26, 36, 48, 60))
                self._position(alumnus, start, months=months, in_field=in_field)
                held += 1
                start = _add_months(start, months + rng.choice((0, 0, 1, 3)))
                in_field = in_field or rng.random() < 0.3
            if held and rng.random() < 0.85:
                alumnus.positions[-1].end = None  # still there

    def _position(self, alumnus: Alumnus, start: date, months: int, in_field: bool) -> None:
        """A job: its true occupation in (or out of) the program's field by the crosswalk,
        a real title of it as profiles write it, an employer of a sector that hires it."""
        end = _add_months(start, months)
        job = self._job(alumnus.program, in_field, start, None if end > SEARCH_DATE else end,
                        alumnus.current_city, alumnus.current_state)
        if start < alumnus.graduation_date:
            job.title = "Intern, " + job.title
        alumnus.positions.append(job)

    def _job(self, program: catalog.Program | None, in_field: bool, start: date,
             end: date | None, city: str, state: str) -> Position:
        rng = self.jobs_rng
        occupation = self.jobs.occupation(rng, program, in_field)
        sector = self.jobs.sector(rng, occupation)
        return Position(
            employer=rng.choice(catalog.EMPLOYERS[sector]),
            title=self.jobs.title(rng, occupation),
            soc_code=occupation.soc_code, onet_soc_code=occupation.onet_soc_code,
            naics_sector=sector, start=start, end=end, city=city, state=state,
            is_in_field=None if program is None else self.jobs.is_in_field(
                program.cip, occupation.soc_code),
        )

    # -- profiles ---------------------------------------------------------------------------
    def alumnus_profile(self, alumnus: Alumnus) -> Profile | None:
        """The public profile of an alumnus, if they have one, with identity variations."""
        rng = self.rng
        if rng.random() > 0.72:
            return None
        p = alumnus.person
        first = p.first_name
        if first in self.names.nicknames and rng.random() < 0.2:
            first = rng.choice(self.names.nicknames[first])
        elif rng.random() < 0.03:
            first = typo(rng, first)
        last = alumnus.married_last_name or p.last_name
        if alumnus.former_last_name and rng.random() < 0.3:
            last = alumnus.former_last_name
        known_last_name = last in (p.last_name, alumnus.roster_last_name, alumnus.former_last_name)
        if alumnus.married_last_name and last == alumnus.married_last_name \
                and rng.random() < 0.2:
            last, known_last_name = f"{p.last_name}-{last}", True  # Dupré-Smith
        first, last = self._spelled(p, first, last)
        if rng.random() < 0.02:
            last = typo(rng, last)
        if rng.random() < 0.5:
            first, last = strip_accents(first), strip_accents(last)
        email = None
        if rng.random() < 0.25:
            email = p.email if p.email and rng.random() < 0.7 else self.email_for(first, last)
        first, last = self._scripted(p, first, last)
        education: list[Education] = []
        listed = False
        if rng.random() < 0.9:
            institution = alumnus.institution
            grad_year = alumnus.graduation_date.year
            end_year = grad_year if rng.random() < 0.88 else grad_year + rng.choice((-1, 1))
            duration = {"certificate": 1, "associate": 2, "bachelor": 4, "master": 2,
                        "doctoral": 5}[alumnus.degree_level]
            listed = rng.random() > 0.03
            education.append(Education(
                school=rng.choice(institution.all_names) if listed
                else typo(rng, institution.name),
                degree=rng.choice(catalog.DEGREE_WORDS[alumnus.degree_level])
                if rng.random() < 0.85 else None,
                field_of_study=rng.choice(alumnus.program.field_variants)
                if rng.random() < 0.8 else None,
                start_year=end_year - duration if rng.random() < 0.7 else None,
                end_year=end_year if rng.random() < 0.93 else None,
            ))
        for enrollment in alumnus.enrollments:
            if rng.random() < 0.8:
                education.append(Education(
                    school=enrollment.college.name.title(),
                    degree=rng.choice(catalog.DEGREE_WORDS[enrollment.level]),
                    field_of_study=rng.choice(enrollment.program.field_variants),
                    start_year=enrollment.begin.year,
                    end_year=enrollment.end.year if enrollment.completed else None,
                ))
        rng.shuffle(education)
        positions = [pos for pos in alumnus.positions if rng.random() < 0.95]
        profile = Profile(
            profile_id=self.new_profile_id(), first_name=first,
            middle_name=(p.middle_name[0] + "." if p.middle_name and rng.random() < 0.15 else None),
            last_name=last,
            city=alumnus.current_city if rng.random() < 0.9 else None,
            state=alumnus.current_state if rng.random() < 0.9 else None,
            email=email, education=education, positions=positions,
            updated_at=date(2026, rng.randint(1, 9), rng.randint(1, 28)),
        )
        alumnus.profile_id = profile.profile_id
        alumnus.profile_findable = (listed and known_last_name) or (
            email is not None and email == p.email)
        return profile

    def namesake_profile(self, alumnus: Alumnus) -> Profile:
        """A different person with an alumnus's name: the hard negative matching must reject."""
        profile = self.pool_profile()
        profile.first_name = alumnus.person.first_name
        profile.last_name = alumnus.person.last_name
        return profile

    def pool_profile(self) -> Profile:
        """Someone who is not in any customer roster (most of the pool)."""
        rng = self.rng
        person = self.person(None)
        education: list[Education] = []
        if rng.random() < 0.85:
            end_year = rng.randint(1995, 2025)
            if rng.random() < 0.04:
                # A customer school, outside the roster years or programs: a near miss.
                school = rng.choice(rng.choice(self.institutions).all_names)
                end_year = rng.randint(1995, FIRST_GRAD_YEAR - 1)
            else:
                school = rng.choice(catalog.NON_CUSTOMER_SCHOOLS)
            program = rng.choice(catalog.PROGRAMS)
            education.append(Education(school, rng.choice(catalog.DEGREE_WORDS["bachelor"]),
                                       rng.choice(program.field_variants),
                                       end_year - 4, end_year))
        positions: list[Position] = []
        start = date(rng.randint(1998, 2025), rng.randint(1, 12), 1)
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            months = rng.choice((12, 24, 36, 60))
            end = _add_months(start, months)
            positions.append(self._job(None, False, start, None if end > SEARCH_DATE else end,
                                       person.city, person.state))
            start = end
            if start > SEARCH_DATE:
                break
        first, last = self._scripted(person, *self._spelled(person, person.first_name,
                                                            person.last_name))
        return Profile(
            profile_id=self.new_profile_id(), first_name=first,
            middle_name=None, last_name=last, city=person.city,
            state=person.state,
            email=self.email_for(person.first_name, person.last_name) if rng.random() < 0.2
            else None,
            education=education, positions=positions,
            updated_at=date(2026, rng.randint(1, 9), rng.randint(1, 28)),
        )
