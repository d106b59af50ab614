"""Every ``PATHWAYS_*`` setting and path in one object, read from the environment once.

A process reads its settings at its entry point (the command line's root callback, the API
server, a dbt Python model) and hands the paths it needs to library functions, which take
them as arguments. Nothing below the entry points reads the environment for a path.

| variable | meaning | default |
|---|---|---|
| ``PATHWAYS_PROJECT_ROOT`` | the repository (dbt_project.yml, config/) | this checkout |
| ``PATHWAYS_WAREHOUSE`` | the published warehouse analysts read | warehouse/pathways.duckdb |
| ``PATHWAYS_BUILD_DB`` | the restricted build area | build/<warehouse>_build.duckdb beside it |
| ``PATHWAYS_CONFIG`` | the institutions YAML | config/institutions.yml |
| ``PATHWAYS_IMPORTS`` | the third-party imports YAML | imports.yml beside the institutions file |
| ``PATHWAYS_API_KEYS`` | the API key store | api_keys.sqlite beside the warehouse |
| ``PATHWAYS_DUCKDB_THREADS`` | threads per DuckDB connection | every core |
| ``PATHWAYS_MEMORY_LIMIT`` | memory per DuckDB database before it spills | 8GB |
| ``PATHWAYS_THREADS`` | dbt models and tests run at once | 4 |
| ``PATHWAYS_ENGINE`` | where dbt builds: ``duckdb`` or ``spark`` (the profile's target) | duckdb |
| ``PATHWAYS_SPARK_MASTER`` | the Spark master the ``spark`` target's session uses | local[*] |
| ``PATHWAYS_SPARK_WAREHOUSE`` | where Spark writes its tables | build/spark/warehouse |
| ``PATHWAYS_SPARK_METASTORE`` | the Spark catalog's (Derby) metastore | build/spark/metastore_db |
| ``PATHWAYS_LAKE`` | the raw and ops tables as Parquet, which Spark reads as sources | build/lake |
| ``PATHWAYS_CACHE_DIR`` | what commands keep between runs (the title coder) | ~/.cache/pathways |
| ``PATHWAYS_PAUSE_AT`` | tests only: a refresh waits here to be killed | unset |

``PATHWAYS_PAUSE_AT`` (``before_swap`` or ``after_swap``) lets the fault-injection tests
kill a refresh at a known moment of publishing; nothing else reads it.

The cache folder defaults to ``$XDG_CACHE_HOME/pathways`` when that is set. Relative paths
are taken from the current directory, as a shell user expects. The build
database's folder is the restricted build area: it holds nothing published, so it may not
be the published warehouse's own folder.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pathways.core.errors import ConfigError

CHECKOUT_ROOT = Path(__file__).resolve().parent.parent.parent

PROJECT_ROOT_ENV = "PATHWAYS_PROJECT_ROOT"
WAREHOUSE_ENV = "PATHWAYS_WAREHOUSE"
BUILD_DB_ENV = "PATHWAYS_BUILD_DB"
CONFIG_ENV = "PATHWAYS_CONFIG"
IMPORTS_ENV = "PATHWAYS_IMPORTS"
API_KEYS_ENV = "PATHWAYS_API_KEYS"
DUCKDB_THREADS_ENV = "PATHWAYS_DUCKDB_THREADS"
MEMORY_LIMIT_ENV = "PATHWAYS_MEMORY_LIMIT"
DBT_THREADS_ENV = "PATHWAYS_THREADS"
PAUSE_AT_ENV = "PATHWAYS_PAUSE_AT"
ENGINE_ENV = "PATHWAYS_ENGINE"
SPARK_MASTER_ENV = "PATHWAYS_SPARK_MASTER"
SPARK_WAREHOUSE_ENV = "PATHWAYS_SPARK_WAREHOUSE"
SPARK_METASTORE_ENV = "PATHWAYS_SPARK_METASTORE"
LAKE_ENV = "PATHWAYS_LAKE"
CACHE_DIR_ENV = "PATHWAYS_CACHE_DIR"
ENGINES = ("duckdb", "spark")
PAUSE_POINTS = ("before_swap", "after_swap")

DEFAULT_WAREHOUSE = "warehouse/pathways.duckdb"
DEFAULT_MEMORY_LIMIT = "8GB"
DEFAULT_DBT_THREADS = 4
DEFAULT_SPARK_MASTER = "local[*]"


def _absolute(raw: str) -> Path:
    path = Path(raw)
    return path if path.is_absolute() else Path.cwd() / path


def _user_cache_dir(environ: Mapping[str, str]) -> Path | None:
    """``PATHWAYS_CACHE_DIR``, else the user's cache folder (XDG's, as pip and most tools
    keep theirs); None when the user has no home folder to find it in."""
    if environ.get(CACHE_DIR_ENV):
        return _absolute(environ[CACHE_DIR_ENV])
    if environ.get("XDG_CACHE_HOME"):
        return _absolute(environ["XDG_CACHE_HOME"]) / "pathways"
    try:
        return Path.home() / ".cache" / "pathways"
    except RuntimeError:  # no HOME and no password entry
        return None


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from error
    if value < 1:
        raise ConfigError(f"{name}={raw!r} must be at least 1")
    return value


@dataclass(frozen=True)
class Settings:
    """Paths and resource limits of one Pathways process."""

    project_root: Path
    warehouse: Path  # the published file: marts and per-institution views only
    build_db: Path  # the restricted build area: raw, staging, pii, marts, audit, ops
    config_file: Path
    imports_file: Path
    api_keys: Path
    duckdb_threads: int
    memory_limit: str
    dbt_threads: int
    pause_at: str | None = None  # fault-injection tests only (PATHWAYS_PAUSE_AT)
    # The engine dbt builds on (the profile's target): DuckDB, or Spark with the raw and
    # ops tables landed as Parquet in ``lake`` (pathways.spark). Spark's own folders default
    # to the restricted build area, as they hold restricted rows.
    engine: str = "duckdb"
    spark_master: str = DEFAULT_SPARK_MASTER
    spark_warehouse: Path | None = None
    spark_metastore: Path | None = None
    lake: Path | None = None
    # What commands keep between runs that holds no records (never the build area's own
    # cache, which a refresh keeps beside the restricted rows); None: nothing is kept.
    cache_dir: Path | None = None

    @property
    def build_dir(self) -> Path:
        """The restricted build area: the build database and every other restricted file
        (dlt's working folder, dbt's logs, the refresh lock), readable by its owner only."""
        return self.build_db.parent

    @property
    def lake_dir(self) -> Path:
        """Where the raw and ops tables are landed as Parquet for Spark."""
        return self.lake or self.build_dir / "lake"

    @property
    def spark_warehouse_dir(self) -> Path:
        """Where Spark's managed tables (every model and seed) are written."""
        return self.spark_warehouse or self.build_dir / "spark" / "warehouse"

    @property
    def spark_metastore_dir(self) -> Path:
        """The embedded (Derby) metastore that names Spark's tables."""
        return self.spark_metastore or self.build_dir / "spark" / "metastore_db"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment (``os.environ`` unless given) describes."""
        env = os.environ if environ is None else environ
        root = Path(env.get(PROJECT_ROOT_ENV) or CHECKOUT_ROOT)
        warehouse = _absolute(env.get(WAREHOUSE_ENV) or DEFAULT_WAREHOUSE)
        build_db = (_absolute(env[BUILD_DB_ENV]) if env.get(BUILD_DB_ENV)
                    else warehouse.parent / "build" / f"{warehouse.stem}_build.duckdb")
        config_file = (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV)
                       else root / "config" / "institutions.yml")
        imports_file = (Path(env[IMPORTS_ENV]) if env.get(IMPORTS_ENV)
                        else config_file.parent / "imports.yml")
        api_keys = (_absolute(env[API_KEYS_ENV]) if env.get(API_KEYS_ENV)
                    else warehouse.parent / "api_keys.sqlite")
        if build_db.parent.resolve() == warehouse.parent.resolve():
            raise ConfigError(
                f"{BUILD_DB_ENV}={build_db} puts the restricted build area in the published "
                f"warehouse's folder {warehouse.parent}; give it a folder of its own")
        pause_at = env.get(PAUSE_AT_ENV) or None
        if pause_at is not None and pause_at not in PAUSE_POINTS:
            raise ConfigError(f"{PAUSE_AT_ENV}={pause_at!r} is not one of "
                              f"{', '.join(PAUSE_POINTS)}")
        engine = (env.get(ENGINE_ENV) or "duckdb").lower()
        if engine not in ENGINES:
            raise ConfigError(f"{ENGINE_ENV}={engine!r} is not one of {', '.join(ENGINES)}")
        return cls(
            engine=engine,
            spark_master=env.get(SPARK_MASTER_ENV) or DEFAULT_SPARK_MASTER,
            spark_warehouse=(_absolute(env[SPARK_WAREHOUSE_ENV])
                             if env.get(SPARK_WAREHOUSE_ENV) else None),
            spark_metastore=(_absolute(env[SPARK_METASTORE_ENV])
                             if env.get(SPARK_METASTORE_ENV) else None),
            lake=_absolute(env[LAKE_ENV]) if env.get(LAKE_ENV) else None,
            cache_dir=_user_cache_dir(env),
            project_root=root, warehouse=warehouse, build_db=build_db,
            config_file=config_file, imports_file=imports_file, api_keys=api_keys,
            duckdb_threads=_positive_int(env, DUCKDB_THREADS_ENV, os.cpu_count() or 1),
            memory_limit=env.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT,
            dbt_threads=_positive_int(env, DBT_THREADS_ENV, DEFAULT_DBT_THREADS),
            pause_at=pause_at,
        )

    def duckdb_config(self) -> dict[str, str | int]:
        """DuckDB settings for every connection Pathways opens."""
        return {"threads": self.duckdb_threads, "memory_limit": self.memory_limit}

    def child_env(self) -> dict[str, str]:
        """The variables a child process (dbt) needs to see the same settings (Spark's
        folders only when set: unset, the child derives the same defaults)."""
        return {
            PROJECT_ROOT_ENV: str(self.project_root),
            WAREHOUSE_ENV: str(self.warehouse),
            BUILD_DB_ENV: str(self.build_db.resolve()),
            CONFIG_ENV: str(self.config_file),
            IMPORTS_ENV: str(self.imports_file),
            DUCKDB_THREADS_ENV: str(self.duckdb_threads),
            MEMORY_LIMIT_ENV: self.memory_limit,
            DBT_THREADS_ENV: str(self.dbt_threads),
            ENGINE_ENV: self.engine,
            SPARK_MASTER_ENV: self.spark_master,
        } | self._spark_paths_set() | ({PAUSE_AT_ENV: self.pause_at} if self.pause_at else {})

    def _spark_paths_set(self) -> dict[str, str]:
        paths = ((SPARK_WAREHOUSE_ENV, self.spark_warehouse),
                 (SPARK_METASTORE_ENV, self.spark_metastore), (LAKE_ENV, self.lake))
        return {name: str(path.resolve()) for name, path in paths if path is not None}

    def spark_env(self) -> dict[str, str]:
        """The Spark folders as profiles.yml's spark target reads them (absolute paths,
        defaults included: the profile's own defaults are relative to the current
        directory)."""
        return {
            SPARK_WAREHOUSE_ENV: str(self.spark_warehouse_dir.resolve()),
            SPARK_METASTORE_ENV: str(self.spark_metastore_dir.resolve()),
            LAKE_ENV: str(self.lake_dir.resolve()),
        }
