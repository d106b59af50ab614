"""Linkage scaling: the Pathways linkage step vs a bare Splink script with the same model,
at several sizes, in one run. Each measurement is its own process (peak memory is that
process's maximum resident set).

    .venv/bin/python benchmarks/linkage_scaling.py [--sizes 5000x200000,10000x500000,...]

For each size the data is generated, ingested and built up to the linkage inputs (dbt, not
timed). Then:

* pathways: `matching.predict.score_pairs` then `resolve`, as the dbt Python models run
  them (read inputs as Arrow, features, predict with the pool-scaled prior, explanations,
  reviews, one-to-one);
* bare splink: the same feature tables and model JSON, `linker.inference.predict` only.

Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MODEL = ROOT / "matching" / "models" / "pathways_match_v1.json"

MEASURE = """
import json, resource, sys, time
from pathlib import Path
start = time.perf_counter()
{body}
seconds = time.perf_counter() - start
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": seconds, "peak_mb": peak_mb, **extra}}))
"""

PATHWAYS = """
from matching.predict import resolve, score_pairs
from matching.inputs import read_inputs
inputs = read_inputs(Path({build!r}))
scored = score_pairs(inputs.alumni, inputs.profiles, inputs.educations, Path({model!r}))
result = resolve(None, scored.pairs)
extra = {{"links": sum(1 for r in result.column("candidate_rank").to_pylist() if r == 1)}}
"""

BARE = """
import duckdb, logging
from splink import Linker
from splink.backends.duckdb import DuckDBAPI
from matching.features import alumni_features, profile_features
from matching.predict import load_model, prior_for_pool
from matching.inputs import read_inputs
logging.getLogger("splink").setLevel(logging.WARNING)
inputs = read_inputs(Path({build!r}))
con = duckdb.connect()
alumni_features(con, inputs.alumni, "a")
profile_features(con, inputs.profiles, inputs.educations, "p")
settings = load_model(Path({model!r}))
rows = con.execute("select count(*) from p").fetchall()[0][0]
settings["probability_two_random_records_match"] = prior_for_pool(Path({model!r}), rows)
api = DuckDBAPI(connection=con)
linker = Linker([api.register("a", dataset_display_name="alumni"),
                 api.register("p", dataset_display_name="profiles")], settings,
                log_level=logging.WARNING)
predictions = linker.inference.predict(threshold_match_probability=0.2)
extra = {{"candidate_pairs": con.execute(
    f"select count(*) from {{predictions.physical_name}}").fetchall()[0][0]}}
"""

COUNT = """
from matching.explain import blocking_costs
from matching.inputs import read_inputs
inputs = read_inputs(Path({build!r}))
records = blocking_costs(inputs.alumni, inputs.profiles, inputs.educations, 1.0)
extra = {{"comparisons": records[-1]["cumulative_comparison_count"]}}
"""


def measure(body: str, build: Path) -> dict:
    code = MEASURE.format(body=textwrap.dedent(body).format(build=str(build), model=str(MODEL)))
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def prepare(alumni: int, profiles: int, out: Path) -> Path:
    build = out / "build.duckdb"
    if build.exists():
        return build
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PATHWAYS_BUILD_DB": str(build),
           "PATHWAYS_WAREHOUSE": str(out / "published" / "unused.duckdb"),
           "PATHWAYS_PSEUDONYM_KEY": "bench"}
    run = {"env": env, "check": True, "stdout": subprocess.DEVNULL, "cwd": ROOT}
    subprocess.run([str(BIN / "pathways"), "generate", "--out", str(out / "landing"),
                    "--institutions", "4", "--alumni", str(alumni), "--profiles",
                    str(profiles), "--seed", "9"], **run)
    subprocess.run([str(BIN / "pathways"), "ingest", "--landing", str(out / "landing"),
                    "--json"], **run)
    subprocess.run([str(BIN / "dbt"), "build", "--quiet", "--project-dir", str(ROOT),
                    "--profiles-dir", str(ROOT), "--select", "+int_alumni_profile_pairs_scored",
                    "--exclude", "int_alumni_profile_pairs_scored", "--indirect-selection",
                    "cautious"], **run)
    return build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5000x200000,10000x500000,20000x1000000,"
                                           "50000x2000000")
    args = parser.parse_args()
    rows = []
    for size in args.sizes.split(","):
        alumni, profiles = (int(x) for x in size.split("x"))
        build = prepare(alumni, profiles, ROOT / "benchmarks" / "out" / f"scaling_{size}")
        row = {"alumni": alumni, "profiles": profiles,
               "comparisons": measure(COUNT, build)["comparisons"],
               "pathways": measure(PATHWAYS, build), "bare_splink": measure(BARE, build)}
        row["ratio"] = row["pathways"]["seconds"] / row["bare_splink"]["seconds"]
        rows.append(row)
        print(f"{alumni:>7,} x {profiles:>9,}: {row['comparisons']:>10,} comparisons; "
              f"pathways {row['pathways']['seconds']:6.1f} s {row['pathways']['peak_mb']:7.0f} MB; "
              f"bare splink {row['bare_splink']['seconds']:6.1f} s "
              f"{row['bare_splink']['peak_mb']:7.0f} MB; ratio {row['ratio']:.2f}", flush=True)
    print(json.dumps({"benchmark": "linkage_scaling", "rows": rows}))


if __name__ == "__main__":
    main()
