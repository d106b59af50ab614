"""Write-audit-publish: a failing test or a killed refresh never changes what analysts read."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from support import ROSTER_HEADER, mart_rows

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(args, env, cwd, timeout=600):
    return subprocess.run([str(BIN / "pathways"), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A copy of the project (so a test may add a dbt test) with data refreshed once."""
    root = tmp_path_factory.mktemp("wap")
    copy = root / "project"
    copy.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(ROOT / name, copy / name)
    for name in ("dbt_project", "seeds", "config", "reference"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("target"))
    shutil.copytree(ROOT / "matching" / "models", copy / "matching" / "models")
    env = {**os.environ, "PATHWAYS_WAREHOUSE": str(root / "wh.duckdb"),
           "PATHWAYS_PSEUDONYM_KEY": "wap-key", "PATHWAYS_PROJECT_ROOT": str(copy),
           "COLUMNS": "200"}
    assert _run(["generate", "--out", str(root / "landing"), "--institutions", "2",
                 "--alumni", "500", "--profiles", "10000", "--seed", "5"], env, root
                ).returncode == 0
    first = _run(["refresh", "--landing", str(root / "landing")], env, root)
    assert first.returncode == 0, first.stdout + first.stderr
    return root, copy, env


def _published_refreshes(root: Path) -> set[str]:
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    try:
        return {r[0] for r in con.execute(
            "select distinct refresh_id from marts.agg_outcomes_history").fetchall()}
    finally:
        con.close()


