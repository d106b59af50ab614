"""The demo's labour market: real occupations, their real titles and who hires them.

Every job the generator writes holds a true SOC 2018 detailed occupation, drawn from the
reference data the build codes with (``reference/*.parquet``):

* an alumnus in field works in an occupation the NCES CIP-SOC crosswalk pairs with their
  program (the program's own pairs, else its 4- then 2-digit family, as the build decides
  in field), out of field in any other occupation, weighted by their national employment
  (BLS OEWS May 2025) to the power IN_FIELD_EXPONENT and OUT_OF_FIELD_EXPONENT, college
  teaching a tenth of that: nurses outnumber nursing instructors, but a biology graduate
  is not likelier to teach high school than to work in a lab just because high-school
  teachers are many; everyone else
  in the profile pool works in any occupation, weighted by its employment;
* the title is one O*NET 30.1 lists for that occupation (alternate and occupation titles,
  titles workers and job postings report weighing more), written the way profiles write
  titles (pathways.generate.titles);
* the employer comes from a sector that employs the occupation's major group
  (``catalog.SOC_SECTORS``).

``_truth/positions.csv`` records each alumnus's true occupation per job.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path

import pyarrow.compute as pc

from pathways.generate import catalog
from pathways.generate.titles import profile_spelling
from pathways.occupations.reference import read_reference

# Title weights: each O*NET source listing a title counts once; titles workers reported
# (02) or job postings use (10) count three times as much again; the occupation's own
# title (plural in O*NET, made singular here) counts as a well-sourced title.
REPORTED_SOURCES = {"02", "10"}
OCCUPATION_TITLE_WEIGHT = 4.0
# Alumni's occupations weigh their national employment to these powers (see above).
IN_FIELD_EXPONENT = 0.4
OUT_OF_FIELD_EXPONENT = 0.5
# The crosswalk pairs most programs with their postsecondary teachers (25-1xxx); few
# graduates teach at a college, so those weigh a tenth.
POSTSECONDARY_TEACHER_FACTOR = 0.1


@dataclass(frozen=True)
class Occupation:
    soc_code: str
    onet_soc_code: str
    title: str  # SOC 2018 title

    @property
    def major_group(self) -> str:
        return self.soc_code[:2]


class _Weighted:
    """Items with cumulative weights, for a fast weighted draw."""

    def __init__(self, items: list, weights: list[float]) -> None:
        self.items = items
        self.cumulative = list(accumulate(weights))

    def draw(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def _singular(title: str) -> str:
    """"Registered Nurses" -> "Registered Nurse", "Secretaries" -> "Secretary" (the last
    word of an O*NET occupation title; the first part of compound titles is kept)."""
    head = title.split(",")[0].split(" and ")[0].strip()
    words = head.split()
    last = words[-1]
    if last.endswith("ies"):
        last = last[:-3] + "y"
    elif last.endswith(("sses", "ches", "shes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith("ss"):
        last = last[:-1]
    return " ".join([*words[:-1], last])


class JobMarket:
    """Occupations, their titles, employment and crosswalk pairs, loaded once."""

    def __init__(self, directory: Path | None = None) -> None:
        occupations = read_reference("onet_occupations", directory)
        structure = read_reference("soc_structure", directory)
        wages = read_reference("oews_wages", directory)
        alternate = read_reference("onet_alternate_titles", directory)
        crosswalk = read_reference("cip_soc_crosswalk", directory)
        detailed = structure.filter(pc.equal(structure["soc_level"], "detailed"))
        soc_titles = dict(zip(detailed["soc_code"].to_pylist(),
                              detailed["soc_title"].to_pylist(), strict=True))
        national = wages.filter(pc.and_(pc.equal(wages["area_type"], "national"),
                                        pc.equal(wages["soc_level"], 3)))
        employment = {soc: n for soc, n in zip(national["soc_code"].to_pylist(),
                                               national["employment"].to_pylist(),
                                               strict=True) if n}
        titles: dict[str, dict[str, float]] = {}
        first_onet: dict[str, str] = {}
        for onet, soc, title in zip(occupations["onet_soc_code"].to_pylist(),
                                    occupations["soc_code"].to_pylist(),
                                    occupations["onet_title"].to_pylist(), strict=True):
            if soc not in first_onet or onet.endswith(".00"):
                first_onet[soc] = onet
            titles.setdefault(soc, {})[_singular(title)] = OCCUPATION_TITLE_WEIGHT
        for soc, title, sources in zip(alternate["soc_code"].to_pylist(),
                                       alternate["alternate_title"].to_pylist(),
                                       alternate["sources"].to_pylist(), strict=True):
            codes = set((sources or "").split(","))
            weight = len(codes) * (3.0 if codes & REPORTED_SOURCES else 1.0)
            bucket = titles.setdefault(soc, {})
            bucket[title] = bucket.get(title, 0.0) + weight
        # Occupations OEWS estimates (so they have wage and salary workers) and O*NET titles.
        self.occupations = {
            soc: Occupation(soc, first_onet[soc], soc_titles[soc])
            for soc in sorted(employment) if soc in first_onet and soc in soc_titles}
        self.employment = {soc: employment[soc] for soc in self.occupations}
        self._titles = {soc: _Weighted(sorted(titles[soc]), [titles[soc][t] for t in sorted(
            titles[soc])]) for soc in self.occupations}
        self._everyone = _Weighted(list(self.occupations),
                                   [float(self.employment[s]) for s in self.occupations])
        self._pairs: dict[str, set[str]] = {}
        for cip, soc in zip(crosswalk["cip_code"].to_pylist(),
                            crosswalk["soc_code"].to_pylist(), strict=True):
            self._pairs.setdefault(cip, set()).add(soc)
        self._in_field: dict[str, _Weighted | None] = {}
        self._out_of_field: dict[str, _Weighted] = {}

    # -- in field, as the build decides it --------------------------------------------------
    def paired(self, cip: str) -> set[str]:
        """The occupations the crosswalk pairs with the program: its own pairs, else those of
        its 4-digit group, else of its 2-digit series."""
        if cip in self._pairs:
            return self._pairs[cip]
        for width in (5, 2):
            family = {soc for code, socs in self._pairs.items() if code[:width] == cip[:width]
                      for soc in socs}
            if family:
                return family
        return set()

    def is_in_field(self, cip: str, soc_code: str) -> bool:
        return soc_code in self.paired(cip)

    # -- draws ------------------------------------------------------------------------------
    def occupation(self, rng: random.Random, program: catalog.Program | None = None,
                   in_field: bool = True) -> Occupation:
        """A job's true occupation: of the program's field (or outside it), or of anyone."""
        if program is None:
            return self.occupations[self._everyone.draw(rng)]
        if in_field:
            pool = self._in_field_pool(program.cip)
            if pool is not None:
                return self.occupations[pool.draw(rng)]
        return self.occupations[self._out_of_field_pool(program.cip).draw(rng)]

    def _in_field_pool(self, cip: str) -> _Weighted | None:
        if cip not in self._in_field:
            socs = sorted(s for s in self.paired(cip) if s in self.occupations)
            self._in_field[cip] = _Weighted(socs, [
                self.employment[s] ** IN_FIELD_EXPONENT
                * (POSTSECONDARY_TEACHER_FACTOR if s.startswith("25-1") else 1.0)
                for s in socs]) if socs else None
        return self._in_field[cip]

    def _out_of_field_pool(self, cip: str) -> _Weighted:
        if cip not in self._out_of_field:
            paired = self.paired(cip)
            socs = [s for s in self.occupations if s not in paired]
            self._out_of_field[cip] = _Weighted(socs, [self.employment[s] ** OUT_OF_FIELD_EXPONENT
                                                       for s in socs])
        return self._out_of_field[cip]

    def title(self, rng: random.Random, occupation: Occupation) -> str:
        """A title of the occupation as a profile writes it."""
        return profile_spelling(rng, self._titles[occupation.soc_code].draw(rng))

    def sector(self, rng: random.Random, occupation: Occupation) -> str:
        """A NAICS sector that employs the occupation's major group (with employers)."""
        return rng.choice(catalog.SOC_SECTORS.get(occupation.major_group,
                                                  catalog.DEFAULT_SECTORS))


@cache
def job_market() -> JobMarket:
    """The job market of the project's reference files (read once per process)."""
    return JobMarket()
