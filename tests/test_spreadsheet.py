"""CSV files opened in spreadsheets: no cell runs as a formula, and what is read back is
what was meant."""

from __future__ import annotations

import csv

from hypothesis import given
from hypothesis import strategies as st

from matching.review import import_review
from pathways.core.db import connect_build
from pathways.core.spreadsheet import from_spreadsheet_safe, spreadsheet_safe, write_safe_csv


@given(st.text())
def test_reading_back_a_protected_cell_gives_the_text_that_was_written(text):
    protected = spreadsheet_safe(text)
    assert from_spreadsheet_safe(protected) == text


@given(st.text())
def test_no_protected_cell_starts_like_a_formula(text):
    protected = spreadsheet_safe(text)
    assert not protected.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_written_file_holds_formulas_as_text_and_leaves_numbers_alone(tmp_path):
    out = tmp_path / "nested" / "out.csv"
    write_safe_csv(out, ["a", "b", "c"], [("=HYPERLINK(\"http://x\")", 3, None)])
    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [["a", "b", "c"], ["'=HYPERLINK(\"http://x\")", "3", ""]]


def test_a_review_decision_keeps_a_student_id_that_the_export_protected(tmp_path):
    build_db = tmp_path / "build" / "pathways_build.duckdb"
    review = tmp_path / "review.csv"
    write_safe_csv(review, ["institution_id", "student_id", "profile_id", "decision"],
                   [("northfield", "-00123", "@p-9", "yes")])
    result = import_review(build_db, review)
    assert result.errors == [] and result.imported == 1
    with connect_build(build_db, read_only=True) as con:
        stored = con.execute("select student_id, profile_id from ops.match_reviews").fetchall()
    assert stored == [("-00123", "@p-9")]
