"""The awkward-file corpus (tests/fixtures/files, made by make_fixtures.py): exact counts,
exact decoded text and exact messages, through the real ingest path into a warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from support import ingest_one

from ingestion.runner import Ingestor, LandingFile
from pathways.core.config import load_config, load_imports
from pathways.core.settings import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FILES = FIXTURES / "files"


@pytest.fixture
def ingest(warehouse):
    config = load_config(FIXTURES / "institutions.yml")
    with Ingestor(warehouse, config, load_imports(Settings.from_env().imports_file)) as ingestor:
        ingestor.load_reference()

        def run(name: str, institution: str | None = "fixture_csv", kind: str = "roster",
                many: bool = False):
            if many:  # every result of one landing file (an archive has one per member)
                return ingestor.ingest_many([LandingFile(FILES / name, kind, institution)])
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


# -- Files as registrars' systems really send them (issue 15) ----------------------------

def _result(result):
    return (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined)


NAMES = [("000101", "José", "Núñez"), ("000102", "Zoë", "O’Brien"), ("000103", "Renée", "Peña")]


def test_a_windows_1252_file_sent_to_a_utf8_institution_loads_with_the_change_to_make(ingest):
    run, con = ingest
    result = run("strict_windows1252.csv", "fixture_strict")
    assert _result(result) == ("loaded", 3, 3, 0)
    assert result.warnings == [
        "the file is not UTF-8 as configured (line 2 holds a byte UTF-8 does not use); it was "
        "read as Windows-1252 (cp1252). If this institution's files are always Windows-1252 "
        "(cp1252), set encoding: cp1252 under its roster in config/institutions.yml."]
    assert _raw(con, "strict_windows1252.csv") == NAMES
    assert con.execute("select encoding, message from ops.file_ledger").fetchall() == [
        ("cp1252", result.warnings[0])]


def test_a_semicolon_file_with_a_bom_sent_to_a_comma_institution_loads_with_a_warning(ingest):
    run, con = ingest
    result = run("strict_semicolon_bom.csv", "fixture_strict")
    assert _result(result) == ("loaded", 3, 3, 0)
    assert result.warnings == [
        "the file is separated by semicolons, not by commas as configured; it was read with "
        "semicolons. If this institution's files always are, set delimiter: \";\" under its "
        "roster in config/institutions.yml."]
    assert _raw(con, "strict_semicolon_bom.csv") == NAMES


def test_a_utf16_tab_file_sent_to_a_utf8_comma_institution_names_both_differences(ingest):
    run, con = ingest
    result = run("strict_utf16_tab.txt", "fixture_strict")
    assert _result(result) == ("loaded", 3, 3, 0)
    assert result.warnings == [
        "the file is UTF-16 (it starts with a byte-order mark), not UTF-8 as configured; it "
        "was read as UTF-16. If this institution's files are always UTF-16, set encoding: "
        "utf-16 under its roster in config/institutions.yml.",
        "the file is separated by tabs, not by commas as configured; it was read with tabs. "
        "If this institution's files always are, set delimiter: \"\\t\" under its roster in "
        "config/institutions.yml."]
    assert _raw(con, "strict_utf16_tab.txt") == NAMES


def test_the_header_is_found_below_a_title_and_a_total_line_is_not_a_person(ingest):
    run, con = ingest
    result = run("titled_report.csv")
    assert _result(result) == ("loaded", 3, 3, 0)
    assert result.warnings == [
        "the header is line 4: the 3 lines above it (a title, run date or blank lines) were "
        "not loaded",
        "line 9 ('Total records: 3') is a summary line below the data, not a person: not "
        "loaded"]
    assert _raw(con, "titled_report.csv") == NAMES


def test_one_name_column_is_split_in_both_orders_with_suffixes_and_kept_as_sent(ingest):
    run, con = ingest
    result = run("single_name.csv")
    assert _result(result) == ("loaded", 5, 4, 1)
    assert result.errors == [
        "row 5 (line 6): name 'Cher' could not be split into a first and a last name: write "
        "it \"Last, First Middle\", or send first_name and last_name columns"]
    assert _raw(con, "single_name.csv",
                "first_name, middle_name, last_name, suffix, full_name") == [
        ("José", "A.", "Núñez", None, "Núñez, José A."),
        ("Ann", "Marie", "Lee", None, "Ann Marie Lee"),
        ("Martin", "Luther", "King", "Jr.", "King, Martin Luther, Jr."),
        ("Henry", None, "Ford", "III", "Henry Ford III")]


def test_a_banner_export_with_its_own_field_names_and_oracle_dates_loads_every_row(ingest):
    run, con = ingest
    result = run("banner_export.txt")
    assert _result(result) == ("loaded", 5, 5, 0)
    assert result.warnings == []
    assert _raw(con, "banner_export.txt",
                "student_id, date_of_birth, _date_of_birth_iso, _graduation_date_iso") == [
        ("00301", "03-FEB-99", "1999-02-03", "2021-05-15"),
        ("00302", "28-AUG-65", "1965-08-28", "2021-05-15"),
        ("00303", "01-JAN-00", "2000-01-01", "2020-12-18"),
        ("00304", "30-SEP-98", "1998-09-30", "2021-05-15"),
        ("00305", "12-MAR-01", "2001-03-12", "2022-05-14")]


def test_dates_as_information_systems_write_them_are_read_and_kept_as_sent(ingest):
    run, con = ingest
    assert _result(run("sis_dates.csv")) == ("loaded", 6, 6, 0)
    assert _raw(con, "sis_dates.csv", "graduation_date, _graduation_date_iso, "
                                      "date_of_birth, _date_of_birth_iso") == [
        ("2021-05-15T00:00:00Z", "2021-05-15", "1999-02-03 00:00:00", "1999-02-03"),
        ("May 15, 2021", "2021-05-15", "February 3, 1999", "1999-02-03"),
        ("2021/05/15", "2021-05-15", "1999/02/03", "1999-02-03"),
        ("15-May-2021", "2021-05-15", "03-FEB-99", "1999-02-03"),
        ("5/15/2021 12:00:00 AM", "2021-05-15", "2/3/1999 12:00:00 AM", "1999-02-03"),
        ("Sept. 5 2021", "2021-09-05", "2/3/49", "2049-02-03")]  # the pivot is at 50


def test_a_day_first_file_is_read_day_first_and_a_contradicting_date_quarantined(ingest):
    run, con = ingest
    result = run("day_first.csv")
    assert _result(result) == ("loaded", 4, 3, 1)
    assert result.warnings == [
        "dates are day/month/year (line 2: '25/05/2021'); the file was read that way; the 1 "
        "date written month first contradicts it: its row is quarantined"]
    assert result.errors == ["row 4 (line 5): graduation_date '05/25/2021' is not a date in "
                             "this file's day/month/year order"]
    assert _raw(con, "day_first.csv", "graduation_date, _graduation_date_iso") == [
        ("25/05/2021", "2021-05-25"), ("03/02/2021", "2021-02-03"),
        ("15.12.2020", "2020-12-15")]


def test_double_encoded_text_is_repaired_counted_and_reported(ingest):
    run, con = ingest
    result = run("mojibake.csv")
    assert _result(result) == ("loaded", 3, 3, 0)
    assert result.warnings == [
        "repaired double-encoded text (UTF-8 read as Windows-1252 and saved again, so that "
        "'é' showed as 'Ã©') in 2 rows (lines 2, 3): ask for the file to be exported once, "
        "as UTF-8"]
    assert _raw(con, "mojibake.csv", "first_name, last_name") == [
        ("José", "Núñez"), ("Zoë", "Lee"), ("Renée", "O’Brien")]


def test_a_300000_character_value_and_a_nul_byte_quarantine_only_their_rows(ingest):
    run, con = ingest
    oversized = run("oversized_field.csv")
    assert _result(oversized) == ("loaded", 3, 2, 1)
    assert oversized.errors == ["row 2 (line 3): program_name is 300,000 characters long, "
                                "more than the 10,000 a value may have"]
    nul = run("nul_byte.csv")
    assert _result(nul) == ("loaded", 2, 1, 1)
    assert nul.errors == [
        "row 2 (line 3): the row holds a NUL byte (an invisible binary character), a sign the "
        "file was damaged or saved in another encoding: remove it and send the row again"]
    [(raw,)] = con.execute("select raw_text from ops.quarantine "
                           "where file like '%oversized_field.csv'").fetchall()
    assert raw.startswith("000702,Bo,Bay,") and raw.endswith("[cut: 300,048 characters in all]")
    assert len(raw) < 2_100


def test_a_workbook_with_a_title_row_keeps_zero_padded_ids_and_reads_date_cells(ingest):
    run, con = ingest
    result = run("titled_workbook.xlsx")
    assert _result(result) == ("loaded", 2, 2, 0)
    assert result.warnings == [
        "the header is line 3: the 2 lines above it (a title, run date or blank lines) were "
        "not loaded",
        "line 6 ('Total: 2') is a summary line below the data, not a person: not loaded"]
    assert _raw(con, "titled_workbook.xlsx",
                "student_id, program_cip, graduation_date, postal_code") == [
        ("000901", "11.0701", "2021-05-15", "02138"), ("000902", "11.0701", "2022-12-15",
                                                      "02139")]


def test_each_member_of_a_zip_is_a_file_of_its_own_and_gzip_is_read(ingest, warehouse):
    run, con = ingest
    results = run("graduates_2022.zip", many=True)
    assert [(r.file.removeprefix(f"{FILES}/"), *_result(r)) for r in results] == [
        ("graduates_2022.zip!graduates_2022_spring.csv", "loaded", 2, 2, 0),
        ("graduates_2022.zip!fall/graduates_2022_fall.csv", "loaded", 1, 1, 0)]
    ledger = con.execute("select file, status, submission_key from ops.file_ledger "
                         "order by file").fetchall()
    assert [(f.removeprefix(f"{FILES}/"), s, k) for f, s, k in ledger] == [
        ("graduates_2022.zip!fall/graduates_2022_fall.csv", "loaded", "graduates_2022_fall"),
        ("graduates_2022.zip!graduates_2022_spring.csv", "loaded", "graduates_2022_spring")]
    again = run("graduates_2022.zip", many=True)
    assert [r.status for r in again] == ["skipped", "skipped"]
    assert _result(run("graduates_2023.csv.gz")) == ("loaded", 1, 1, 0)
    assert _raw(con, "graduates_2023.csv.gz") == [("000921", "Dee", "Dunn")]
    # Members were unpacked inside the build area's folder, and the copies are gone.
    unpacked = warehouse.parent / "unpack"
    assert unpacked.is_dir() and not list(unpacked.iterdir())


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("escaping.zip", "roster",
         "escaping.zip: archive member '../../fixture_map/roster/planted.csv' would be placed "
         "outside the folder (its name starts at the root or holds '..'): nothing of the "
         "archive was loaded; send a .zip of plain file names"),
        ("bomb.csv.gz", "roster",
         "bomb.csv.gz: the compressed file expands to more than 4,873,400 bytes from 48,734 "
         "(at most 100 times its size beyond 1,048,576 bytes, and 4,294,967,296 bytes in "
         "all): nothing of it was loaded; send the file uncompressed, or split it"),
        ("bomb.zip", "roster",
         "bomb.zip: archive member 'graduates.csv' expands to more than 4,871,600 bytes from "
         "48,716"),
        ("bomb.jsonl.gz", "profiles",
         "bomb.jsonl.gz: the compressed file expands to more than 4,866,400 bytes from 48,664"),
        ("legacy.xls", "roster",
         "legacy.xls: is an Excel 97-2003 workbook (.xls), which Pathways does not read: save "
         "it as an Excel workbook (.xlsx) or as CSV UTF-8 and send it again"),
    ],
)
def test_archives_that_escape_or_expand_past_the_limit_are_refused_whole(ingest, name, kind,
                                                                         message):
    run, con = ingest
    result = run(name, None if kind == "profiles" else "fixture_csv", kind)
    assert _result(result) == ("refused", 0, 0, 0)
    assert message in result.errors[0]
    assert con.execute("select count(*) from ops.file_ledger where status = 'refused'"
                       ).fetchall() == [(1,)]
    assert not con.execute("select count(*) from ops.quarantine").fetchall()[0][0]
    tables = {r[0] for r in con.execute("select table_name from information_schema.tables "
                                        "where table_schema = 'raw'").fetchall()}
    assert not ({"rosters", "profiles"} & tables) or con.execute(
        "select count(*) from raw.rosters").fetchall() == [(0,)]
