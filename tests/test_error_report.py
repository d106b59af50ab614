"""`pathways report errors` right after `pathways ingest` (no build yet), and a report that is
safe to open in a spreadsheet (OWASP CSV injection)."""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import pytest
from support import run_pathways

from pathways.core.spreadsheet import spreadsheet_safe

ROOT = Path(__file__).resolve().parent.parent
FILES = ROOT / "tests" / "fixtures" / "files"


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "PATHWAYS_WAREHOUSE": str(tmp_path / "wh.duckdb"),
            "PATHWAYS_CONFIG": str(ROOT / "tests" / "fixtures" / "institutions.yml"),
            "PATHWAYS_IMPORTS": str(ROOT / "config" / "imports.yml"), "COLUMNS": "200"}


def test_the_error_report_works_right_after_ingest_and_says_validation_is_not_in_it(
        tmp_path, env):
    folder = tmp_path / "landing" / "fixture_csv" / "roster"
    folder.mkdir(parents=True)
    for name in ("formulas.csv", "legacy.xls", "bad_rows.csv"):
        shutil.copy(FILES / name, folder / name)
    ingested = run_pathways(["ingest", "--landing", str(tmp_path / "landing")], env, tmp_path)
    assert ingested.returncode == 1  # legacy.xls was refused
    assert "Traceback" not in ingested.stderr
    out = tmp_path / "errors.csv"
    result = run_pathways(["report", "errors", "--institution", "fixture_csv", "--out",
                           str(out)], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote 9 problems for fixture_csv" in result.stdout
    assert ("note: validation of loaded values (CIP codes, states, degree levels, survey "
            "outcomes) is listed once a build has run (pathways refresh); none has yet"
            ) in " ".join(result.stdout.split())
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["institution_id", "file", "row", "line", "field", "value",
                             "problem", "raw_text"]
    assert [(Path(r["file"]).name, r["row"], r["line"], r["problem"], r["raw_text"])
            for r in rows] == [
        ("bad_rows.csv", "2", "3", "3 fields, expected 7", "000702,Hal,Bay"),
        ("bad_rows.csv", "3", "4", "graduation_date '31/02/1999' is not a date",
         "000703,Ida,Cox,11.0701,Bachelor,31/02/1999,02138"),
        ("bad_rows.csv", "4", "5", "student_id is empty",
         ",Jo,Dee,11.0701,Bachelor,2021-05-15,02138"),
        ("bad_rows.csv", "5", "6", "8 fields, expected 7",
         "000705,Kim,Eng,11.0701,Bachelor,2021-05-15,02138,extra"),
        # Cells a spreadsheet would run as formulas are neutralised.
        ("formulas.csv", "2", "3", "2 fields, expected 7",
         "'=HYPERLINK(\"http://example.com/x\",\"open\")"),
        ("formulas.csv", "3", "4", "1 fields, expected 7", "'+1+2"),
        ("formulas.csv", "4", "5", "1 fields, expected 7", "'-3+4"),
        ("formulas.csv", "5", "6", "1 fields, expected 7", "'@SUM(1;2)"),
        ("legacy.xls", "", "",
         "file refused: is an Excel 97-2003 workbook (.xls), which Pathways does not read: "
         "save it as an Excel workbook (.xlsx) or as CSV UTF-8 and send it again", ""),
    ]


def test_the_error_report_before_anything_was_ingested_says_so_in_one_line(tmp_path, env):
    result = run_pathways(["report", "errors", "--institution", "fixture_csv", "--out",
                           str(tmp_path / "e.csv")], env, tmp_path)
    assert result.returncode == 1
    assert "nothing has been ingested yet" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("value", "safe"), [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("  =1", "'  =1"), ("＝1", "'＝1"),
    ("Ann", "Ann"), ("a=b", "a=b"), ("", ""), (None, None), (3, 3), (-3, -3),
])
def test_cells_that_would_start_a_formula_are_neutralised(value, safe):
    assert spreadsheet_safe(value) == safe


def test_ingest_prints_file_names_and_headers_that_look_like_markup_as_they_are(tmp_path, env):
    odd = tmp_path / "odd[red].csv"
    odd.write_text("student_id,[/red] name\r\n1,Ann\r\n", encoding="utf-8")
    result = run_pathways(["ingest", str(odd), "--kind", "roster", "--institution",
                           "fixture_csv"], env, tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    printed = " ".join((result.stdout + result.stderr).split())
    assert "odd[red].csv" in printed and "headers found: student_id, [/red] name" in printed
