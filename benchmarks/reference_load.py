"""Loading the reference lookups into DuckDB: as dbt seeds (CSV through agate) or as the
project does, dbt-duckdb sources over the committed Parquet files.

    .venv/bin/python benchmarks/reference_load.py [--repeat 3]

Builds a throwaway dbt project with the six reference tables twice: as seeds (the CSV
dbt would need in seeds/, written from reference/*.parquet) loaded by `dbt seed`, and as
models that create the same tables from sources with `meta.external_location` (what
dbt_project/models/staging/reference does) by `dbt run`. Prints each node's execution
time from dbt's run_results.json (best of --repeat), their sums, and the whole commands'
wall times (dbt's start-up included).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TABLES = ("onet_alternate_titles", "oews_wages", "soc_direct_match_titles",
          "cip_soc_crosswalk", "soc_structure", "onet_occupations")


def _project(folder: Path) -> None:
    (folder / "seeds").mkdir()
    (folder / "models").mkdir()
    (folder / "dbt_project.yml").write_text(
        "name: reference_load\nversion: '1.0.0'\nconfig-version: 2\nprofile: reference_load\n"
        "seed-paths: [seeds]\nmodel-paths: [models]\n"
        "seeds:\n  reference_load:\n    onet_alternate_titles:\n"
        "      +column_types: {sources: varchar}\n", encoding="utf-8")
    (folder / "profiles.yml").write_text(
        "reference_load:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: '{folder / 'bench.duckdb'}'\n      threads: 1\n", encoding="utf-8")
    sources = ["version: 2", "sources:", "  - name: reference",
               "    meta:", f"      external_location: '{ROOT / 'reference'}/{{name}}.parquet'",
               "    tables:"]
    con = duckdb.connect()
    for name in TABLES:
        parquet = ROOT / "reference" / f"{name}.parquet"
        con.execute(f"copy (select * from '{parquet}') to '{folder / 'seeds' / name}.csv' "
                    "(header, delimiter ',')")
        (folder / "models" / f"parquet_{name}.sql").write_text(
            f"{{{{ config(materialized='table') }}}}\n"
            f"select * from {{{{ source('reference', '{name}') }}}}\n", encoding="utf-8")
        sources.append(f"      - name: {name}")
    (folder / "models" / "_sources.yml").write_text("\n".join(sources) + "\n",
                                                     encoding="utf-8")


def _dbt(folder: Path, command: str) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    done = subprocess.run([str(BIN / "dbt"), command, "--project-dir", str(folder),
                           "--profiles-dir", str(folder), "--full-refresh"],
                          capture_output=True, text=True,
                          env={"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PATH": str(BIN),
                               "HOME": str(folder)}, cwd=folder)
    if done.returncode:
        raise SystemExit(f"dbt {command} failed:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
    wall = time.perf_counter() - start
    results = json.loads((folder / "target" / "run_results.json").read_text(encoding="utf-8"))
    return wall, {r["unique_id"].split(".")[-1]: r["execution_time"] for r in results["results"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _project(folder)
        seeds = [_dbt(folder, "seed") for _ in range(args.repeat)]
        parquet = [_dbt(folder, "run") for _ in range(args.repeat)]
    rows = duckdb.connect()
    print(f"{'table':<26} {'rows':>8} {'dbt seed s':>11} {'parquet source s':>17}")
    total_seed = total_parquet = 0.0
    for name in TABLES:
        n = rows.execute(f"select count(*) from '{ROOT / 'reference' / name}.parquet'"
                         ).fetchone()[0]
        seed = min(run[1][name] for run in seeds)
        source = min(run[1][f"parquet_{name}"] for run in parquet)
        total_seed += seed
        total_parquet += source
        print(f"{name:<26} {n:>8,} {seed:>11.2f} {source:>17.2f}")
    print(f"{'all six (node times)':<26} {'':>8} {total_seed:>11.2f} {total_parquet:>17.2f}  "
          f"ratio {total_seed / total_parquet:.1f}x")
    seed_wall, parquet_wall = min(w for w, _ in seeds), min(w for w, _ in parquet)
    print(f"{'whole command (wall)':<26} {'':>8} {seed_wall:>11.2f} {parquet_wall:>17.2f}")
    print(json.dumps({"benchmark": "reference_load", "repeat": args.repeat,
                      "seed_node_s": round(total_seed, 2),
                      "parquet_node_s": round(total_parquet, 2),
                      "seed_wall_s": round(seed_wall, 2),
                      "parquet_wall_s": round(parquet_wall, 2)}))


if __name__ == "__main__":
    main()
