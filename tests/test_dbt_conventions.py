"""Project conventions, checked on dbt's own manifest (dbt-bouncer would do this, but it
pins duckdb below 2): names follow the layer, only staging reads sources, every model is
described and has a primary-key test, every mart column is documented."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PREFIXES = {"staging": ("stg_",), "intermediate": ("int_",),
            "marts": ("fct_", "dim_", "agg_")}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    target = tmp_path_factory.mktemp("dbt_target")
    env = {**os.environ, "PATHWAYS_BUILD_DB": str(target / "unused.duckdb")}
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "parse", "--project-dir",
                    str(ROOT), "--profiles-dir", str(ROOT), "--target-path", str(target),
                    "--quiet"], check=True, env=env)
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def _models(manifest: dict) -> list[dict]:
    return [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]


def _layer(node: dict) -> str:
    return node["original_file_path"].split("/")[2]  # dbt_project/models/<layer>/...


def test_names_follow_the_layer(manifest):
    wrong = [n["name"] for n in _models(manifest)
             if not n["name"].startswith(PREFIXES[_layer(n)])]
    assert wrong == []


def test_only_staging_reads_sources(manifest):
    wrong = [n["name"] for n in _models(manifest)
             if _layer(n) != "staging" and n["depends_on"]["nodes"]
             and any(d.startswith("source.") for d in n["depends_on"]["nodes"])]
    assert wrong == []


def test_every_model_is_described_and_has_a_primary_key_test(manifest):
    keyed = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        name = (node.get("test_metadata") or {}).get("name")
        if name in ("unique", "unique_combination_of_columns"):
            keyed.update(d for d in node["depends_on"]["nodes"] if d.startswith("model."))
    undescribed = [n["name"] for n in _models(manifest) if not n["description"].strip()]
    unkeyed = [n["name"] for n in _models(manifest) if n["unique_id"] not in keyed]
    assert undescribed == [] and unkeyed == []


def test_every_mart_column_is_documented(manifest):
    gaps = [f"{n['name']}.{c['name']}" for n in _models(manifest) if _layer(n) == "marts"
            for c in n["columns"].values() if not c["description"].strip()]
    assert gaps == []
    assert all(n["config"]["contract"]["enforced"] for n in _models(manifest)
               if _layer(n) == "marts")
