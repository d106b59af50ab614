"""API request times, and the cost of the cell-key method within them.

    .venv/bin/python benchmarks/api_requests.py [--warehouse W] [--institution ID] [--repeat 30]
    .venv/bin/python benchmarks/api_requests.py --attack [--institution ID]

Serves a published warehouse (default $PATHWAYS_WAREHOUSE) in-process (FastAPI's
TestClient, a throwaway key store) and times typical requests, each --repeat times after a
warm-up: breakdowns with and without filters, the outcomes table, the institution and its
history. Prints the median and the 90th percentile per request. In the same run it times
the counting query of a breakdown twice, with the cell-key perturbation and as a plain
count (the query before the method), so the method's share of a request is a ratio
measured on one machine at one moment (this machine is shared).

Written against the API's HTTP surface only, so it runs unchanged on earlier versions of
Pathways (run it from their tree with PYTHONPATH) for a before/after comparison; the
counting-query comparison needs pathways.delivery.disclosure and is skipped without it.

--attack runs issue 13's attack (tests/disclosure_attack.py) on the institution instead and
prints how many small counts each attacker pins, on the served answers and on the same
questions answered exactly.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient

from pathways.delivery.api import create_app
from pathways.delivery.keys import KeyStore

ROOT = Path(__file__).resolve().parent.parent

REQUESTS = [
    ("employers", {}),
    ("employers", {"degree_level": "bachelor", "current_only": "true"}),
    ("occupations", {"program": "11"}),
    ("industries", {"cohort": 2021}),
    ("locations/cities", {}),
    ("further-education/colleges", {"degree_level": "master", "cohort": 2025}),
    ("outcomes", {"limit": 100}),
    ("", {}),
    ("history", {}),
]


def _time(call, repeat: int) -> list[float]:
    call()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return sorted(times)


def _p90(times: list[float]) -> float:
    return times[min(len(times) - 1, int(len(times) * 0.9))]


def requests(warehouse: Path, institution: str, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        keys = Path(scratch) / "keys.sqlite"
        _, token = KeyStore(keys).create(institution, "benchmark")
        client = TestClient(create_app(warehouse, keys))
        headers = {"Authorization": f"Bearer {token}"}
        all_medians = []
        print(f"{'request':70} {'median ms':>10} {'p90 ms':>8}")
        for path, params in REQUESTS:
            url = f"/v1/institutions/{institution}/{path}".rstrip("/")

            def call(url=url, params=params) -> None:
                response = client.get(url, params=params, headers=headers)
                assert response.status_code == 200, response.text

            times = _time(call, repeat)
            all_medians.append(statistics.median(times))
            query = "&".join(f"{k}={v}" for k, v in params.items())
            label = (path or "(institution)") + (f"?{query}" if query else "")
            print(f"{label:70} {statistics.median(times):10.1f} {_p90(times):8.1f}")
        print(f"{'median of the medians':70} {statistics.median(all_medians):10.1f}")
    _counting_queries(warehouse, institution, repeat)


def _counting_queries(warehouse: Path, institution: str, repeat: int) -> None:
    try:
        from pathways.delivery import disclosure
    except ImportError:
        print("\n(no pathways.delivery.disclosure here: counting-query comparison skipped)")
        return
    con = duckdb.connect(":memory:")
    con.execute(f"attach '{warehouse}' as warehouse (read_only)")
    con.execute("use warehouse")
    members = """
        select distinct facts.employer_name, alumni.alumni_key, alumni.record_key
        from marts.fct_alumni_positions as facts
        inner join marts.dim_alumni as alumni on facts.alumni_key = alumni.alumni_key
        where alumni.institution_id = ? and facts.employer_name is not null"""
    perturbed = f"select * from ({disclosure.perturbed_counts(members)}) where n_alumni >= 10"
    plain = """
        select facts.employer_name, count(distinct alumni.alumni_key) as n_alumni
        from marts.fct_alumni_positions as facts
        inner join marts.dim_alumni as alumni on facts.alumni_key = alumni.alumni_key
        where alumni.institution_id = ? and facts.employer_name is not null
        group by all having count(distinct alumni.alumni_key) >= 10"""
    timed = {name: statistics.median(_time(
        lambda sql=sql: con.execute(sql, [institution]).fetchall(), repeat))
        for name, sql in (("perturbed", perturbed), ("plain", plain))}
    print(f"\nemployers counting query: perturbed {timed['perturbed']:.1f} ms, plain count "
          f"{timed['plain']:.1f} ms, ratio {timed['perturbed'] / timed['plain']:.2f}")


def attack(warehouse: Path, institution: str) -> None:
    sys.path.insert(0, str(ROOT / "tests"))
    import disclosure_attack as attacks

    with tempfile.TemporaryDirectory() as scratch:
        keys = Path(scratch) / "keys.sqlite"
        _, token = KeyStore(keys).create(institution, "benchmark")
        app = create_app(warehouse, keys)
        client = TestClient(app)
        breakdowns = attacks.endpoints(app.openapi())
        headers = {"Authorization": f"Bearer {token}"}
        asked = [0]

        def get(path: str, params: dict) -> dict:
            asked[0] += 1
            response = client.get(f"/v1/institutions/{institution}/{path}".rstrip("/"),
                                  params=params, headers=headers)
            assert response.status_code == 200, response.text
            return response.json()

        con = duckdb.connect(str(warehouse), read_only=True)
        perturbed = bool(con.execute(
            "select count(*) from duckdb_tables() where schema_name = 'marts' and "
            "table_name = 'dim_cell_key_perturbations'").fetchone()[0])
        start = time.perf_counter()
        answers = attacks.collect(get, breakdowns, 10, zero_shown=perturbed)
        collected = time.perf_counter() - start
        truth = attacks.true_counts(con, institution, answers.cells, breakdowns)
        support = attacks.ptable_support(con) if perturbed else attacks.EXACT
        con.close()
    print(f"{institution}: {asked[0]} requests in {collected:.0f} s, {len(answers.cells)} "
          f"cells ({'perturbed' if perturbed else 'exact'} answers)")
    for name, given, table, exact in (
            ("served", answers, support, not perturbed),
            ("answered exactly", attacks.exact_answers(answers, truth), attacks.EXACT, True)):
        linear = attacks.linear_pins(given, truth, exact=exact)
        bounds = attacks.bound_pins(given, truth, attacks.Ranges(table, 10))
        alumni = sum(family == "alumni" for family, _, _ in bounds.pinned)
        print(f"  {name}: of {bounds.tried} true counts from 1 to 9, the linear attacker "
              f"pins {len(linear.pinned)} (determines {linear.determined}, estimate right "
              f"{linear.estimated_right}, blind guess right {linear.blind_right}); the "
              f"bounds attacker pins {len(bounds.pinned)} ({alumni} cells' alumni)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", type=Path,
                        default=Path(os.environ.get("PATHWAYS_WAREHOUSE",
                                                    "warehouse/pathways.duckdb")))
    parser.add_argument("--institution", default="northfield")
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--attack", action="store_true")
    args = parser.parse_args()
    if args.attack:
        attack(args.warehouse, args.institution)
    else:
        requests(args.warehouse, args.institution, args.repeat)


if __name__ == "__main__":
    main()
