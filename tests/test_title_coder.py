"""The title coder (pathways.occupations): normalisation, look-ups, industry, overrides,
honest uncertainty, and the `pathways classify titles` command."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import run_pathways

from pathways.occupations import (
    MIN_SCORE,
    OUTPUT_COLUMNS,
    ClassifyError,
    OverrideError,
    Reference,
    TitleCoder,
    classify_file,
    read_overrides,
)
from pathways.occupations.employers import employer_basenames, employer_keys
from pathways.occupations.industry import sectors_of_employers
from pathways.occupations.normalize import forms_of, key_of

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "COLUMNS": "300"}


@pytest.fixture(scope="module")
def coder() -> TitleCoder:
    return TitleCoder(Reference.from_directory())


def _code(coder: TitleCoder, titles: list, sectors: list | None = None) -> list[dict]:
    return coder.code(titles, sectors).to_pylist()


def _soc(coder: TitleCoder, title: str, sector: str | None = None) -> str | None:
    return _code(coder, [title], [sector])[0]["soc_code"]


def test_a_title_with_seniority_words_gets_the_occupation_of_the_plain_title(coder):
    for title in ("Senior Accountant", "Sr. Accountant", "Jr Accountant", "Lead Accountant",
                  "Staff Accountant", "Entry Level Accountant"):
        assert _soc(coder, title) == "13-2011", title


def test_levels_employment_type_shift_location_and_department_are_dropped(coder):
    for title in ("Software Developer II", "Software Developer 3", "Software Developer L3",
                  "Software Developer - Contract", "Part-Time Software Developer",
                  "Software Developer (Remote)", "Software Developer - Boston, MA",
                  "Software Developer - Night Shift", "Software Developer, Payments",
                  "Software Developer | Engineering Dept", "SOFTWARE DEVELOPER",
                  "software   developer."):
        row = _code(coder, [title])[0]
        assert row["soc_code"] == "15-1252", (title, row)
        assert row["coding_method"] == "exact", (title, row)


def test_abbreviations_are_written_out(coder):
    pairs = {"Admin Asst": "administrative assistant", "Sales Mgr": "sale manager",
             "Pharmacy Tech": "pharmacy technician", "Cust Svc Rep": "customer service "
             "representative", "Marketing Coord": "marketing coordinator",
             "Mechanical Engr": "mechanical engineer", "Sr. Systems Admin":
             "senior system administrator"}
    keys = forms_of(pa.array(list(pairs))).full.to_pylist()
    assert keys == list(pairs.values())
    assert _soc(coder, "Cust Svc Rep") == "43-4051"


def test_a_parenthetical_acronym_and_the_comma_form_are_understood(coder):
    assert _soc(coder, "Registered Nurse (RN) - ICU") == "29-1141"
    assert _soc(coder, "RN") == "29-1141"
    assert _soc(coder, "Analyst, Market Research") == "13-1161"
    assert _soc(coder, "Teacher, Elementary School") == "25-2021"


def test_plural_occupation_titles_and_singular_profile_titles_share_a_key():
    assert key_of(pa.array(["Registered Nurses", "registered nurse", "Secretaries",
                            "secretary"])).to_pylist() == [
        "registered nurse", "registered nurse", "secretary", "secretary"]


def test_a_shared_title_is_resolved_by_the_employers_industry(coder):
    school, plain = _code(coder, ["Counselor", "Counselor"], ["61", None])
    assert school["soc_code"] == "21-1012"  # educational and school counselors
    assert school["coding_method"] == "exact_industry"
    assert plain["coding_method"] == "exact_most_likely"
    assert plain["soc_code"] != school["soc_code"]


def test_a_shared_title_without_industry_keeps_the_likeliest_occupation_with_a_lower_score(
        coder):
    row = _code(coder, ["Account Manager"])[0]
    assert row["coding_method"] == "exact_most_likely"
    assert row["soc_code"] is not None
    assert 0 < row["coding_score"] < 1
    unique = _code(coder, ["Registered Nurse"])[0]
    assert unique["coding_method"] == "exact" and unique["coding_score"] == 1.0


def test_a_misspelt_title_is_coded_by_its_near_spelling(coder):
    row = _code(coder, ["Phlebotomst"])[0]  # its one word is unknown to the token model
    assert row["coding_method"] == "fuzzy"
    assert row["soc_code"] == "31-9097"
    assert MIN_SCORE <= row["coding_score"] < 1
    # A misspelling whose other words say enough is coded by them.
    assert _code(coder, ["Wind Turbine Service Technican"])[0]["soc_code"] == "49-9081"


def test_a_near_spelling_that_changes_a_short_word_or_a_first_letter_decides_nothing():
    # Left out, "Card Dealer" is one letter from the known "car dealer" (a retail
    # salesperson) and "Parts Consultant" from "arts consultant": different jobs, not typos.
    held_out = TitleCoder(Reference.from_directory().without_titles(
        set(key_of(pa.array(["Card Dealer", "Parts Consultant"])).to_pylist())))
    card, parts, typo = _code(held_out, ["Card Dealer", "Parts Consultant",
                                         "Software Develper"])
    assert card["coding_method"] != "fuzzy" and card["soc_code"] != "41-2031"
    assert parts["coding_method"] != "fuzzy"
    assert typo["coding_method"] == "fuzzy" and typo["soc_code"] == "15-1252"


def test_a_bare_head_noun_left_of_a_comma_does_not_decide_against_the_whole_title():
    # Left out, "Technician, Cardiac" would be the likeliest "technician" (an electrical
    # engineering technician) by its first segment; its words name the cardiac one.
    held_out = TitleCoder(Reference.from_directory().without_titles(
        set(key_of(pa.array(["Cardiac Technician", "Technician, Cardiac"])).to_pylist())))
    row = _code(held_out, ["Technician, Cardiac"])[0]
    assert row["coding_method"] == "token"
    assert row["soc_code"] == "29-2031"


def test_a_later_segment_naming_a_department_unit_or_region_is_dropped():
    forms = forms_of(pa.array(["Dancer 1 - Emergency Department Dept",
                               "Registered Nurse | Cardiology Unit",
                               "Analyst - Northeast Region", "Dental Office Manager",
                               "Accountant - Finance"]))
    assert forms.full.to_pylist() == ["dancer", "registered nurse", "analyst",
                                      "dental office manager", "accountant finance"]


def test_a_major_group_alone_is_kept_only_when_it_is_likely_enough(coder, monkeypatch):
    # "Zorblax Machine Operator": some production machine operator (51), which one the
    # words cannot say. Kept at the coder's bar for a major group alone, dropped above it.
    from pathways.occupations import coder as module

    row = _code(coder, ["Zorblax Machine Operator"])[0]
    assert row["coding_method"] == "token_major_group"
    assert row["soc_code"] is None and row["soc_major_group"] == "51-0000"
    assert module.MAJOR_MIN_SCORE <= row["coding_score"] < 1
    monkeypatch.setattr(module, "MAJOR_MIN_SCORE", row["coding_score"] + 0.01)
    assert _code(coder, ["Zorblax Machine Operator"])[0]["coding_method"] == "uncoded"


def test_an_unknown_title_is_coded_by_its_words_or_honestly_left_empty(coder):
    held_out = TitleCoder(Reference.from_directory().without_titles(
        set(key_of(pa.array(["Pediatric Registered Nurse"])).to_pylist())))
    nurse, nonsense = _code(held_out, ["Pediatric Registered Nurse", "Zorblax Quibbler"])
    assert nurse["coding_method"] in ("token", "exact")
    assert nurse["soc_major_group"] == "29-0000"
    assert nonsense["coding_method"] == "uncoded"
    assert nonsense["soc_code"] is None and nonsense["soc_major_group"] is None
    assert nonsense["coding_score"] < MIN_SCORE


def test_an_unknown_title_is_coded_by_the_reference_titles_nearest_in_meaning():
    # Left out, "Blockchain Developer" shares its head word with software developers; the
    # words alone name only the major group, its nearest titles by meaning ("Blockchain
    # Software Developer", "Blockchain Engineer") the occupation O*NET lists it under.
    held_out = TitleCoder(Reference.from_directory().without_titles(
        set(key_of(pa.array(["Blockchain Developer"])).to_pylist())))
    row = _code(held_out, ["Blockchain Developer"])[0]
    assert row["coding_method"] == "token"
    assert row["soc_code"] == "15-1299"
    assert MIN_SCORE <= row["coding_score"] < 1


def test_the_embedding_model_loads_from_the_installed_package_without_a_download(
        monkeypatch):
    import wordllama.wordllama as module

    from pathways.occupations.embeddings import DIMENSIONS, embed, load_model

    def no_network(*args, **kwargs):
        raise AssertionError("wordllama tried to download")

    monkeypatch.setattr(module.requests, "get", no_network)
    vectors = embed(load_model(), pa.array(["registered nurse", None, "nurse"]))
    assert vectors.shape == (3, DIMENSIONS)
    assert abs(float(vectors[0] @ vectors[0]) - 1) < 1e-5
    assert float(vectors[0] @ vectors[2]) > 0.5


def test_the_nearest_titles_by_meaning_are_the_exact_nearest_of_every_reference_key(
        coder):
    # faiss searches every key (no approximate index): the same keys, in the same order,
    # as ranking the whole similarity matrix.
    from pathways.occupations.embeddings import embed

    queries = pa.array(["plumbing technician", "blockchain wizard", "night nurse",
                        "chief happiness officer", "zorblax"])
    similarity, nearest = coder.neighbours.nearest(queries, 10)
    full = embed(coder.neighbours.model, queries) @ coder.neighbours.key_vectors.T
    ranked = np.argsort(-full, axis=1, kind="stable")[:, :10]
    np.testing.assert_allclose(similarity, np.take_along_axis(full, ranked, axis=1),
                               atol=1e-5)
    for row in range(len(queries)):  # ties may swap places, never change the set's values
        assert np.allclose(np.sort(full[row, nearest[row]]), np.sort(full[row, ranked[row]]),
                           atol=1e-5)


def test_titles_coded_on_several_threads_get_what_one_thread_gives(coder, monkeypatch):
    # Small pieces and chunks, so the normaliser and both scoring paths really split the
    # work across threads.
    import pathways.occupations.coder as module

    titles = ["Sr. Registered Nurse - ICU", "Chief Information Officer", "Plumbing Tech",
              "Technician, Cardiac", "Blockchain Wizard", "Night Shift Cashier (PT)",
              "Analyst, Marketing", "Zorblax", None, "Mgr, Cust Svc", "Engr II",
              "Director, Resident", "Card Dealer", "Staff Accountant | Remote"] * 3
    sectors = (["62", "52", None, "23", "51", "44", "54"] * 6)[:len(titles)]
    monkeypatch.setattr(module, "WORKERS", 1)
    alone = coder.code(titles, sectors)
    monkeypatch.setattr(module, "WORKERS", 3)
    monkeypatch.setattr(module, "FORMS_CHUNK", 4)
    monkeypatch.setattr(module, "CHUNK", 3)
    assert coder.code(titles, sectors).equals(alone)


_PIECES = st.sampled_from([
    "Sr.", "Senior", "Jr", "Lead", "Registered Nurse", "Nurses", "Mgr", "Asst", "Admin",
    "Assistant", "Software Engineer", "Engr", "II", "3", "Level 2", "(RN)", "(PT)",
    "- ICU", "| Remote", ", Marketing", "Analyst", "@ Acme", "Night Shift", "Dept",
    "Finance Department", "Café", "Cust Svc", "Rep", "/", "(open", "Technician", "at",
    "Contract", "Per Diem", "Tech Support", "Secretaries", "  ", "I.T.", "Dev Ops"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_PIECES, min_size=0, max_size=6).map(" ".join), min_size=1,
                max_size=12))
def test_a_titles_look_up_forms_do_not_depend_on_the_other_titles_in_its_batch(titles):
    # The normaliser writes out each distinct segment and word once for the whole batch:
    # what a title gets must be what it gets alone.
    batch = forms_of(pa.array(titles, pa.string()))
    for row, title in enumerate(titles):
        alone = forms_of(pa.array([title], pa.string()))
        for name in batch.__dataclass_fields__:
            assert getattr(batch, name)[row].as_py() == getattr(alone, name)[0].as_py(), (
                title, name)
    assert key_of(pa.array(titles)).to_pylist() == [
        key_of(pa.array([t])).to_pylist()[0] for t in titles]


def test_an_acronym_of_the_titles_own_words_or_of_employment_is_not_looked_up_alone():
    forms = forms_of(pa.array(["Mine Technician (MT) II", "Sr. Mine Tech (MT)",
                               "Carpet Installer (PT)", "Charge Nurse (RN)",
                               "Cook (Nights)"]))
    assert forms.parenthetical.to_pylist() == [None, None, None, "rn", None]
    assert forms.full.to_pylist()[2] == "carpet installer"


def test_a_bare_leading_shift_word_names_the_job_but_a_leading_shift_is_dropped():
    forms = forms_of(pa.array(["Day Care Worker", "First Line Supervisor",
                               "Night Shift Registered Nurse", "Part-Time Cashier"]))
    assert forms.full.to_pylist() == ["day care worker", "first line supervisor",
                                      "registered nurse", "cashier"]


def test_overrides_win_over_the_reference(tmp_path):
    path = tmp_path / "title_codes.csv"
    path.write_text("title,soc_code,note\nRegistered Nurse,31-1131,test\n"
                    "Blockchain Wizard,15-1252,our developers\n", encoding="utf-8")
    overridden = TitleCoder(Reference.from_directory(), read_overrides(path))
    nurse, wizard, other = overridden.code(["registered nurse - ICU", "BLOCKCHAIN WIZARD",
                                            "Accountant"]).to_pylist()
    assert (nurse["soc_code"], nurse["coding_method"], nurse["coding_score"]) == (
        "31-1131", "override", 1.0)
    assert (wizard["soc_code"], wizard["onet_soc_code"]) == ("15-1252", "15-1252.00")
    assert other["coding_method"] == "exact"


def test_the_shipped_overrides_name_real_occupations():
    coder = TitleCoder.load()
    rows = coder.code(read_overrides(ROOT / "config" / "title_codes.csv")["title"]).to_pylist()
    assert rows and all(r["coding_method"] == "override" for r in rows)


def test_an_override_naming_no_soc_occupation_is_refused_with_its_row(tmp_path):
    path = tmp_path / "title_codes.csv"
    path.write_text("title,soc_code\nNurse,29-1141\nWizard,99-9999\n", encoding="utf-8")
    with pytest.raises(OverrideError, match="row 2: soc_code '99-9999' is not a SOC 2018"):
        TitleCoder(Reference.from_directory(), read_overrides(path))


def test_each_distinct_title_is_decided_once_and_rows_keep_their_order(coder):
    titles = ["Cashier", "Accountant", None, "Cashier", "", "Accountant"]
    rows = _code(coder, titles)
    assert [r["title"] for r in rows] == titles
    assert rows[0] == rows[3] and rows[1] == rows[5]
    assert [r["coding_method"] for r in rows[2:5:2]] == ["empty", "empty"]
    assert set(rows[0]) == {"title", "naics_sector", *OUTPUT_COLUMNS}


def test_every_code_is_a_soc_2018_detailed_occupation_with_its_onet_code(coder):
    con = duckdb.connect()
    detailed = {r[0] for r in con.execute(
        "select soc_code from 'reference/soc_structure.parquet' where soc_level = 'detailed'"
    ).fetchall()}
    sample = [r[0] for r in con.execute(
        "select alternate_title from 'reference/onet_alternate_titles.parquet' "
        "using sample 3000 rows (reservoir, 5)").fetchall()]
    rows = _code(coder, sample)
    coded = [r for r in rows if r["soc_code"]]
    assert len(coded) > 0.95 * len(rows)
    assert all(r["soc_code"] in detailed for r in coded)
    assert all(r["onet_soc_code"].startswith(r["soc_code"] + ".") for r in coded)
    assert all(r["soc_major_group"] == r["soc_code"][:2] + "-0000" for r in coded)
    assert all(0 <= r["coding_score"] <= 1 for r in rows if r["coding_score"] is not None)


def test_employers_get_the_sector_of_their_longest_keyword():
    sectors = sectors_of_employers(pa.array(["Bayview Medical Center", "First Harbor Bank",
                                             "State Department of Health", None, "Acme"]))
    assert sectors.to_pylist() == ["62", "52", "92", None, None]


def test_employer_names_differing_in_legal_form_case_and_punctuation_are_one_employer():
    names = pa.array(["Acme Widgets, Inc.", "ACME WIDGETS", "Acme Widgets Inc", "acme widgets",
                      "The Home Depot, Inc.", "Home Depot", "Cobalt Software GmbH",
                      "Alder & Finch Law LLP", "Inc.", None])
    bases = employer_basenames(names)
    assert bases.to_pylist() == ["Acme Widgets", "ACME WIDGETS", "Acme Widgets",
                                 "acme widgets", "The Home Depot", "Home Depot",
                                 "Cobalt Software", "Alder & Finch Law", "Inc.", None]
    keys = employer_keys(bases).to_pylist()
    assert len(set(keys[:4])) == 1 and keys[4] == keys[5] == "homedepot"
    assert keys[7] == "alderandfinchlaw" and keys[9] is None


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_classify_file_keeps_every_row_and_column_and_adds_the_codes(tmp_path, coder):
    source = _write(tmp_path / "in.csv", "id,Job Title,Employer\r\n1,Sr. Accountant,"
                    "First Harbor Bank\r\n2,,Nowhere\r\n3,\"Analyst, Market Research\",x\r\n")
    summary = classify_file(source, tmp_path / "out.csv", coder)
    with (tmp_path / "out.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["1", "2", "3"]
    assert list(rows[0]) == ["id", "Job Title", "Employer", *OUTPUT_COLUMNS]
    assert rows[0]["soc_code"] == "13-2011" and rows[2]["soc_code"] == "13-1161"
    assert rows[1]["coding_method"] == "empty" and rows[1]["soc_code"] == ""
    assert summary.rows == 3 and summary.used_employer == "Employer"


def test_a_title_written_as_a_formula_is_output_as_text_a_spreadsheet_will_not_run(
        tmp_path, coder):
    source = _write(tmp_path / "in.csv", "title,employer\r\n"
                    "\"=HYPERLINK(\"\"http://x\"\",\"\"Nurse\"\")\",@Acme\r\n")
    classify_file(source, tmp_path / "out.csv", coder)
    with (tmp_path / "out.csv").open(encoding="utf-8") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["title"] == "'=HYPERLINK(\"http://x\",\"Nurse\")"
    assert row["employer"] == "'@Acme"


@pytest.mark.parametrize(("content", "message"), [
    ("name,employer\r\nAnn,Acme\r\n", "has no title column (its columns: name, employer)"),
    ("title,soc_code\r\nNurse,1\r\n", "already has column(s) soc_code"),
    ("title,employer\r\nNurse,Acme\r\nCook,Diner,extra\r\n", "row 2: 3 fields, the header "
                                                              "has 2"),
    ("", "is empty"),
])
def test_classify_file_refuses_bad_input_naming_what_is_wrong(tmp_path, coder, content,
                                                              message):
    with pytest.raises(ClassifyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        classify_file(_write(tmp_path / "in.csv", content), tmp_path / "out.csv", coder)
    assert not (tmp_path / "out.csv").exists()


def _coded(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_survey_excel_saved_as_windows_1252_csv_is_read_and_the_encoding_reported(
        tmp_path, coder):
    source = _write(tmp_path / "in.csv", "title,employer\r\nRegistered Nurse,"
                    "St. Mary\u2019s Hospital\r\nCafé Manager,Joe\r\n,\r\n", "cp1252")
    summary = classify_file(source, tmp_path / "out.csv", coder)
    rows = _coded(tmp_path / "out.csv")
    assert summary.read_as == "Windows-1252 (cp1252)"
    assert [r["employer"] for r in rows] == ["St. Mary\u2019s Hospital", "Joe", ""]
    assert rows[0]["soc_code"] == "29-1141" and rows[1]["title"] == "Café Manager"
    assert rows[2]["coding_method"] == "empty"  # a line of empty fields is still a row
    utf16 = _write(tmp_path / "u16.csv", "\ufefftitle\tid\r\nCafé Manager\t7\r\n",
                   "utf-16-le")  # Excel's "Unicode Text": UTF-16 with tabs
    assert classify_file(utf16, tmp_path / "out.csv", coder).read_as == "UTF-16"
    assert _coded(tmp_path / "out.csv")[0]["id"] == "7"


def test_the_title_and_employer_columns_can_be_named_when_a_survey_tool_numbers_them(
        tmp_path, coder):
    source = _write(tmp_path / "in.csv", "ResponseId,Q12,Q13\r\nR_1,Sr. Accountant,"
                    "First Harbor Bank\r\nR_2,RN - ICU,Mercy Hospital\r\n")
    summary = classify_file(source, tmp_path / "out.csv", coder, title_column="q12 ",
                            employer_column="Q13")
    assert [r["soc_code"] for r in _coded(tmp_path / "out.csv")] == ["13-2011", "29-1141"]
    assert summary.used_employer == "Q13"
    with pytest.raises(ClassifyError, match="has no column 'Q14' for the job titles "
                                            r"\(its columns: ResponseId, Q12, Q13\)"):
        classify_file(source, tmp_path / "out.csv", coder, title_column="Q14")


def test_a_byte_order_mark_the_rest_of_the_file_breaks_is_refused_naming_the_line(
        tmp_path, coder):
    source = tmp_path / "in.csv"
    source.write_bytes(b"\xef\xbb\xbftitle\r\nNurse\r\nSt. Mary\x92s\r\n")
    with pytest.raises(ClassifyError, match="starts as UTF-8 text, but byte 0x92 on line 3"):
        classify_file(source, tmp_path / "out.csv", coder)
    assert not (tmp_path / "out.csv").exists()


def test_an_excel_workbook_is_read_from_its_first_sheet(tmp_path, coder):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Response ID", "Job Title", "Employer", None])
    sheet.append([101, "Sr. Accountant", "First Harbor Bank"])
    sheet.append([None, None, None])  # an empty row of the sheet: formatting, not a row
    sheet.append([102.0, "RN - ICU", None])
    workbook.create_sheet("Notes").append(["title"])
    workbook.save(tmp_path / "survey.xlsx")
    summary = classify_file(tmp_path / "survey.xlsx", tmp_path / "out.csv", coder)
    rows = _coded(tmp_path / "out.csv")
    assert summary.read_as == "Excel workbook" and summary.rows == 2
    assert [(r["Response ID"], r["soc_code"]) for r in rows] == [("101", "13-2011"),
                                                                 ("102", "29-1141")]


@pytest.mark.parametrize(("start", "message"), [
    (b"%PDF-1.7\n", "is a PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "is an old Excel workbook (.xls)"),
    (b"PK\x03\x04\x14\x00", "is a ZIP archive, not a readable Excel workbook"),
    (b"\x00\x01\x02\x00\x00\x00" * 20, "is not a text file"),
])
def test_files_that_are_neither_text_nor_a_workbook_are_refused_saying_what_they_are(
        tmp_path, coder, start, message):
    source = tmp_path / "in.csv"
    source.write_bytes(start + b"\x00" * 64)
    with pytest.raises(ClassifyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        classify_file(source, tmp_path / "out.csv", coder)


def test_the_classify_command_reports_bad_input_without_a_traceback(tmp_path):
    source = _write(tmp_path / "in.csv", "name\r\nAnn\r\n")
    result = run_pathways(["classify", "titles", "--input", str(source), "--output",
                           str(tmp_path / "out.csv")], ENV, ROOT)
    assert result.returncode == 1  # bad input, as for a refused file
    assert "has no title column" in result.stderr and "Traceback" not in result.stderr
    broken = tmp_path / "broken.csv"  # a UTF-8 byte-order mark, then a Windows-1252 byte
    broken.write_bytes(b"\xef\xbb\xbftitle\r\nSt. Mary\x92s\r\n")
    result = run_pathways(["classify", "titles", "--input", str(broken), "--output",
                           str(tmp_path / "out.csv")], ENV, ROOT)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "byte 0x92 on line 2" in result.stderr
    good = _write(tmp_path / "good.csv", "Q12\r\nRegistered Nurse\r\n", "cp1252")
    result = run_pathways(["classify", "titles", "--input", str(good), "--output",
                           str(tmp_path / "out.csv"), "--title-column", "Q12"], ENV, ROOT)
    assert result.returncode == 0, result.stderr
    assert "coded 1 rows" in result.stdout and "29-1141" in (tmp_path / "out.csv").read_text(
        encoding="utf-8")


def test_the_classify_command_keeps_its_built_coder_in_the_cache_folder_between_runs(
        tmp_path):
    source = _write(tmp_path / "in.csv", "title,employer\r\nSr. Software Engr II,Acme\r\n"
                                         "RN - Night Shift,\r\n")
    env = {**ENV, "PATHWAYS_CACHE_DIR": str(tmp_path / "cache")}
    outputs = []
    for run in ("first", "second"):
        output = tmp_path / f"{run}.csv"
        result = run_pathways(["classify", "titles", "--input", str(source), "--output",
                               str(output)], env, ROOT)
        assert result.returncode == 0, result.stderr
        outputs.append(output.read_text(encoding="utf-8"))
        [kept] = (tmp_path / "cache").glob("title_coder-*.pickle")
        if run == "first":
            built = kept.stat().st_ino
    assert kept.stat().st_ino == built  # read back, not built and written again
    assert outputs[0] == outputs[1] and "15-1252" in outputs[0] and "29-1141" in outputs[0]
    assert oct((tmp_path / "cache").stat().st_mode & 0o777) == "0o700"
