"""Scale benchmark: generate and fully refresh 100k alumni x N profiles on one machine.

    nice -n 10 .venv/bin/python benchmarks/scale.py [--alumni 100000] [--sizes 10000000]
    nice -n 10 .venv/bin/python benchmarks/scale.py --sizes 2000000,10000000

For each size, in a fresh folder under benchmarks/out/scale_<alumni>x<profiles>: generate
the landing folder (`pathways generate`), ingest it into a fresh build area (`pathways
ingest --landing`), then build, test and publish (`pathways refresh`: the first build of
that area, so every model is built from all rows). Each step is a whole process; its wall
time is measured here and its peak memory two ways: the largest resident set of any one
process of the step (``os.wait4``, which covers the processes it waited for, dbt's worker
among them), and the largest sum of the resident sets of the step's process tree, sampled
every 0.2 s (what the machine had to hold at once). The refresh's own split (ingest, dbt
build, publish) comes from ``ops.refresh_runs``, and the ten slowest dbt nodes from dbt's
``target/run_results.json``. Prints a table per size, the ratios between the first and
last size, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and every process descending from it, now."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])  # ppid, after the state
        rss[pid] = int(fields[21]) * PAGE  # rss in pages (field 24 of stat)
    total, stack = 0, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_step(command: list[str], env: dict) -> dict:
    """Run one step as its own process: wall seconds, largest process and tree peak (MB)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise SystemExit(f"{' '.join(command[:3])} failed ({code}):\n"
                         f"{output.decode(errors='replace')[-3000:]}")
    # CPU seconds (user + system of the step and the processes it waited for) grow with the
    # work, not with what else the shared machine runs; wall seconds are what a user waits.
    return {"seconds": round(seconds, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "max_process_mb": round(usage.ru_maxrss / 1024),
            "tree_peak_mb": round(peak / 1024**2)}


def refresh_steps(build_db: Path) -> dict:
    """The last refresh's own step split, from ops.refresh_runs."""
    import duckdb

    con = duckdb.connect(str(build_db), read_only=True)
    try:
        row = con.execute("select step_seconds from ops.refresh_runs "
                          "order by started_at desc limit 1").fetchall()
    finally:
        con.close()
    return json.loads(row[0][0]) if row and row[0][0] else {}


def slowest_nodes(build_db: Path, n: int = 10) -> list[tuple[str, float]]:
    """The ``n`` slowest dbt nodes of the last build (the build area's run_results.json)."""
    results = json.loads((build_db.parent / "target" / "run_results.json")
                         .read_text(encoding="utf-8"))
    times = sorted(((r["unique_id"].split(".", 1)[1], r["execution_time"])
                    for r in results["results"]), key=lambda item: -item[1])
    return [(name, round(seconds, 1)) for name, seconds in times[:n]]


def one_size(alumni: int, profiles: int, seed: int) -> dict:
    out = ROOT / "benchmarks" / "out" / f"scale_{alumni}x{profiles}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    env = {**os.environ, "PATHWAYS_WAREHOUSE": str(out / "warehouse.duckdb"),
           "PATHWAYS_PSEUDONYM_KEY": "benchmark-key", "RUNTIME__DLTHUB_TELEMETRY": "false"}
    pathways = str(BIN / "pathways")
    commands = {
        "generate": [pathways, "generate", "--out", str(out / "landing"), "--alumni",
                     str(alumni), "--profiles", str(profiles), "--seed", str(seed)],
        "ingest": [pathways, "ingest", "--landing", str(out / "landing")],
        "refresh": [pathways, "refresh"],
    }
    steps = {}
    for name, command in commands.items():
        steps[name] = run_step(command, env)
        print(f"{profiles:,} profiles: {name} {steps[name]}", flush=True)
    build_db = out / "build" / "warehouse_build.duckdb"
    result = {"alumni": alumni, "profiles": profiles, "steps": steps,
              "refresh_steps": refresh_steps(build_db), "slowest_nodes": slowest_nodes(build_db),
              "build_db_mb": round(build_db.stat().st_size / 1024**2)}
    print_size(result)
    return result


def print_size(result: dict) -> None:
    print(f"\n{result['alumni']:,} alumni x {result['profiles']:,} profiles "
          f"(build area {result['build_db_mb']:,} MB)")
    print(f"{'step':10} {'seconds':>9} {'CPU seconds':>12} {'largest process MB':>19} "
          f"{'process tree MB':>16}")
    for name, step in result["steps"].items():
        print(f"{name:10} {step['seconds']:>9.1f} {step['cpu_seconds']:>12.1f} "
              f"{step['max_process_mb']:>19,} {step['tree_peak_mb']:>16,}")
    print(f"refresh steps (ops.refresh_runs): {result['refresh_steps']}")
    print("slowest dbt nodes: " + ", ".join(f"{n} {s}s" for n, s in result["slowest_nodes"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alumni", type=int, default=100_000)
    parser.add_argument("--sizes", default="10000000",
                        help="comma-separated profile counts (e.g. 2000000,10000000)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = [one_size(args.alumni, size, args.seed) for size in sizes]
    summary: dict = {"benchmark": "scale", "results": results}
    if len(results) > 1:
        first, last = results[0], results[-1]
        ratios = {name: round(last["steps"][name]["seconds"]
                              / max(first["steps"][name]["seconds"], 0.1), 2)
                  for name in first["steps"]}
        refresh_total = {r["profiles"]: r["steps"]["ingest"]["seconds"]
                         + r["steps"]["refresh"]["seconds"] for r in results}
        ratios["ingest + refresh"] = round(refresh_total[last["profiles"]]
                                           / refresh_total[first["profiles"]], 2)
        summary["ratios"] = ratios
        cpu = {r["profiles"]: sum(step["cpu_seconds"] for step in r["steps"].values())
               for r in results}
        summary["cpu_ratio"] = round(cpu[last["profiles"]] / cpu[first["profiles"]], 2)
        print(f"\n{last['profiles']:,} / {first['profiles']:,} profiles "
              f"({last['profiles'] / first['profiles']:.1f}x the data): time ratios {ratios}, "
              f"CPU seconds of all steps {summary['cpu_ratio']}")
    peak = max(step["tree_peak_mb"] for r in results for step in r["steps"].values())
    summary["peak_mb"] = peak
    print(f"peak memory of any step (process tree): {peak:,} MB")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
