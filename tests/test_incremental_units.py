"""Units behind incremental refreshes: the stepped prior, frozen term frequencies, the build
fingerprint, source signatures and the build selection, resource settings and the
generator's later deliveries."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from matching.incremental import merge_scored_pairs
from matching.predict import pool_bucket
from matching.term_frequencies import (
    REFERENCE_VIEW,
    compute_reference,
    register_reference,
    tf_columns_sql,
    write_reference,
)
from pathways.core.db import quote_ident, quote_literal
from pathways.core.errors import ConfigError
from pathways.core.settings import Settings
from pathways.generate import BATCH_PATTERN, _tagged
from pathways.warehouse.changes import SourceTable, build_selection, changed_sources, signatures
from pathways.warehouse.fingerprint import build_fingerprint


def test_the_prior_steps_so_a_growing_pool_keeps_its_scores():
    assert pool_bucket(1_000_000) == pool_bucket(1_010_000)  # +1%: same prior
    assert pool_bucket(1_000_000) < pool_bucket(1_300_000)  # +30%: the next step
    assert 0.9 < pool_bucket(1_000_000) / 1_000_000 < 1.1


def test_frozen_frequencies_treat_unseen_names_as_the_rarest(tmp_path):
    con = duckdb.connect()
    con.execute("create table train as select * from (values ('smith'), ('smith'), "
                "('smith'), ('jones')) as t(last_name)")
    reference = compute_reference(con, ["train"], ["last_name"])
    path = tmp_path / "tf.parquet"
    write_reference(reference, path)
    con.execute("create table people as select * from (values ('smith'), ('jones'), "
                "('zbigniewski'), (null)) as t(last_name)")
    register_reference(con, path)
    selects, joins = tf_columns_sql("people", ["last_name"])
    assert REFERENCE_VIEW in " ".join(joins)
    tf = dict(con.execute(f"select people.last_name, {selects[0]} from people "
                          f"{' '.join(joins)}").fetchall())
    assert tf == {"smith": 0.75, "jones": 0.25, "zbigniewski": 0.25, None: None}


def test_the_fingerprint_follows_code_and_configuration(tmp_path):
    (tmp_path / "dbt_project").mkdir()
    model = tmp_path / "dbt_project" / "m.sql"
    model.write_text("select 1")
    config = tmp_path / "institutions.yml"
    config.write_text("institutions: []")
    first = build_fingerprint(tmp_path, [config])
    assert build_fingerprint(tmp_path, [config]) == first
    model.write_text("select 2")
    second = build_fingerprint(tmp_path, [config])
    assert second != first
    config.write_text("institutions: [] # edited")
    assert build_fingerprint(tmp_path, [config]) != second


def test_the_fingerprint_follows_reference_data_overrides_and_the_title_coder(tmp_path):
    """Cached title codes are only as current as what coded them: a new reference file,
    override or coder version must rebuild everything."""
    files = [tmp_path / "reference" / "onet_alternate_titles.parquet",
             tmp_path / "config" / "title_codes.csv",
             tmp_path / "pathways" / "occupations" / "coder.py"]
    for path in files:
        path.parent.mkdir(parents=True)
        path.write_text("v1")
    seen = {build_fingerprint(tmp_path, [])}
    for path in files:
        path.write_text("v2")
        seen.add(build_fingerprint(tmp_path, []))
    assert len(seen) == 4


def test_duckdb_resources_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("PATHWAYS_DUCKDB_THREADS", "3")
    monkeypatch.setenv("PATHWAYS_MEMORY_LIMIT", "2GB")
    assert Settings.from_env().duckdb_config() == {"threads": 3, "memory_limit": "2GB"}
    monkeypatch.setenv("PATHWAYS_DUCKDB_THREADS", "many")
    with pytest.raises(ConfigError, match="PATHWAYS_DUCKDB_THREADS"):
        Settings.from_env()
    monkeypatch.delenv("PATHWAYS_DUCKDB_THREADS")
    assert Settings.from_env().duckdb_threads >= 1


def test_a_later_delivery_tags_every_file_name():
    assert _tagged("graduates_2016_2018.csv", "late1") == "graduates_2016_2018_late1.csv"
    assert _tagged("profiles", "late1") == "profiles_late1"
    assert _tagged("fds_responses.csv", None) == "fds_responses.csv"
    assert BATCH_PATTERN.match("late1") and not BATCH_PATTERN.match("v2/../x")


def test_generate_refuses_a_bad_batch_tag(tmp_path, config):
    from pathways.generate import generate

    with pytest.raises(ValueError, match="batch"):
        generate(tmp_path, config.institutions[:1], 10, 100, 1, batch="Bad Tag")
    assert not any(Path(tmp_path).iterdir())


def test_source_signatures_follow_content_not_load_bookkeeping(tmp_path):
    db = tmp_path / "b.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create schema raw")
    con.execute("create table raw.people as select 'a' as name, 'load1' as _dlt_load_id")
    con.close()
    tables = [SourceTable("people", "people", "raw", "people"),
              SourceTable("later", "later", "raw", "later")]
    before = signatures(db, tables)
    assert before["later.later"] == "missing"
    con = duckdb.connect(str(db))
    con.execute("update raw.people set _dlt_load_id = 'load2'")  # reloaded, same content
    con.close()
    assert changed_sources(signatures(db, tables), before) == []
    con = duckdb.connect(str(db))
    con.execute("update raw.people set name = 'b'")  # same count, other content
    con.execute("create table raw.later (x integer)")  # appears, still empty
    con.close()
    assert changed_sources(signatures(db, tables), before) == ["later.later", "people.people"]


def test_a_kept_tally_equals_a_recount_and_a_deletion_is_noticed(tmp_path):
    from pathways.core import tallies
    from pathways.core.ops import ensure_ops_schema

    con = duckdb.connect(str(tmp_path / "b.duckdb"))
    ensure_ops_schema(con)
    con.execute("create schema raw")
    con.execute("create table raw.people as select range::varchar as name, 'i1' as "
                "_ingest_id, 'f1' as _file_sha256, 'load1' as _dlt_load_id from range(1000)")
    tallies.add_loaded(con, "raw", "people", "_ingest_id = ?", ["i1"])  # no tally yet
    con.execute("insert into raw.people select 'new ' || range, 'i2', 'f2', 'load2' "
                "from range(10)")
    tallies.add_loaded(con, "raw", "people", "_ingest_id = ? and _file_sha256 in "
                       "(select unnest(?))", ["i2", ["f2"]])
    kept = con.execute("select row_count, hash_sum from ops.source_tallies").fetchall()
    columns = tallies.hashed_columns(con, "raw", "people")
    assert columns == ['"name"', '"_ingest_id"', '"_file_sha256"']
    assert kept == [tallies.count_and_hash(con, "raw", "people", columns)]
    tables = [SourceTable("people", "people", "raw", "people")]
    before = signatures(con, tables)
    assert before == {"people.people": f"{kept[0][0]}:{kept[0][1]}"}
    con.execute("delete from raw.people where name = '7'")  # an erasure: the count differs
    after = signatures(con, tables)
    assert changed_sources(after, before) == ["people.people"]
    assert after["people.people"].startswith("1009:")
    # A load killed before its tally was kept is noticed the same way.
    con.execute("insert into raw.people values ('late', 'i3', 'f3', 'load3')")
    assert signatures(con, tables)["people.people"].startswith("1010:")


def _runs(con: duckdb.DuckDBPyConnection, *rows: tuple) -> None:
    from pathways.core.ops import ensure_ops_schema

    ensure_ops_schema(con)
    for i, (run_id, status, published) in enumerate(rows):
        con.execute("insert into ops.refresh_runs (run_id, started_at, status, published) "
                    "values (?, timestamptz '2026-01-01' + to_seconds(?), ?, ?)",
                    [run_id, i, status, published])


@pytest.mark.parametrize(("build_runs", "published_runs", "standing"), [
    ([("r1", "succeeded", True)], [("r1", "succeeded", True)], "r1"),
    ([("r1", "succeeded", True), ("r2", "unchanged", False)],
     [("r1", "succeeded", True)], "r1"),
    # A failed or partial run since, or a published file that is not the last build's:
    # a build runs all the same.
    ([("r1", "succeeded", True), ("r2", "failed", False)], [("r1", "succeeded", True)], None),
    ([("r1", "succeeded", True), ("r2", "partial", True)],
     [("r1", "succeeded", True), ("r2", "partial", True)], None),
    ([("r1", "succeeded", True)], [], None),
    ([("r1", "succeeded", True)], [("r0", "succeeded", True)], None),
])
def test_nothing_is_rebuilt_only_while_the_published_file_is_the_last_builds(
        tmp_path, build_runs, published_runs, standing):
    from pathways.warehouse.refresh import _published_unchanged

    build = duckdb.connect(str(tmp_path / "build.duckdb"))
    _runs(build, *build_runs, ("now", "running", False))
    if published_runs:
        published = duckdb.connect(str(tmp_path / "wh.duckdb"))
        _runs(published, *published_runs)
        published.close()
    assert _published_unchanged(build, tmp_path / "wh.duckdb", "now") == standing


def test_the_build_selects_what_descends_from_changed_sources_and_every_validation_test():
    assert build_selection(["profiles.profiles", "rosters.rosters"]) == [
        "source:profiles.profiles+", "source:rosters.rosters+", "tag:every_refresh",
        "config.severity:warn"]
    assert build_selection([]) == ["tag:every_refresh", "config.severity:warn"]


def _pairs(rows: list[tuple]) -> pa.Table:
    names = ("alumni_id", "profile_id", "institution_id", "match_probability", "match_weight",
             "explanation")
    return pa.table({name: pa.array([r[i] for r in rows],
                                    pa.float64() if name.startswith("match_") else pa.string())
                     for i, name in enumerate(names)})


def _ids(values: list[str]) -> pa.Table:
    return pa.table({"record_id": pa.array(values, pa.string())})


def test_merging_incremental_pairs_replaces_exactly_the_touched_alumni():
    previous = _pairs([("u|a1", "p1", "u", 0.9, 3.0, "kept"),
                       ("u|a1", "p2", "u", 0.8, 2.0, "stale: p2 changed"),
                       ("u|a2", "p3", "u", 0.7, 1.0, "stale: a2 changed"),
                       ("u|a3", "p5", "u", 0.9, 3.0, "a3 left the roster"),
                       ("u|a4", "p6", "u", 0.9, 3.0, "untouched")])
    new = _pairs([("u|a1", "p4", "u", 0.95, 4.0, "new")])
    alumni = pa.table({"record_id": ["u|a1", "u|a2", "u|a4"], "institution_id": ["u"] * 3})
    merged = merge_scored_pairs(new, previous, alumni, _ids(["u|a2"]), _ids(["p2"]))
    rows = {(r["alumni_id"], r["profile_id"], r["explanation"]) for r in merged.to_pylist()}
    assert rows == {("u|a1", "p1", "kept"), ("u|a1", "p4", "new"),
                    ("u|a2", None, None), ("u|a3", None, None)}
    emptied = [r for r in merged.to_pylist() if r["profile_id"] is None]
    assert {r["institution_id"] for r in emptied} == {"u"}


def test_merging_with_nothing_changed_touches_no_alumnus():
    previous = _pairs([("u|a1", "p1", "u", 0.9, 3.0, "kept")])
    merged = merge_scored_pairs(_pairs([]), previous, pa.table(
        {"record_id": ["u|a1"], "institution_id": ["u"]}), _ids([]), _ids([]))
    assert merged.num_rows == 0


def test_settings_name_the_build_area_beside_the_published_warehouse(tmp_path):
    settings = Settings.from_env({"PATHWAYS_WAREHOUSE": str(tmp_path / "wh" / "p.duckdb")})
    assert settings.build_db == tmp_path / "wh" / "build" / "p_build.duckdb"
    assert settings.api_keys == tmp_path / "wh" / "api_keys.sqlite"
    assert settings.imports_file == settings.config_file.parent / "imports.yml"
    child = Settings.from_env(settings.child_env())
    assert child == settings


def test_quoting_doubles_embedded_quotes():
    assert quote_ident('we"ird') == '"we""ird"'
    assert quote_literal("it's") == "'it''s'"
    con = duckdb.connect()
    assert con.execute(f"select {quote_literal(chr(39) + 'x')} as {quote_ident('a b')}"
                       ).fetchall() == [("'x",)]


def test_blocked_profiles_are_exactly_those_a_blocking_rule_pairs_with_an_alumnus():
    from matching.pool_features import blocked_profiles_sql

    model = Path(__file__).parent.parent / "matching" / "models" / "pathways_match_v1.json"
    columns = ("unique_id", "first_name", "last_name", "email", "institution_id", "grad_year",
               "state", "last_name_head", "last_name_tail")
    con = duckdb.connect()
    con.register("l", pa.table(dict(zip(columns, [[v] for v in (
        "a1", "ana", "garcia lopez", "ana@x.org", "northfield", 2020, "OH", "garcia",
        "lopez")], strict=True))))
    profiles = [
        ("same name", "ana", "garcia lopez", None, "", None, "TX", "garcia", "lopez"),
        ("same email", "bo", "li", "ana@x.org", "", None, "TX", "li", "li"),
        ("same school and surname", "zed", "garcia lopez", None, "northfield", 1990, "TX",
         "garcia", "lopez"),
        ("surname part", "ana", "garcia", None, "", None, "TX", "garcia", "garcia"),
        ("swapped", "garcia lopez", "ana", None, "", None, "TX", "ana", "ana"),
        ("stranger", "ana", "smith", "smith@x.org", "lakeshore", 2020, "OH", "smith", "smith"),
        ("same surname, other state and initial", "bea", "garcia lopez", None, "", None,
         "TX", "garcia", "lopez"),
    ]
    con.register("r", pa.table({name: [row[i] for row in profiles]
                                for i, name in enumerate(columns)}))
    blocked = {row[0] for row in con.execute(
        blocked_profiles_sql(model, "l", "r")).fetchall()}
    assert blocked == {"same name", "same email", "same school and surname", "surname part",
                       "swapped"}
