"""Blocking rules chosen by what they cost, for data nobody tuned the rules for.

A pair is only scored if some blocking rule puts it in the same block, so a rule set keyed
on names alone misses every pair whose names both carry a typo, however well its address,
postcode and birth date agree. The generic ``link`` and ``dedupe`` therefore consider every
available field alone and every pair of fields, count the comparisons each would generate
(sum over key values of left count x right count, or n(n-1)/2 within one table: a group-by,
not a join), and keep those within a budget of comparisons per input record:

* a single field within budget (date of birth, email, a full street address) is kept, and
  pairs that contain it are not considered (they could only add pairs it already has);
* a pair of fields within budget (postcode + city, city + house number, first name + date
  of birth) is kept;
* rules for swapped given name and surname and for one part of a multi-part surname are
  kept when within budget.

The budget is generous enough for the rules that carry the evidence and stops the coarse
ones (state alone, a common first name alone) that would compare everyone with everyone.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import duckdb

log = logging.getLogger(__name__)

# Comparisons a rule may generate, per input record (left + right rows, or rows of the
# one table being deduplicated).
COMPARISONS_PER_RECORD = 2.0


@dataclass(frozen=True)
class CandidateRule:
    """A blocking rule as SQL over Splink's ``l`` and ``r`` records, with its key
    expressions on one record (to count what it costs)."""

    name: str
    sql: str
    left_keys: tuple[str, ...]
    right_keys: tuple[str, ...]


def equi_rule(*fields: str) -> CandidateRule:
    """Records agreeing exactly on every one of ``fields``."""
    return CandidateRule(" + ".join(fields), " and ".join(f"l.{f} = r.{f}" for f in fields),
                         fields, fields)


def cross_rule(name: str, pairs: tuple[tuple[str, str], ...]) -> CandidateRule:
    """Records where each (left field, right field) of ``pairs`` agrees, e.g. the given name
    of one equal to the surname of the other."""
    return CandidateRule(name, " and ".join(f"l.{a} = r.{b}" for a, b in pairs),
                         tuple(a for a, _ in pairs), tuple(b for _, b in pairs))


def rule_cost(con: duckdb.DuckDBPyConnection, rule: CandidateRule, left: str,
              right: str | None) -> int:
    """Comparisons ``rule`` generates between tables ``left`` and ``right``, or within
    ``left`` when ``right`` is None (pairs counted once)."""
    def counts(table: str, keys: tuple[str, ...]) -> str:
        selected = ", ".join(f"{k} as k{i}" for i, k in enumerate(keys))
        not_null = " and ".join(f"{k} is not null" for k in keys)
        group = ", ".join(f"k{i}" for i in range(len(keys)))
        return (f"select {group}, count(*) as n from (select {selected} from {table} "
                f"where {not_null}) group by {group}")

    if right is None and rule.left_keys == rule.right_keys:
        sql = f"select coalesce(sum(n * (n - 1) / 2), 0) from ({counts(left, rule.left_keys)})"
    elif right is None:  # a cross rule within one table: each pair is seen both ways
        using = ", ".join(f"k{i}" for i in range(len(rule.left_keys)))
        sql = (f"select coalesce(sum(a.n * b.n) / 2, 0) from ({counts(left, rule.left_keys)}) "
               f"as a join ({counts(left, rule.right_keys)}) as b using ({using})")
    else:
        using = ", ".join(f"k{i}" for i in range(len(rule.left_keys)))
        sql = (f"select coalesce(sum(a.n * b.n), 0) from ({counts(left, rule.left_keys)}) as a "
               f"join ({counts(right, rule.right_keys)}) as b using ({using})")
    return int(con.execute(sql).fetchall()[0][0])


def choose_rules(con: duckdb.DuckDBPyConnection, left: str, right: str | None,
                 fields: list[str], extra: list[CandidateRule],
                 per_record: float = COMPARISONS_PER_RECORD) -> list[CandidateRule]:
    """The rules worth running for these tables, cheapest first (see the module docstring).
    ``fields`` are feature columns present on both sides; ``extra`` are further candidate
    rules (kept when within budget). Never empty: with nothing within budget the cheapest
    candidate is kept, with a warning."""
    rows = con.execute(f"select count(*) from {left}").fetchall()[0][0]
    if right is not None:
        rows += con.execute(f"select count(*) from {right}").fetchall()[0][0]
    budget = per_record * max(rows, 1)
    costs: dict[CandidateRule, int] = {}
    kept_singles: set[str] = set()
    for field in fields:
        rule = equi_rule(field)
        costs[rule] = rule_cost(con, rule, left, right)
        if costs[rule] <= budget:
            kept_singles.add(field)
    for a, b in itertools.combinations(fields, 2):
        if a in kept_singles or b in kept_singles:
            continue
        rule = equi_rule(a, b)
        costs[rule] = rule_cost(con, rule, left, right)
    for rule in extra:
        costs[rule] = rule_cost(con, rule, left, right)
    kept = sorted((r for r, c in costs.items() if 0 < c <= budget), key=lambda r: costs[r])
    if not kept:
        cheapest = min((r for r, c in costs.items() if c > 0), key=lambda r: costs[r],
                       default=None)
        if cheapest is None:
            return []
        log.warning("no blocking rule fits %.0f comparisons; using %s (%s comparisons)",
                    budget, cheapest.name, f"{costs[cheapest]:,}")
        kept = [cheapest]
    log.info("blocking rules: %s", ", ".join(f"{r.name} ({costs[r]:,})" for r in kept))
    return kept
