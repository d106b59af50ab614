"""dbt on Spark in one process: land the lake, start one SparkSession, run dbt commands.

dbt-spark's ``session`` method runs every statement on the SparkSession of dbt's own
process (``SparkSession.builder.getOrCreate()``), so the session started here with the
build's catalog (pathways.spark.session) is the one dbt builds with, and the Python steps
that run between two dbt commands (dbt Python models do not run in session mode) read and
write the same tables without a second JVM start (about 20 s on an idle 2-core machine)
and without contending for the embedded metastore, which admits one process at a time.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pathways.core.errors import PathwaysError
from pathways.core.settings import Settings
from pathways.spark.lake import LandedTable, land_tables
from pathways.spark.python_steps import python_models, run_python_model
from pathways.spark.session import read_table, spark_session

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession

# The dbt target of profiles.yml that builds on Spark.
SPARK_TARGET = "spark"
# dbt's events that end a node (LogModelResult, LogTestResult, LogSeedResult, ...).
_RESULT_EVENT = ("Log", "Result")


@dataclass
class SparkBuild:
    """A Spark build in progress: its session, what was landed, each command's outcome."""

    settings: Settings
    spark: SparkSession
    landed: list[LandedTable]
    # Each dbt command run: the command, whether it passed, and its run_results.json (the
    # nodes it ran with their status and message; empty for ``parse``).
    results: list[tuple[list[str], bool, dict[str, Any]]] = field(default_factory=list)
    # The build's plan and progress (set by ``build``): the rounds not yet run, the tests
    # left out since failed tests were found, nodes done of the total.
    _pending: list[Round] = field(default_factory=list, repr=False)
    _exclude: list[str] = field(default_factory=list, repr=False)
    _manifest: dict[str, Any] = field(default_factory=dict, repr=False)
    _python: dict[str, Any] = field(default_factory=dict, repr=False)
    _relations: dict[str, str] = field(default_factory=dict, repr=False)
    _done: int = 0
    _total: int = 0
    _on_step: Callable[[str], None] | None = field(default=None, repr=False)
    _on_progress: Callable[[int, int], None] | None = field(default=None, repr=False)

    @property
    def artifacts(self) -> Path:
        """The folder of the Spark build's dbt artifacts (manifest.json, run_results.json)."""
        return target_path(self.settings.project_root)

    def read(self, relation: str) -> pa.Table:
        """A table the build made (``schema.table``), as Arrow."""
        return read_table(self.spark, relation)

    def dbt(self, command: Sequence[str],
            on_node: Callable[[], None] | None = None) -> bool:
        """Run ``dbt <command>`` on the spark target in this process; whether it passed.
        Its artifacts go to target/spark/ (the DuckDB build's stay in target/); its console
        output is errors only (``--quiet``), its log goes to dbt.log as a DuckDB build's.
        ``on_node()`` is called as each node finishes."""
        from dbt.cli.main import dbtRunner

        root, target = self.settings.project_root, self.artifacts
        arguments = [*command, "--quiet", "--target", SPARK_TARGET, "--project-dir",
                     str(root), "--profiles-dir", str(root), "--target-path", str(target)]
        (target / "run_results.json").unlink(missing_ok=True)

        def on_event(event: Any) -> None:
            name = event.info.name
            if on_node and name.startswith(_RESULT_EVENT[0]) and name.endswith(_RESULT_EVENT[1]):
                on_node()

        success = bool(dbtRunner(callbacks=[on_event]).invoke(arguments).success)
        try:
            run_results = json.loads((target / "run_results.json").read_text())
        except (OSError, ValueError):
            run_results = {}
        self.results.append((list(command), success, run_results))
        return success

    def build(self, *, on_step: Callable[[str], None] | None = None,
              on_progress: Callable[[int, int], None] | None = None) -> bool:
        """Build the whole project on Spark: dbt builds every SQL model, seed and data
        test (SPARK_RESOURCE_TYPES) whose inputs exist, then the Python models whose inputs
        are built run (pathways.spark.python_steps), and so on until nothing is left.
        Stops at the first dbt command that fails (a failed error-severity test or model:
        what dbt skipped stays unbuilt, nothing downstream of it runs) until ``resume``
        continues it. Whether all passed. ``on_step(what)`` names each round and Python
        step as it starts; ``on_progress(done, total)`` counts the nodes of the whole build
        as they finish."""
        self._on_step, self._on_progress = on_step, on_progress
        if not self.dbt(["parse"]):
            return False
        self._manifest = json.loads((self.artifacts / "manifest.json").read_text())
        self._python = python_models(self._manifest, self.settings.project_root)
        self._relations = {node["name"]: node["relation_name"]
                           for node in self._manifest["nodes"].values()
                           if node["resource_type"] in ("model", "seed", "snapshot")}
        self._pending = build_rounds(self._manifest, set(self._python))
        self._done = 0
        self._total = sum(len(r.dbt_nodes) + len(r.python_nodes) for r in self._pending)
        return self._run_pending()

    def store_failing_rows(self, tests: Sequence[str]) -> dict[str, Any]:
        """Run the named tests again with ``--store-failures``, so each failed one keeps
        its failing rows in schema audit on Spark (read them with ``read``). The build is
        unchanged since they failed, so they find the same rows. Its run_results (each
        failed test's ``relation_name``); this command is not one of the build's results."""
        self.dbt(["test", "--store-failures", "--select", *tests])
        return self.results.pop()[2]  # dbt() records every command it runs

    def resume(self, select: Sequence[str], exclude: Sequence[str]) -> bool:
        """Continue a build that stopped at failed tests: build ``select`` (what the failed
        command skipped), leaving out the tests named in ``exclude`` (the failed ones, which
        are not rerun), then the rounds the build had not reached. Whether all passed; it
        stops again at the next failure, to be resumed the same way."""
        self._exclude = [*self._exclude, *exclude]
        if select and not self._dbt_build(list(select)):
            return False
        return self._run_pending()

    def _node_done(self) -> None:
        self._done += 1
        if self._on_progress:
            self._on_progress(self._done, self._total)

    def _dbt_build(self, names: list[str]) -> bool:
        if self._on_step:
            self._on_step(f"dbt build: {len(names)} nodes")
        excluded = ["--exclude", *self._exclude] if self._exclude else []
        return self.dbt(["build", "--select", *names, *excluded, "--indirect-selection",
                         "empty", "--exclude-resource-type", "unit_test"], self._node_done)

    def _run_pending(self) -> bool:
        """Run the rounds not run yet, in order, until one fails. A round whose dbt command
        failed stays pending with only its Python models: what the command skipped is the
        caller's to select when it resumes."""
        while self._pending:
            plan = self._pending[0]
            if plan.dbt_nodes:
                names = [self._manifest["nodes"][uid]["name"] for uid in plan.dbt_nodes]
                self._pending[0] = Round((), plan.python_nodes)
                if not self._dbt_build(names):
                    return False
            for unique_id in plan.python_nodes:
                model = self._python[unique_id]
                if self._on_step:
                    self._on_step(f"python model {model.name}")
                try:
                    run_python_model(self.spark, model, self._relations)
                except Exception as exc:  # any error of the step is reported as its failure
                    self.results.append((["python", model.name], False, {"results": [{
                        "unique_id": unique_id, "status": "error",
                        "message": f"{type(exc).__name__}: {exc}"}]}))
                    return False
                self._node_done()
            self._pending.pop(0)
        return True