def test_a_failing_test_keeps_the_published_marts(project):
    root, copy, env = project
    before = _digest(root / "wh.duckdb")
    singular = copy / "dbt_project" / "tests" / "assert_no_alumni_at_all.sql"
    singular.write_text("-- someone's new rule, failing on purpose\n"
                        "select alumni_key from {{ ref('dim_alumni') }}\n", encoding="utf-8")
    try:
        failed = _run(["refresh"], env, root)
    finally:
        singular.unlink()
    assert failed.returncode == 1
    assert "assert_no_alumni_at_all" in failed.stderr
    # Its failing rows name no institution: everything is held back, nothing published.
    assert "held back" not in failed.stderr
    assert "failing rows: " in failed.stderr and "audit" in failed.stderr
    # The failing rows were stored by a rerun of that test alone, which kept its artifacts
    # apart: the build area's target/ still describes the whole failed build.
    target = root / "build" / "target"
    results = json.loads((target / "run_results.json").read_text(encoding="utf-8"))
    assert any(r["unique_id"].startswith("model.") for r in results["results"])
    stored = (target / "failing_rows" / "run_results.json").read_text(encoding="utf-8")
    # (besides the project's on-run-start hook, which renders nothing on DuckDB)
    assert [r["unique_id"] for r in json.loads(stored)["results"]
            if not r["unique_id"].startswith("operation.")] == [
        "test.pathways.assert_no_alumni_at_all"]
    assert "published warehouse" in failed.stderr and "unchanged" in failed.stderr
    assert _digest(root / "wh.duckdb") == before
    status = _run(["status"], env, root)
    assert "failed at dbt_build" in status.stdout

    published_before = _published_refreshes(root)
    fixed = _run(["refresh"], env, root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert _digest(root / "wh.duckdb") != before
    after = _published_refreshes(root)
    # History holds published points in time only: the failed refresh left no row.
    assert len(after) == len(published_before) + 1


def _children(pid: int, word: str = "dbt") -> list[int]:
    """Pids of the processes whose parent is ``pid`` and whose command line holds ``word``."""
    listing = subprocess.run(["ps", "-eo", "pid,ppid,args"], capture_output=True,
                             text=True).stdout
    return [int(fields[0]) for fields in (line.split(None, 2) for line in
                                          listing.splitlines()[1:] if line.strip())
            if fields[1] == str(pid) and word in fields[2]]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat")
    return not (state.exists() and state.read_text().split(")")[-1].split()[0] == "Z")


def test_a_killed_refresh_takes_its_dbt_process_with_it_and_the_next_recovers(project):
    root, _, env = project
    before = _digest(root / "wh.duckdb")
    process = subprocess.Popen([str(BIN / "pathways"), "refresh", "--full"], env=env, cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while not _children(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    [dbt] = _children(process.pid)
    time.sleep(4)  # well inside dbt build
    assert process.poll() is None, "the refresh ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)  # the refresh alone, as the OOM killer would
    process.wait()
    deadline = time.monotonic() + 10
    while _alive(dbt) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(dbt), "the dbt process outlived the refresh that started it"
    assert _digest(root / "wh.duckdb") == before
    recovered = _run(["refresh"], env, root)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    status = _run(["status"], env, root)
    assert "interrupted" in status.stdout


def test_a_mart_leaking_identifiers_is_never_published(project):
    root, copy, env = project
    before = _digest(root / "wh.duckdb")
    leak = copy / "dbt_project" / "models" / "marts" / "outcomes" / "leaky_extract.sql"
    leak.write_text("select institution_id, student_id as reference_code\n"
                    "from {{ ref('int_alumni_deduplicated') }}\n", encoding="utf-8")
    try:
        result = _run(["refresh"], env, root)
    finally:
        leak.unlink()
        # A model removed from the project leaves its table in the build area (never
        # published: publish copies the manifest's marts only); the tests after this one
        # want the build area as the project describes it.
        con = duckdb.connect(str(root / "build" / "wh_build.duckdb"))
        con.execute("drop table if exists marts.leaky_extract")
        con.close()
    assert result.returncode == 1
    # Caught by the dbt test, or if it ran before the new mart was built, by the same check
    # at publish time.
    assert "assert_marts_hold_no_direct_identifiers" in result.stderr or (
        "privacy gate" in result.stderr and "leaky_extract.reference_code" in result.stderr)
    assert _digest(root / "wh.duckdb") == before


def test_publish_refuses_identifiers_itself(tmp_path):
    """The publish-time gate on its own, on a crafted build database."""
    from pathways.core.settings import Settings
    from pathways.warehouse.publish import PrivacyViolation, publish

    build = tmp_path / "build.duckdb"
    con = duckdb.connect(str(build))
    con.execute("create schema staging; create schema marts; create schema ops")
    con.execute("create table ops.refresh_runs (run_id varchar)")
    con.execute("create table staging.stg_rosters__students as select '00012345' as "
                "student_id, 'a@b.org' as email, null as phone_digits, null as street_address")
    con.execute("create table marts.ok as select 'u' as institution_id, 3 as n")
    con.execute("create table marts.bad as select 'u' as institution_id, 'a@b.org' as contact, "
                "'x' as last_name")
    con.close()
    warehouse = tmp_path / "wh.duckdb"
    with pytest.raises(PrivacyViolation) as error:
        publish(build, warehouse, ["u"], project_root=Settings.from_env().project_root)
    assert str(error.value) == (
        "marts.bad.last_name is named like a direct identifier; "
        "marts.bad.contact holds 1 roster identifier values; "
        "marts.bad.contact holds text values that were not redacted: "
        "1 with an e-mail address")
    assert not warehouse.exists() and not list(tmp_path.glob("*.publishing"))
    con = duckdb.connect(str(build))
    con.execute("drop table marts.bad")
    con.close()
    assert publish(build, warehouse, ["u"], project_root=Settings.from_env().project_root) == ["ok"]
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select * from inst_u.ok").fetchall() == [("u", 3)]
    con.close()


def _runs(path: Path) -> dict[str, tuple[str, bool]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0]: (r[1], r[2]) for r in con.execute(
            "select run_id, status, published from ops.refresh_runs").fetchall()}
    finally:
        con.close()


def _history(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {r[0] for r in con.execute(
            "select distinct refresh_id from marts.agg_outcomes_history").fetchall()}
    finally:
        con.close()


def _killed_while_publishing(root: Path, env: dict, point: str) -> str:
    """Start a refresh that pauses at ``point`` of publishing, kill -9 it there; its run id."""
    marker = root / "build" / f"paused_at_{point}"
    marker.unlink(missing_ok=True)
    process = subprocess.Popen([str(BIN / "pathways"), "refresh"],
                               env={**env, "PATHWAYS_PAUSE_AT": point}, cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 300
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), f"the refresh never reached {point}"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    [run_id] = [r for r, (status, _) in _runs(root / "build" / "wh_build.duckdb").items()
                if status == "publishing"]
    return run_id


def test_a_refresh_killed_while_publishing_never_leaves_the_records_disagreeing(project):
    root, _, env = project
    warehouse, build = root / "wh.duckdb", root / "build" / "wh_build.duckdb"
    before = _digest(warehouse)
    # Killed before the swap: the published file is untouched and the run unpublished.
    early = _killed_while_publishing(root, env, "before_swap")
    assert _digest(warehouse) == before
    assert early not in _runs(warehouse) and early not in _history(warehouse)
    status = _run(["status"], env, root)
    assert f"{early} interrupted" in status.stdout
    # Killed after the swap: the published file is the new one, and says so itself.
    late = _killed_while_publishing(root, env, "after_swap")
    assert _digest(warehouse) != before
    assert _runs(warehouse)[late] == ("succeeded", True)
    assert late in _history(warehouse)
    assert _runs(build)[early] == ("interrupted", False)  # recorded by the later start
    status = _run(["status"], env, root)
    assert f"{late} interrupted" not in status.stdout
    # The next refresh records both as the published file has them, and keeps the killed
    # run's history point, which analysts have already seen.
    recovered = _run(["refresh"], env, root)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    runs = _runs(build)
    assert runs[early] == ("interrupted", False) and runs[late] == ("succeeded", True)
    assert _runs(warehouse)[late] == ("succeeded", True)
    assert late in _history(build) and late in _history(warehouse)
    assert early not in _history(build) | _history(warehouse)
    published = {r for r, (_, done) in runs.items() if done}
    assert published == {r for r, (_, done) in _runs(warehouse).items() if done}


SURVEY_HEADER = ("Student ID,Email,Survey Status,Outcome,Employer Name,Job Title,Job City,"
                 "Job State,Start Date,Annual Salary,Continuing Education Institution,"
                 "Response Date")


def _write(path: Path, lines: list[str], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(line + "\r\n" for line in lines).encode(encoding))


def _keys(build: Path, institution_id: str, student_ids: list[str]) -> set[str]:
    con = duckdb.connect(str(build), read_only=True)
    try:
        return {r[0] for r in con.execute(
            "select alumni_key from pii.int_alumni_pseudonymized where institution_id = ? "
            "and student_id in (select unnest(?))", [institution_id, student_ids]).fetchall()}
    finally:
        con.close()


def test_one_institutions_bad_delivery_holds_back_only_that_institution(project):
    """Lakeshore sends a roster with a graduation year of 2201 (an error-severity test
    fails on its row); Northfield sends new graduates, one of whom typed her phone number
    and e-mail into the career survey. Northfield's new alumni are published, redacted;
    Lakeshore's published rows stay byte for byte what they were, until it corrects."""
    root, _, env = project
    warehouse, build = root / "wh.duckdb", root / "build" / "wh_build.duckdb"
    lakeshore_before = mart_rows(warehouse, "lakeshore")
    delivery = root / "delivery"
    _write(delivery / "lakeshore" / "roster" / "graduates_late.csv", [
        ROSTER_HEADER,
        "990001,Quentin,,Marlowe,,,1999-01-02,qm@example.org,,1 Elm St,Chicago,IL,60601,"
        "11.0701,Computer Science,Bachelor,2201-05-15",
        "990002,Rhea,,Tolliver,,,1999-01-03,rt@example.org,,2 Elm St,Chicago,IL,60601,"
        "11.0701,Computer Science,Bachelor,2024-05-15"], "cp1252")
    _write(delivery / "northfield" / "roster" / "graduates_2023_late.csv", [
        ROSTER_HEADER,
        "00880001,Sandra,,Philban,,,1998-04-05,sandraphilban@hotmail.com,(630) 555-9311,"
        "77 Birch Ave,Naperville,IL,60540,50.0605,Photography,Bachelor,2023-05-15",
        "00880002,Tomas,,Ekdahl,,,1998-04-06,te@example.org,,78 Birch Ave,Naperville,IL,"
        "60540,11.0701,Computer Science,Bachelor,2023-05-15",
        "00880003,Uma,,Vantreece,,,1998-04-07,uv@example.org,,79 Birch Ave,Naperville,IL,"
        "60540,11.0701,Computer Science,Bachelor,2023-05-15"])
    _write(delivery / "northfield" / "imports" / "first_destination_survey" / "fds_late.csv", [
        SURVEY_HEADER,
        "00880001,sandraphilban@hotmail.com,Complete,Employed full-time,"
        "Sandra Philban Photography,Owner (call (630) 555-9311 or sandraphilban@hotmail.com),"
        "Naperville,IL,07/01/2023,,,11/01/2023",
        "00880003,,Complete,Employed full-time,3M,Route 66 Diner manager at 7-Eleven,"
        "Naperville,IL,07/01/2023,,,11/01/2023"])
    partial = _run(["refresh", "--landing", str(delivery)], env, root)
    assert partial.returncode == 1, partial.stdout + partial.stderr
    assert "Traceback" not in partial.stderr
    assert "held back lakeshore" in partial.stderr
    assert ("lakeshore: accepted_range_dim_alumni_graduation_year__2100__1950 failed on 1 of "
            "its rows") in partial.stderr
    assert "redacted 1 free-text value holding a phone number" in partial.stderr
    # Lakeshore: every published row exactly as before. Northfield: its new alumni.
    assert mart_rows(warehouse, "lakeshore") == lakeshore_before
    new_keys = _keys(build, "northfield", ["00880001", "00880002", "00880003"])
    con = duckdb.connect(str(warehouse), read_only=True)
    assert {r[0] for r in con.execute(
        "select alumni_key from marts.dim_alumni where alumni_key in (select unnest(?))",
        [sorted(new_keys)]).fetchall()} == new_keys
    jobs = set(con.execute("select employer_name, title from marts.fct_alumni_positions "
                           "where alumni_key in (select unnest(?)) and source_system = "
                           "'first_destination_survey'", [sorted(new_keys)]).fetchall())
    assert jobs == {("[name removed] Photography",
                     "Owner (call [phone removed] or [email removed])"),
                    ("3M", "Route 66 Diner manager at 7-Eleven")}
    (run_id, status, held, redactions), = con.execute(
        "select run_id, status, held_back, redactions from ops.refresh_runs "
        "order by started_at desc limit 1").fetchall()
    con.close()
    assert status == "partial" and list(json.loads(held)) == ["lakeshore"]
    assert json.loads(redactions) == {"email": 1, "name": 1, "phone": 1}
    assert _runs(build)[run_id] == ("partial", True)
    status_out = _run(["status"], env, root).stdout
    assert "all but lakeshore" in status_out
    assert f"{run_id} held back lakeshore (its last published rows stayed published): " \
           "accepted_range_dim_alumni_graduation_year" in status_out

    # The corrected roster supersedes the bad one: Lakeshore is published again, with its
    # new alumni, and its history holds no point for the refresh that held it back.
    _write(delivery / "lakeshore" / "roster" / "graduates_late_corrected.csv", [
        ROSTER_HEADER,
        "990001,Quentin,,Marlowe,,,1999-01-02,qm@example.org,,1 Elm St,Chicago,IL,60601,"
        "11.0701,Computer Science,Bachelor,2021-05-15",
        "990002,Rhea,,Tolliver,,,1999-01-03,rt@example.org,,2 Elm St,Chicago,IL,60601,"
        "11.0701,Computer Science,Bachelor,2024-05-15"], "cp1252")
    fixed = _run(["refresh", "--landing", str(delivery)], env, root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    lakeshore_keys = _keys(build, "lakeshore", ["000990001", "000990002"])
    assert len(lakeshore_keys) == 2
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select count(*) from marts.dim_alumni where alumni_key in "
                       "(select unnest(?))", [sorted(lakeshore_keys)]).fetchall() == [(2,)]
    assert con.execute("select count(*) from marts.agg_outcomes_history where "
                       "refresh_id = ? and institution_id = 'lakeshore'",
                       [run_id]).fetchall() == [(0,)]
    assert con.execute("select count(*) from marts.agg_outcomes_history where "
                       "refresh_id = ? and institution_id = 'northfield'",
                       [run_id]).fetchall() == [(1,)]
    con.close()
