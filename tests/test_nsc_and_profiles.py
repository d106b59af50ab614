import csv
import gzip
import io

import orjson
import pytest

from ingestion.nsc import NSC_COLUMNS, parse_nsc
from ingestion.profiles import parse_profiles
from ingestion.textfiles import FileRefused
from pathways.generate.writers import NSC_COLUMNS as GENERATED_NSC_COLUMNS


def _nsc_file(tmp_path, rows, header=tuple(NSC_COLUMNS)):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / "nsc.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _nsc_row(**values):
    row = dict.fromkeys(NSC_COLUMNS, "")
    row.update({"Your Unique Identifier": "000123", "Record Found Y/N": "Y",
                "Search Date": "20261001", "Enrollment Begin": "20220825"})
    row.update(values)
    return [row[c] for c in NSC_COLUMNS]


def test_the_detail_layout_has_33_columns_and_the_generator_writes_it():
    assert len(NSC_COLUMNS) == 33
    assert tuple(NSC_COLUMNS) == GENERATED_NSC_COLUMNS


def test_nsc_rows_load_and_bad_rows_are_quarantined(tmp_path):
    rows = [_nsc_row(), _nsc_row(**{"Record Found Y/N": "maybe"}),
            _nsc_row(**{"Enrollment Begin": "2022-08-25"}), _nsc_row()[:10]]
    parsed = parse_nsc(_nsc_file(tmp_path, rows))
    assert parsed.rows_read == 4
    assert parsed.table.num_rows == 1
    assert [(q.row, q.reason) for q in parsed.quarantined] == [
        (2, "Record Found Y/N 'maybe' is not Y or N"),
        (3, "enrollment_begin '2022-08-25' is not a YYYYMMDD date"),
        (4, "10 fields, expected 33"),
    ]


def test_nsc_file_missing_a_column_is_refused(tmp_path):
    header = [c for c in NSC_COLUMNS if c != "College Sequence"]
    with pytest.raises(FileRefused, match="required column missing: College Sequence"):
        parse_nsc(_nsc_file(tmp_path, [], header))


PROFILE = {
    "profile_id": "pf1", "first_name": "Zoë", "last_name": "Nguyễn",
    "location": {"city": "Boston", "state": "MA"}, "email": None,
    "education": [{"school": "NSU", "degree": "BS", "field_of_study": "CS",
                   "start_year": 2015, "end_year": 2019}],
    "positions": [{"employer": "Cobalt Software", "title": "Software Engineer",
                   "start_date": "2019-07", "end_date": None,
                   "location": {"city": "Boston", "state": "MA"}}],
    "updated_at": "2026-01-02", "unexpected": "ignored",
}


def test_profiles_are_read_with_the_declared_schema(tmp_path):
    path = tmp_path / "profiles.jsonl.gz"
    with gzip.open(path, "wb") as handle:
        handle.write(orjson.dumps(PROFILE) + b"\n" + orjson.dumps({**PROFILE, "profile_id": "pf2"}))
    parsed = parse_profiles(path)
    assert parsed.rows_read == 2 and not parsed.quarantined
    row = parsed.table.to_pylist()[0]
    assert row["first_name"] == "Zoë" and row["last_name"] == "Nguyễn"
    assert row["location_city"] == "Boston" and "unexpected" not in row
    assert [r["_source_row"] for r in parsed.table.to_pylist()] == [1, 2]
    educations = parsed.children["profile_educations"].to_pylist()
    assert educations == [
        {"profile_id": "pf1", "_source_row": 1, "education_index": 1, "school": "NSU",
         "degree": "BS", "field_of_study": "CS", "start_year": 2015, "end_year": 2019},
        {"profile_id": "pf2", "_source_row": 2, "education_index": 1, "school": "NSU",
         "degree": "BS", "field_of_study": "CS", "start_year": 2015, "end_year": 2019}]
    positions = parsed.children["profile_positions"].to_pylist()
    assert positions[0]["title"] == "Software Engineer"
    assert positions[0]["location_city"] == "Boston" and positions[0]["position_index"] == 1


def test_bad_profile_lines_are_quarantined_and_the_rest_loaded(tmp_path):
    path = tmp_path / "profiles.jsonl"
    lines = [orjson.dumps(PROFILE), b"{not json", orjson.dumps({**PROFILE, "profile_id": None}),
             orjson.dumps({**PROFILE, "profile_id": "pf3", "education": "lots"}),
             orjson.dumps({**PROFILE, "profile_id": "pf4"})]
    path.write_bytes(b"\n".join(lines) + b"\n")
    parsed = parse_profiles(path)
    assert parsed.rows_read == 5
    assert parsed.table.column("profile_id").to_pylist() == ["pf1", "pf4"]
    assert parsed.table.column("_source_row").to_pylist() == [1, 5]
    assert parsed.children["profile_positions"].column("_source_row").to_pylist() == [1, 5]
    reasons = {q.row: q.reason for q in parsed.quarantined}
    assert sorted(reasons) == [2, 3, 4]
    assert reasons[2].startswith("not valid JSON")
    assert reasons[3] == "profile_id is missing"
    assert reasons[4].startswith("does not fit the profile schema")


def test_unreadable_archive_is_refused(tmp_path):
    path = tmp_path / "broken.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(FileRefused, match="unreadable archive"):
        parse_profiles(path)


def test_lists_become_child_rows_numbered_within_each_profile(tmp_path):
    path = tmp_path / "p.jsonl"
    two = {**PROFILE, "profile_id": "pf7", "positions": PROFILE["positions"] * 2,
           "education": []}
    path.write_bytes(orjson.dumps(two) + b"\n" + orjson.dumps(PROFILE) + b"\n")
    parsed = parse_profiles(path)
    positions = parsed.children["profile_positions"]
    assert list(zip(positions["profile_id"].to_pylist(), positions["position_index"].to_pylist(),
                    strict=True)) == [("pf7", 1), ("pf7", 2), ("pf1", 1)]
    assert parsed.children["profile_educations"]["profile_id"].to_pylist() == ["pf1"]


def test_a_huge_broken_profile_line_is_quarantined_with_its_text_cut(tmp_path):
    path = tmp_path / "profiles.jsonl"
    path.write_bytes(b'{"profile_id": "p1"}\n{"profile_id": "p2", "full_name": "'
                     + b"a" * 5_000_000 + b"\n")
    parsed = parse_profiles(path)
    assert (parsed.rows_read, parsed.table.num_rows) == (2, 1)
    [row] = parsed.quarantined
    assert row.reason.startswith("not valid JSON")
    assert row.raw.startswith('{"profile_id": "p2"')
    assert row.raw.endswith("[cut: 5,000,035 bytes in all]") and len(row.raw) < 2_100
