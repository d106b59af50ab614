"""Profile load benchmark: Pathways' ingest vs DuckDB read_json vs read_parquet vs dlt's
default JSON path, on the same generated profiles, all in one run.

    .venv/bin/python benchmarks/profile_load.py [--profiles 1000000] [--dlt-sample 20000]

Each contender runs as its own Python process (start-up included, as a user would run it)
and loads the profiles into a fresh DuckDB table:

* pathways ingest  `pathways ingest FILE --kind profiles` (declared schema, Arrow, dlt)
* duckdb read_json a Python process having DuckDB read the same .jsonl.gz, columns declared
* duckdb read_parquet the same rows written as Parquet beforehand (not timed)
* dlt arrow, nested the simplest dlt load with the declared schema: read_json into one Arrow
                   table, handed to dlt as it is (its nested lists become JSON columns)
* dlt default      dlt's default JSON normaliser (rows as dicts, lists unnested into child
                   tables) on the first --dlt-sample profiles; its rate is per row

Prints a table and one JSON line. Timings are wall-clock seconds, best of --repeat.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

def timed(args: list[str], env: dict | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def python_script(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--dlt-sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "out" / f"profile_load_{args.profiles}"
    landing = out / "landing"
    if not (landing / "profiles").exists():
        env = {**os.environ, "PATHWAYS_WAREHOUSE": str(out / "unused.duckdb")}
        subprocess.run([str(BIN / "pathways"), "generate", "--out", str(landing),
                        "--institutions", "4", "--alumni", str(max(args.profiles // 25, 4)),
                        "--profiles", str(args.profiles), "--seed", "3"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    files = sorted((landing / "profiles").glob("*.jsonl.gz"))
    # One file keeps the comparison simple: concatenated gzip members are one valid gzip.
    combined = out / "profiles.jsonl.gz"
    if not combined.exists():
        with combined.open("wb") as target:
            for path in files:
                target.write(path.read_bytes())
    from ingestion.profiles import duckdb_columns_sql

    columns = duckdb_columns_sql()
    parquet = out / "profiles.parquet"
    if not parquet.exists():
        import duckdb

        duckdb.connect().execute(
            f"copy (select * from read_json('{combined}', columns = {columns}, "
            f"format = 'newline_delimited')) to '{parquet}' (format parquet)")

    def fresh(name: str) -> Path:
        return fresh_dir(out, name)

    contenders = {
        "pathways ingest": lambda: timed(
            [str(BIN / "pathways"), "ingest", str(combined), "--kind", "profiles", "--json"],
            {**os.environ, "PATHWAYS_BUILD_DB": str(fresh("pathways") / "b.duckdb")}),
        "duckdb read_json": lambda: timed(python_script(f"""
            import duckdb
            con = duckdb.connect('{fresh("read_json") / "r.duckdb"}')
            con.execute("create table profiles as select * from read_json('{combined}', "
                        "columns = {columns}, format = 'newline_delimited')")
            """)),
        "dlt arrow, nested": lambda: timed(python_script(f"""
            import dlt, duckdb
            table = duckdb.connect().sql("select * from read_json('{combined}', "
                "columns = {columns}, format = 'newline_delimited')").to_arrow_table()
            where = '{fresh("dlt_arrow")}'
            pipeline = dlt.pipeline(pipeline_name='nested', pipelines_dir=where + '/p',
                destination=dlt.destinations.duckdb(where + '/d.duckdb'), dataset_name='raw')
            pipeline.run(table, table_name='profiles', loader_file_format='parquet')
            """), {**os.environ, "DATA_WRITER__COMPRESSION": "none"}),
        "duckdb read_parquet": lambda: timed(python_script(f"""
            import duckdb
            con = duckdb.connect('{fresh("read_parquet") / "p.duckdb"}')
            con.execute("create table profiles as select * from read_parquet('{parquet}')")
            """)),
    }
    results: dict[str, dict] = {}
    for name, run in contenders.items():
        seconds = min(run() for _ in range(args.repeat))
        results[name] = {"rows": args.profiles, "seconds": round(seconds, 2),
                         "rows_per_second": round(args.profiles / seconds)}
    sample = out / "dlt_sample.jsonl"
    import gzip

    with gzip.open(combined, "rb") as source, sample.open("wb") as target:
        for i, line in enumerate(source):
            if i >= args.dlt_sample:
                break
            target.write(line)
    dlt_dir = fresh("dlt_default")
    seconds = timed(python_script(f"""
        import dlt, orjson
        def rows():
            with open('{sample}', 'rb') as handle:
                for line in handle:
                    yield orjson.loads(line)
        pipeline = dlt.pipeline(pipeline_name='bench', pipelines_dir='{dlt_dir / "p"}',
                                destination=dlt.destinations.duckdb('{dlt_dir / "d.duckdb"}'),
                                dataset_name='raw')
        pipeline.run(rows(), table_name='profiles')
        """))
    results["dlt default (sample)"] = {"rows": args.dlt_sample, "seconds": round(seconds, 2),
                                       "rows_per_second": round(args.dlt_sample / seconds)}
    ratio = results["pathways ingest"]["seconds"] / results["duckdb read_json"]["seconds"]
    reads = read_back(out / "db" / "pathways" / "b.duckdb", parquet, args.repeat)
    write_only = load_step(combined, out, args.repeat)
    print(f"{args.profiles:,} generated profiles ({combined.stat().st_size / 1e6:.0f} MB gzip), "
          f"best of {args.repeat}")
    print(f"{'contender':24} {'rows':>10} {'seconds':>9} {'rows/s':>12}")
    for name, r in results.items():
        print(f"{name:24} {r['rows']:>10,} {r['seconds']:>9.2f} {r['rows_per_second']:>12,}")
    print(f"pathways ingest / duckdb read_json: {ratio:.2f}x")
    print(f"writing Pathways' three flat tables into a fresh DuckDB file from Parquet (the "
          f"step dlt's load runs, alone): {write_only:.2f} s")
    print("reading the loaded profiles back (the same aggregate over every row and column "
          "staging uses):")
    for name, seconds in reads.items():
        print(f"  {name:44} {seconds:6.3f} s")
    print(json.dumps({"benchmark": "profile_load", "results": results,
                      "ratio_ingest_to_read_json": round(ratio, 3), "read_back_s": reads,
                      "flat_tables_write_s": round(write_only, 2)}))


def load_step(combined: Path, out: Path, repeat: int) -> float:
    """Seconds, best of ``repeat``, for a process to create Pathways' three flat profile
    tables in a fresh DuckDB file from Parquet files of them and checkpoint: what dlt's
    load does after extraction, without parsing, splitting or dlt."""
    import pyarrow.parquet as pq

    from ingestion.profiles import parse_profiles

    parsed = parse_profiles(combined)
    tables = {"profiles": parsed.table, **parsed.children}
    for name, table in tables.items():
        pq.write_table(table, out / f"flat_{name}.parquet", compression="none")
    creates = "; ".join(f"create table {name} as select * from read_parquet("
                        f"'{out / f'flat_{name}.parquet'}')" for name in tables)
    return min(timed(python_script(f"""
        import duckdb
        con = duckdb.connect('{fresh_dir(out, "flat") / "f.duckdb"}')
        con.execute("{creates}; checkpoint")
        """)) for _ in range(repeat))


def fresh_dir(out: Path, name: str) -> Path:
    path = out / "db" / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


READ_BACK = """
    select count(*), count(distinct profile_id), sum(length(first_name)),
        sum(length(last_name)), count(email), max(updated_at)
    from {source}
"""


def read_back(database: Path, parquet: Path, repeat: int) -> dict[str, float]:
    """Seconds to scan the profiles Pathways loaded (raw table, and the staging view over
    it) against the same rows read from Parquet, best of ``repeat``."""
    import time

    import duckdb

    con = duckdb.connect(str(database), read_only=True)
    sources = {
        "raw.profiles (loaded by pathways ingest)": "raw.profiles",
        "read_parquet of the same rows": f"read_parquet('{parquet}')",
    }
    timings = {}
    for name, source in sources.items():
        best = float("inf")
        for _ in range(max(repeat, 3)):
            start = time.perf_counter()
            con.execute(READ_BACK.format(source=source)).fetchall()
            best = min(best, time.perf_counter() - start)
        timings[name] = round(best, 3)
    con.close()
    return timings


if __name__ == "__main__":
    main()
