"""The outcomes API over the published warehouse of the shared end-to-end refresh: keys,
authorisation, isolation between institutions, suppression, filters, paging, validation,
and serving on while a refresh publishes."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import duckdb
import httpx
import pytest
from fastapi.testclient import TestClient
from support import BIN, run_pathways

from pathways.core.identifiers import direct_identifier_columns
from pathways.core.settings import Settings
from pathways.delivery.api import create_app
from pathways.warehouse.publish import publish

pytestmark = pytest.mark.e2e

BREAKDOWNS = ["employers", "occupations", "occupations/detailed", "industries",
              "locations/states", "locations/cities", "further-education/colleges",
              "further-education/levels"]
TABLES = ["outcomes", "match-quality", "history"]


@pytest.fixture(scope="module")
def api(e2e_refreshed):
    """(client, keys by institution, published warehouse, build database, env)."""
    root, env, _, _ = e2e_refreshed
    keys = {}
    for institution in ("northfield", "lakeshore"):
        created = run_pathways(["keys", "create", "--institution", institution,
                                "--label", "tests"], env, root)
        assert created.returncode == 0, created.stderr
        keys[institution] = created.stdout.strip()
    client = TestClient(create_app(root / "wh.duckdb", root / "keys.sqlite"))
    return client, keys, root / "wh.duckdb", root / "build" / "wh_build.duckdb", env


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _get(api, path: str, institution: str = "northfield", **params):
    client, keys, *_ = api
    return client.get(f"/v1/institutions/{institution}/{path}".rstrip("/"),
                      params=params, headers=_auth(keys[institution]))


def _published(warehouse: Path, sql: str, params=()):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def test_keys_are_stored_hashed_and_listed_without_secrets(api):
    _, keys, _, _, env = api
    root = Path(env["PATHWAYS_WAREHOUSE"]).parent
    stored = sqlite3.connect(root / "keys.sqlite").execute(
        "select * from api_keys").fetchall()
    dump = json.dumps(stored)
    for key in keys.values():
        assert key.startswith("pw_")
        assert key.split("_", 2)[2] not in dump
    listed = run_pathways(["keys", "list"], env, root)
    assert listed.returncode == 0
    assert "northfield" in listed.stdout and "lakeshore" in listed.stdout
    assert all(key.split("_", 2)[2] not in listed.stdout for key in keys.values())


def test_missing_unknown_and_revoked_keys_get_401(api):
    client, keys, _, _, env = api
    path = "/v1/institutions/northfield/outcomes"
    missing = client.get(path)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert client.get(path, headers={"Authorization": "Basic Zm9vOmJhcg=="}).status_code == 401
    assert client.get(path, headers=_auth("pw_00000000_not-a-key")).status_code == 401
    assert client.get(path, headers=_auth(keys["northfield"] + "x")).status_code == 401

    root = Path(env["PATHWAYS_WAREHOUSE"]).parent
    created = run_pathways(["keys", "create", "--institution", "northfield"], env, root)
    key = created.stdout.strip()
    assert client.get(path, headers=_auth(key)).status_code == 200
    key_id = key.split("_")[1]
    revoked = run_pathways(["keys", "revoke", key_id], env, root)
    assert revoked.returncode == 0, revoked.stderr
    assert client.get(path, headers=_auth(key)).status_code == 401
    again = run_pathways(["keys", "revoke", key_id], env, root)
    assert again.returncode == 1


def test_keys_create_refuses_an_unknown_institution(api):
    _, _, _, _, env = api
    root = Path(env["PATHWAYS_WAREHOUSE"]).parent
    refused = run_pathways(["keys", "create", "--institution", "nowhere"], env, root)
    assert refused.returncode == 2
    assert "nowhere" in refused.stderr


@pytest.mark.parametrize("path", ["", *TABLES, *BREAKDOWNS])
def test_a_key_of_another_institution_gets_403(api, path):
    client, keys, *_ = api
    response = client.get(f"/v1/institutions/lakeshore/{path}".rstrip("/"),
                          headers=_auth(keys["northfield"]))
    assert response.status_code == 403
    assert "lakeshore" in response.json()["detail"]


@pytest.mark.parametrize("path", ["", *TABLES, *BREAKDOWNS])
def test_every_row_is_the_key_institutions_and_holds_no_identifier(api, path):
    identifiers = direct_identifier_columns(Settings.from_env().project_root)
    answered = 0
    for institution in ("lakeshore", "northfield"):
        response = _get(api, path, institution, **({} if path == "" else {"limit": 500}))
        assert response.status_code == 200, response.text
        body = response.json()
        rows = [body] if path == "" else body["rows"]
        answered += len(rows)  # a small institution may have no category above the threshold
        for row in rows:
            assert row["institution_id"] == institution
            assert not set(row) & identifiers
    assert answered, f"{path} returned no rows for either institution"


def test_no_roster_identifier_value_appears_in_any_answer(api):
    _, _, _, build, _ = api
    identifiers = {value for (value,) in _published(build, """
        select identifier from (
            select student_id as identifier from staging.stg_rosters__students
            union all select email from staging.stg_rosters__students
            union all select street_address from staging.stg_rosters__students
        ) where length(identifier) >= 4""")}
    assert identifiers
    for path in ["", *TABLES, *BREAKDOWNS]:
        text = _get(api, path, **({} if path == "" else {"limit": 500})).text
        values = {str(value) for value in _json_values(json.loads(text))}
        assert not values & identifiers, path


def _json_values(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _json_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _json_values(value)
    else:
        yield node


@pytest.mark.parametrize("path", BREAKDOWNS)
def test_breakdowns_never_show_a_small_cell(api, path):
    for params in ({}, {"cohort": 2021}, {"degree_level": "master"}, {"program": "11"},
                   {"program": "11", "degree_level": "master", "cohort": 2025}):
        body = _get(api, path, limit=500, **params).json()
        smallest = body["min_cell_size"]
        assert smallest >= 1
        assert "suppressed_categories" not in body
        assert all(row["n_alumni"] >= smallest for row in body["rows"])
        assert any("cell-key" in note for note in body["notes"])
        if body["base"] is None or body["base"] == 0:
            assert body["rows"] == []
        else:
            assert body["base"] >= smallest
            assert all(0 < row["share"] <= 1 and row["n_alumni"] <= body["base"]
                       for row in body["rows"])
            assert all(row["share"] == round(row["n_alumni"] / body["base"], 4)
                       for row in body["rows"])


def _ptable(warehouse: Path) -> list[tuple[int, int | None, int, int, int]]:
    return _published(warehouse, "select min_count, max_count, min_cell_key, max_cell_key, "
                                 "perturbation from marts.dim_cell_key_perturbations")


def _perturb(count: int, record_keys: list[int], ptable) -> int:
    """The cell-key method written out again, independently of the API's SQL."""
    if count == 0:
        return 0
    cell_key = sum(record_keys) % 4096
    (perturbation,) = [d for low, high, first, last, d in ptable
                       if low <= count <= (high or count) and first <= cell_key <= last]
    return count + perturbation


