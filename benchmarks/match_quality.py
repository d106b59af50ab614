"""Demo-scale linkage quality: generate, refresh, evaluate against ground truth.

    .venv/bin/python benchmarks/match_quality.py [--alumni 20000 --profiles 500000 --seed 7]

Runs the real pipeline (`pathways generate`, `pathways refresh`) into benchmarks/out/ and
prints precision, recall (of all alumni with a profile, and of findable ones), F1 and
breadth at several thresholds, with step timings, as a table and JSON.
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


def step(name: str, args: list[str], env: dict, timings: dict) -> None:
    start = time.perf_counter()
    subprocess.run([str(BIN / "pathways"), *args], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    timings[name] = round(time.perf_counter() - start, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alumni", type=int, default=20000)
    parser.add_argument("--profiles", type=int, default=500000)
    parser.add_argument("--institutions", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "out" / f"quality_{args.alumni}x{args.profiles}"
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PATHWAYS_WAREHOUSE": str(out / "warehouse.duckdb"),
           "PATHWAYS_PSEUDONYM_KEY": "benchmark-key"}
    timings: dict[str, float] = {}
    step("generate", ["generate", "--out", str(out / "landing"), "--institutions",
                      str(args.institutions), "--alumni", str(args.alumni), "--profiles",
                      str(args.profiles), "--seed", str(args.seed)], env, timings)
    step("refresh", ["refresh", "--landing", str(out / "landing")], env, timings)
    from matching.evaluate import evaluate

    scores = evaluate(out / "build" / "warehouse_build.duckdb",
                      out / "landing" / "_truth" / "alumni.csv")
    print(f"{args.alumni} alumni x {args.profiles} profiles, seed {args.seed}; "
          f"timings (s): {timings}")
    print(f"{'threshold':>9} {'precision':>9} {'recall':>7} {'recall_findable':>15} "
          f"{'F1':>7} {'breadth':>8}")
    for s in scores:
        print(f"{s.threshold:9.2f} {s.precision:9.4f} {s.recall:7.4f} {s.recall_findable:15.4f} "
              f"{s.f1:7.4f} {s.breadth:8.1%}")
    print(json.dumps({"alumni": args.alumni, "profiles": args.profiles, "seed": args.seed,
                      "timings_s": timings, "scores": [s.as_dict() for s in scores]}))


if __name__ == "__main__":
    main()
