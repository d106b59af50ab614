"""Which column names are direct identifiers: the one list every privacy gate uses.

The list lives in ``dbt_project.yml`` (var ``direct_identifier_columns``) because the dbt
test ``assert_marts_hold_no_direct_identifiers`` reads it there; the publish gate and the
tests read the same file through this module, so the three can never disagree.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

VAR_NAME = "direct_identifier_columns"


@cache
def _read(project_file: Path) -> frozenset[str]:
    document = yaml.safe_load(project_file.read_text(encoding="utf-8")) or {}
    names = (document.get("vars") or {}).get(VAR_NAME)
    if not names:
        raise ValueError(f"{project_file} has no var {VAR_NAME}")
    return frozenset(str(name).lower() for name in names)


def direct_identifier_columns(project_root: Path) -> frozenset[str]:
    """Lower-case column names no mart may carry (names, ids, contact details...)."""
    return _read(project_root / "dbt_project.yml")
