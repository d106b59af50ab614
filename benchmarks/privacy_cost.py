"""What free-text redaction and the publish-time gates cost, and what they redact.

    .venv/bin/python benchmarks/privacy_cost.py [--alumni 8000 --profiles 200000]

Runs one real `pathways refresh` on generated data, then reads from dbt's run results how
long the redaction model (int_free_text_redactions) and the marts took against the whole
build, and times the publish step's parts in this process on the same build area: copying
the marts, the identifier gate and the free-text gate (every distinct text value of every
mart through pathways.core.free_text). Generated employers, titles, colleges and cities
contain no identifiers, so every value redacted here is a false positive; the count is
printed. Figures are ratios within this one run (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alumni", type=int, default=8000)
    parser.add_argument("--profiles", type=int, default=200_000)
    args = parser.parse_args()
    out = ROOT / "benchmarks" / "out" / f"privacy_{args.alumni}x{args.profiles}"
    shutil.rmtree(out, ignore_errors=True)
    env = {**os.environ, "PATHWAYS_WAREHOUSE": str(out / "warehouse.duckdb"),
           "PATHWAYS_PSEUDONYM_KEY": "benchmark-key"}
    subprocess.run([str(BIN / "pathways"), "generate", "--out", str(out / "landing"),
                    "--alumni", str(args.alumni), "--profiles", str(args.profiles),
                    "--seed", "7"], env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    start = time.perf_counter()
    subprocess.run([str(BIN / "pathways"), "refresh", "--landing", str(out / "landing")],
                   env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    refresh_seconds = time.perf_counter() - start

    from pathways.core.build_area import dbt_target_dir
    target = dbt_target_dir(out / "build" / "warehouse_build.duckdb")
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    node_seconds = {r["unique_id"].split(".")[-1]: r["execution_time"]
                    for r in results["results"]}
    build_seconds = results["elapsed_time"]

    os.environ.update(env)
    from pathways.core.db import connect_published, quote_literal
    from pathways.core.identifiers import direct_identifier_columns
    from pathways.warehouse.publish import (
        free_text_violations,
        privacy_violations,
        publish,
        roster_scanner,
    )

    build_db = out / "build" / "warehouse_build.duckdb"
    scratch = out / "gate_check.duckdb"
    start = time.perf_counter()
    publish(build_db, scratch, [], project_root=ROOT)
    publish_seconds = time.perf_counter() - start
    with connect_published(scratch, read_only=False) as con:
        con.execute(f"attach {quote_literal(build_db)} as build (read_only)")
        database = con.execute("select current_database()").fetchall()[0][0]
        start = time.perf_counter()
        privacy_violations(con, database, direct_identifier_columns(ROOT))
        identifier_gate = time.perf_counter() - start
        start = time.perf_counter()
        scanner = roster_scanner(con)
        scanner_seconds = time.perf_counter() - start
        start = time.perf_counter()
        problems = free_text_violations(con, database, scanner)
        free_text_gate = time.perf_counter() - start
        n_values = sum(con.execute(
            f'select count(distinct "{c}") from marts."{t}"').fetchall()[0][0]
            for t, c in con.execute(
                "select table_name, column_name from duckdb_columns() where schema_name = "
                "'marts' and data_type = 'VARCHAR' and database_name = current_database()"
            ).fetchall())
        redacted = con.execute("select count(*) from build.pii.int_free_text_redactions"
                               ).fetchall()[0][0]
        examples = con.execute("select text_value, redacted_text from "
                               "build.pii.int_free_text_redactions limit 5").fetchall()

    # The marts' queries with and without the redaction lookup, on the same build (best of 7).
    compiled = target / "compiled" / "pathways" / "dbt_project" / "models" / "marts"
    lookup = re.compile(r"coalesce\(\s*\(\s*select redactions\.redacted_text\s+from [^)]*? as "
                        r"redactions\s+where redactions\.text_value = (.*?)\s*\),\s*\1\s*\)",
                        re.S)
    mart_queries: dict[str, tuple[float, float]] = {}
    with connect_published(build_db) as con:
        for model in ("fct_alumni_positions", "fct_alumni_further_education", "dim_alumni"):
            sql = (compiled / "outcomes" / f"{model}.sql").read_text(encoding="utf-8")
            timings = []
            for query in (sql, lookup.sub(r"\1", sql)):
                runs = []
                for _ in range(7):
                    start = time.perf_counter()
                    con.execute(f"create or replace temp table timed as {query}")
                    runs.append(time.perf_counter() - start)
                timings.append(min(runs))
            mart_queries[model] = (timings[0], timings[1])

    redaction_model = node_seconds.get("int_free_text_redactions", 0.0)
    marts = {n: s for n, s in node_seconds.items()
             if n in ("fct_alumni_positions", "fct_alumni_further_education", "dim_alumni")}
    print(f"{args.alumni:,} alumni x {args.profiles:,} profiles; refresh {refresh_seconds:.1f} s, "
          f"dbt build {build_seconds:.1f} s")
    print(f"int_free_text_redactions: {redaction_model:.2f} s "
          f"({redaction_model / build_seconds:.1%} of the build); marts that redact: "
          + ", ".join(f"{n} {s:.2f} s" for n, s in sorted(marts.items())))
    print("mart queries with / without the redaction lookup: " + ", ".join(
        f"{m} {a * 1000:.0f} / {b * 1000:.0f} ms" for m, (a, b) in sorted(mart_queries.items())))
    print(f"publish {publish_seconds:.2f} s: identifier gate {identifier_gate:.2f} s, "
          f"roster names {scanner_seconds:.2f} s, free-text gate {free_text_gate:.2f} s over "
          f"{n_values:,} distinct text values ({free_text_gate / publish_seconds:.0%} of "
          "publishing)")
    print(f"values redacted in generated data (false positives): {redacted}; gate problems "
          f"after redaction: {len(problems)}")
    for original, replaced in examples:
        print(f"  {original!r} -> {replaced!r}")
    print(json.dumps({"benchmark": "privacy_cost", "alumni": args.alumni,
                      "profiles": args.profiles, "build_seconds": round(build_seconds, 2),
                      "redaction_model_seconds": round(redaction_model, 2),
                      "publish_seconds": round(publish_seconds, 2),
                      "free_text_gate_seconds": round(free_text_gate, 2),
                      "identifier_gate_seconds": round(identifier_gate, 2),
                      "distinct_text_values": n_values, "false_positives": redacted}))


if __name__ == "__main__":
    main()
