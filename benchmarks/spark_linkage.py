"""Linkage scoring on Spark (local) vs DuckDB, at one or more sizes, in one run.

    .venv/bin/python benchmarks/spark_linkage.py [--sizes 2000x50000,5000x200000]
        [--master local[2]]

For each size the data is generated, ingested and built up to the linkage inputs (dbt, not
timed; the same preparation as benchmarks/linkage_scaling.py). Then, each in its own
process:

* duckdb: ``matching.predict.score_pairs`` (features, predict, best row per pair,
  explanations);
* spark: a local SparkSession is started (timed apart: the JVM's fixed cost), then
  ``matching.spark_predict.score_pairs_spark`` on the same inputs, whose features step
  (DuckDB, single-machine) is also timed apart.

Both results are compared: the same pairs, and the largest probability difference.
Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from linkage_scaling import MODEL, prepare  # noqa: E402

DUCKDB = """
import json, time
from pathlib import Path
import pyarrow.parquet as pq
from matching.inputs import read_inputs
from matching.predict import score_pairs
inputs = read_inputs(Path({build!r}))
start = time.perf_counter()
scored = score_pairs(inputs.alumni, inputs.profiles, inputs.educations, Path({model!r}))
seconds = time.perf_counter() - start
pq.write_table(scored.pairs, {out!r})
print(json.dumps({{"seconds": seconds, "pairs": scored.pairs.num_rows}}))
"""

SPARK = """
import json, time
from pathlib import Path
import pyarrow.parquet as pq
from pyspark.sql import SparkSession
from matching.inputs import read_inputs
from matching.predict import prepare_scoring
from matching.spark_predict import score_pairs_spark, splink_spark_jar
from pathways.core.db import connect_scratch
inputs = read_inputs(Path({build!r}))
start = time.perf_counter()
spark = (SparkSession.builder.master({master!r}).config("spark.jars", splink_spark_jar())
         .config("spark.sql.session.timeZone", "UTC")
         .config("spark.sql.shuffle.partitions", "8").config("spark.ui.enabled", "false")
         .config("spark.driver.memory", "4g").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
spark.sql("select 1").collect()
session = time.perf_counter() - start
start = time.perf_counter()
con = connect_scratch()
prepare_scoring(con, inputs.alumni, inputs.profiles, inputs.educations, Path({model!r}))
con.close()
features = time.perf_counter() - start
start = time.perf_counter()
scored = score_pairs_spark(spark, inputs.alumni, inputs.profiles, inputs.educations,
                           Path({model!r}))
seconds = time.perf_counter() - start
pq.write_table(scored.pairs, {out!r})
spark.stop()
print(json.dumps({{"session_seconds": session, "seconds": seconds,
                  "features_seconds": features, "pairs": scored.pairs.num_rows}}))
"""


def run(body: str, **values: str) -> dict:
    code = textwrap.dedent(body).format(model=str(MODEL), **values)
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(duck: Path, spark: Path) -> dict:
    import pyarrow.parquet as pq

    def rows(path: Path) -> dict:
        return {(r["alumni_id"], r["profile_id"]): r["match_probability"]
                for r in pq.read_table(path).to_pylist()}

    a, b = rows(duck), rows(spark)
    same = a.keys() == b.keys()
    diff = max((abs(a[k] - b[k]) for k in a.keys() & b.keys()), default=0.0)
    return {"same_pairs": same, "max_probability_difference": diff}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000x50000,5000x200000")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    rows = []
    for size in args.sizes.split(","):
        alumni, profiles = (int(x) for x in size.split("x"))
        out = ROOT / "benchmarks" / "out" / f"scaling_{size}"
        build = prepare(alumni, profiles, out)
        duck = run(DUCKDB, build=str(build), out=str(out / "pairs_duckdb.parquet"))
        spark = run(SPARK, build=str(build), out=str(out / "pairs_spark.parquet"),
                    master=args.master)
        row = {"alumni": alumni, "profiles": profiles, "duckdb": duck, "spark": spark,
               **compare(out / "pairs_duckdb.parquet", out / "pairs_spark.parquet")}
        row["ratio"] = spark["seconds"] / duck["seconds"]
        rows.append(row)
        print(f"{alumni:>7,} x {profiles:>9,}: duckdb {duck['seconds']:6.1f} s; spark "
              f"{spark['seconds']:6.1f} s (features {spark['features_seconds']:.1f} s, "
              f"session start {spark['session_seconds']:.1f} s); ratio {row['ratio']:.2f}; "
              f"{duck['pairs']:,} pairs, same: {row['same_pairs']}, max |dp| "
              f"{row['max_probability_difference']:.1e}", flush=True)
    print(json.dumps({"benchmark": "spark_linkage", "master": args.master, "rows": rows}))


if __name__ == "__main__":
    main()
