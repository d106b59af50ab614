"""Refresh cost: a full refresh vs a refresh after 1% new roster rows and 1% new profiles.

    .venv/bin/python benchmarks/refresh_cost.py [--alumni 20000 --profiles 1000000] [--repeat 3]

Runs the real `pathways refresh` on one warehouse: first on the generated landing folder
(a full build), then on a later delivery of 1% more alumni (new roster files), 1% more
profiles and new versions of 0.2% of the existing profiles (`pathways generate --batch
--updates-from`), which the refresh processes incrementally, then `pathways refresh
--full` over the same data for comparison, then refreshes with no new data at all; and,
from the same starting point as the delivery, its profile file alone (a profile-pool
update without roster files). The incremental refreshes are repeated from a copy of the
state after the first refresh, the others on the final state, --repeat times each: this
machine is shared, so each is reported as the best of its runs. Prints each refresh's wall
time and steps; the share of the first refresh the title coder took (the dbt models
that list the distinct titles of alumni's jobs and code them, from dbt's
run_results.json); and how long coding every distinct title of the whole pool takes with
the same coder, as a share of that first refresh.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def title_coding_cost(build_db: Path) -> dict:
    """What coding job titles cost the refresh that just ran: the execution times dbt
    recorded for the distinct-title table and the title coder's model (run_results.json
    of that build; the build codes the titles of jobs the marts describe), and, timed
    here, coding every distinct title of the whole profile pool with the same coder."""
    from pathways.core.build_area import dbt_target_dir
    from pathways.occupations import TitleCoder

    results = json.loads((dbt_target_dir(build_db) / "run_results.json").read_text(
        encoding="utf-8"))
    times = {r["unique_id"]: r["execution_time"] for r in results["results"]}
    distinct = times["model.pathways.int_job_titles_distinct"]
    coded = times["model.pathways.int_job_titles_coded"]
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        # fetchall: DuckDB 2 keeps a connection busy until a result is read to its end.
        titles = con.execute("select count(*) from pii.int_job_titles_coded").fetchall()[0][0]
        pool = con.sql("""
            select distinct title, naics_sector from pii.int_profile_positions_classified
            where title is not null
            union
            select title, naics_sector from pii.int_import_jobs_classified
            where title is not null""").to_arrow_table()
        positions = con.execute("select count(*) from pii.int_profile_positions_"
                                "classified").fetchall()[0][0]
    finally:
        con.close()
    start = time.perf_counter()
    coder = TitleCoder.load()
    coder.code_distinct(pool["title"].combine_chunks(), pool["naics_sector"].combine_chunks())
    everything = time.perf_counter() - start
    return {"titles": titles, "distinct_s": round(distinct, 2), "coded_s": round(coded, 2),
            "seconds": round(distinct + coded, 2), "pool_positions": positions,
            "pool_titles": pool.num_rows, "pool_seconds": round(everything, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alumni", type=int, default=20000)
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "out" / f"refresh_{args.alumni}x{args.profiles}"
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PATHWAYS_WAREHOUSE": str(out / "warehouse.duckdb"),
           "PATHWAYS_PSEUDONYM_KEY": "benchmark-key"}

    def pathways(*command: str) -> float:
        start = time.perf_counter()
        subprocess.run([str(BIN / "pathways"), *command], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start

    pathways("generate", "--out", str(out / "initial"), "--alumni", str(args.alumni),
             "--profiles", str(args.profiles), "--seed", "7")
    pathways("generate", "--out", str(out / "delta"), "--alumni", str(args.alumni // 100),
             "--profiles", str(args.profiles // 100), "--seed", "8", "--batch", "late1",
             "--updates-from", str(out / "initial"), "--updates", str(args.profiles // 500))
    state = [out / "build", out / "warehouse.duckdb"]
    snapshot = out / "after_first"

    def last_steps() -> dict:
        con = duckdb.connect(str(out / "build" / "warehouse_build.duckdb"), read_only=True)
        try:
            return json.loads(con.execute("select step_seconds from ops.refresh_runs "
                                          "order by started_at desc limit 1").fetchone()[0])
        finally:
            con.close()

    first = pathways("refresh", "--landing", str(out / "initial"))
    first_steps = last_steps()
    coding = title_coding_cost(out / "build" / "warehouse_build.duckdb")
    snapshot.mkdir()
    for path in state:
        (shutil.copytree if path.is_dir() else shutil.copy2)(path, snapshot / path.name)
    # The same delivery's profile file alone: a profile-pool update with no roster files.
    shutil.copytree(out / "delta" / "profiles", out / "delta_profiles" / "profiles")

    def from_snapshot(landing: Path) -> tuple[float, dict]:
        for path in state:
            copy = snapshot / path.name
            shutil.rmtree(path) if copy.is_dir() else path.unlink()
            (shutil.copytree if copy.is_dir() else shutil.copy2)(copy, path)
        return pathways("refresh", "--landing", str(landing)), last_steps()

    deltas = [from_snapshot(out / "delta") for _ in range(args.repeat)]
    profile_only = [from_snapshot(out / "delta_profiles") for _ in range(args.repeat)]
    fulls = []
    for _ in range(args.repeat):
        fulls.append((pathways("refresh", "--full"), last_steps()))
    nothing_new = [(pathways("refresh"), last_steps()) for _ in range(args.repeat)]
    shutil.rmtree(snapshot)
    (delta, delta_steps), (full, full_steps) = min(deltas), min(fulls)
    idle, idle_steps = min(nothing_new)
    profiles, profiles_steps = min(profile_only)
    steps = [first_steps, delta_steps, full_steps, idle_steps, profiles_steps]
    ratio = delta / full
    print(f"{args.alumni:,} alumni x {args.profiles:,} profiles; incremental and --full "
          f"best of {args.repeat} (all: {[round(d, 1) for d, _ in deltas]}, "
          f"{[round(f, 1) for f, _ in fulls]})")
    print(f"{'refresh':<58} {'seconds':>8}  steps")
    for label, seconds, step in (
            ("first (full build)", first, steps[0]),
            ("after +1% alumni, +1% profiles, 0.2% changed (incremental)", delta, steps[1]),
            ("--full over the same data", full, steps[2]),
            ("again with no new data (incremental)", idle, steps[3]),
            ("the delivery's profile file alone (incremental)", profiles, steps[4])):
        print(f"{label:<58} {seconds:8.1f}  {step}")
    print(f"incremental / --full: {ratio:.0%}; incremental / first: {delta / first:.0%}")
    coding_share = coding["seconds"] / first
    pool_share = coding["pool_seconds"] / first
    print(f"title coding in the first refresh (titles of alumni's jobs): {coding['titles']:,} "
          f"distinct titles, int_job_titles_distinct {coding['distinct_s']:.1f} s + "
          f"int_job_titles_coded {coding['coded_s']:.1f} s = {coding['seconds']:.1f} s of "
          f"{first:.1f} s ({coding_share:.1%}; goal <= 10%)")
    print(f"coding every distinct title of the pool: {coding['pool_titles']:,} (title, "
          f"sector) pairs of {coding['pool_positions']:,} positions in "
          f"{coding['pool_seconds']:.1f} s, {pool_share:.1%} of the first refresh")
    print(json.dumps({"benchmark": "refresh_cost", "alumni": args.alumni,
                      "profiles": args.profiles, "first_s": round(first, 1),
                      "incremental_s": round(delta, 1), "full_s": round(full, 1),
                      "incremental_runs_s": [round(d, 1) for d, _ in deltas],
                      "full_runs_s": [round(f, 1) for f, _ in fulls],
                      "no_new_data_s": round(idle, 1),
                      "profiles_only_s": round(profiles, 1),
                      "ratio": round(ratio, 3), "ratio_to_first": round(delta / first, 3),
                      "title_coding": coding, "title_coding_share_of_first":
                          round(coding_share, 4),
                      "pool_title_coding_share_of_first": round(pool_share, 4),
                      "steps": steps}))


if __name__ == "__main__":
    main()
