"""One-to-one resolution: Pathways' mutual-best rounds (matching.resolve) vs Splink's
cluster_using_single_best_links, on the same predictions, in one run.

    .venv/bin/python benchmarks/match_quality.py        # builds the 20k x 500k data first
    .venv/bin/python benchmarks/one_to_one.py [--build PATH]

Prints the candidate pairs, seconds and links each method keeps, and how many agree.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import duckdb

from matching.features import alumni_features, profile_features
from matching.inputs import read_inputs
from matching.predict import (
    CANDIDATE_THRESHOLD,
    linker_for,
    load_model,
    oriented_pairs_sql,
    prior_for_pool,
)
from matching.resolve import resolve_one_to_one
from pathways.core.settings import Settings

DEFAULT_BUILD = (Path(__file__).resolve().parent / "out" / "quality_20000x500000" / "build"
                 / "warehouse_build.duckdb")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=DEFAULT_BUILD)
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)
    inputs = read_inputs(args.build)
    model_path = Settings.from_env().project_root / "matching" / "models" / "pathways_match_v1.json"
    con = duckdb.connect()
    alumni_features(con, inputs.alumni, "alumni_features")
    profile_features(con, inputs.profiles, inputs.educations, "profile_features")
    settings = load_model(model_path)
    rows = con.execute("select count(*) from profile_features").fetchall()[0][0]
    settings["probability_two_random_records_match"] = prior_for_pool(model_path, rows)
    linker = linker_for(con, "alumni_features", "profile_features", settings)
    predictions = linker.inference.predict(threshold_match_probability=CANDIDATE_THRESHOLD)
    n_pairs = con.execute(f"select count(*) from {predictions.physical_name}").fetchall()[0][0]

    start = time.perf_counter()
    con.execute(f"create table _pairs as {oriented_pairs_sql(predictions.physical_name)}")
    rounds = resolve_one_to_one(con, "_pairs", "_resolved")
    ours_seconds = time.perf_counter() - start
    ours = {(a, p) for a, p in con.execute(
        "select alumni_id, profile_id from _resolved where candidate_rank = 1").fetchall()}

    start = time.perf_counter()
    clusters = linker.clustering.cluster_using_single_best_links(
        predictions, duplicate_free_datasets=["alumni", "profiles"],
        threshold_match_probability=CANDIDATE_THRESHOLD)
    splink_seconds = time.perf_counter() - start
    theirs = {(a, p.split("|")[0]) for a, p in con.execute(f"""
        select a.unique_id, b.unique_id
        from {clusters.physical_name} as a
        inner join {clusters.physical_name} as b
            on a.cluster_id = b.cluster_id and a.source_dataset = 'alumni'
            and b.source_dataset = 'profiles'
    """).fetchall()}
    result = {
        "alumni": inputs.alumni.num_rows, "profiles": inputs.profiles.num_rows,
        "candidate_pairs": n_pairs,
        "pathways_resolve": {"seconds": round(ours_seconds, 2), "links": len(ours),
                             "rounds": rounds},
        "splink_single_best_links": {"seconds": round(splink_seconds, 2),
                                     "links": len(theirs)},
        "links_in_both": len(ours & theirs),
    }
    print(f"{n_pairs:,} candidate pairs (p >= {CANDIDATE_THRESHOLD})")
    print(f"pathways resolve_one_to_one:         {ours_seconds:7.2f} s, {len(ours):,} links, "
          f"{rounds} rounds")
    print(f"splink cluster_using_single_best_links: {splink_seconds:7.2f} s, "
          f"{len(theirs):,} links")
    print(f"links in both: {len(ours & theirs):,}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
