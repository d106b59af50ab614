"""Profile load benchmark: Pathways' ingest vs DuckDB read_json vs read_parquet vs dlt's
default JSON path, on the same generated profiles, all in one run.

    .venv/bin/python benchmarks/profile_load.py [--profiles 1000000] [--dlt-sample 20000]
    .venv/bin/python benchmarks/profile_load.py --profiles 4000000 --pool 1000000 --only-ingest
    .venv/bin/python benchmarks/profile_load.py --profiles 1000000 --shards 4

Each contender runs as its own Python process (start-up included, as a user would run it)
and loads the profiles into a fresh DuckDB table; its wall time and its peak memory (the
largest resident set of the process, from ``os.wait4``) are printed. ``--shards K``
delivers K files of --profiles each (one landing folder, ``pathways ingest --landing``)
against DuckDB's read_json over the list of K files. ``--only-ingest`` runs only those two.

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
import gzip
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

# Peak memory (MB) of each contender's last run, by the order they ran in.
PEAKS: list[float] = []


def timed(args: list[str], env: dict | None = None) -> float:
    """Wall seconds of one process; its peak resident memory is appended to PEAKS."""
    start = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    error = process.stderr.read() if process.stderr else b""
    if process.returncode:
        raise SystemExit(f"{args[:3]} failed ({process.returncode}): {error[-2000:]!r}")
    PEAKS.append(usage.ru_maxrss / 1024)  # kilobytes on Linux
    return seconds


def best_of(run, repeat: int) -> tuple[float, float]:
    """(best seconds, largest peak MB) of ``repeat`` runs."""
    seconds, peaks = [], []
    for _ in range(repeat):
        seconds.append(run())
        peaks.append(PEAKS[-1])
    return min(seconds), max(peaks)


def python_script(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--dlt-sample", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--shards", type=int, default=1,
                        help="files of --profiles each in one delivery (default 1)")
    parser.add_argument("--pool", type=int, default=None,
                        help="profiles generated (default --profiles); each file repeats "
                             "them up to --profiles")
    parser.add_argument("--only-ingest", action="store_true",
                        help="only pathways ingest and DuckDB read_json")
    args = parser.parse_args()
    if args.shards > 1:
        shards(args)
        return
    args.pool = args.pool or args.profiles
    out = ROOT / "benchmarks" / "out" / f"profile_load_{args.profiles}"
    combined = generated(out, args.profiles, 1, args.pool)[0]
    from ingestion.profiles import duckdb_columns_sql

    columns = duckdb_columns_sql()
    if args.only_ingest:
        results = ingest_contenders(out, [combined], args.repeat, args.profiles)
        report(args, results, [combined])
        return
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
        seconds, peak = best_of(run, args.repeat)
        results[name] = {"rows": args.profiles, "seconds": round(seconds, 2),
                         "rows_per_second": round(args.profiles / seconds),
                         "peak_mb": round(peak)}
    sample = out / "dlt_sample.jsonl"

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
                                       "rows_per_second": round(args.dlt_sample / seconds),
                                       "peak_mb": round(PEAKS[-1])}
    ratio = results["pathways ingest"]["seconds"] / results["duckdb read_json"]["seconds"]
    reads = read_back(out / "db" / "pathways" / "b.duckdb", parquet, args.repeat)
    write_only = load_step(combined, out, args.repeat)
    print(f"{args.profiles:,} generated profiles ({combined.stat().st_size / 1e6:.0f} MB gzip), "
          f"best of {args.repeat}")
    print_table(results)
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


def generated(out: Path, per_file: int, n_files: int, pool: int) -> list[Path]:
    """``n_files`` gzip JSON-lines files of ``per_file`` profiles each (made once, kept under
    ``out``). ``pool`` profiles are generated (``benchmarks/out/generated_<pool>``, shared by
    runs) and each file repeats them until it holds ``per_file`` (concatenated gzip members
    are one valid gzip); a file of a delivery of several ends with one line of its own, so
    the ledger sees different files."""
    landing = out.parent / f"generated_{pool}"
    if not (landing / "profiles").exists():
        env = {**os.environ, "PATHWAYS_WAREHOUSE": str(out / "unused.duckdb")}
        subprocess.run([str(BIN / "pathways"), "generate", "--out", str(landing),
                        "--institutions", "4", "--alumni", str(max(pool // 25, 4)),
                        "--profiles", str(pool), "--seed", "3"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
    members = b"".join(path.read_bytes()
                       for path in sorted((landing / "profiles").glob("*.jsonl.gz")))
    if per_file % pool:
        raise SystemExit(f"--profiles {per_file} is not a multiple of --pool {pool}")
    if n_files == 1:
        targets = [out / "profiles.jsonl.gz"]
    else:
        targets = [out / "shards" / "profiles" / f"shard_{i + 1}.jsonl.gz"
                   for i in range(n_files)]
    for i, target in enumerate(targets):
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("wb") as handle:
                for _ in range(per_file // pool):
                    handle.write(members)
                if n_files > 1:
                    handle.write(gzip.compress(json.dumps(
                        {"profile_id": f"shard-{i + 1}", "full_name": "Shard Marker"}
                    ).encode() + b"\n"))
    return targets


def ingest_contenders(out: Path, files: list[Path], repeat: int, rows: int) -> dict[str, dict]:
    """Pathways' ingest of ``files`` (one file, or a landing folder of them) against DuckDB
    reading them with the declared columns into a fresh table, both whole processes."""
    from ingestion.profiles import duckdb_columns_sql

    columns = duckdb_columns_sql()
    listed = "[" + ", ".join(f"'{path}'" for path in files) + "]"
    if len(files) == 1:
        ingest = [str(BIN / "pathways"), "ingest", str(files[0]), "--kind", "profiles",
                  "--json"]
    else:
        ingest = [str(BIN / "pathways"), "ingest", "--landing", str(files[0].parent.parent),
                  "--json"]
    contenders = {
        "pathways ingest": lambda: timed(
            ingest, {**os.environ, "PATHWAYS_BUILD_DB": str(fresh_dir(out, "pathways")
                                                            / "b.duckdb")}),
        "duckdb read_json": lambda: timed(python_script(f"""
            import duckdb
            con = duckdb.connect('{fresh_dir(out, "read_json") / "r.duckdb"}')
            con.execute("create table profiles as select * from read_json({listed}, "
                        "columns = {columns}, format = 'newline_delimited')")
            """)),
    }
    results = {}
    for name, run in contenders.items():
        seconds, peak = best_of(run, repeat)
        results[name] = {"rows": rows, "seconds": round(seconds, 2),
                         "rows_per_second": round(rows / seconds), "peak_mb": round(peak)}
    return results


def shards(args: argparse.Namespace) -> None:
    args.pool = args.pool or args.profiles
    out = ROOT / "benchmarks" / "out" / f"profile_load_{args.profiles}x{args.shards}"
    files = generated(out, args.profiles, args.shards, args.pool)
    results = ingest_contenders(out, files, args.repeat, args.profiles * args.shards + args.shards)
    report(args, results, files)


def report(args: argparse.Namespace, results: dict[str, dict], files: list[Path]) -> None:
    size = sum(path.stat().st_size for path in files) / 1e6
    print(f"{len(files)} file(s) of {args.profiles:,} generated profiles ({size:.0f} MB gzip), "
          f"best of {args.repeat}; peak = largest resident memory of the process")
    print_table(results)
    ratio = results["pathways ingest"]["seconds"] / results["duckdb read_json"]["seconds"]
    print(f"pathways ingest / duckdb read_json: {ratio:.2f}x")
    print(json.dumps({"benchmark": "profile_load", "files": len(files),
                      "profiles_per_file": args.profiles, "results": results,
                      "ratio_ingest_to_read_json": round(ratio, 3)}))


def print_table(results: dict[str, dict]) -> None:
    print(f"{'contender':24} {'rows':>10} {'seconds':>9} {'rows/s':>12} {'peak MB':>9}")
    for name, r in results.items():
        print(f"{name:24} {r['rows']:>10,} {r['seconds']:>9.2f} {r['rows_per_second']:>12,} "
              f"{r['peak_mb']:>9,}")


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
