"""Coded occupations and in-field decisions of a refreshed build against the generator's
truth: how often each job's coded SOC is its true occupation.

    .venv/bin/python benchmarks/demo_occupations.py --truth demo_data [--build FILE]

Reads the build area (restricted: it maps student ids to alumni keys) and
``<truth>/_truth/positions.csv``; a published job is matched to its true job by alumnus,
start month and employer. Run after `make demo` (or any `pathways refresh` of generated
data). Prints accuracy by coding method and the in-field rates.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from pathways.core.settings import Settings

SQL = """
with

truth as (
    select * from read_csv(?, all_varchar = true)
),

jobs as (
    select
        positions.*,
        keys.student_id
    from marts.fct_alumni_positions as positions
    inner join pii.int_alumni_pseudonymized as keys
        on positions.alumni_key = keys.alumni_key
),

matched as (
    select
        jobs.coding_method,
        jobs.soc_code,
        jobs.soc_major_group,
        jobs.is_in_field,
        truth.soc_code as true_soc_code,
        truth.is_in_field = 'true' as truly_in_field
    from jobs
    inner join truth
        on
            jobs.institution_id = truth.institution_id
            and jobs.student_id = truth.student_id
            and jobs.started_on = truth.started_on::date
            and lower(jobs.employer_normalized) = lower(truth.employer)
)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", type=Path, required=True, help="Generated landing folder.")
    parser.add_argument("--build", type=Path, default=None, help="Build database.")
    args = parser.parse_args()
    con = duckdb.connect(str(args.build or Settings.from_env().build_db), read_only=True)
    truth = str(args.truth / "_truth" / "positions.csv")
    rows = con.execute(SQL + """
        select coding_method, count(*),
            avg((soc_code = true_soc_code)::integer),
            avg((left(soc_major_group, 2) = left(true_soc_code, 2))::integer)
        from matched group by 1 order by 2 desc""", [truth]).fetchall()
    total = con.execute(SQL + """
        select count(*), avg((soc_code is not distinct from true_soc_code)::integer),
            avg((left(soc_major_group, 2) is not distinct from left(true_soc_code, 2))
                ::integer),
            avg((soc_code is not null)::integer),
            avg((soc_code = true_soc_code)::integer),
            avg((left(soc_major_group, 2) = left(true_soc_code, 2))::integer),
            avg((is_in_field = truly_in_field)::integer) filter (where is_in_field is not null),
            avg(is_in_field::integer), avg(truly_in_field::integer)
                filter (where is_in_field is not null)
        from matched""", [truth]).fetchone()
    print(f"{total[0]:,} published jobs matched to their true job")
    print(f"  {'method':<20} {'jobs':>7} {'detailed ok':>12} {'major ok':>9}")
    for method, n, detailed, major in rows:
        print(f"  {method:<20} {n:>7,} {'' if detailed is None else f'{detailed:.1%}':>12} "
              f"{'' if major is None else f'{major:.1%}':>9}")
    print(f"  all: detailed SOC {total[1]:.1%} of jobs ({total[4]:.1%} of those coded), "
          f"major group {total[2]:.1%} ({total[5]:.1%} of those coded); {total[3]:.1%} "
          "coded to a detailed SOC")
    print(f"  in field: published agrees with the truth for {total[6]:.1%} of jobs; "
          f"published rate {total[7]:.1%}, true rate {total[8]:.1%} (same jobs)")


if __name__ == "__main__":
    main()