def test_employer_counts_are_the_marts_counts_perturbed_by_their_record_keys(api):
    _, _, warehouse, _, _ = api
    ptable = _ptable(warehouse)
    body = _get(api, "employers", degree_level="bachelor", limit=500).json()
    known = _published(warehouse, """
        select count(*), list(record_key) from marts.dim_alumni
        where institution_id = 'northfield' and degree_level = 'bachelor'
            and is_outcome_known""")[0]
    base = _perturb(known[0], known[1], ptable)
    assert body["base"] == base
    members = _published(warehouse, """
        select employer_normalized, count(*), list(record_key) from (
            select distinct p.employer_normalized, a.alumni_key, a.record_key
            from marts.fct_alumni_positions as p
            inner join marts.dim_alumni as a on p.alumni_key = a.alumni_key
            where a.institution_id = 'northfield' and a.degree_level = 'bachelor'
                and p.employer_normalized is not null)
        group by 1""")
    perturbed = {name: min(_perturb(n, keys, ptable), base) for name, n, keys in members}
    expected = {name: n for name, n in perturbed.items() if n >= 10}
    assert body["rows"], "the fixture should have employers of that size"
    assert {row["employer_name"]: row["n_alumni"] for row in body["rows"]} == expected
    assert body["total"] == len(expected)
    true = {name: n for name, n, _ in members}
    assert any(true[name] != n for name, n in expected.items()), "nothing was perturbed"
    assert max(abs(true[name] - n) for name, n in expected.items()) <= 3


