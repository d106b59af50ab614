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

from pathways.warehouse.changes import EVERY_REFRESH_TAG, source_tables

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


def test_models_stamped_with_the_refresh_run_on_every_refresh(manifest):
    """A refresh rebuilds only what descends from a changed source
    (pathways.warehouse.changes), plus models tagged every_refresh: any model whose rows
    depend on the refresh itself (its id, the clock) must carry the tag, or a refresh
    without new data would skip it."""
    clock = ("current_refresh_id(", "current_timestamp", "current_date", "now()",
             "get_current_time")
    untagged = [n["name"] for n in _models(manifest)
                if any(word in n["raw_code"].lower() for word in clock)
                and EVERY_REFRESH_TAG not in n["tags"]]
    tagged = [n["name"] for n in _models(manifest) if EVERY_REFRESH_TAG in n["tags"]]
    assert untagged == []
    assert sorted(tagged) == ["agg_match_quality", "agg_outcomes_history"]


def test_every_source_is_known_to_the_change_detection(manifest):
    declared = {f"{s['source_name']}.{s['name']}": (s["schema"], s["identifier"])
                for s in manifest["sources"].values()}
    found = {t.label: (t.schema, t.identifier) for t in source_tables(ROOT)}
    assert found == declared


def test_warnings_keep_their_rows_and_errors_store_none_while_passing(manifest):
    """Warn-severity tests are for people to review: their failing rows are always stored
    in schema audit. Error-severity tests store nothing on a passing build; a failing one
    is rerun with --store-failures by the refresh (pathways.warehouse.refresh)."""
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    warn = {n["name"] for n in tests if n["config"]["severity"].lower() == "warn"}
    storing = {n["name"] for n in tests if n["config"]["store_failures"]}
    assert len(warn) >= 4
    assert storing == warn
    assert {n["config"]["schema"] for n in tests} == {"audit"}


def test_every_validation_test_runs_on_an_incremental_refresh(manifest, tmp_path):
    """Warn-severity tests (unknown CIP codes, states, degree levels, unmapped survey
    answers) run on every refresh, even one where no source changed, so every refresh
    reports every open problem as a full rebuild does; excluding seeds by name once
    dropped the two that read a seed."""
    from pathways.warehouse.changes import incremental_build_arguments

    warn = {n["name"] for n in manifest["nodes"].values()
            if n["resource_type"] == "test" and n["config"]["severity"].lower() == "warn"}
    env = {**os.environ, "PATHWAYS_BUILD_DB": str(tmp_path / "unused.duckdb")}
    # No source changed: the smallest selection an incremental refresh makes.
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "dbt"), "ls", "--quiet", "--project-dir",
         str(ROOT), "--profiles-dir", str(ROOT), "--target-path", str(tmp_path),
         "--resource-type", "test", "--output", "name", *incremental_build_arguments([])],
        check=True, env=env, capture_output=True, text=True).stdout.split()
    assert len(warn) >= 4 and warn <= set(listed), warn - set(listed)


def test_a_mart_without_institution_id_is_built_from_reference_data_only(manifest):
    """Publishing keeps a held-back institution's rows apart by institution_id; a mart
    without that column is published whole from the new build, so it must describe no
    institution: every model it descends from reads seeds or reference files only."""
    nodes = {**manifest["nodes"], **manifest["sources"]}
    reference_sources = {s["unique_id"] for s in manifest["sources"].values()
                         if s["source_name"] == "reference"}

    def institution_free(unique_id: str) -> bool:
        node = nodes[unique_id]
        if node["resource_type"] == "seed" or unique_id in reference_sources:
            return True
        if node["resource_type"] == "source":
            return False
        return all(institution_free(p) for p in node["depends_on"]["nodes"])

    without = [n for n in _models(manifest) if _layer(n) == "marts"
               and "institution_id" not in n["columns"]]
    assert [n["name"] for n in without if not institution_free(n["unique_id"])] == []
