"""The title coder's thresholds and temperature on the tuning seeds, pooled.

    .venv/bin/python benchmarks/title_coding_tuning.py [--seeds 1,3,4]

Builds the unseen-title sets of benchmarks/title_coding.py for each tuning seed (never the
reported seed 2), one held-out coder per seed, and prints for each setting tried (the
token model's TEMPERATURE, the coder's MIN_SCORE and MAJOR_MIN_SCORE) the pooled share of
titles coded to a detailed occupation and its accuracy, and the same for the major group.
These are the rows of docs/performance.md "Title coding" that chose the shipped values.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

import title_coding

from pathways.generate.titles import profile_spelling
from pathways.occupations import coder as coder_module
from pathways.occupations import tokens as tokens_module
from pathways.occupations.normalize import key_of
from pathways.occupations.reference import Reference

# (temperature, detailed bar, major-alone bar)
SETTINGS = ((2.0, 0.5, 0.7), (1.0, 0.6, 0.8), (1.0, 0.65, 0.9), (1.0, 0.7, 0.9))


def unseen_sets(reference: Reference, seeds: list[int], n: int) -> list[tuple]:
    """(held-out coder, written titles, true SOC codes) per seed, drawn exactly as
    benchmarks/title_coding.py draws its unseen set."""
    keys_of = title_coding.occupations_by_key(reference)
    incumbent = title_coding.incumbent_titles(reference)
    title_keys = key_of(pa.array([t for t, _ in incumbent])).to_pylist()
    unique = sorted({(t, soc, k) for (t, soc), k in zip(incumbent, title_keys, strict=True)
                     if k and keys_of.get(k) == {soc}})
    by_key: dict[str, tuple[str, str]] = {}
    for title, soc, key in unique:
        by_key.setdefault(key, (title, soc))
    sets = []
    for seed in seeds:
        rng = random.Random(seed)
        held_keys = rng.sample(sorted(by_key), n)
        unseen = [by_key[k] for k in held_keys]
        rng.sample(incumbent, n)  # the known set, drawn to keep the spellings the same
        coder = coder_module.TitleCoder(reference.without_titles(set(held_keys)))
        sets.append((coder, [profile_spelling(rng, t) for t, _ in unseen],
                     [soc for _, soc in unseen]))
    return sets


def pooled(sets: list[tuple], temperature: float, detailed: float, major: float) -> dict:
    saved = (tokens_module.TEMPERATURE, coder_module.MIN_SCORE, coder_module.MAJOR_MIN_SCORE)
    tokens_module.TEMPERATURE, coder_module.MIN_SCORE, coder_module.MAJOR_MIN_SCORE = (
        temperature, detailed, major)
    try:
        total = np.zeros(5)
        for coder, written, truth in sets:
            r = title_coding.evaluate(coder, written, truth)
            coded = r["detailed_coded_share"] * r["n"]
            grouped = (1 - r["uncoded_share"]) * r["n"]
            total += [r["n"], coded, (r["detailed_accuracy_of_coded"] or 0) * coded,
                      grouped, (r["major_accuracy_of_coded"] or 0) * grouped]
    finally:
        tokens_module.TEMPERATURE, coder_module.MIN_SCORE, coder_module.MAJOR_MIN_SCORE = (
            saved)
    n, coded, right, grouped, group_right = total
    return {"detailed_coded": coded / n, "detailed_right": right / coded,
            "major_coded": grouped / n, "major_right": group_right / grouped}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,3,4")
    parser.add_argument("--n", type=int, default=2000)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if 2 in seeds:
        parser.error("seed 2 is the reported seed; tune on others")
    sets = unseen_sets(Reference.from_directory(), seeds, args.n)
    print(f"unseen titles, seeds {args.seeds} pooled ({len(seeds) * args.n:,} titles)")
    for temperature, detailed, major in SETTINGS:
        r = pooled(sets, temperature, detailed, major)
        print(f"  temperature {temperature}, detailed {detailed}, major alone {major}: "
              f"detailed {r['detailed_coded']:.1%} coded, {r['detailed_right']:.1%} right; "
              f"major group {r['major_coded']:.1%} coded, {r['major_right']:.1%} right")


if __name__ == "__main__":
    main()
