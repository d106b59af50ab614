import codecs

import pytest

from ingestion.headers import map_headers, normalise_header
from ingestion.textfiles import FileRefused, decode, read_records, sniff_delimiter, split_lines

NAMES = "José,Zoë,O’Brien,Nguyễn"


@pytest.mark.parametrize(
    ("encoding", "prefix", "configured"),
    [
        ("utf-8", b"", None),
        ("utf-8", codecs.BOM_UTF8, None),
        ("utf-16-le", codecs.BOM_UTF16_LE, None),
        ("utf-16-be", codecs.BOM_UTF16_BE, None),
    ],
)
def test_unicode_encodings_arrive_intact(tmp_path, encoding, prefix, configured):
    path = tmp_path / "names.csv"
    path.write_bytes(prefix + f"first,last\r\n{NAMES}\r\n".encode(encoding))
    text = decode(path, configured).text
    assert text == f"first,last\r\n{NAMES}\r\n"


def test_windows_1252_is_detected_without_configuration(tmp_path):
    path = tmp_path / "names.csv"
    content = "first_name,last_name\r\n" + "José,O’Brien\r\nZoë,Muñoz\r\nRenée,Peña\r\n" * 20
    path.write_bytes(content.encode("cp1252"))
    decoded = decode(path)
    text, encoding = decoded.text, decoded.encoding
    assert "José,O’Brien" in text and "Zoë,Muñoz" in text
    assert encoding.lower().replace("_", "") in ("cp1252", "windows1252")


def test_configured_encoding_is_used(tmp_path):
    path = tmp_path / "names.csv"
    path.write_bytes("a\r\nZoë\r\n".encode("latin-1"))
    assert decode(path, "latin-1").text == "a\r\nZoë\r\n"


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"  \r\n")
    with pytest.raises(FileRefused, match=r"empty\.csv: the file is empty"):
        decode(path)


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(delimiter):
    text = delimiter.join(["student_id", "first_name", "last_name"]) + "\n"
    text += delimiter.join(["001", "Ann", "Lee"]) + "\n"
    assert sniff_delimiter(text) == delimiter


def test_quoted_fields_keep_delimiters_and_newlines():
    text = 'id,name,address\r\n1,"Lee, Ann","1 Main St\r\nApt 2"\r\n2,Bo,x\r\n'
    rows = list(read_records(split_lines(text), 1, ","))
    assert rows[0].fields == ["1", "Lee, Ann", "1 Main St\r\nApt 2"]
    assert rows[0].row == 1 and rows[1].row == 2
    assert rows[0].raw == '1,"Lee, Ann","1 Main St\r\nApt 2"'
    assert rows[1].raw == "2,Bo,x"


def test_headers_match_case_space_and_punctuation_insensitively():
    assert normalise_header(" First-Name ") == "firstname"
    assert map_headers(["First Name", "FIRST_NAME", "first name", "Zip", "DOB", "Color"]) == [
        "first_name", "first_name", "first_name", "postal_code", "date_of_birth", None]


def test_institution_overrides_win_over_synonyms():
    assert map_headers(["Major", "Program Code"], {"Program Code": "program_cip"}) == [
        "program_name", "program_cip"]


def test_utf16_without_bom_is_detected(tmp_path):
    path = tmp_path / "names.txt"
    path.write_bytes(("first\tlast\r\n" + "José\tNguyễn\r\n" * 30).encode("utf-16-le"))
    text = decode(path).text
    assert text.startswith("first\tlast\r\nJosé\tNguyễn")


def test_undecodable_bytes_refuse_the_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\r\n\x81\x8d\x8f,\xff\xfe\x00\r\n")
    with pytest.raises(FileRefused, match=r"bad\.csv"):
        decode(path, "utf-8")
