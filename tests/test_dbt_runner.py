"""The dbt child process: started before its command is known, ended if never used."""

from __future__ import annotations

import os
import sys

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
