"""Schema-driven fuzzing of the outcomes API with Schemathesis: every operation in
/openapi.json gets generated valid and invalid inputs (path, query, headers), with the
institution's key and without. The API must never answer 5xx, and every answer must match
the schema it publishes (status codes, content types, bodies).

Schemathesis' pytest plugin (`from_fixture`) does not run on pytest 9, so each operation's
strategy is driven with Hypothesis directly."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import run_pathways

from pathways.delivery.api import create_app

pytestmark = pytest.mark.e2e

MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


@pytest.fixture(scope="module")
def fuzzed(e2e_refreshed):
    """(schema loaded from the app's own /openapi.json, a northfield key)."""
    root, env, _, _ = e2e_refreshed
    created = run_pathways(["keys", "create", "--institution", "northfield"], env, root)
    assert created.returncode == 0, created.stderr
    app = create_app(root / "wh.duckdb", root / "keys.sqlite")
    return schemathesis.openapi.from_asgi("/openapi.json", app), created.stdout.strip()


def _operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


def test_the_schema_lists_every_endpoint(fuzzed):
    schema, _ = fuzzed
    paths = {operation.path for operation in _operations(schema)}
    assert {"/v1/health", "/v1/institutions/{institution_id}",
            "/v1/institutions/{institution_id}/outcomes",
            "/v1/institutions/{institution_id}/employers",
            "/v1/institutions/{institution_id}/occupations",
            "/v1/institutions/{institution_id}/industries",
            "/v1/institutions/{institution_id}/locations/states",
            "/v1/institutions/{institution_id}/locations/cities",
            "/v1/institutions/{institution_id}/further-education/colleges",
            "/v1/institutions/{institution_id}/further-education/levels",
            "/v1/institutions/{institution_id}/match-quality",
            "/v1/institutions/{institution_id}/history"} <= paths


def _fuzz(operation, mode, key: str, failures: list[str], statuses: list[int]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode), keyed=st.booleans(),
           own=st.booleans())
    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case, keyed, own):
        if own and "institution_id" in (case.path_parameters or {}):
            case.path_parameters = {**case.path_parameters, "institution_id": "northfield"}
        if keyed:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}
        response = case.call()
        statuses.append(response.status_code)
        if response.status_code >= 500:
            failures.append(f"{operation.label} {case.path_parameters} {case.query} "
                            f"-> {response.status_code}: {response.text[:200]}")
        if mode is schemathesis.GenerationMode.POSITIVE:
            case.validate_response(response)

    run()


@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
def test_no_input_makes_the_api_fail(fuzzed, mode):
    schema, key = fuzzed
    failures: list[str] = []
    statuses: list[int] = []
    for operation in _operations(schema):
        if mode is schemathesis.GenerationMode.NEGATIVE and operation.path == "/v1/health":
            continue  # takes no parameters: nothing to make invalid
        _fuzz(operation, mode, key, failures, statuses)
    assert not failures, "\n".join(failures)
    # the generated requests reached the queries, not only the refusals
    expected = {200, 401, 403} if mode is schemathesis.GenerationMode.POSITIVE else {422}
    assert expected <= set(statuses), {code: statuses.count(code) for code in set(statuses)}
