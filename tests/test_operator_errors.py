"""An operator's mistakes end in one plain line, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from support import KEY, hold_build_area, run_pathways

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    return {**os.environ, "PATHWAYS_WAREHOUSE": str(tmp_path / "wh" / "wh.duckdb"),
            "PATHWAYS_PSEUDONYM_KEY": KEY, "COLUMNS": "200",
            "PATHWAYS_API_KEYS": str(tmp_path / "wh" / "keys.sqlite")}


def _one_line_error(result: subprocess.CompletedProcess[str], status: int = 1) -> str:
    """The error line of a failed command, after checking it is the only one."""
    assert result.returncode == status, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == errors[0]
    return errors[0]


def test_a_second_refresh_while_one_runs_is_told_so(env, tmp_path):
    build_db = tmp_path / "wh" / "build" / "wh_build.duckdb"
    holder = hold_build_area(build_db)
    try:
        for command in (["refresh"], ["ingest", "--landing", str(tmp_path)]):
            line = _one_line_error(run_pathways(command, env, tmp_path))
            assert line.startswith(f"error: the build area {build_db.parent} is in use "
                                   f"(refresh by pid {holder.pid} since ")
            assert line.endswith("wait for it to finish, or see `pathways status`")
    finally:
        holder.kill()
        holder.wait()


def test_an_unknown_institution_is_named_with_the_configured_ones(env, tmp_path):
    line = _one_line_error(run_pathways(
        ["export", "--institution", "North Field", "--out", str(tmp_path / "x")], env, tmp_path),
        status=2)  # a usage error
    assert line.startswith("error: unknown institution 'North Field'; configured: northfield,")
    landing = tmp_path / "landing" / "atlantis" / "roster"
    landing.mkdir(parents=True)
    (landing / "graduates.csv").write_text("student_id\n1\n", encoding="utf-8")
    # A folder of an institution nobody configured refuses its files, one by one, without
    # stopping the other institutions' files, and names the configured institutions.
    ingested = run_pathways(["ingest", "--landing", str(tmp_path / "landing")], env, tmp_path)
    assert ingested.returncode == 1 and "Traceback" not in ingested.stderr
    assert "unknown institution 'atlantis'; configured: northfield" in " ".join(
        ingested.stderr.split())


def test_an_institution_id_the_configuration_refuses_is_explained(env, tmp_path):
    config = tmp_path / "institutions.yml"
    config.write_text((ROOT / "config" / "institutions.yml").read_text(encoding="utf-8")
                      .replace("id: northfield", "id: North-Field"), encoding="utf-8")
    line = _one_line_error(run_pathways(["institutions"], {**env, "PATHWAYS_CONFIG": str(config),
                                        "PATHWAYS_IMPORTS": str(ROOT / "config" / "imports.yml")},
                                        tmp_path))
    assert ("institutions.0.id: Value error, institution id 'North-Field' must be a "
            "lowercase") in line


def test_a_missing_configuration_file_is_named(env, tmp_path):
    line = _one_line_error(run_pathways(
        ["institutions"], {**env, "PATHWAYS_CONFIG": str(tmp_path / "nope.yml")}, tmp_path))
    assert line == f"error: cannot read {tmp_path / 'nope.yml'}: No such file or directory"


def test_a_folder_that_cannot_be_written_is_named(env, tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the warehouse folder should be", encoding="utf-8")
    blocked = {**env, "PATHWAYS_WAREHOUSE": str(blocker / "wh.duckdb"),
               "PATHWAYS_API_KEYS": str(blocker / "keys.sqlite")}
    line = _one_line_error(run_pathways(["refresh"], blocked, tmp_path))
    assert line == (f"error: cannot create the restricted folder {blocker / 'build'}: "
                    "Not a directory")
    line = _one_line_error(run_pathways(["keys", "create", "--institution", "northfield"],
                                        blocked, tmp_path))
    assert line.startswith(f"error: cannot create the API key store {blocker / 'keys.sqlite'}")
    if os.geteuid() != 0 and shutil.which("chmod"):  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        line = _one_line_error(run_pathways(
            ["refresh"], {**env, "PATHWAYS_WAREHOUSE": str(locked / "wh.duckdb")}, tmp_path))
        assert "Permission denied" in line
