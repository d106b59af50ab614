"""Demo data generator: a landing folder that looks like what institutions and vendors send.

Layout written under ``out``::

    <institution_id>/roster/graduates_<from>_<to>.<ext>   rosters in each institution's shape
    <institution_id>/nsc/<unitid>st_DETLRPT_SE_<date>.csv  NSC StudentTracker detail returns
    <institution_id>/imports/first_destination_survey/     career-office survey export
    <institution_id>/imports/employer_verification/        employment-verification feed
    profiles/profiles_NNNN.jsonl.gz                        the public profile pool
    _truth/alumni.csv                                      ground truth, for evaluation only
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pathways.config import Institution
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


def generate(
    out: Path,
    institutions: list[Institution],
    n_alumni: int,
    n_profiles: int,
    seed: int,
    progress: Progress | None = None,
) -> GenerationSummary:
    """Generate a deterministic landing folder for ``institutions``."""
    if not institutions:
        raise ValueError("at least one institution is needed")
    if n_alumni < len(institutions):
        raise ValueError(f"--alumni {n_alumni} is fewer than one per institution")
    world = World(institutions, seed)
    report = progress or (lambda _step, _done, _total: None)
    alumni_by_institution: dict[str, list[Alumnus]] = {}
    for index, (institution, count) in enumerate(
        zip(institutions, split_evenly(n_alumni, len(institutions)), strict=True)
    ):
        alumni_by_institution[institution.id] = world.alumni(institution, index, count)
        report("alumni", index + 1, len(institutions))

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
    writer = ProfileFileWriter(out / "profiles")
    special_iter = iter(special)
    step = max(1, n_profiles // 100)
    for i in range(n_profiles):
        writer.write(next(special_iter) if i in slots else world.pool_profile())
        if i % step == 0 or i == n_profiles - 1:
            report("profiles", i + 1, n_profiles)
    writer.close()

    roster_files = 0
    for index, institution in enumerate(institutions):
        alumni = alumni_by_institution[institution.id]
        for first, last in ROSTER_YEAR_RANGES:
            chunk = [a for a in alumni if first <= a.graduation_date.year <= last]
            if chunk:
                name = f"graduates_{first}_{last}.{_roster_extension(institution)}"
                write_roster(out / institution.id / "roster" / name, institution, index, chunk)
                roster_files += 1
        nsc_name = f"{institution.unitid}st_DETLRPT_SE_{SEARCH_DATE:%Y%m%d}.csv"
        write_nsc(out / institution.id / "nsc" / nsc_name, alumni)
        extras = random.Random(f"{seed}-{institution.id}")
        imports = out / institution.id / "imports"
        write_csv(imports / "first_destination_survey" / "fds_responses.csv", SURVEY_COLUMNS,
                  survey_rows(alumni, extras))
        write_csv(imports / "employer_verification" / f"verified_{SEARCH_DATE:%Y%m%d}.csv",
                  VERIFICATION_COLUMNS, verification_rows(alumni, extras))
    write_truth(out / "_truth" / "alumni.csv", all_alumni)
    (out / "_truth" / "README.md").write_text(
        "Ground truth for evaluation only. Pathways never loads this folder.\n"
        "alumni.csv: one row per alumnus with their true profile_id (empty when they have no\n"
        "public profile) and true outcomes.\n",
        encoding="utf-8",
    )
    return GenerationSummary(
        institutions=len(institutions),
        alumni=len(all_alumni),
        alumni_with_profile=len(alumni_profiles),
        profiles=n_profiles,
        roster_files=roster_files,
        nsc_files=len(institutions),
    )
