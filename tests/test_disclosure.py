"""The cell-key method (pathways.delivery.disclosure, the dbt macro perturbed_count and the
perturbation table seeds/cell_key_ptable.csv) and the record keys it runs on."""

from __future__ import annotations

import csv
import hmac
import importlib.util
import random
from collections import Counter
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from cell_key_perturbation.create_perturbed_table import create_perturbed_table

from pathways.core.pseudonym import RECORD_KEY_RANGE, alumni_key, record_key
from pathways.delivery import disclosure

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "cell_key_ptable.csv"


def _ptable() -> list[dict[str, int | None]]:
    with SEED.open(encoding="utf-8") as handle:
        return [{name: int(value) if value else None for name, value in row.items()}
                for row in csv.DictReader(handle)]


def _perturbations(count: int) -> list[int]:
    """The perturbation of a true ``count`` for every cell key 0..4095, from the seed."""
    by_key: dict[int, int] = {}
    for row in _ptable():
        if row["min_count"] <= count <= (row["max_count"] or count):
            for key in range(row["min_cell_key"], row["max_cell_key"] + 1):
                assert key not in by_key, (count, key)
                by_key[key] = row["perturbation"]
    assert sorted(by_key) == list(range(RECORD_KEY_RANGE)), count
    return [by_key[key] for key in range(RECORD_KEY_RANGE)]


def test_the_committed_ptable_is_what_its_script_builds():
    spec = importlib.util.spec_from_file_location("build_ptable", ROOT / "scripts" /
                                                  "build_ptable.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    built = [{"min_count": a, "max_count": b, "min_cell_key": c, "max_cell_key": d,
              "perturbation": e} for a, b, c, d, e in module.rows()]
    assert built == _ptable()


@pytest.mark.parametrize("count", [1, 2, 3, 4, 9, 10, 11, 500, 10_000])
def test_every_count_is_perturbed_without_bias_by_at_most_three_and_never_below_zero(count):
    perturbations = _perturbations(count)
    assert sum(perturbations) == 0  # mean exactly zero
    assert all(count + d >= 0 for d in perturbations)
    assert max(abs(d) for d in perturbations) == 3
    outer = Counter(d for d in perturbations if abs(d) == 3)
    assert outer[3] == 1 and outer[-3] == (1 if count >= 3 else 0)
    variance = sum(d * d for d in perturbations) / RECORD_KEY_RANGE
    assert 0.7 < variance < 1.05
    assert 0.3 < perturbations.count(0) / RECORD_KEY_RANGE < 0.45


def test_record_keys_are_keyed_stable_and_spread_evenly():
    keys = [alumni_key(b"secret", "northfield", f"S{i:06d}") for i in range(40_960)]
    records = [record_key(b"secret", key) for key in keys]
    assert records == [record_key(b"secret", key) for key in keys]  # the same every refresh
    assert all(0 <= value < RECORD_KEY_RANGE for value in records)
    assert sum(a != b for a, b in zip(records, (record_key(b"other", k) for k in keys),
                                      strict=True)) > 40_000  # nothing without the secret
    buckets = Counter(value // 256 for value in records)  # 16 buckets of 2,560 expected
    assert all(2_200 < n < 2_900 for n in buckets.values()) and len(buckets) == 16
    # an alumni key's record key is no plain hash of it, and shared by ~1 in 4,096
    assert record_key(b"secret", keys[0]) == int.from_bytes(
        hmac.digest(b"secret", f"record-key\x1f{keys[0]}".encode(), "sha256")[:4],
        "big") % RECORD_KEY_RANGE
    assert max(Counter(records).values()) < 30


def _published_ptable(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema marts")
    con.execute(f"create table {disclosure.PTABLE} as select * from read_csv(?, header = "
                "true, columns = {'min_count': 'integer', 'max_count': 'integer', "
                "'min_cell_key': 'integer', 'max_cell_key': 'integer', "
                "'perturbation': 'integer'})", [str(SEED)])


def test_counts_are_perturbed_as_the_ons_package_perturbs_them():
    """Our SQL against create_perturbed_table of the ONS's cell-key-perturbation package,
    given the same records, record keys and ptable (expanded to the package's layout)."""
    rng = random.Random(13)
    records = pd.DataFrame({
        "program": [rng.choice("ABCDEFGH") for _ in range(6_000)],
        "cohort": [rng.choice(range(2015, 2026)) for _ in range(6_000)],
        "record_key": [rng.randrange(RECORD_KEY_RANGE) for _ in range(6_000)],
    })
    records = records.iloc[[i for i in range(len(records))
                            if rng.random() < (0.02 if records.program[i] == "H" else 1)]]
    ptable = pd.DataFrame([(pcv, key, d) for pcv in range(1, 751)
                           for key, d in enumerate(_perturbations(pcv))],
                          columns=["pcv", "ckey", "pvalue"])
    theirs = create_perturbed_table(data=records, ptable=ptable, geog=[],
                                    tab_vars=["program", "cohort"], record_key="record_key",
                                    threshold=0)
    expected = {(row.program, row.cohort): row.pre_sdc_count + row.pvalue
                for row in theirs.itertuples() if row.pre_sdc_count > 0}
    assert min(theirs.pre_sdc_count[theirs.pre_sdc_count > 0]) < 10  # small cells too
    con = duckdb.connect()
    _published_ptable(con)
    con.register("records", records.assign(alumni_key=range(len(records))))
    ours = con.execute(disclosure.perturbed_counts(
        "select program, cohort, alumni_key, record_key from records")).fetchall()
    assert {(program, cohort): n for program, cohort, n in ours} == expected
    total = con.execute(disclosure.perturbed_counts(
        "select alumni_key, record_key from records")).fetchall()
    whole = create_perturbed_table(data=records.assign(all="all"), ptable=ptable, geog=[],
                                   tab_vars=["all"], record_key="record_key", threshold=0)
    assert total == [(int(whole.pre_sdc_count[0] + whole.pvalue[0]),)]
    empty = con.execute(disclosure.perturbed_counts(
        "select alumni_key, record_key from records where false")).fetchall()
    assert empty == [(0,)]


def test_only_zero_and_counts_from_the_threshold_up_are_shown():
    assert [disclosure.is_shown(v, 10) for v in (None, 0, 1, 9, 10, 11)] == [
        False, True, False, False, True, True]