def test_the_same_alumni_give_the_same_count_in_every_channel(api):
    """A cell's n_alumni in /outcomes (perturbed by dbt) is the base of a breakdown over
    all alumni filtered to that cell (perturbed by the API), whichever filter selects them;
    the institution's n_alumni is its history's and its match quality's."""
    outcomes = _get(api, "outcomes", limit=500).json()["rows"]
    checked = 0
    for row in outcomes:
        if row["n_alumni"] is None or row["graduation_year"] is None:
            continue
        cell = {"program": row["program_cip"], "degree_level": row["degree_level"],
                "cohort": row["graduation_year"]}
        base = _get(api, "further-education/levels", **cell).json()["base"]
        assert base == row["n_alumni"], cell
        degrees = {r["degree_level"] for r in outcomes if r["program_cip"] == row["program_cip"]}
        if degrees == {row["degree_level"]}:  # the same alumni without the degree filter
            same = {"program": row["program_cip"], "cohort": row["graduation_year"]}
            assert _get(api, "further-education/colleges", **same).json()["base"] == base
        checked += 1
    assert checked >= 3
    n_alumni = _get(api, "").json()["n_alumni"]
    assert n_alumni == _get(api, "history", limit=1).json()["rows"][0]["n_alumni"]
    assert n_alumni == _get(api, "match-quality", limit=1).json()["rows"][0]["n_alumni"]
    assert n_alumni == _get(api, "further-education/levels").json()["base"]


def test_the_same_request_gets_the_same_answer_in_another_process(api):
    client, keys, warehouse, _, env = api
    paths = ["/v1/institutions/northfield/employers?degree_level=bachelor&current_only=true",
             "/v1/institutions/northfield/locations/states?cohort=2021",
             "/v1/institutions/northfield"]
    here = [client.get(path, headers=_auth(keys["northfield"])).json() for path in paths]
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from fastapi.testclient import TestClient\n"
        "from pathways.delivery.api import create_app\n"
        "client = TestClient(create_app(Path(sys.argv[1]), Path(sys.argv[2])))\n"
        "headers = {'Authorization': 'Bearer ' + sys.argv[3]}\n"
        "print(json.dumps([client.get(p, headers=headers).json() for p in sys.argv[4:]]))\n")
    there = subprocess.run(
        [str(BIN / "python"), "-c", script, str(warehouse),
         env["PATHWAYS_API_KEYS"], keys["northfield"], *paths],
        capture_output=True, text=True, timeout=120, env=env)
    assert there.returncode == 0, there.stderr
    assert json.loads(there.stdout) == json.loads(json.dumps(here))


def test_detailed_occupations_by_program_are_the_marts_counts_perturbed(api):
    _, _, warehouse, _, _ = api
    ptable = _ptable(warehouse)
    body = _get(api, "occupations/detailed", program="52", limit=500).json()
    known = _published(warehouse, """
        select count(*), list(record_key) from marts.dim_alumni
        where institution_id = 'northfield' and starts_with(program_cip, '52')
            and is_outcome_known""")[0]
    base = _perturb(known[0], known[1], ptable)
    members = _published(warehouse, """
        select soc_code, count(*), list(record_key) from (
            select distinct p.soc_code, a.alumni_key, a.record_key
            from marts.fct_alumni_positions as p
            inner join marts.dim_alumni as a on p.alumni_key = a.alumni_key
            where a.institution_id = 'northfield' and starts_with(a.program_cip, '52')
                and p.soc_code is not null)
        group by 1""")
    assert body["rows"], "the fixture's business programs should have common occupations"
    perturbed = {soc: min(_perturb(n, keys, ptable), base) for soc, n, keys in members}
    shown = {row["soc_code"]: row["n_alumni"] for row in body["rows"]}
    assert body["base"] == base
    assert shown == {soc: n for soc, n in perturbed.items() if n >= body["min_cell_size"]}
    assert all(row["soc_title"] and row["soc_major_group"].endswith("-0000")
               for row in body["rows"])
    assert [row["n_alumni"] for row in body["rows"]] == sorted(shown.values(), reverse=True)


