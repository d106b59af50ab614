"""A dbt process that gets ready before it knows its command.

    python -m pathways.warehouse.dbt_worker PROJECT_DIR TARGET_PATH

Imports dbt and parses the project straight away (about 2 s, spent while the refresh is
still ingesting) and, while no command has come, imports what the Python models import;
then reads one dbt command as a JSON list from standard input and runs it with the parsed
manifest, printing dbt's JSON log lines. The exit code is 0 when the command succeeded.
Closing standard input without a command ends the process. Started by
pathways.warehouse.dbt_runner.DbtProcess.

The worker dies with its parent: on Linux it asks the kernel (``prctl(PR_SET_PDEATHSIG)``)
to kill it the moment the refresh that started it ends, ``kill -9`` included, so a killed
refresh never leaves a dbt build running on in the background.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import importlib
import json
import logging
import os
import select
import signal
import sys

# Modules the project's Python models load: about half a second of imports after dbt's.
WARM_IMPORTS = (
    "matching.predict",  # the linkage models: Splink
    "sqlglot.dialects.duckdb",  # loaded by Splink when it first writes SQL
    "pandas",  # loaded by pyarrow the first time a model builds an Arrow table
)


PR_SET_PDEATHSIG = 1  # linux/prctl.h
PARENT_PID_ENV = "PATHWAYS_DBT_PARENT_PID"  # set by pathways.warehouse.dbt_runner


def die_with_parent() -> bool:
    """Have the kernel SIGKILL this process when its parent ends (Linux; False elsewhere).
    A parent that ended before the request took effect ends the process at once."""
    expected = os.environ.get(PARENT_PID_ENV)
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return False
    if expected and os.getppid() != int(expected):
        os._exit(1)  # the parent is already gone: nobody waits for this build
    return True


def main(project_dir: str, target_path: str) -> int:
    die_with_parent()
    from dbt.cli.main import dbtRunner

    common = ["--project-dir", project_dir, "--profiles-dir", project_dir,
              "--target-path", target_path]
    # Parsing opens no database connection, so it can run while ingest writes.
    parsed = dbtRunner().invoke(["parse", "--quiet", "--no-write-json", *common])
    # While the caller is still busy (a long ingest), import what the Python models need,
    # which keeps it off the build's longest path; once the command is waiting, the models
    # import what is left themselves. Should an import fail, the model reports why.
    for module in WARM_IMPORTS:
        if _command_waiting():
            break
        with contextlib.suppress(Exception):
            importlib.import_module(module)
    line = sys.stdin.readline()
    if not line.strip():
        return 0
    command = [*json.loads(line), "--log-format", "json", *common]
    # When parsing failed, a plain run reports why, in its own log lines.
    runner = dbtRunner(manifest=parsed.result) if parsed.success else dbtRunner()
    return 0 if runner.invoke(command).success else 1


def _command_waiting() -> bool:
    """Whether a line is ready on standard input."""
    try:
        return bool(select.select([sys.stdin], [], [], 0)[0])
    except (OSError, ValueError):  # no selectable standard input
        return False


if __name__ == "__main__":
    code = main(sys.argv[1], sys.argv[2])
    # dbt has written its artifacts and committed every transaction by now. Tearing down
    # the interpreter (freeing the manifest's objects) would take about 0.4 s more, so
    # flush the logs and output and leave at once. DuckDB replays any write-ahead log left
    # behind when the database is next opened, as after any abrupt end.
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
