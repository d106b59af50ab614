import json

import pytest
from pydantic import ValidationError

from ingestion.imports import parse_import
from ingestion.textfiles import FileRefused
from pathways.core.config import ImportSource, load_imports
from pathways.core.settings import Settings


def test_shipped_sources_are_valid():
    names = [s.name for s in load_imports(Settings.from_env().imports_file).imports]
    assert names == ["first_destination_survey", "employer_verification"]


def test_rows_are_kept_unchanged_and_bad_rows_quarantined(tmp_path):
    source = load_imports(Settings.from_env().imports_file).get("first_destination_survey")
    header = ",".join(f'"{h}"' for h in source.required_headers)
    path = tmp_path / "fds.csv"
    row = dict.fromkeys(source.required_headers, "")
    row.update({"Student ID": "00123", "Outcome": "Employed full-time",
                "Survey Status": "Complete", "Employer Name": "Zoë & Co, Ltd."})
    good = ",".join(f'"{row[h]}"' for h in source.required_headers)
    no_id = good.replace('"00123"', '""', 1)
    path.write_text(f"{header}\n{good}\n{no_id}\n00124,short\n", encoding="utf-8")
    parsed = parse_import(path, source)
    assert (parsed.rows_read, parsed.table.num_rows) == (3, 1)
    assert json.loads(parsed.table.column("_raw")[0].as_py()) == row
    assert [(q.row, q.reason) for q in parsed.quarantined] == [
        (2, "Student ID is empty"), (3, "2 fields, expected 12")]


def test_a_file_missing_a_configured_header_is_refused(tmp_path):
    source = load_imports(Settings.from_env().imports_file).get("employer_verification")
    path = tmp_path / "v.csv"
    path.write_text("EMAIL_ADDR,EMPLOYER\na@b.c,X\n", encoding="utf-8")
    with pytest.raises(FileRefused, match="required column missing for employer_verification: "
                                          "STATUS, JOB_TITLE, HIRE_DT, TERM_DT, VERIFIED_DT"):
        parse_import(path, source)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"name": "s", "links_by": "email", "columns": {"student_id": "ID"}},
         "links_by email has no column mapped"),
        ({"name": "s", "links_by": "email", "columns": {"email": "E", "wage": "W"}},
         "unknown conformed fields"),
        ({"name": "s", "links_by": "email", "columns": {"email": "E", "outcome": "O"},
          "values": {"outcome": {"Hired": "hired"}}}, "unknown outcomes"),
    ],
)
def test_invalid_import_configuration_is_rejected(source, message):
    with pytest.raises(ValidationError, match=message):
        ImportSource.model_validate(source)
