"""Running dbt against the Pathways project in a child process, with progress.

dbt runs as its own process so that its DuckDB connection is closed when it finishes and
the warehouse can be opened again (read-only by analysts, or by the next step). The
process can be started before its command is known (DbtProcess), so dbt's start-up runs
alongside the caller's work. Progress comes from dbt's JSON log lines; failures from
``target/run_results.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pathways.core.build_area import dbt_target_dir, logs_dir
from pathways.core.settings import Settings
from pathways.warehouse.dbt_worker import PARENT_PID_ENV


@dataclass
class DbtOutcome:
    """What a dbt command did: success, and the nodes that failed with their messages."""

    success: bool
    failures: list[tuple[str, str]] = field(default_factory=list)
    n_nodes: int = 0
    log_tail: list[str] = field(default_factory=list)
    tests_passed: int = 0
    tests_failed: int = 0
    tests_warned: int = 0
    # unique_id -> relation holding the failing rows (schema audit), for failed tests
    failing_rows: dict[str, str] = field(default_factory=dict)
    # unique ids of the nodes dbt skipped because something upstream failed
    skipped: list[str] = field(default_factory=list)

    def absorb(self, later: DbtOutcome) -> None:
        """Add what a later command of the same build did (a build continued past failing
        tests): its counts, its failures and failing rows; its skipped nodes replace ours."""
        self.n_nodes += later.n_nodes
        self.tests_passed += later.tests_passed
        self.tests_failed += later.tests_failed
        self.tests_warned += later.tests_warned
        self.failures += later.failures
        self.failing_rows.update(later.failing_rows)
        self.log_tail = [*self.log_tail, *later.log_tail][-40:]
        self.skipped = later.skipped

    def failure_summaries(self) -> list[tuple[str, str, str | None]]:
        """Each failed node, the line of its message that says what went wrong, and the
        relation holding its failing rows (None when none was stored)."""
        return [(node, error_line(message), self.failing_rows.get(node))
                for node, message in self.failures]


def error_line(message: str) -> str:
    """The line of a dbt failure message that says what went wrong (not a caret marker)."""
    lines = [ln.strip() for ln in message.strip().splitlines()
             if ln.strip() and set(ln.strip()) - set("^~ ")]
    errors = [ln for ln in lines if "Error" in ln or "error" in ln]
    return (errors or lines or ["(no message)"])[-1]


class DbtProcess:
    """One dbt command in its own process (pathways.warehouse.dbt_worker), started before the
    command is known: the process imports dbt and parses the project at once, while the
    caller does other work (a refresh ingests meanwhile), then runs the command ``run``
    gives it. Use as a context manager: leaving it ends a process that was never run."""

    def __init__(self, settings: Settings, env_vars: dict[str, str] | None = None,
                 target: Path | None = None) -> None:
        """dbt builds ``settings.build_db`` with ``settings``' resource limits; ``target``:
        where it writes its artifacts (default the build area's target/)."""
        root = settings.project_root
        env = dict(os.environ) | settings.child_env() | (env_vars or {})
        env[PARENT_PID_ENV] = str(os.getpid())
        env.setdefault("DBT_LOG_PATH", str(logs_dir(settings.build_db.resolve())))
        # dbt.log records each node's start, result and errors. dbt's default (debug) adds
        # every SQL statement and costs about half a second a build; DBT_LOG_LEVEL_FILE=debug
        # turns it back on.
        env.setdefault("DBT_LOG_LEVEL_FILE", "info")
        env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        self.target = target or dbt_target_dir(settings.build_db.resolve())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pathways.warehouse.dbt_worker", str(root),
             str(self.target)],
            cwd=Path.cwd(), env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True)

    def __enter__(self) -> DbtProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End the process if it is still waiting for a command (or still running)."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None and not stream.closed:
                stream.close()

    def run(self, command: list[str],
            on_progress: Callable[[int, int], None] | None = None) -> DbtOutcome:
        """Run ``dbt <command>``; ``on_progress(done, total)`` is called as each node
        (model, test, seed) finishes."""
        assert self.process.stdin is not None and self.process.stdout is not None
        run_results = self.target / "run_results.json"
        run_results.unlink(missing_ok=True)
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.close()
        tail: list[str] = []
        done = total = 0
        for line in self.process.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                tail = [*tail[-40:], line.rstrip()]
                continue
            info = event.get("info", {})
            if info.get("level") in ("error", "warn"):
                tail = [*tail[-40:], info.get("msg", "")]
            name = info.get("name", "")
            if name == "LogStartLine":
                total = event.get("data", {}).get("total", total)
            elif name.startswith("Log") and name.endswith("Result"):
                done += 1
                if on_progress:
                    on_progress(done, total)
        returncode = self.process.wait()
        return _outcome(returncode, tail, run_results)


def _outcome(returncode: int, tail: list[str], run_results: Path) -> DbtOutcome:
    results = (json.loads(run_results.read_text(encoding="utf-8"))
               if run_results.exists() else {})
    return outcome_of_run(returncode == 0, results, tail, f"exit code {returncode}")


def outcome_of_run(success: bool, run_results: dict, tail: list[str] | None = None,
                   no_message: str = "dbt failed") -> DbtOutcome:
    """What one dbt command did, from whether it succeeded, its run_results.json (as a
    dict; empty when it wrote none) and the last lines of its log (``no_message`` stands
    for a failure that left neither)."""
    outcome = DbtOutcome(success=success, log_tail=list(tail or []))
    results = run_results.get("results", [])
    outcome.n_nodes = len(results)
    for result in results:
        unique_id, status = result["unique_id"], result.get("status")
        is_test = unique_id.startswith(("test.", "unit_test."))
        if is_test:
            outcome.tests_passed += status == "pass"
            outcome.tests_failed += status in ("fail", "error")
            outcome.tests_warned += status == "warn"
        if status == "skipped":
            outcome.skipped.append(unique_id)
        if status in ("error", "fail", "runtime error"):
            outcome.failures.append((unique_id, result.get("message") or ""))
            if is_test and result.get("relation_name"):
                outcome.failing_rows[unique_id] = result["relation_name"]
    if not outcome.success and not outcome.failures:
        outcome.failures.append(("dbt", "\n".join(outcome.log_tail[-10:]) or no_message))
    return outcome
