"""The dbt child process: started before its command is known, ended if never used."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from pathways.core.settings import Settings
from pathways.warehouse import dbt_worker
from pathways.warehouse.dbt_runner import DbtProcess


def _settings(tmp_path) -> Settings:
    return Settings.from_env({**os.environ, "PATHWAYS_BUILD_DB": str(tmp_path / "build.duckdb")})


def test_a_dbt_process_runs_the_command_it_is_given_after_parsing(tmp_path):
    with DbtProcess(_settings(tmp_path)) as dbt:
        outcome = dbt.run(["ls", "--resource-type", "source", "--output", "name"])
    assert outcome.success, outcome.log_tail
    assert dbt.process.returncode == 0


def test_two_build_areas_keep_their_own_dbt_artifacts(tmp_path):
    """Refreshes of two warehouses from one checkout (or tests in parallel) must not read
    each other's run results: each build area's dbt writes in its own target/."""
    first, second = _settings(tmp_path / "a"), _settings(tmp_path / "b")
    with DbtProcess(first) as dbt:
        assert dbt.run(["ls", "--resource-type", "seed", "--output", "name"]).success
    with DbtProcess(second) as dbt:
        assert dbt.run(["compile", "--select", "resource_type:seed"]).success
    assert (tmp_path / "a" / "target" / "partial_parse.msgpack").exists()
    assert (tmp_path / "b" / "target" / "run_results.json").exists()
    assert not (tmp_path / "a" / "target" / "run_results.json").exists()


def test_a_dbt_process_never_given_a_command_is_ended(tmp_path):
    dbt = DbtProcess(_settings(tmp_path))
    dbt.close()  # as a refresh does when ingest fails
    assert dbt.process.poll() is not None
    assert dbt.process.stdin.closed and dbt.process.stdout.closed


def test_a_failing_command_is_reported(tmp_path):
    with DbtProcess(_settings(tmp_path)) as dbt:
        outcome = dbt.run(["run", "--select", "no_such_model_anywhere", "--warn-error"])
    assert not outcome.success
    assert outcome.failures


def test_the_worker_sees_a_waiting_command(monkeypatch):
    read, write = os.pipe()
    with os.fdopen(read, "r") as stdin, os.fdopen(write, "w") as sender:
        monkeypatch.setattr(sys, "stdin", stdin)
        assert not dbt_worker._command_waiting()  # keeps importing the models' modules
        sender.write('["build"]\n')
        sender.flush()
        assert dbt_worker._command_waiting()  # stops: the command runs first


def test_a_quiet_dbt_worker_dies_the_moment_its_parent_is_killed(tmp_path):
    """Writing to a closed pipe would end a chatty child too; this one is silent (as dbt is
    inside a long model), so only the kernel's parent-death signal can end it."""
    import signal
    import subprocess
    import time

    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen([sys.executable, "-c", (
        "import os, subprocess, sys, time\n"
        "env = dict(os.environ, PATHWAYS_DBT_PARENT_PID=str(os.getpid()))\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time\\n"
        "from pathways.warehouse.dbt_worker import die_with_parent\\n"
        "assert die_with_parent()\\n"
        "open(\"" + str(pid_file) + "\", \"w\").write(str(__import__(\"os\").getpid()))\\n"
        "time.sleep(120)'], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)\n"
        "time.sleep(120)\n")])
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(pid_file.read_text())
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        status = Path(f"/proc/{child}/stat").read_text().split(")")[-1].split()[0]
        if status == "Z":
            break
        time.sleep(0.05)
    else:
        os.kill(child, signal.SIGKILL)
        raise AssertionError("the worker outlived its parent")
