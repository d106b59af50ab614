from pathlib import Path

import pytest

from ingestion.dates import parse_date
from ingestion.rosters import parse_roster
from ingestion.textfiles import FileRefused
from pathways.core.config import STANDARD_ROSTER_COLUMNS, Institution

HEADER = ",".join(STANDARD_ROSTER_COLUMNS)


def _row(**overrides: str) -> str:
    values = {
        "student_id": "000123", "first_name": "José", "middle_name": "", "last_name": "O’Brien",
        "former_last_name": "", "suffix": "", "date_of_birth": "1999-02-03",
        "email": "j@example.com", "phone": "", "street_address": "1 Main St", "city": "Boston",
        "state": "MA", "postal_code": "02138", "program_cip": "11.0701",
        "program_name": "Computer Science", "degree_level": "Bachelor",
        "graduation_date": "05/15/2021",
    }
    values.update(overrides)
    return ",".join(values[c] for c in STANDARD_ROSTER_COLUMNS)


@pytest.fixture
def csv_institution() -> Institution:
    return Institution(id="demo", name="Demo U", unitid="123456",
                       roster={"format": "delimited", "delimiter": ",", "encoding": "utf-8"})


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path


def test_rows_are_loaded_as_text_with_leading_zeros(tmp_path, csv_institution):
    parsed = parse_roster(_write(tmp_path, HEADER, _row()), csv_institution)
    row = parsed.table.to_pylist()[0]
    assert row["student_id"] == "000123"
    assert row["postal_code"] == "02138"
    assert row["first_name"] == "José" and row["last_name"] == "O’Brien"
    assert row["middle_name"] is None
    assert row["_source_row"] == 1
    assert parsed.rows_read == 1 and not parsed.quarantined


def test_bad_rows_are_quarantined_with_reasons(tmp_path, csv_institution):
    path = _write(
        tmp_path, HEADER, _row(), "000124,Ann,Lee", _row(date_of_birth="31/02/1999"),
        _row(student_id=""), _row(graduation_date="2021-02-30"),
    )
    parsed = parse_roster(path, csv_institution)
    assert parsed.rows_read == 5
    assert parsed.table.num_rows == 1
    assert [(q.row, q.reason) for q in parsed.quarantined] == [
        (2, "3 fields, expected 17"),
        (3, "date_of_birth '31/02/1999' is not a date"),
        (4, "student_id is empty"),
        (5, "graduation_date '2021-02-30' is not a date"),
    ]
    assert parsed.quarantined[0].raw == "000124,Ann,Lee"
    assert parsed.rows_read == parsed.table.num_rows + len(parsed.quarantined)


def test_missing_required_column_refuses_the_file_naming_it(tmp_path, csv_institution):
    header = HEADER.replace("graduation_date", "grad_year")
    with pytest.raises(FileRefused, match="required column missing: graduation_date"):
        parse_roster(_write(tmp_path, header, _row()), csv_institution)


def test_header_only_file_is_refused(tmp_path, csv_institution):
    with pytest.raises(FileRefused, match="header but no data rows"):
        parse_roster(_write(tmp_path, HEADER), csv_institution)


def test_unexpected_columns_are_kept_and_reported(tmp_path, csv_institution):
    parsed = parse_roster(_write(tmp_path, HEADER + ",Favorite Color", _row() + ",blue"),
                          csv_institution)
    assert parsed.warnings == ["unexpected columns kept in raw._extra_columns: Favorite Color"]
    assert parsed.table.to_pylist()[0]["_extra_columns"] == '{"Favorite Color": "blue"}'


def test_fixed_width_layout(tmp_path, config):
    hillcrest = config.get("hillcrest")
    values = {"student_id": "0000012345", "first_name": "Zoë", "last_name": "Nguyen",
              "date_of_birth": "19990203", "program_cip": "11.0701",
              "degree_level": "Bachelor", "graduation_date": "20210515", "postal_code": "02138"}
    line = ""
    for spec in hillcrest.roster.layout:
        line += values.get(spec.name, "").ljust(spec.width)
    path = tmp_path / "roster.txt"
    path.write_bytes((line.rstrip() + "\r\n" + "0000099999Short\r\n").encode("cp1252"))
    parsed = parse_roster(path, hillcrest)
    row = parsed.table.to_pylist()[0]
    assert row["student_id"] == "0000012345" and row["first_name"] == "Zoë"
    assert row["postal_code"] == "02138"
    assert [q.row for q in parsed.quarantined] == [2]
    assert "layout needs at least" in parsed.quarantined[0].reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2021-05-15", "2021-05-15"), ("05/15/2021", "2021-05-15"), ("20210515", "2021-05-15"),
     ("44331", "2021-05-15"), ("5/15/21", "2021-05-15"), ("31/02/1999", None), ("soon", None)],
)
def test_roster_date_formats(text, expected):
    parsed = parse_date(text)
    assert (parsed.isoformat() if parsed else None) == expected
