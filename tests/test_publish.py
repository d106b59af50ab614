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
    assert "failing rows: " in failed.stderr and "audit" in failed.stderr
    # The failing rows were stored by a rerun of that test alone, which kept its artifacts
    # apart: target/ still describes the whole failed build.
    results = json.loads((copy / "target" / "run_results.json").read_text(encoding="utf-8"))
    assert any(r["unique_id"].startswith("model.") for r in results["results"])
    stored = (copy / "target" / "failing_rows" / "run_results.json").read_text(encoding="utf-8")
    assert [r["unique_id"] for r in json.loads(stored)["results"]] == [
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


def _child_dbt(pid: int) -> bool:
    listing = subprocess.run(["ps", "-eo", "ppid,args"], capture_output=True, text=True).stdout
    return any(line.split(None, 1)[0] == str(pid) and "dbt" in line
               for line in listing.splitlines()[1:] if line.strip())


def test_a_killed_refresh_leaves_the_warehouse_intact_and_the_next_recovers(project):
    root, _, env = project
    before = _digest(root / "wh.duckdb")
    process = subprocess.Popen([str(BIN / "pathways"), "refresh"], env=env, cwd=root,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 120
    while not _child_dbt(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert process.poll() is None, "the refresh ended before it could be killed"
    time.sleep(2)  # well inside dbt build
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
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
    assert result.returncode == 1
    # Caught by the dbt test, or if it ran before the new mart was built, by the same check
    # at publish time.
    assert "assert_marts_hold_no_direct_identifiers" in result.stderr or (
        "privacy gate" in result.stderr and "leaky_extract.reference_code" in result.stderr)
    assert _digest(root / "wh.duckdb") == before


def test_publish_refuses_identifiers_itself(tmp_path):
    """The publish-time gate on its own, on a crafted build database."""
    from pathways.publish import PrivacyViolation, publish

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
        publish(build, warehouse, ["u"])
    assert str(error.value) == ("marts.bad.last_name is named like a direct identifier; "
                                "marts.bad.contact holds 1 roster identifier values")
    assert not warehouse.exists() and not list(tmp_path.glob("*.publishing"))
    con = duckdb.connect(str(build))
    con.execute("drop table marts.bad")
    con.close()
    assert publish(build, warehouse, ["u"]) == ["ok"]
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("select * from inst_u.ok").fetchall() == [("u", 3)]
    con.close()
