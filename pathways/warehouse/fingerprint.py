"""What a build was made from: a hash of the code, configuration, reference data and
linkage model that shape the build area's tables.

Incremental models only process new records; rows built earlier stay as the code of their
day made them. When any of these inputs changed since the last successful build, the next
refresh rebuilds everything (`dbt build --full-refresh`) so no table mixes old and new
logic. History marts are never rebuilt (they hold past refreshes).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PATTERNS = (
    "dbt_project.yml",
    "dbt_project/**/*.sql",
    "dbt_project/**/*.py",
    "dbt_project/**/*.yml",
    "seeds/**/*.csv",
    "seeds/**/*.yml",
    "matching/**/*.py",
    "matching/models/*.json",
    "matching/models/*.parquet",
    # The title coder the build runs, its reference data and the data team's overrides.
    "pathways/occupations/**/*.py",
    "reference/*.parquet",
    "config/title_codes.csv",
)


def build_fingerprint(root: Path, config_files: list[Path], engine: str = "duckdb") -> str:
    """SHA-256 over the engine that builds (a build area moved from DuckDB to Spark or
    back is rebuilt whole on the new one) and the relative path and content of every input
    file, in a stable order."""
    files = {path for pattern in PATTERNS for path in root.glob(pattern) if path.is_file()}
    files |= {path for path in config_files if path.is_file()}
    digest = hashlib.sha256(f"engine={engine}\0".encode())
    for path in sorted(files, key=lambda p: p.as_posix()):
        name = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
