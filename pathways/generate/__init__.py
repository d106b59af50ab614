"""Demo data generator: a landing folder that looks like what institutions and vendors send.

Layout written under ``out``::

    <institution_id>/roster/graduates_<from>_<to>.<ext>   rosters in each institution's shape
    <institution_id>/nsc/<unitid>st_DETLRPT_SE_<date>.csv  NSC StudentTracker detail returns
    <institution_id>/imports/first_destination_survey/     career-office survey export
    <institution_id>/imports/employer_verification/        employment-verification feed
    profiles/profiles_NNNN.jsonl.gz                        the public profile pool
    _truth/alumni.csv, _truth/positions.csv                ground truth, for evaluation only

A later delivery (``batch``) writes the same layout with every file name tagged
(``graduates_2016_2018_<batch>.csv``, ``profiles_<batch>_0001.jsonl.gz``, ...) so that it
adds to an earlier landing folder instead of superseding it; ``updates_from`` adds new
versions of some of that folder's profiles (a new job, a move) and a few stale older
versions that arrive late, so refreshes see changed and late-arriving records too.
"""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson

from pathways.core.config import Institution
from pathways.generate.people import SEARCH_DATE, Alumnus, World
from pathways.generate.writers import (
    ROSTER_YEAR_RANGES,
    SURVEY_COLUMNS,
    VERIFICATION_COLUMNS,
    ProfileFileWriter,
    survey_rows,
    verification_rows,
    write_csv,
    write_nsc,
    write_roster,
    write_truth,
)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class GenerationSummary:
    institutions: int
    alumni: int
    alumni_with_profile: int
    profiles: int
    roster_files: int
    nsc_files: int


def _roster_extension(institution: Institution) -> str:
    fmt = institution.roster
    if fmt.format == "fixed_width" or fmt.delimiter in ("|", "\t"):
        return "txt"
    return "csv"


