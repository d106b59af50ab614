import shutil

import duckdb
import pytest
from support import files_naming, ingest_one

from ingestion.runner import Ingestor, discover
from pathways.core.config import load_imports
from pathways.core.settings import Settings
from pathways.generate import generate


@pytest.fixture(scope="module")
def landing(tmp_path_factory, config):
    out = tmp_path_factory.mktemp("landing")
    generate(out, config.institutions[:4], n_alumni=400, n_profiles=3000, seed=3)
    return out


def _imports():
    return load_imports(Settings.from_env().imports_file)


def _count(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()[0][0]
    finally:
        con.close()


def test_every_landing_file_is_loaded_once(landing, warehouse, config):
    files = discover(landing)
    kinds = sorted({f.kind for f in files})
    assert kinds == ["import:employer_verification", "import:first_destination_survey", "nsc",
                     "profiles", "roster"]
    assert not any("_truth" in str(f.path) for f in files)
    with Ingestor(warehouse, config, _imports()) as ingestor:
        ingestor.load_reference()
        first = ingestor.ingest_many(files)
        second = ingestor.ingest_many(files)
    assert all(r.status == "loaded" for r in first)
    assert all(r.rows_read == r.rows_loaded + r.rows_quarantined for r in first)
    assert all(r.status == "skipped" and r.rows_loaded == 0 for r in second)
    rosters = sum(r.rows_loaded for r in first if r.kind == "roster")
    assert rosters == 400
    assert _count(warehouse, "select count(*) from raw.rosters") == 400
    assert _count(warehouse, "select count(*) from raw.profiles") == 3000
    assert _count(warehouse, "select count(*) from ops.file_ledger where status = 'loaded'") == len(
        files)
    # Identifiers and ZIP codes stay text with their leading zeros.
    assert _count(warehouse, "select count(*) from raw.rosters where student_id like '0%'") > 0
    assert _count(warehouse, "select count(*) from raw.rosters "
                             "where postal_code like '0%' and length(postal_code) = 5") > 0
    # Every row knows where it came from.
    assert _count(warehouse, "select count(*) from raw.rosters "
                             "where _source_file is null or _source_row is null") == 0
    assert _count(warehouse, "select count(*) from raw.institutions") == len(config.institutions)


def test_renamed_copy_is_recognised_by_content(landing, warehouse, config, tmp_path):
    roster = next(f for f in discover(landing) if f.kind == "roster")
    copy = tmp_path / "renamed.csv"
    shutil.copy(roster.path, copy)
    with Ingestor(warehouse, config, _imports()) as ingestor:
        assert ingest_one(ingestor, roster.path, "roster", roster.institution_id).status == "loaded"
        again = ingest_one(ingestor, copy, "roster", roster.institution_id)
    assert again.status == "skipped"
    assert str(roster.path) in again.warnings[0]


def test_refused_and_quarantined_files_are_recorded(warehouse, config, tmp_path):
    refused = tmp_path / "refused.csv"
    refused.write_text("student_id,first_name\r\n1,Ann\r\n", encoding="utf-8")
    mixed = tmp_path / "mixed.csv"
    header = ("student_id,first_name,last_name,program_cip,degree_level,graduation_date")
    mixed.write_text(f"{header}\r\n001,Ann,Lee,11.0701,BS,2020-05-15\r\n002,Bo\r\n",
                     encoding="utf-8")
    with Ingestor(warehouse, config, _imports()) as ingestor:
        bad = ingest_one(ingestor, refused, "roster", "northfield")
        ok = ingest_one(ingestor, mixed, "roster", "northfield")
        unknown = ingest_one(ingestor, mixed, "roster", "atlantis")
        no_institution = ingest_one(ingestor, mixed, "roster", None)
    assert bad.status == "refused"
    assert "required column missing: last_name, program_cip" in bad.errors[0]
    assert (ok.status, ok.rows_read, ok.rows_loaded, ok.rows_quarantined) == ("loaded", 2, 1, 1)
    assert ok.errors == ["row 2 (line 3): 2 fields, expected 6"]
    assert unknown.status == "refused" and "unknown institution 'atlantis'" in unknown.errors[0]
    assert no_institution.status == "refused" and "--institution is required" in (
        no_institution.errors[0])
    assert _count(warehouse, "select count(*) from ops.quarantine where raw_text = '002,Bo' "
                             "and reason = '2 fields, expected 6' and source_row = 2") == 1
    assert _count(warehouse, "select count(*) from ops.file_ledger where status = 'refused'") == 1


def test_ingest_sends_no_telemetry(landing, config, tmp_path):
    from dlt.common.runtime import anon_tracker

    roster = next(f for f in discover(landing) if f.kind == "roster")
    with Ingestor(tmp_path / "w.duckdb", config, _imports()) as ingestor:
        assert ingest_one(ingestor, roster.path, "roster", roster.institution_id).status == "loaded"
    # dlt's anonymous tracker was never started: no endpoint, no thread posting events.
    assert anon_tracker._ANON_TRACKER_ENDPOINT is None
    assert anon_tracker._THREAD_POOL is None


def test_dlt_keeps_no_copy_of_the_rows_it_loads_outside_the_build_area(landing, warehouse,
                                                                       config):
    files = [f for f in discover(landing) if f.kind in ("roster", "nsc")]
    with Ingestor(warehouse, config, _imports()) as ingestor:
        ingestor.load_reference()
        assert all(r.status == "loaded" for r in ingestor.ingest_many(files))
        working = ingestor.pipeline.working_dir
    con = duckdb.connect(str(warehouse), read_only=True)
    emails = [r[0] for r in con.execute("select email from raw.rosters where email like '%@%' "
                                        "limit 50").fetchall()]
    con.close()
    assert len(emails) == 50
    # dlt works inside the restricted build area, owner-only, and keeps no rows there.
    dlt_dir = warehouse.parent / "dlt"
    assert str(working).startswith(str(dlt_dir))
    assert oct(dlt_dir.stat().st_mode & 0o777) == "0o700"
    assert files_naming(dlt_dir, emails) == []
    assert not [p for p in dlt_dir.rglob("*") if p.is_file() and "_jobs" in p.parent.name]


def test_a_load_package_a_killed_ingest_left_behind_is_discarded_not_loaded(warehouse, config):
    import dlt

    ingestor = Ingestor(warehouse, config, _imports())
    ingestor.load_reference()

    @dlt.resource(name="rosters", write_disposition="append")
    def stray():
        yield {"institution_id": "northfield", "student_id": "00777777",
               "email": "stray.person@example.org"}

    ingestor.pipeline.extract(stray())
    ingestor.pipeline.normalize()  # the process dies here, before the load
    assert files_naming(warehouse.parent / "dlt", ["stray.person@example.org"])
    ingestor.con.close()
    ingestor._lock.close()  # what the kernel does for a killed process
    with Ingestor(warehouse, config, _imports()) as again:
        again.load_reference()
    assert files_naming(warehouse.parent / "dlt", ["stray.person@example.org"]) == []
    # Nothing of the stray package reached raw (the table was never even created).
    assert _count(warehouse, "select count(*) from duckdb_tables() "
                             "where schema_name = 'raw' and table_name = 'rosters'") == 0
