"""Shared fixtures: the project configuration and throwaway warehouses."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathways.config import PathwaysConfig, load_config


@pytest.fixture(scope="session")
def config() -> PathwaysConfig:
    return load_config()


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "test.duckdb"
