"""Where Pathways finds its project files and writes its warehouse."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """The repository root (holds dbt_project.yml, profiles.yml and config/)."""
    return Path(os.environ.get("PATHWAYS_PROJECT_ROOT", PROJECT_ROOT))


def warehouse_path() -> Path:
    """The published warehouse analysts read (marts and per-institution views only):
    env PATHWAYS_WAREHOUSE, default warehouse/pathways.duckdb."""
    raw = os.environ.get("PATHWAYS_WAREHOUSE", "warehouse/pathways.duckdb")
    path = Path(raw)
    if not path.is_absolute():
        path = Path.cwd() / path
    return path


def build_path() -> Path:
    """The build area: the restricted DuckDB file where ingest loads raw data and dbt builds
    every layer (raw, staging, pii, marts, audit, ops) before anything is published.

    Env PATHWAYS_BUILD_DB, default build/<warehouse name>_build.duckdb next to the
    published warehouse.
    """
    raw = os.environ.get("PATHWAYS_BUILD_DB")
    if raw:
        path = Path(raw)
        return path if path.is_absolute() else Path.cwd() / path
    warehouse = warehouse_path()
    return warehouse.parent / "build" / f"{warehouse.stem}_build.duckdb"


def config_path() -> Path:
    """The institutions YAML: env PATHWAYS_CONFIG, default config/institutions.yml."""
    raw = os.environ.get("PATHWAYS_CONFIG")
    return Path(raw) if raw else project_root() / "config" / "institutions.yml"


def api_keys_path() -> Path:
    """The API key store (hashed keys): env PATHWAYS_API_KEYS, default api_keys.sqlite next
    to the published warehouse. It lives outside the warehouse file because publishing
    replaces that file whole."""
    raw = os.environ.get("PATHWAYS_API_KEYS")
    if raw:
        path = Path(raw)
        return path if path.is_absolute() else Path.cwd() / path
    return warehouse_path().parent / "api_keys.sqlite"