def test_outcomes_are_the_suppressed_mart_rows_with_filters(api):
    _, _, warehouse, _, _ = api
    body = _get(api, "outcomes", cohort=2021, limit=500).json()
    assert body["rows"] and all(row["graduation_year"] == 2021 for row in body["rows"])
    expected = _published(warehouse, "select count(*) from marts.agg_outcomes_by_program "
                          "where institution_id = 'northfield' and graduation_year = 2021")
    assert body["total"] == expected[0][0]
    for row in body["rows"]:
        if row["is_suppressed"]:
            assert row["n_alumni"] is None and row["employment_rate"] is None
        else:
            assert row["n_alumni"] >= 10
    assert any("cell-key" in note for note in body["notes"])
    series = _get(api, "outcomes", program="11", degree_level="bachelor", limit=500).json()
    assert all(row["program_cip"].startswith("11.") and row["degree_level"] == "bachelor"
               for row in series["rows"])


def test_paging_walks_every_row_once(api):
    full = _get(api, "outcomes", limit=500).json()
    assert full["total"] > 7
    seen, offset = [], 0
    while offset is not None:
        page = _get(api, "outcomes", limit=7, offset=offset).json()
        assert page["total"] == full["total"]
        seen.extend(page["rows"])
        offset = page["next_offset"]
    assert seen == full["rows"]


@pytest.mark.parametrize(("params", "field"), [
    ({"cohort": "twenty"}, "cohort"),
    ({"cohort": 1800}, "cohort"),
    ({"program": "11.07.01"}, "program"),
    ({"program": "'; drop table x; --"}, "program"),
    ({"degree_level": "phd"}, "degree_level"),
    ({"limit": 0}, "limit"),
    ({"limit": 100000}, "limit"),
    ({"offset": -1}, "offset"),
    ({"cohrt": 2020}, "cohrt"),
])
def test_bad_parameters_get_422_naming_the_field(api, params, field):
    response = _get(api, "employers", **params)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(error["loc"][-1] == field and error["msg"] for error in detail)


