"""The awkward-file corpus (tests/fixtures/files, made by make_fixtures.py): exact counts,
exact decoded text and exact messages, through the real ingest path into a warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import ingest_one

from ingestion.runner import Ingestor
from pathways.core.config import load_config, load_imports
from pathways.core.settings import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FILES = FIXTURES / "files"


@pytest.fixture
def ingest(warehouse):
    config = load_config(FIXTURES / "institutions.yml")
    with Ingestor(warehouse, config, load_imports(Settings.from_env().imports_file)) as ingestor:
        ingestor.load_reference()

        def run(name: str, institution: str = "fixture_csv", kind: str = "roster"):
            return ingest_one(ingestor, FILES / name, kind, institution)

        yield run, ingestor.con


def _raw(con, name, columns="student_id, first_name, last_name"):
    return con.execute(f"select {columns} from raw.rosters where _source_file like ? "
                       "order by _source_row", [f"%/{name}"]).fetchall()


@pytest.mark.parametrize("name", ["utf8_bom.csv", "excel_unicode_text.txt"])
def test_unicode_files_arrive_intact(ingest, name):
    run, con = ingest
    result = run(name)
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded", 4, 4, 0)
    assert _raw(con, name) == [("000101", "José", "Muñoz"), ("000102", "Zoë", "O’Brien"),
                               ("000103", "Nguyễn", "Thị Lan"), ("000104", "Renée", "D’Angelo")]


def test_windows_1252_is_detected(ingest):
    run, con = ingest
    assert run("windows1252.csv").rows_loaded == 3
    assert _raw(con, "windows1252.csv") == [("000101", "José", "Muñoz"),
                                            ("000102", "Zoë", "O’Brien"),
                                            ("000104", "Renée", "D’Angelo")]
    assert con.execute("select encoding from ops.file_ledger where file like '%windows1252.csv'"
                       ).fetchall() == [("cp1252",)]


def test_semicolons_quotes_and_embedded_newlines(ingest):
    run, con = ingest
    result = run("semicolon_quoted.csv")
    assert (result.rows_read, result.rows_loaded) == (3, 3)
    assert _raw(con, "semicolon_quoted.csv", "first_name, last_name, graduation_date") == [
        ("Ann; Marie", "Lee", "2021-05-15"), ("Bo", "Wu\r\nJr", "20210515"),
        ("Cy", "Ng", "44331")]


def test_pipe_and_fixed_width(ingest):
    run, con = ingest
    assert run("pipe.txt").rows_loaded == 1
    fixed = run("fixed_width.txt", "fixture_fixed")
    assert (fixed.rows_read, fixed.rows_loaded, fixed.rows_quarantined) == (2, 1, 1)
    assert fixed.errors == ["row 2 (line 2): line is 11 characters; the layout needs at least 50"]
    assert _raw(con, "fixed_width.txt", "student_id, first_name, last_name, graduation_date") == [
        ("000401", "Zoë", "Ngo", "20210515")]


def test_xlsx_cells_are_read_as_text(ingest):
    run, con = ingest
    result = run("roster.xlsx")
    assert (result.status, result.rows_read, result.rows_loaded) == ("loaded", 2, 2)
    assert _raw(con, "roster.xlsx", "student_id, postal_code, program_cip, graduation_date") == [
        ("001001", "02138", "11.0701", "2021-05-15"), ("1002", "2139", "11.0701", "2022-12-15")]


def test_headers_are_matched_loosely_and_extra_columns_kept(ingest):
    run, con = ingest
    result = run("messy_headers.csv")
    assert result.status == "loaded" and result.rows_loaded == 1
    assert result.warnings == ["unexpected columns kept in raw._extra_columns: Favorite Color"]
    assert _raw(con, "messy_headers.csv",
                "student_id, first_name, last_name, postal_code, _extra_columns") == [
        ("501", "Eve", "Stone", "2138", '{"Favorite Color": "green"}')]
    mapped = run("column_map.csv", "fixture_map")
    assert mapped.rows_loaded == 1
    assert _raw(con, "column_map.csv", "student_id, degree_level") == [("000601", "Bachelor")]


def test_bad_rows_are_quarantined_with_plain_reasons(ingest):
    run, con = ingest
    result = run("bad_rows.csv")
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded", 5, 1, 4)
    assert con.execute("select source_row, raw_text, reason from ops.quarantine "
                       "order by source_row").fetchall() == [
        (2, "000702,Hal,Bay", "3 fields, expected 7"),
        (3, "000703,Ida,Cox,11.0701,Bachelor,31/02/1999,02138",
         "graduation_date '31/02/1999' is not a date"),
        (4, ",Jo,Dee,11.0701,Bachelor,2021-05-15,02138", "student_id is empty"),
        (5, "000705,Kim,Eng,11.0701,Bachelor,2021-05-15,02138,extra", "8 fields, expected 7"),
    ]


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("empty.csv", "roster", "empty.csv: the file is empty"),
        ("header_only.csv", "roster", "header_only.csv: the file has a header but no data rows"),
        ("missing_column.csv", "roster", "required column missing: graduation_date"),
        ("renamed_column.csv", "roster", "required column missing: graduation_date"),
        ("broken.jsonl.gz", "profiles", "broken.jsonl.gz: unreadable archive"),
    ],
)
def test_unusable_files_are_refused_whole(ingest, name, kind, message):
    run, con = ingest
    result = run(name, None if kind == "profiles" else "fixture_csv", kind)
    assert result.status == "refused" and result.rows_loaded == 0
    assert message in result.errors[0]
    assert con.execute("select status from ops.file_ledger where file like ?",
                       [f"%/{name}"]).fetchall() == [("refused",)]


def test_corrected_resubmission_supersedes_and_same_content_adds_nothing(ingest):
    run, con = ingest
    first = run("graduates_2021.csv")
    again = run("graduates_2021.csv")
    corrected = run("graduates_2021_corrected.csv")
    assert (first.status, again.status, corrected.status) == ("loaded", "skipped", "loaded")
    ledger = con.execute("select file, status, submission_key, superseded_by is not null "
                         "from ops.file_ledger order by ingested_at").fetchall()
    assert [(Path(f).name, s, k, b) for f, s, k, b in ledger] == [
        ("graduates_2021.csv", "superseded", "graduates_2021", True),
        ("graduates_2021_corrected.csv", "loaded", "graduates_2021", False),
    ]
    assert con.execute("select count(*) from raw.rosters").fetchall()[0][0] == 3  # raw keeps all
