"""Issue 13's attack on the shared end-to-end warehouse: every filter combination of one
institution asked through the API, solved for the true counts of its small cells.

The answers the API gives now pin no count below the threshold, for an attacker who knows
the perturbation table; the same questions answered exactly, as the API answered them before
the cell-key method, pin many (so the test can fail)."""

from __future__ import annotations

import duckdb
import pytest
from disclosure_attack import (
    EXACT,
    Ranges,
    bound_pins,
    collect,
    endpoints,
    exact_answers,
    linear_pins,
    ptable_support,
    true_counts,
)
from fastapi.testclient import TestClient
from support import run_pathways

from pathways.delivery.api import create_app

pytestmark = pytest.mark.e2e

INSTITUTION = "northfield"


@pytest.fixture(scope="module")
def attack(e2e_refreshed):
    """(answers the API gave, the true counts, the perturbation table, requests made)."""
    root, env, _, _ = e2e_refreshed
    created = run_pathways(["keys", "create", "--institution", INSTITUTION, "--label",
                            "attacker"], env, root)
    assert created.returncode == 0, created.stderr
    app = create_app(root / "wh.duckdb", root / "keys.sqlite")
    client = TestClient(app)
    breakdowns = endpoints(app.openapi())
    assert len(breakdowns) >= 7
    headers = {"Authorization": f"Bearer {created.stdout.strip()}"}
    requests = []

    def get(path: str, params: dict) -> dict:
        requests.append((path, params))
        response = client.get(f"/v1/institutions/{INSTITUTION}/{path}".rstrip("/"),
                              params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    answers = collect(get, breakdowns, threshold=10)
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    try:
        truth = true_counts(con, INSTITUTION, answers.cells, breakdowns)
        support = ptable_support(con)
    finally:
        con.close()
    return answers, truth, support, len(requests)


def test_no_answer_of_the_api_pins_a_small_count(attack):
    answers, truth, support, requests = attack
    assert requests > 1000 and len(answers.cells) > 100
    pins = bound_pins(answers, truth, Ranges(support, answers.threshold))
    assert pins.tried > 1000
    linear = linear_pins(answers, truth, exact=False)
    print(f"\n{requests} requests, {pins.tried} true counts from 1 to 9 in "
          f"{len(answers.cells)} cells: {len(pins.pinned)} pinned by an attacker who knows "
          f"the perturbation table; the linear system (inconsistent: "
          f"{not linear.consistent}) determines {linear.determined}, of which its estimate "
          f"is right for {linear.estimated_right} (a blind guess: {linear.blind_right})")
    assert pins.pinned == []
    assert not linear.consistent and linear.pinned == []


def test_the_same_attack_on_exact_answers_pins_small_counts(attack):
    """What the API answered before the cell-key method (every true count shown from the
    threshold up) gives the attack what it found in issue 13."""
    answers, truth, _, _ = attack
    exact = exact_answers(answers, truth)
    pins = linear_pins(exact, truth, exact=True)
    print(f"\nexact answers: {len(pins.pinned)} of {pins.tried} true counts from 1 to 9 "
          f"pinned, {sum(f == 'alumni' for f, _, _ in pins.pinned)} of them cells' numbers "
          f"of alumni")
    assert len(pins.pinned) >= 10
    assert all(0 < value < 10 for _, _, value in pins.pinned)
    # and the bounds attacker finds each of them too (checked on a few: it is slower)
    few = {family for family, _, _ in pins.pinned[:3]}
    subset = type(exact)(exact.cells, exact.threshold,
                         {family: exact.counts[family] for family in few})
    bounded = bound_pins(subset, truth, Ranges(EXACT, exact.threshold))
    assert {pin for pin in pins.pinned if pin[0] in few} <= set(bounded.pinned)
