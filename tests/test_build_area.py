"""The restricted build area: owner-only files, one user at a time, never the published folder."""

from __future__ import annotations

import os
import signal
import stat
import time
from pathlib import Path

import pytest
from support import hold_build_area

from pathways.core.build_area import exclusive, is_busy
from pathways.core.config import INSTITUTION_ID_PATTERN
from pathways.core.db import connect_build
from pathways.core.errors import BuildAreaBusy, ConfigError
from pathways.core.settings import Settings
from pathways.delivery import api
from pathways.delivery.keys import KeyStore
from pathways.warehouse.erasure import compact


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_build_folder_and_database_are_readable_by_their_owner_only(tmp_path):
    build_db = tmp_path / "warehouse" / "build" / "b.duckdb"
    old = os.umask(0o022)  # a permissive umask, as on most machines
    try:
        with connect_build(build_db) as con:
            con.execute("create table t as select 1 as x")
        assert _mode(build_db.parent) == 0o700
        assert _mode(build_db) == 0o600
        compact(build_db)  # `pathways forget` rewrites the file
        assert _mode(build_db) == 0o600
    finally:
        os.umask(old)


def test_the_api_key_store_is_readable_by_its_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        store = KeyStore(tmp_path / "api_keys.sqlite")
        store.create("northfield", "dashboard")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "api_keys.sqlite") == 0o600
    assert [k.institution_id for k in store.list()] == ["northfield"]


def test_a_second_process_is_told_who_holds_the_build_area(tmp_path):
    build_db = tmp_path / "build" / "b.duckdb"
    holder = hold_build_area(build_db)
    try:
        assert is_busy(build_db)
        with pytest.raises(BuildAreaBusy) as busy, exclusive(build_db, "refresh"):
            pass
        assert f"refresh by pid {holder.pid}" in str(busy.value)
        # kill -9 releases the lock: the next refresh never waits for a dead one.
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        deadline = time.monotonic() + 5
        while is_busy(build_db) and time.monotonic() < deadline:
            time.sleep(0.05)
        with exclusive(build_db, "refresh"), exclusive(build_db, "ingest"):  # nests
            assert is_busy(build_db)
        assert not is_busy(build_db)
    finally:
        holder.kill()
        holder.wait()


def test_the_build_area_may_not_share_the_published_warehouse_folder(tmp_path):
    env = {"PATHWAYS_WAREHOUSE": str(tmp_path / "wh.duckdb"),
           "PATHWAYS_BUILD_DB": str(tmp_path / "build.duckdb")}
    with pytest.raises(ConfigError, match="give it a folder of its own"):
        Settings.from_env(env)
    settings = Settings.from_env({"PATHWAYS_WAREHOUSE": str(tmp_path / "wh.duckdb")})
    assert settings.build_dir == tmp_path / "build"


def test_institution_ids_have_one_pattern_the_api_uses_too(tmp_path):
    assert api.INSTITUTION_ID_PATTERN is INSTITUTION_ID_PATTERN
    schema = api.create_app(tmp_path / "wh.duckdb", tmp_path / "keys.sqlite").openapi()
    patterns = {p["schema"].get("pattern") for path in schema["paths"].values()
                for operation in path.values() for p in operation.get("parameters", [])
                if p["name"] == "institution_id"}
    assert patterns == {INSTITUTION_ID_PATTERN}
