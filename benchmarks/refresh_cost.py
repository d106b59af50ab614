"""Refresh cost: a full refresh vs a refresh after 1% new roster rows and 1% new profiles.

    .venv/bin/python benchmarks/refresh_cost.py [--alumni 20000 --profiles 1000000]

Runs the real `pathways refresh` on one warehouse: first on the generated landing folder
(a full build), then on a later delivery of 1% more alumni (new roster files), 1% more
profiles and new versions of 0.2% of the existing profiles (`pathways generate --batch
--updates-from`), which the refresh processes incrementally, then `pathways refresh
--full` over the same data for comparison. Prints each refresh's wall time and steps.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alumni", type=int, default=20000)
    parser.add_argument("--profiles", type=int, default=1_000_000)
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
    first = pathways("refresh", "--landing", str(out / "initial"))
    delta = pathways("refresh", "--landing", str(out / "delta"))
    full = pathways("refresh", "--full")
    con = duckdb.connect(str(out / "build" / "warehouse_build.duckdb"), read_only=True)
    steps = [json.loads(row[0]) for row in con.execute(
        "select step_seconds from ops.refresh_runs order by started_at").fetchall()]
    con.close()
    ratio = delta / full
    print(f"{args.alumni:,} alumni x {args.profiles:,} profiles")
    print(f"{'refresh':<58} {'seconds':>8}  steps")
    for label, seconds, step in (
            ("first (full build)", first, steps[0]),
            ("after +1% alumni, +1% profiles, 0.2% changed (incremental)", delta, steps[1]),
            ("--full over the same data", full, steps[2])):
        print(f"{label:<58} {seconds:8.1f}  {step}")
    print(f"incremental / full: {ratio:.0%}")
    print(json.dumps({"benchmark": "refresh_cost", "alumni": args.alumni,
                      "profiles": args.profiles, "first_s": round(first, 1),
                      "incremental_s": round(delta, 1), "full_s": round(full, 1),
                      "ratio": round(ratio, 3), "steps": steps}))


if __name__ == "__main__":
    main()