def test_a_malformed_institution_id_is_422_and_docs_are_served(api):
    client, keys, *_ = api
    bad = client.get("/v1/institutions/North%20field/outcomes", headers=_auth(keys["northfield"]))
    assert bad.status_code == 422
    schema = client.get("/openapi.json").json()
    assert "/v1/institutions/{institution_id}/employers" in schema["paths"]
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and "cdn" not in docs.text.lower()
    assert client.get("/v1/health").json()["status"] == "ok"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_server_keeps_answering_while_a_refresh_publishes(api, tmp_path):
    """`pathways serve` as a process, hammered by four clients while the warehouse is
    published five times over it; each publish carries a new institution name, which
    the server must pick up."""
    _, keys, warehouse, build, env = api
    build_copy = tmp_path / "build.duckdb"
    shutil.copy(build, build_copy)
    served = tmp_path / "served.duckdb"
    shutil.copy(warehouse, served)
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "pathways"), "serve", "--port", str(port)],
        env={**env, "PATHWAYS_WAREHOUSE": str(served)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        statuses: list[int] = []
        stop = threading.Event()

        def hammer() -> None:
            with httpx.Client(base_url=base, headers=_auth(keys["northfield"]),
                              timeout=30) as client:
                while not stop.is_set():
                    for path in ("", "/employers", "/outcomes", "/history"):
                        statuses.append(
                            client.get(f"/v1/institutions/northfield{path}").status_code)

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        for version in range(5):
            con = duckdb.connect(str(build_copy))
            con.execute("create or replace table marts.dim_institutions as select * "
                        "replace (institution_name || ' v' || ? as institution_name) "
                        "from marts.dim_institutions", [str(version)])
            con.close()
            publish(build_copy, served, ["northfield", "lakeshore", "riverbend"],
                    project_root=Settings.from_env().project_root)
            time.sleep(0.3)
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join()
        name = httpx.get(f"{base}/v1/institutions/northfield",
                         headers=_auth(keys["northfield"])).json()["institution_name"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert len(statuses) > 50
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    assert name.endswith(" v0 v1 v2 v3 v4")


def _damage(path: Path) -> None:
    """Overwrite 1 KB in every 64 KB after the file header, as a failing disk might."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        for offset in range(12_288 + 4_096, size, 65_536):
            handle.seek(offset)
            handle.write(bytes(range(256)) * 4)


DATA_PATHS = ["", "/outcomes", "/employers", "/history", "/match-quality",
              "/further-education/colleges"]


def test_a_damaged_published_file_fails_health_and_gets_503s_that_name_no_path(api, tmp_path):
    _, keys, warehouse, _, env = api
    served = tmp_path / "served" / "wh.duckdb"
    served.parent.mkdir()
    shutil.copy(warehouse, served)
    damaged_client = TestClient(create_app(served, Path(env["PATHWAYS_API_KEYS"])))
    assert damaged_client.get("/v1/health").json()["status"] == "ok"
    ok = damaged_client.get("/v1/institutions/northfield/employers",
                            headers=_auth(keys["northfield"]))
    assert ok.status_code == 200
    damaged = tmp_path / "damaged.duckdb"
    shutil.copy(warehouse, damaged)
    _damage(damaged)
    damaged.replace(served)  # a new file, as a publish swaps one in
    health = damaged_client.get("/v1/health")
    assert health.status_code == 503
    assert health.json()["status"] == "damaged"
    for path in DATA_PATHS:
        response = damaged_client.get(f"/v1/institutions/northfield{path}",
                                      headers=_auth(keys["northfield"]))
        assert response.status_code == 503, (path, response.text)
        detail = response.json()["detail"]
        assert "cannot be read" in detail
        assert "/" not in detail and str(tmp_path) not in response.text
    assert "/" not in health.json()["detail"]
    # a good file published over it is served again
    shutil.copy(warehouse, tmp_path / "good.duckdb")
    (tmp_path / "good.duckdb").replace(served)
    assert damaged_client.get("/v1/health").status_code == 200


def test_a_file_damaged_from_the_start_is_refused_before_it_answers(api, tmp_path):
    _, keys, warehouse, _, env = api
    served = tmp_path / "wh.duckdb"
    shutil.copy(warehouse, served)
    _damage(served)
    damaged_client = TestClient(create_app(served, Path(env["PATHWAYS_API_KEYS"])))
    for path in DATA_PATHS:
        response = damaged_client.get(f"/v1/institutions/northfield{path}",
                                      headers=_auth(keys["northfield"]))
        assert response.status_code == 503, (path, response.text)
    assert damaged_client.get("/v1/health").json()["status"] == "damaged"
    served.write_bytes(b"not a database at all")
    assert damaged_client.get("/v1/health").json()["status"] == "damaged"
    response = damaged_client.get("/v1/institutions/northfield/outcomes",
                                  headers=_auth(keys["northfield"]))
    assert response.status_code == 503 and str(tmp_path) not in response.text


def test_a_missing_warehouse_gets_503s_that_name_no_path(api, tmp_path):
    _, keys, _, _, env = api
    missing = tmp_path / "nowhere" / "wh.duckdb"
    empty_client = TestClient(create_app(missing, Path(env["PATHWAYS_API_KEYS"])))
    health = empty_client.get("/v1/health")
    assert health.status_code == 503
    assert health.json()["status"] == "no_published_warehouse"
    for path in DATA_PATHS:
        response = empty_client.get(f"/v1/institutions/northfield{path}",
                                    headers=_auth(keys["northfield"]))
        assert response.status_code == 503
        assert response.json()["detail"].startswith("no published warehouse yet")
        assert str(tmp_path) not in response.text and "wh.duckdb" not in response.text
