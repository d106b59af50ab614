"""Refresh cost: a full refresh vs a refresh after 1% new roster rows and 1% new profiles.

    .venv/bin/python benchmarks/refresh_cost.py [--alumni 20000 --profiles 1000000]

Runs the real `pathways refresh` twice on one warehouse: first on the generated landing
folder, then after adding 1% more alumni and profiles (a second generated landing folder,
another seed, the same institutions). Prints the wall time of each refresh and their ratio.
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
             "--profiles", str(args.profiles // 100), "--seed", "8")
    full = pathways("refresh", "--landing", str(out / "initial"))
    delta = pathways("refresh", "--landing", str(out / "delta"))
    ratio = delta / full
    print(f"{args.alumni:,} alumni x {args.profiles:,} profiles")
    print(f"full refresh:                          {full:7.1f} s")
    print(f"refresh after +1% alumni, +1% profiles: {delta:7.1f} s  ({ratio:.0%} of full)")
    print(json.dumps({"benchmark": "refresh_cost", "alumni": args.alumni,
                      "profiles": args.profiles, "full_s": round(full, 1),
                      "after_one_percent_s": round(delta, 1), "ratio": round(ratio, 3)}))


if __name__ == "__main__":
    main()
