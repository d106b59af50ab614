"""The generic person-linking API on data it was never tuned for (FEBRL4) and on edge cases."""

import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from matching import link

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
febrl = pytest.importorskip("febrl")


@pytest.fixture(scope="module")
def febrl4():
    folder = febrl.febrl_folder()
    left = febrl.as_person(febrl.read(folder / "dataset4a.csv"))
    right = febrl.as_person(febrl.read(folder / "dataset4b.csv"))
    return left, right


def test_febrl4_untuned_links_nearly_everything(febrl4):
    left, right = febrl4
    pairs = link(left, right, threshold=0.9)
    assert pairs.column_names == ["left_id", "right_id", "match_probability"]
    result = febrl.score(list(zip(pairs["left_id"].to_pylist(), pairs["right_id"].to_pylist(),
                                  strict=True)), 5000)
    assert result["precision"] >= 0.995
    assert result["f1"] >= 0.99
    # One-to-one.
    assert len(set(pairs["left_id"].to_pylist())) == pairs.num_rows
    assert len(set(pairs["right_id"].to_pylist())) == pairs.num_rows


def test_saved_model_is_reused_and_inputs_may_be_pandas_or_duckdb(febrl4):
    left, right = febrl4
    _, model = link(left.slice(0, 2000), right, return_model=True)
    con = duckdb.connect()
    con.register("r", right)
    pairs = link(left.slice(0, 300).to_pandas(), con.sql("select * from r"), model=model)
    true = sum(febrl.truth_key(a) == febrl.truth_key(b)
               for a, b in zip(pairs["left_id"].to_pylist(), pairs["right_id"].to_pylist(),
                               strict=True))
    assert true >= 290 and true == pairs.num_rows


def test_missing_columns_are_fine_but_ids_must_be_unique():
    left = pa.table({"record_id": ["a", "a"], "first_name": ["Ann", "Bo"]})
    with pytest.raises(ValueError, match="left: record_id is not unique"):
        link(left, left)
    with pytest.raises(ValueError, match="right: a record_id column is required"):
        link(pa.table({"record_id": ["a"]}), pa.table({"first_name": ["Ann"]}))
    with pytest.raises(TypeError, match="expected a pyarrow Table"):
        link([1, 2], [3])
    only_names = pa.table({"record_id": ["1"], "first_name": ["Ann"]})
    with pytest.raises(ValueError, match="at least two person columns"):
        link(only_names, only_names)
