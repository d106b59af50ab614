"""Shared fixtures: the project configuration and throwaway warehouses."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from support import KEY, run_pathways

from pathways.core.config import PathwaysConfig, load_config
from pathways.core.settings import Settings


def pytest_configure(config: pytest.Config) -> None:
    """Commands the tests run keep what they cache (the built title coder) in a folder of
    this run's, never in the user's own cache (each xdist worker configures its own)."""
    if not os.environ.get("PATHWAYS_CACHE_DIR"):
        folder = tempfile.mkdtemp(prefix="pathways-test-cache-")
        os.environ["PATHWAYS_CACHE_DIR"] = folder
        config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.fixture(scope="session")
def config() -> PathwaysConfig:
    return load_config(Settings.from_env().config_file)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "test.duckdb"


@pytest.fixture(scope="session")
def e2e_refreshed(tmp_path_factory):
    """Generated data for 3 institutions (1,500 alumni, 30,000 profiles) refreshed through
    the CLI into a published warehouse: (root, env, landing, refresh result). Shared by the
    end-to-end, API, report and docs-site tests; tests that change it run last (e2e)."""
    root = tmp_path_factory.mktemp("e2e")
    env = {**os.environ, "PATHWAYS_WAREHOUSE": str(root / "wh.duckdb"),
           "PATHWAYS_API_KEYS": str(root / "keys.sqlite"),
           "PATHWAYS_PSEUDONYM_KEY": KEY, "COLUMNS": "200"}
    landing = root / "landing"
    generated = run_pathways(["generate", "--out", str(landing), "--institutions", "3",
                              "--alumni", "1500", "--profiles", "30000", "--seed", "21"],
                             env, root)
    assert generated.returncode == 0, generated.stderr
    refreshed = run_pathways(["refresh", "--landing", str(landing)], env, root)
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    return root, env, landing, refreshed
