"""Incremental refreshes: a later delivery (new alumni, new profiles, new versions of
existing profiles and stale versions arriving late), then a new institution's first
delivery, are processed incrementally, and the result equals a full rebuild of the same
data, table for table."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import duckdb
import pytest
from support import run_pathways

pytestmark = pytest.mark.e2e

# Compared between the incremental and the full build: every column but the bookkeeping
# of when a row was (re)built; weights rounded to 1e-9.
TABLES = {
    "pii.int_profiles_deduplicated": "* exclude (_ingested_at)",
    "pii.int_profile_positions_classified": "* exclude (_ingested_at)",
    "pii.int_profile_educations_resolved": "* exclude (_ingested_at)",
    "pii.int_profile_features": "* exclude (_ingested_at)",
    "pii.int_alumni_profile_pairs_scored":
        "* exclude (_scored_through, match_probability, match_weight), "
        "round(match_weight, 9) where profile_id is not null",
    "pii.int_alumni_profiles_matched":
        "* exclude (match_probability, match_weight), round(match_weight, 9)",
    "pii.int_job_titles_coded": "* exclude (_coded_in_refresh)",
    "pii.int_employer_names_normalized": "*",
    "marts.dim_alumni": "*",
    "marts.fct_alumni_positions": "*",
    "marts.fct_alumni_further_education": "*",
    "marts.agg_outcomes_by_program": "*",
    "marts.agg_outcomes_by_occupation": "*",
}


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    config = root / "institutions.yml"
    shutil.copy(Path(__file__).parent.parent / "config" / "institutions.yml", config)
    env = {**os.environ, "PATHWAYS_WAREHOUSE": str(root / "wh.duckdb"),
           "PATHWAYS_PSEUDONYM_KEY": "incremental-test", "COLUMNS": "200",
           "PATHWAYS_CONFIG": str(config),
           "PATHWAYS_IMPORTS": str(Path(__file__).parent.parent / "config" / "imports.yml")}
    base, delta, joining = root / "base", root / "delta", root / "joining"
    for args in (["--institutions", "2", "--out", str(base), "--alumni", "600",
                  "--profiles", "12000", "--seed", "3"],
                 ["--institutions", "2", "--out", str(delta), "--alumni", "20",
                  "--profiles", "150", "--seed", "4", "--batch", "late1",
                  "--updates-from", str(base), "--updates", "120"],
                 # A third institution's first roster, NSC return and its alumni's profiles
                 # (few enough profiles that the pool stays in its prior's step: crossing
                 # one rescores every pair by design, matching.predict.pool_bucket).
                 ["--institutions", "3", "--only", "riverbend", "--out", str(joining),
                  "--alumni", "80", "--profiles", "300", "--seed", "5", "--batch", "join1"]):
        generated = run_pathways(["generate", *args], env, root)
        assert generated.returncode == 0, generated.stderr
    runs = []
    for args in (["--landing", str(base)], ["--landing", str(delta)],
                 ["--landing", str(joining)]):
        runs.append(run_pathways(["refresh", *args], env, root))
        assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    incremental = root / "incremental_build.duckdb"
    shutil.copy(root / "build" / "wh_build.duckdb", incremental)
    runs.append(run_pathways(["refresh", "--full"], env, root))
    assert runs[-1].returncode == 0, runs[-1].stdout + runs[-1].stderr
    return root, env, incremental, root / "build" / "wh_build.duckdb", runs, config


def _both(incremental: Path, full: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"attach '{incremental}' as inc (read_only)")
    con.execute(f"attach '{full}' as full_build (read_only)")
    return con


def test_later_deliveries_are_incremental_and_the_last_refresh_full(refreshed):
    _, _, incremental, _, runs, _ = refreshed
    assert "(full rebuild: first build)" in runs[0].stdout
    assert "(incremental; new or changed rows in " in runs[1].stdout
    assert "(incremental; new or changed rows in " in runs[2].stdout  # the new institution
    assert "(full rebuild: requested (--full))" in runs[3].stdout
    con = duckdb.connect(str(incremental), read_only=True)
    # (What follows checks the newest incremental refresh: the joining institution's.)
    # Only what descends from a source the delivery changed was rebuilt and retested.
    (changed, tests), = con.execute("select changed_sources, tests_passed from "
                                    "ops.refresh_runs order by started_at desc limit 1"
                                    ).fetchall()
    assert {"rosters.rosters", "profiles.profiles"} <= set(json.loads(changed))
    assert not {"config.institutions", "ops.match_reviews"} & set(json.loads(changed))
    (all_tests,), = con.execute("select tests_passed from ops.refresh_runs "
                                "order by started_at limit 1").fetchall()
    assert tests < all_tests, (tests, all_tests)
    # Only the pairs of alumni the delivery touched were rescored.
    (rewritten, total), = con.execute("""
        select count(*) filter (where _scored_through = (
            select max(_scored_through) from pii.int_alumni_profile_pairs_scored)), count(*)
        from pii.int_alumni_profile_pairs_scored""").fetchall()
    assert 0 < rewritten < total / 4, (rewritten, total)
    # Only the titles the delivery brought were coded; the others came from the cache.
    (coded_now, titles), = con.execute("""
        select count(*) filter (where _coded_in_refresh = (
            select run_id from ops.refresh_runs order by started_at desc limit 1)), count(*)
        from pii.int_job_titles_coded""").fetchall()
    assert 0 < coded_now < titles / 4, (coded_now, titles)
    # dbt's staging tables of the incremental Python model hold restricted rows: none is left.
    assert con.execute("select table_name from duckdb_tables() "
                       "where table_name like '%dbt_tmp%'").fetchall() == []


@pytest.mark.parametrize("table", list(TABLES))
def test_an_incremental_refresh_equals_a_full_rebuild(refreshed, table):
    _, _, incremental, full, _, _ = refreshed
    con = _both(incremental, full)
    columns, _, where = TABLES[table].partition(" where ")
    where = f" where {where}" if where else ""
    select = f"select {columns} from {{}}.{table}{where}"
    only_incremental = con.execute(
        f"select count(*) from ({select.format('inc')} except all "
        f"{select.format('full_build')})").fetchall()[0][0]
    only_full = con.execute(
        f"select count(*) from ({select.format('full_build')} except all "
        f"{select.format('inc')})").fetchall()[0][0]
    rows = con.execute(f"select count(*) from full_build.{table}").fetchall()[0][0]
    assert rows > 0
    assert (only_incremental, only_full) == (0, 0)


def test_a_late_older_version_never_replaces_a_newer_one(refreshed):
    incremental = refreshed[2]
    con = duckdb.connect(str(incremental), read_only=True)
    stale = con.execute("""
        select count(*), count(*) filter (where current._source_file like '%late1%')
        from raw.profiles as delivered
        inner join pii.int_profiles_deduplicated as current using (profile_id)
        where delivered._source_file like '%late1%' and delivered.updated_at like '2019%'
    """).fetchall()[0]
    assert stale[0] > 0 and stale[1] == 0
    moved = con.execute("""
        select count(*) from pii.int_profile_positions_classified as positions
        inner join pii.int_profiles_deduplicated as current using (profile_id)
        where current._source_file like '%late1%' and positions.started_on = '2026-07-01'
            and positions.is_current
    """).fetchall()[0][0]
    assert moved > 0  # the newer versions' new jobs arrived


def test_a_joining_institution_is_published_beside_the_others(refreshed):
    """Onboarding: the new institution's alumni reach the marts, and the alumni of the
    institutions already there are the same as before it joined."""
    _, _, incremental, _, _, _ = refreshed
    con = duckdb.connect(str(incremental), read_only=True)
    counts = dict(con.execute("select institution_id, count(*) from marts.dim_alumni "
                              "group by all").fetchall())
    assert counts.get("riverbend") == 80
    assert counts.keys() == {"northfield", "lakeshore", "riverbend"}
    matched = con.execute("select count(*) from pii.int_alumni_profiles_matched "
                          "where institution_id = 'riverbend'").fetchall()[0][0]
    assert matched > 0


def _compiled_test(root: Path, *needles: str) -> str:
    """The compiled SQL of the one data test whose text holds every needle (the last
    build's, in the build area's dbt target)."""
    found = [path.read_text(encoding="utf-8")
             for path in (root / "build" / "target" / "compiled").rglob("*.sql")
             if all(needle in path.read_text(encoding="utf-8") for needle in needles)]
    assert len(found) == 1, f"{len(found)} compiled tests hold {needles}"
    return found[0]


def test_key_tests_of_the_pool_check_what_arrived_since_the_last_refresh(refreshed, tmp_path):
    """The key tests of the pool's tables check nothing when nothing arrived since the last
    successful refresh finished (not the rows of its own delivery again, which made their
    cost follow the pool), and still fail on a new row that repeats an old key."""
    root, _, incremental, _, _, _ = refreshed
    copy = tmp_path / "wh_build.duckdb"  # the catalog name the compiled SQL refers to
    shutil.copy(incremental, copy)
    positions = _compiled_test(root, "int_profile_positions_classified", "semi join changed")
    raw_positions = _compiled_test(root, "stg_profiles__positions", "file_ledger")
    con = duckdb.connect(str(copy))
    con.execute("insert into ops.refresh_runs (run_id, started_at, status, full_rebuild) "
                "values ('next', current_timestamp, 'running', false)")

    def checked(sql: str, cte: str) -> int:
        return con.execute(sql.rsplit("select * from final", 1)[0]
                           + f"select count(*) from {cte}").fetchall()[0][0]

    assert checked(positions, "keyed") == 0
    assert checked(raw_positions, "grouped") == 0
    assert con.execute(positions).fetchall() == []

    # A later version of a profile repeating one of its old position keys, and a file's
    # rows loaded again under a new ledger row: each test fails on exactly that key.
    con.execute("insert into pii.int_profile_positions_classified select * replace "
                "(current_timestamp as _ingested_at) from pii.int_profile_positions_classified "
                "limit 1")
    key = con.execute("select _file_sha256, _source_row, position_index "
                      "from raw.profile_positions limit 1").fetchall()[0]
    con.execute("insert into raw.profile_positions select * from raw.profile_positions "
                "where _file_sha256 = ? and _source_row = ? and position_index = ?", key)
    con.execute("insert into ops.file_ledger (file_sha256, file, kind, status) "
                "values (?, 'again.jsonl.gz', 'profiles', 'loaded')", [key[0]])
    assert [row[-1] for row in con.execute(positions).fetchall()] == [2]
    assert [row[-1] for row in con.execute(raw_positions).fetchall()] == [2]

def test_history_survives_a_full_rebuild(refreshed):
    root, *_ = refreshed
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    refreshes = con.execute("select count(distinct refresh_id) from "
                            "marts.agg_outcomes_history").fetchall()[0][0]
    assert refreshes == 4


def test_a_configuration_change_rebuilds_in_full(refreshed):
    root, env, _, _, runs, config = refreshed
    published_before = (root / "wh.duckdb").read_bytes()
    unchanged = run_pathways(["refresh"], env, root)
    assert unchanged.returncode == 0, unchanged.stdout + unchanged.stderr
    last_full = runs[-1].stdout.split("Refresh ", 1)[1].split()[0]
    assert f"nothing new since refresh {last_full}" in unchanged.stdout
    # The first landing folder again: every file was loaded before, so nothing is new (the
    # delivery's folder holds a file refused each time it is offered, a new ledger row).
    again = run_pathways(["refresh", "--landing", str(root / "base")], env, root)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "same content already loaded" in again.stdout + again.stderr
    assert f"nothing new since refresh {last_full}" in again.stdout
    # Nothing new: no dbt build, no test, no publish; the runs are recorded as unchanged.
    con = duckdb.connect(str(root / "build" / "wh_build.duckdb"), read_only=True)
    recorded = con.execute("select status, published, tests_passed, changed_sources "
                           "from ops.refresh_runs order by started_at desc limit 2").fetchall()
    con.close()
    assert recorded == [("unchanged", False, None, "[]")] * 2
    assert (root / "wh.duckdb").read_bytes() == published_before
    published = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    assert published.execute("select count(distinct refresh_id) from "
                             "marts.agg_outcomes_history").fetchall()[0][0] == 4
    published.close()
    status = run_pathways(["status"], env, root)
    assert "nothing (nothing new)" in status.stdout and "everything" in status.stdout
    config.write_text(config.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    changed = run_pathways(["refresh"], env, root)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    assert "full rebuild: code, configuration" in changed.stdout
