"""The employer's industry, as evidence for titles several occupations share.

O*NET lists "Account Manager" under sales managers, financial advisers, securities sales
agents and others. The employer's NAICS 2022 sector says which is likelier: a title at a
bank points to finance, at a hospital to health care. ``SECTOR_GROUPS`` lists, for each
sector, the SOC 2018 major groups that hold most of its jobs (hand-kept, after BLS's
National Employment Matrix of industries by occupation); a candidate occupation in one of
them weighs ``INDUSTRY_FACTOR`` times as much.

The build classifies employers in SQL (dbt macro ``longest_keyword_match`` over the seed
``naics_employer_keywords``) and passes the sector. ``sectors_of_employers`` applies the
same rule to an ``employer`` column for ``pathways classify titles``.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from pathways.core.settings import Settings

INDUSTRY_FACTOR = 4.0

SECTOR_GROUPS: dict[str, tuple[str, ...]] = {
    "11": ("45", "53", "11"),  # agriculture, forestry, fishing and hunting
    "21": ("47", "17", "49", "53"),  # mining, quarrying, oil and gas extraction
    "22": ("49", "17", "51", "47", "43"),  # utilities
    "23": ("47", "49", "11", "17"),  # construction
    "31-33": ("51", "17", "49", "53", "11"),  # manufacturing
    "42": ("41", "43", "53"),  # wholesale trade
    "44-45": ("41", "43", "53", "35"),  # retail trade
    "48-49": ("53", "43", "49"),  # transportation and warehousing
    "51": ("15", "27", "41", "43"),  # information
    "52": ("13", "43", "41", "11", "15"),  # finance and insurance
    "53": ("41", "37", "43", "11"),  # real estate, rental and leasing
    "54": ("13", "15", "17", "23", "19", "27", "11"),  # professional services
    "55": ("11", "13", "43"),  # management of companies
    "56": ("37", "43", "33", "53"),  # administrative, support, waste management
    "61": ("25", "43", "21", "39"),  # educational services
    "62": ("29", "31", "21", "43"),  # health care and social assistance
    "71": ("39", "27", "35"),  # arts, entertainment and recreation
    "72": ("35", "39", "37"),  # accommodation and food services
    "81": ("49", "39", "21", "43"),  # other services
    "92": ("33", "13", "43", "21", "11"),  # public administration
}


def employer_keywords_path() -> Path:
    return Settings.from_env().project_root / "seeds" / "naics_employer_keywords.csv"


def sectors_of_employers(names: pa.Array, keywords: Path | None = None) -> pa.Array:
    """NAICS sector of each employer name by the longest whole-word keyword it contains
    (ties: the lowest sector), as the build's ``longest_keyword_match`` does; null when
    none does. One regular-expression pass per keyword over the distinct names."""
    with (keywords or employer_keywords_path()).open(encoding="utf-8") as handle:
        rules = [(row["keyword"].strip().lower(), row["naics_sector"].strip())
                 for row in csv.DictReader(handle)]
    names = pc.cast(names, pa.string())
    padded = pc.binary_join_element_wise(
        " ", pc.utf8_trim_whitespace(pc.replace_substring_regex(
            pc.utf8_lower(pc.fill_null(names, "")), pattern=r"[^a-z0-9]+", replacement=" ")),
        " ", "")
    sector = pa.nulls(len(names), pa.string())
    # Shortest first, so a longer keyword overwrites; among equals the lowest sector last.
    for keyword, code in sorted(rules, key=lambda rule: (len(rule[0]), _desc(rule[1]))):
        hit = pc.match_substring(padded, f" {keyword} ")
        sector = pc.if_else(hit, pa.scalar(code), sector)
    return sector


def _desc(code: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in code)
