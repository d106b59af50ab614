"""Isolation between institutions: one institution's bad delivery holds back only its own data.

When error-severity tests fail, their failing rows are stored in schema ``audit`` and, with
the project's test macros (dbt_project/macros/failing_rows_by_institution.sql), carry the
``institution_id`` each failing row belongs to. If every failing row of every failed test
names an institution, those institutions are *held back*: the refresh publishes the new
data of every other institution and keeps the last published rows of the held-back ones
(pathways.warehouse.publish). A failure that names no institution — a model that failed to
build, a unit test, a test on a table shared by every institution (the profile pool), a
row whose institution is unknown, or a value shared across institutions — holds back
everything, as before.

The same steps serve both engines (``isolate_failures``): each supplies how to store the
failing rows of tests in the build area and how to continue its build past them
(``Continuation``: a new dbt process on DuckDB, pathways.warehouse.refresh; the same Spark
build on Spark, pathways.warehouse.spark_refresh).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import duckdb

from pathways.core.db import connect_build
from pathways.warehouse.dbt_runner import DbtOutcome


@dataclass
class Attribution:
    """Which institutions the failures belong to, and the failures that belong to none."""

    held_back: dict[str, list[str]] = field(default_factory=dict)  # institution -> reasons
    unattributed: list[str] = field(default_factory=list)

    @property
    def isolated(self) -> bool:
        """Whether the failures can be confined to the held-back institutions."""
        return bool(self.held_back) and not self.unattributed

    def merge(self, other: Attribution) -> None:
        for institution, reasons in other.held_back.items():
            self.held_back.setdefault(institution, []).extend(reasons)
        self.unattributed.extend(other.unattributed)


def node_name(unique_id: str) -> str:
    """A node's name from its unique id (``test.pathways.<name>.<hash>``,
    ``model.pathways.<name>``)."""
    return unique_id.split(".")[2]


class Continuation(Protocol):
    """What an engine does for ``isolate_failures``."""

    def store_failing_rows(self, tests: list[str]) -> dict[str, str]:
        """Rerun the named failed tests storing their failing rows in the build area;
        unique id -> the relation (``audit.<test>``) holding each one's rows."""
        ...

    def continue_build(self, skipped: list[str], excluded: list[str]) -> DbtOutcome | None:
        """Build the ``skipped`` nodes (names) and whatever the build had not reached yet,
        leaving out the ``excluded`` tests (names); what that did, or None when there is
        nothing left to build."""
        ...


def isolate_failures(build_db: Path, outcome: DbtOutcome, engine: Continuation,
                     max_continuations: int) -> Attribution:
    """Store the failing rows of ``outcome``'s failed tests and attribute them to
    institutions; while every failure so far is attributed, continue the build past them
    (without rerunning the failed tests), so the other institutions' new data is built,
    and do the same for whatever fails in that. ``outcome`` absorbs what each continuation
    did. Returns who is held back, and what holds back everyone."""
    attribution, latest, excluded = Attribution(), outcome, []
    for _ in range(max_continuations):
        failed = [node_name(node) for node, _ in latest.failures
                  if node.startswith("test.")]
        if failed:
            latest.failing_rows.update(engine.store_failing_rows(failed))
        outcome.failing_rows.update(latest.failing_rows)
        attribution.merge(attribute_failures(build_db, latest.failures, latest.failing_rows))
        if not attribution.isolated:
            break
        excluded += failed
        skipped = sorted({node_name(node) for node in latest.skipped
                          if node.startswith(("model.", "test.", "snapshot.", "seed."))})
        continued = engine.continue_build(skipped, excluded)
        if continued is None:
            break
        outcome.absorb(continued)
        latest = continued
        if latest.success:
            break
    else:
        attribution.unattributed.append(
            f"the build was continued {max_continuations} times and still skipped models")
    return attribution


def attribute_failures(build_db: Path, failures: list[tuple[str, str]],
                       failing_rows: dict[str, str]) -> Attribution:
    """Attribute each failed node (unique id, message) to institutions through its stored
    failing rows (``failing_rows``: unique id -> relation in schema audit)."""
    attribution = Attribution()
    with connect_build(build_db, read_only=True) as con:
        for node, _ in failures:
            if not node.startswith("test."):
                attribution.unattributed.append(f"{node} failed")
                continue
            name, relation = node_name(node), failing_rows.get(node)
            counts = _institution_counts(con, relation) if relation else None
            if counts is None:
                attribution.unattributed.append(
                    f"{name}: its failing rows do not say which institution they belong to")
            elif None in counts:
                attribution.unattributed.append(
                    f"{name}: {counts[None]} failing rows belong to no single institution")
            else:
                for institution, n in sorted(counts.items()):
                    attribution.held_back.setdefault(institution, []).append(
                        f"{name} failed on {n} of its rows (failing rows: {relation})")
    return attribution


def _institution_counts(con: duckdb.DuckDBPyConnection,
                        relation: str) -> dict[str | None, int] | None:
    """Failing rows per institution in ``relation``; None when it has no institution_id."""
    try:
        columns = {row[0].lower() for row in con.execute(
            f"select column_name from (describe select * from {relation})").fetchall()}
        if "institution_id" not in columns:
            return None
        return {institution: n for institution, n in con.execute(
            f"select institution_id, count(*) from {relation} group by 1").fetchall()}
    except duckdb.Error:
        return None  # not stored (a test whose rows could not be kept)
