"""Refresh scaling: does a small delivery's refresh cost follow the change or the pool?

    .venv/bin/python benchmarks/refresh_scaling.py [--pools 1000000 4000000] [--repeat 2]
    .venv/bin/python benchmarks/refresh_scaling.py --onboard [--profiles 2000000] [--repeat 2]

Default mode (issue 17, goal 3): for each pool size, one warehouse of --alumni alumni and
that many profiles is generated and refreshed once (its state kept in a copy); then the
same small delivery (--delta-alumni new alumni with their roster, NSC and survey rows,
--delta-profiles new profiles and --delta-updates new versions of existing ones, one in
ten arriving late) is refreshed from that copy, --repeat times. Prints the best delivery
refresh per pool, the ratio of the largest pool's to the smallest's, and the dbt nodes
whose time grows most with the pool (dbt's run_results.json of the best runs).

--onboard (goal 4): a warehouse of four institutions and a --profiles pool, then the first
delivery of a fifth institution (`pathways generate --only prairie`: its roster, NSC and
survey files and the profiles of its alumni), refreshed incrementally from a copy of the
state, against `pathways refresh --full` over the same final data; the institution's marts
of the two are compared row for row.

States live under benchmarks/out/scaling_<alumni>x<profiles>/; --reuse keeps a state
already built there (landing folders and the copy after the first refresh) so a rerun
measures only the deliveries. Each `pathways` command is a whole process; timings are
wall times, and the machine is shared, so ratios within one run are what count.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "benchmarks" / "out"
NEW_INSTITUTION = "prairie"
# Marts the onboarding comparison reads (person-level and aggregates of one institution).
INSTITUTION_MARTS = ("dim_alumni", "fct_alumni_positions", "fct_alumni_further_education",
                     "agg_outcomes_by_program", "agg_outcomes_by_occupation")


class Warehouse:
    """One benchmark warehouse: its folder, environment and the state copied after the
    first refresh."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {**os.environ, "PATHWAYS_WAREHOUSE": str(folder / "warehouse.duckdb"),
                    "PATHWAYS_PSEUDONYM_KEY": "benchmark-key"}
        self.state = [folder / "build", folder / "warehouse.duckdb"]
        self.snapshot = folder / "after_first"

    def pathways(self, *command: str) -> float:
        """Run one `pathways` command to its end; its wall time in seconds."""
        start = time.perf_counter()
        subprocess.run([str(BIN / "pathways"), *command], env=self.env, check=True,
                       cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - start

    @property
    def build_db(self) -> Path:
        return self.folder / "build" / "warehouse_build.duckdb"

    def last_run(self) -> dict:
        """Step times, status and changed sources of the latest refresh."""
        con = duckdb.connect(str(self.build_db), read_only=True)
        try:
            steps, status, full = con.execute(
                "select step_seconds, status, full_rebuild from ops.refresh_runs "
                "order by started_at desc limit 1").fetchone()
        finally:
            con.close()
        return {"steps": json.loads(steps), "status": status, "full_rebuild": full}

    def keep_state(self) -> None:
        shutil.rmtree(self.snapshot, ignore_errors=True)
        self.snapshot.mkdir()
        for path in self.state:
            (shutil.copytree if path.is_dir() else shutil.copy2)(path, self.snapshot / path.name)

    def restore_state(self) -> None:
        for path in self.state:
            copy = self.snapshot / path.name
            if path.exists():
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            (shutil.copytree if copy.is_dir() else shutil.copy2)(copy, path)

    def refresh(self, *arguments: str) -> dict:
        """One refresh: wall time, the run's steps and dbt's per-node times."""
        seconds = self.pathways("refresh", *arguments)
        run = self.last_run()
        results = json.loads((self.build_db.parent / "target" / "run_results.json")
                             .read_text("utf-8"))
        run["nodes"] = {r["unique_id"]: round(r["execution_time"], 3)
                        for r in results["results"]}
        run["timeline"] = timeline(results)
        run["seconds"] = round(seconds, 2)
        print(f"  {self.folder.name}: refresh {' '.join(arguments)}: {seconds:.2f} s "
              f"{run['status']} {run['steps']}", flush=True)
        return run


PROFILE_COLUMNS = {
    "profile_id": "varchar", "first_name": "varchar", "middle_name": "varchar",
    "last_name": "varchar", "full_name": "varchar",
    "location": "struct(city varchar, state varchar)", "email": "varchar",
    "education": "struct(school varchar, degree varchar, field_of_study varchar, "
                 "start_year integer, end_year integer)[]",
    "positions": "struct(employer varchar, title varchar, start_date varchar, "
                 "end_date varchar, location struct(city varchar, state varchar))[]",
    "updated_at": "varchar",
}


def widen_pool(landing: Path, copies: int) -> None:
    """Add ``copies`` more pools the size of the landing folder's profiles: each profile
    again under a new id with another profile's first name (so a copy is a namesake, not
    a twin) and a different email, written with DuckDB. Generating 4M profiles in
    Python takes about half an hour on the shared machine; these copies keep the pool's
    mix of schools, names, jobs and namesakes while taking a minute."""
    files = sorted(str(f) for f in (landing / "profiles").glob("profiles_0*.jsonl.gz"))
    columns = ", ".join(f"'{name}': '{kind}'" for name, kind in PROFILE_COLUMNS.items())
    con = duckdb.connect()
    try:
        con.execute(f"""create table pool as select *, row_number() over () - 1 as i
                       from read_json({files}, format = 'newline_delimited',
                                      columns = {{{columns}}})""")
        n = con.execute("select count(*) from pool").fetchall()[0][0]
        for copy in range(1, copies + 1):
            target = landing / "profiles" / f"profiles_wide{copy}_0001.jsonl.gz"
            con.execute(f"""
                copy (
                    select p.profile_id || 'w{copy}' as profile_id, q.first_name,
                        p.middle_name, p.last_name,
                        q.first_name || ' ' || p.last_name as full_name, p.location,
                        case when p.email is not null then 'w{copy}' || p.email end as email,
                        p.education, p.positions, p.updated_at
                    from pool as p
                    inner join pool as q on q.i = (p.i + {copy} * 100003) % {n}
                    order by p.i
                ) to '{target}' (format json, compression gzip)""")
    finally:
        con.close()


def widened_landing(house: Warehouse, base: Path, factor: int) -> None:
    """The house's landing folder: ``base`` (a generated landing) copied and its pool
    widened ``factor`` times, unless the house has one already."""
    if (house.folder / "initial" / "_truth").exists():
        return
    house.folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(base, house.folder / "initial")
    widen_pool(house.folder / "initial", factor - 1)


def build_base(house: Warehouse, alumni: int, profiles: int, institutions: int,
               reuse: bool, generated: int | None = None) -> float | None:
    """Generate the landing folder (``generated`` profiles, the pool widened to
    ``profiles`` by copies) and run the first refresh, keeping the state after it. With
    ``reuse``, a landing folder already there is kept, and so is a kept state built by the
    same code (a state of other code would make the delivery a full rebuild). The first
    refresh's wall time (None when the state was reused)."""
    from pathways.core.settings import Settings
    from pathways.warehouse.fingerprint import build_fingerprint

    settings = Settings.from_env(house.env)
    code = build_fingerprint(ROOT, [settings.config_file, settings.imports_file])
    stamp = house.folder / "after_first.fingerprint"
    landing = house.folder / "initial"
    if reuse and house.snapshot.exists() and stamp.exists() and stamp.read_text() == code:
        return None
    if not (reuse and (landing / "_truth").exists()):
        shutil.rmtree(house.folder, ignore_errors=True)
        house.folder.mkdir(parents=True)
        generated = generated or profiles
        house.pathways("generate", "--out", str(landing), "--alumni", str(alumni),
                       "--profiles", str(generated), "--seed", "7",
                       "--institutions", str(institutions))
        if profiles > generated:
            widen_pool(landing, profiles // generated - 1)
    for path in house.state:
        if path.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    first = house.pathways("refresh", "--landing", str(landing))
    print(f"  {house.folder.name}: first refresh {first:.1f} s", flush=True)
    house.keep_state()
    stamp.write_text(code)
    return first


def best(runs: list[dict]) -> dict:
    return min(runs, key=lambda run: run["seconds"])


def growing_nodes(small: dict, large: dict, top: int) -> list[dict]:
    """The nodes whose time grew most from the small pool's run to the large pool's."""
    rows = [{"node": node, "small_s": small["nodes"].get(node, 0.0), "large_s": seconds,
             "growth_s": round(seconds - small["nodes"].get(node, 0.0), 3)}
            for node, seconds in large["nodes"].items()]
    return sorted(rows, key=lambda row: -row["growth_s"])[:top]


def _spans(results: dict) -> list[tuple[float, float, str]]:
    """(start, end, node) of every node of a dbt run, seconds from the first start; a
    node's span runs from its compile start to its execute end (dbt's own timing)."""
    spans = []
    for result in results["results"]:
        phases = {phase["name"]: phase for phase in result.get("timing", [])
                  if phase.get("started_at") and phase.get("completed_at")}
        if "execute" not in phases:
            continue
        start = phases.get("compile", phases["execute"])["started_at"]
        spans.append((datetime.fromisoformat(start.replace("Z", "+00:00")),
                      datetime.fromisoformat(
                          phases["execute"]["completed_at"].replace("Z", "+00:00")),
                      result["unique_id"]))
    if not spans:
        return []
    origin = min(start for start, _, _ in spans)
    return sorted(((start - origin).total_seconds(), (end - origin).total_seconds(), node)
                  for start, end, node in spans)


def timeline(results: dict, step: float = 0.05) -> dict:
    """Where a dbt build's wall time goes: node-seconds by resource type, seconds spent
    with 0, 1, 2, … nodes running at once (time with one node running is a serial chain
    that more threads cannot shorten), and the chain itself: nodes of 0.3 s or more that
    ran while nothing else did for most of their span."""
    spans = _spans(results)
    by_type: dict[str, list] = {}
    for result in results["results"]:
        kind = result["unique_id"].split(".", 1)[0]
        entry = by_type.setdefault(kind, [0, 0.0])
        entry[0] += 1
        entry[1] += result["execution_time"]
    if not spans:
        return {"elapsed_s": round(results.get("elapsed_time", 0.0), 2)}
    end = max(stop for _, stop, _ in spans)
    running = [sum(1 for start, stop, _ in spans if start <= i * step < stop)
               for i in range(int(end / step) + 1)]
    concurrency: dict[int, float] = {}
    for count in running:
        concurrency[count] = concurrency.get(count, 0.0) + step
    alone = []
    for start, stop, node in spans:
        ticks = range(int(start / step), min(int(stop / step), len(running) - 1) + 1)
        if stop - start >= 0.3 and sum(running[i] == 1 for i in ticks) > len(ticks) / 2:
            alone.append((node, round(start, 2), round(stop - start, 2)))
    return {"elapsed_s": round(results.get("elapsed_time", end), 2),
            "node_seconds_by_type": {kind: {"nodes": n, "seconds": round(seconds, 1)}
                                     for kind, (n, seconds) in sorted(by_type.items())},
            "seconds_by_nodes_running": {str(k): round(v, 1)
                                         for k, v in sorted(concurrency.items())},
            "serial_chain": alone}


def print_timeline(label: str, line: dict) -> None:
    print(f"dbt build of the {label}: {line['elapsed_s']} s; node-seconds by type "
          f"{line.get('node_seconds_by_type')}; seconds with n nodes running "
          f"{line.get('seconds_by_nodes_running')}")
    chain = line.get("serial_chain", [])
    print(f"  nodes running alone (serial chain, {sum(s for _, _, s in chain):.1f} s):")
    for node, start, seconds in chain:
        print(f"    at {start:6.2f} s  {seconds:5.2f} s  {node}")


def slowest_nodes(run: dict, top: int) -> list[tuple[str, float]]:
    return sorted(run["nodes"].items(), key=lambda item: -item[1])[:top]


def scaling(args: argparse.Namespace) -> dict:
    """Goal 3: the same delivery on each pool size."""
    results = {}
    smallest = min(args.pools)
    delta = OUT / f"scaling_{args.alumni}_delivery"
    for pool in sorted(args.pools):
        house = Warehouse(OUT / f"scaling_{args.alumni}x{pool}")
        # Pools beyond the smallest are its profiles and copies (widen_pool); the same
        # delivery (it updates profiles of the first file, shared by all) goes on each.
        if pool != smallest:
            widened_landing(house, OUT / f"scaling_{args.alumni}x{smallest}" / "initial",
                            pool // smallest)
        first = build_base(house, args.alumni, pool, 4, True if pool != smallest
                           else args.reuse, generated=smallest)
        if not delta.exists():
            house.pathways("generate", "--out", str(delta), "--alumni", str(args.delta_alumni),
                           "--profiles", str(args.delta_profiles), "--seed", "8",
                           "--batch", "late1", "--updates-from", str(house.folder / "initial"),
                           "--updates", str(args.delta_updates))
        runs = []
        for _ in range(args.repeat):
            house.restore_state()
            runs.append(house.refresh("--landing", str(delta)))
        results[pool] = {"first_s": first and round(first, 1), "runs": runs}
    small, large = results[min(args.pools)], results[max(args.pools)]
    small_best, large_best = best(small["runs"]), best(large["runs"])
    ratio = large_best["seconds"] / small_best["seconds"]
    print(f"the same delivery ({args.delta_alumni} alumni, {args.delta_profiles} new and "
          f"{args.delta_updates} changed profiles, every source) on {args.alumni:,} alumni "
          f"and each pool; best of {args.repeat}")
    print(f"{'pool':>12} {'first s':>8} {'delivery s (best)':>18}  all runs  steps")
    for pool, result in results.items():
        run = best(result["runs"])
        print(f"{pool:>12,} {result['first_s'] or '-':>8} {run['seconds']:>18.2f}  "
              f"{[r['seconds'] for r in result['runs']]}  {run['steps']}")
    print(f"largest / smallest pool: {ratio:.2f} (goal <= 1.25)")
    print(f"nodes that grew most ({min(args.pools):,} -> {max(args.pools):,} profiles):")
    growth = growing_nodes(small_best, large_best, args.top)
    for row in growth:
        print(f"  {row['node']:<78} {row['small_s']:6.2f} -> {row['large_s']:6.2f} s")
    print(f"slowest nodes at {max(args.pools):,}:")
    for node, seconds in slowest_nodes(large_best, args.top):
        print(f"  {node:<78} {seconds:6.2f} s")
    return {"benchmark": "refresh_scaling", "alumni": args.alumni,
            "delivery": {"alumni": args.delta_alumni, "profiles": args.delta_profiles,
                         "updates": args.delta_updates},
            "pools": {str(pool): {"first_s": result["first_s"],
                                  "delivery_s": best(result["runs"])["seconds"],
                                  "runs_s": [r["seconds"] for r in result["runs"]],
                                  "steps": best(result["runs"])["steps"]}
                      for pool, result in results.items()},
            "ratio": round(ratio, 3), "growing_nodes": growth,
            "slowest_nodes_largest": slowest_nodes(large_best, args.top)}


def institution_marts(build_db: Path, institution: str) -> dict[str, list[tuple]]:
    """Every row of the institution's marts, sorted, refresh-stamp columns left out."""
    con = duckdb.connect(str(build_db), read_only=True)
    try:
        rows = {}
        for table in INSTITUTION_MARTS:
            columns = [c for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'marts' "
                "and table_name = ? order by column_index", [table]).fetchall()
                if c not in ("refresh_id", "refreshed_at", "built_at")]
            select = ", ".join(f'"{c}"' for c in columns)
            rows[table] = sorted(con.execute(
                f"select {select} from marts.{table} where institution_id = ?",
                [institution]).fetchall(), key=repr)
        return rows
    finally:
        con.close()


def onboarding(args: argparse.Namespace) -> dict:
    """Goal 4: a fifth institution's first delivery, incremental against --full."""
    # The same base warehouse as the scaling mode's (with --reuse, its kept state).
    house = Warehouse(OUT / f"scaling_{args.alumni}x{args.profiles}")
    generated = args.generated or args.profiles
    if args.profiles > generated:
        # The pool is a generated landing of ``generated`` profiles (the scaling mode's
        # smallest, when it is there) widened by copies, as in the scaling mode.
        base = Warehouse(OUT / f"scaling_{args.alumni}x{generated}")
        if not (base.folder / "initial" / "_truth").exists():
            base.folder.mkdir(parents=True, exist_ok=True)
            base.pathways("generate", "--out", str(base.folder / "initial"), "--alumni",
                          str(args.alumni), "--profiles", str(generated), "--seed", "7",
                          "--institutions", "4")
        widened_landing(house, base.folder / "initial", args.profiles // generated)
    first = build_base(house, args.alumni, args.profiles, 4,
                       args.reuse or args.profiles > generated, generated=generated)
    delta = OUT / f"scaling_{args.alumni}_onboard"
    if not delta.exists():
        house.pathways("generate", "--out", str(delta), "--institutions", "5", "--only",
                       NEW_INSTITUTION, "--alumni", str(args.new_alumni), "--profiles",
                       str(args.new_profiles), "--seed", "9", "--batch", "onboard1")
    runs, fulls = [], []
    for _ in range(args.repeat):
        house.restore_state()
        runs.append(house.refresh("--landing", str(delta)))
    incremental_marts = institution_marts(house.build_db, NEW_INSTITUTION)
    for _ in range(args.repeat):
        fulls.append(house.refresh("--full"))
    full_marts = institution_marts(house.build_db, NEW_INSTITUTION)
    equal = {table: incremental_marts[table] == full_marts[table] for table in full_marts}
    onboard, full = best(runs), best(fulls)
    ratio = onboard["seconds"] / full["seconds"]
    print(f"onboarding {NEW_INSTITUTION} ({args.new_alumni:,} alumni, {args.new_profiles:,} "
          f"new profiles) onto 4 institutions, {args.alumni:,} alumni x "
          f"{args.profiles:,} profiles; best of {args.repeat}")
    print(f"first refresh: {first and round(first, 1)} s")
    print(f"onboarding refresh (incremental): {onboard['seconds']:.2f} s "
          f"{[r['seconds'] for r in runs]}  {onboard['steps']}")
    print(f"--full over the same data:        {full['seconds']:.2f} s "
          f"{[r['seconds'] for r in fulls]}  {full['steps']}")
    print(f"onboarding / --full: {ratio:.0%} (goal <= 35%)")
    print(f"{NEW_INSTITUTION}'s marts equal the full rebuild's: {equal} "
          f"({sum(len(v) for v in full_marts.values()):,} rows)")
    print("slowest nodes of the onboarding refresh:")
    for node, seconds in slowest_nodes(onboard, args.top):
        print(f"  {node:<78} {seconds:6.2f} s")
    print_timeline("onboarding refresh", onboard["timeline"])
    print_timeline("--full refresh", full["timeline"])
    return {"benchmark": "refresh_scaling_onboard", "alumni": args.alumni,
            "profiles": args.profiles, "new_alumni": args.new_alumni,
            "new_profiles": args.new_profiles, "first_s": first and round(first, 1),
            "onboard_s": onboard["seconds"], "onboard_runs_s": [r["seconds"] for r in runs],
            "full_s": full["seconds"], "full_runs_s": [r["seconds"] for r in fulls],
            "ratio": round(ratio, 3), "marts_equal": equal,
            "onboard_steps": onboard["steps"], "full_steps": full["steps"],
            "slowest_nodes_onboard": slowest_nodes(onboard, args.top),
            "slowest_nodes_full": slowest_nodes(full, args.top),
            "timeline_onboard": onboard["timeline"], "timeline_full": full["timeline"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onboard", action="store_true", help="goal 4 instead of goal 3")
    parser.add_argument("--alumni", type=int, default=20_000,
                        help="alumni of the base warehouse")
    parser.add_argument("--pools", type=int, nargs="+", default=[1_000_000, 4_000_000])
    parser.add_argument("--delta-alumni", type=int, default=200)
    parser.add_argument("--delta-profiles", type=int, default=8000)
    parser.add_argument("--delta-updates", type=int, default=2000)
    parser.add_argument("--profiles", type=int, default=2_000_000, help="pool for --onboard")
    parser.add_argument("--generated", type=int, default=1_000_000,
                        help="--onboard: profiles generated, the pool widened from them "
                             "by copies (0: generate the whole pool)")
    parser.add_argument("--new-alumni", type=int, default=10_000)
    parser.add_argument("--new-profiles", type=int, default=20_000,
                        help="profiles in the new institution's delivery (its alumni's "
                             "among them)")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--reuse", action="store_true",
                        help="keep states already built under benchmarks/out")
    args = parser.parse_args()
    report = onboarding(args) if args.onboard else scaling(args)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