def split_evenly(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` counts that differ by at most one."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


BATCH_PATTERN = re.compile(r"^[a-z][a-z0-9]{0,19}$")


def _tagged(name: str, batch: str | None) -> str:
    """``graduates_2016_2018.csv`` -> ``graduates_2016_2018_<batch>.csv``."""
    if not batch:
        return name
    stem, dot, extension = name.partition(".")
    return f"{stem}_{batch}{dot}{extension}"


def profile_updates(base: Path, count: int, seed: int) -> Iterator[bytes]:
    """New versions of ``count`` profiles of the landing folder ``base``: most move on to a
    new current job (updated later), one in ten is a stale older version arriving late."""
    rng = random.Random(f"updates-{seed}")
    files = sorted((base / "profiles").glob("*.jsonl.gz"))
    if not files:
        raise ValueError(f"{base} has no profiles/*.jsonl.gz to update")
    produced = 0
    with gzip.open(files[0], "rb") as handle:
        for line in handle:
            if produced >= count:
                return
            if rng.random() > 0.2:
                continue
            profile = orjson.loads(line)
            if produced % 10 == 9:  # late: an older version than the one already delivered
                profile["updated_at"] = "2019-01-01"
                profile["positions"] = profile["positions"][1:]
            else:
                for position in profile["positions"]:
                    position["end_date"] = position["end_date"] or "2026-06"
                profile["positions"].insert(0, {
                    "employer": rng.choice(["Northwind Analytics", "Harbor Dental Group Clinic",
                                            "City of Springfield", "Summit Financial Group"]),
                    "title": rng.choice(["Data Analyst", "Registered Nurse", "Accountant",
                                         "Software Engineer"]),
                    "start_date": "2026-07", "end_date": None,
                    "location": profile.get("location") or {}})
                profile["updated_at"] = "2026-11-01"
            produced += 1
            yield orjson.dumps(profile)


def generate(
    out: Path,
    institutions: list[Institution],
    n_alumni: int,
    n_profiles: int,
    seed: int,
    progress: Progress | None = None,
    *,
    batch: str | None = None,
    updates_from: Path | None = None,
    n_updates: int = 0,
    only: str | None = None,
) -> GenerationSummary:
    """Generate a deterministic landing folder for ``institutions``; ``batch`` tags every
    file name (a later delivery), ``updates_from`` adds ``n_updates`` new versions of that
    folder's profiles. ``only`` (an institution id) writes that institution's files alone,
    all ``n_alumni`` its own, with its alumni's profiles in the pool: the first delivery of
    an institution joining a warehouse of the others (its student ids as they would be
    among all ``institutions``)."""
    if batch is not None and not BATCH_PATTERN.match(batch):
        raise ValueError(f"batch {batch!r} must be lowercase letters and digits, starting "
                         "with a letter (up to 20)")
    if not institutions:
        raise ValueError("at least one institution is needed")
    if n_alumni < len(institutions):
        raise ValueError(f"--alumni {n_alumni} is fewer than one per institution")
    ids = [institution.id for institution in institutions]
    if only is not None and only not in ids:
        raise ValueError(f"--only {only!r} is not among the institutions {', '.join(ids)}")
    world = World(institutions, seed)
    report = progress or (lambda _step, _done, _total: None)
    # (position among all institutions, institution, alumni): the position keeps an
    # institution's student ids and roster shape the same when it is written alone.
    chosen = ([(ids.index(only), institutions[ids.index(only)], n_alumni)] if only else
              [(index, institution, count) for index, (institution, count) in enumerate(
                  zip(institutions, split_evenly(n_alumni, len(institutions)), strict=True))])
    alumni_by_institution: dict[str, list[Alumnus]] = {}
    for done, (index, institution, count) in enumerate(chosen):
        alumni_by_institution[institution.id] = world.alumni(institution, index, count)
        report("alumni", done + 1, len(chosen))

    all_alumni = [a for group in alumni_by_institution.values() for a in group]
    alumni_profiles = [p for a in all_alumni if (p := world.alumnus_profile(a)) is not None]
    namesakes = [world.namesake_profile(a) for a in all_alumni if world.rng.random() < 0.05]
    special = alumni_profiles + namesakes
    if n_profiles < len(special):
        raise ValueError(
            f"--profiles {n_profiles} is too small for {len(all_alumni)} alumni "
            f"(needs at least {len(special)}; use several times the alumni count)"
        )
    world.rng.shuffle(special)
    slots = set(world.rng.sample(range(n_profiles), len(special)))
    writer = ProfileFileWriter(out / "profiles", prefix=_tagged("profiles", batch))
    special_iter = iter(special)
    step = max(1, n_profiles // 100)
    for i in range(n_profiles):
        writer.write(next(special_iter) if i in slots else world.pool_profile())
        if i % step == 0 or i == n_profiles - 1:
            report("profiles", i + 1, n_profiles)
    if updates_from is not None and n_updates:
        writer.write_lines(profile_updates(updates_from, n_updates, seed))
    writer.close()

    roster_files = 0
    for index, institution, _count in chosen:
        alumni = alumni_by_institution[institution.id]
        for first, last in ROSTER_YEAR_RANGES:
            chunk = [a for a in alumni if first <= a.graduation_date.year <= last]
            if chunk:
                name = _tagged(f"graduates_{first}_{last}.{_roster_extension(institution)}",
                               batch)
                write_roster(out / institution.id / "roster" / name, institution, index, chunk)
                roster_files += 1
        nsc_name = _tagged(f"{institution.unitid}st_DETLRPT_SE_{SEARCH_DATE:%Y%m%d}.csv", batch)
        write_nsc(out / institution.id / "nsc" / nsc_name, alumni)
        extras = random.Random(f"{seed}-{institution.id}")
        imports = out / institution.id / "imports"
        write_csv(imports / "first_destination_survey" / _tagged("fds_responses.csv", batch),
                  SURVEY_COLUMNS, survey_rows(alumni, extras))
        write_csv(imports / "employer_verification"
                  / _tagged(f"verified_{SEARCH_DATE:%Y%m%d}.csv", batch),
                  VERIFICATION_COLUMNS, verification_rows(alumni, extras))
    write_truth(out / "_truth" / "alumni.csv", all_alumni)
    (out / "_truth" / "README.md").write_text(
        "Ground truth for evaluation only. Pathways never loads this folder.\n"
        "alumni.csv: one row per alumnus with their true profile_id (empty when they have no\n"
        "public profile) and true outcomes.\n"
        "positions.csv: one row per job of an alumnus with its true SOC 2018 occupation, its\n"
        "O*NET-SOC code and whether the CIP-SOC crosswalk puts it in the program's field.\n",
        encoding="utf-8",
    )
    return GenerationSummary(
        institutions=len(chosen),
        alumni=len(all_alumni),
        alumni_with_profile=len(alumni_profiles),
        profiles=n_profiles,
        roster_files=roster_files,
        nsc_files=len(chosen),
    )