# What a Spark build builds. Not unit tests: they prove a model's logic on fixtures, once,
# on DuckDB (their fixtures are DuckDB SQL); on Spark the equivalence test proves the same
# models give the same rows. Not snapshots: dbt-spark's snapshot needs a Delta, Iceberg or
# Hudi table (it merges), and neither jar can be installed here (docs/scaling.md); the
# history of alumni facts (snap_alumni_facts) is kept by DuckDB builds only.
SPARK_RESOURCE_TYPES = ("model", "seed", "test")


@dataclass(frozen=True)
class Round:
    """One step of a Spark build: dbt nodes built in one command, then Python models."""

    dbt_nodes: tuple[str, ...]
    python_nodes: tuple[str, ...]


def build_rounds(manifest: Mapping[str, Any], python: set[str]) -> list[Round]:
    """The rounds that build every node of ``manifest`` (dbt's manifest.json as a dict)
    whose Python ancestors are ``python``: each round's dbt nodes are those whose inputs
    are built before it or in it, its Python models those whose inputs are then built. As
    few dbt commands as the Python models' places in the graph allow."""
    buildable = {uid: tuple(d for d in node.get("depends_on", {}).get("nodes", [])
                            if d in manifest["nodes"])
                 for uid, node in manifest["nodes"].items()
                 if node["resource_type"] in SPARK_RESOURCE_TYPES}
    left_out = True
    while left_out:  # what depends on a snapshot (its tests) is left out with it
        left_out = {uid for uid, deps in buildable.items()
                    if any(d not in buildable for d in deps)}
        for uid in left_out:
            del buildable[uid]
    done: set[str] = set()
    rounds: list[Round] = []
    while len(done) < len(buildable):
        sql: list[str] = []
        changed = True
        while changed:
            changed = False
            for uid, deps in buildable.items():
                if uid not in done and uid not in python and all(d in done for d in deps):
                    done.add(uid)
                    sql.append(uid)
                    changed = True
        ready = tuple(sorted(uid for uid in (python & buildable.keys()) - done
                             if all(d in done for d in buildable[uid])))
        if not sql and not ready:
            raise PathwaysError("the dbt graph has nodes no round can build: "
                                + ", ".join(sorted(set(buildable) - done)[:5]))
        done.update(ready)
        rounds.append(Round(tuple(sql), ready))
    return rounds


def target_path(project_root: Path) -> Path:
    """Where dbt writes the Spark build's artifacts (run_results.json, manifest)."""
    return project_root / "target" / "spark"


@contextlib.contextmanager
def spark_build(settings: Settings, tables: Iterable[tuple[str, str]],
                env_vars: Mapping[str, str] | None = None) -> Iterator[SparkBuild]:
    """Land ``tables`` (schema, table: the source tables ingest loaded into the build
    area) in the lake and start the session dbt and the Python steps share. dbt and the
    Python models read their settings from the environment (profiles.yml's env_var, the
    refresh id and pseudonym key among ``env_vars``), so the settings' variables are set
    for the length of the block."""
    landed = land_tables(settings.build_db, settings.lake_dir, tables)
    env = settings.child_env() | settings.spark_env() | dict(env_vars or {}) | {
        "PATHWAYS_LAKE_TABLES": ",".join(f"{t.schema}.{t.table}" for t in landed)}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield SparkBuild(settings, spark_session(settings), landed)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
