"""Property tests: whatever bytes or CSV shapes arrive, the roster reader loads, quarantines
or refuses cleanly, and every row read is accounted for:
rows_read = rows_loaded + rows_quarantined (+ rows_erased through the runner)."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.dates import parse_date
from ingestion.rosters import parse_roster
from ingestion.runner import Ingestor, LandingFile
from ingestion.textfiles import FileRefused
from pathways.core.config import (
    REQUIRED_ROSTER_COLUMNS,
    STANDARD_ROSTER_COLUMNS,
    Institution,
    load_config,
    load_imports,
)
from pathways.core.settings import Settings

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PROPERTY = settings(max_examples=250, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

INSTITUTIONS = [
    Institution(id="free", name="Free", unitid="100001"),
    Institution(id="strict", name="Strict", unitid="100002",
                roster={"delimiter": ",", "encoding": "utf-8"}),
    Institution(id="legacy", name="Legacy", unitid="100003",
                roster={"delimiter": "|", "encoding": "cp1252", "date_order": "day_first"}),
]

HEADER_WORDS = [*STANDARD_ROSTER_COLUMNS, "Student ID", "First Name", "SURNAME", "DOB", "Zip",
                "CIP", "Degree", "Grad Date", "Name", "SPRIDEN_ID", "EMPLID", "Favorite Color",
                "", "=cmd", "Total"]
VALUES = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=",;|\t\"'\r\n\x00ÃÂ©é’ \\", max_size=12),
    st.sampled_from(["000123", "11.0701", "Bachelor", "BS", "2021-05-15", "05/15/2021",
                     "15/05/2021", "15-MAY-21", "May 15, 2021", "44331", "31/02/1999",
                     "JosÃ© NÃºÃ±ez", "Lee, Ann Marie", "Total records: 3", "=1+2", ""]),
    st.just("x" * 11_000),
)
DATES = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: d.strftime("%m/%d/%Y")),
    st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
    st.dates().map(lambda d: d.strftime("%d-%b-%y").upper()),
    st.dates().map(lambda d: d.strftime("%B %d, %Y")),
    st.sampled_from(["44331", "5/15/2021 12:00:00 AM", "2021-05-15T00:00:00Z"]))
# Values of each required column that can load (rows built of them exercise loading).
GOOD = {
    "student_id": st.from_regex(r"[0-9]{3,9}", fullmatch=True),
    "first_name": st.sampled_from(["Ann", "José", "Zoë", "JosÃ©", "O’Brien"]),
    "last_name": st.sampled_from(["Lee", "Núñez", "NÃºÃ±ez", "de la Cruz", "Smith Jr."]),
    "program_cip": st.sampled_from(["11.0701", "9.0101", "110701"]),
    "degree_level": st.sampled_from(["Bachelor", "BS", "Master"]),
    "graduation_date": DATES,
    "Name": st.sampled_from(["Lee, Ann", "Ann Marie Lee", "King, Martin, Jr.", "Cher"]),
}


def _write(tmp: Path, data: bytes, suffix: str = ".csv") -> Path:
    path = tmp / f"{uuid.uuid4().hex}{suffix}"
    path.write_bytes(data)
    return path


def _check(parsed) -> None:
    assert parsed.rows_read == parsed.table.num_rows + len(parsed.quarantined)
    assert all(q.reason for q in parsed.quarantined)
    rows = parsed.table.to_pylist()
    for row in rows:
        assert all(row[c] for c in ("student_id", "program_cip", "degree_level",
                                    "graduation_date"))
        assert row["first_name"] and row["last_name"]
        assert parse_date(row["_graduation_date_iso"]) is not None


def _read(path: Path, institution: Institution) -> None:
    try:
        parsed = parse_roster(path, institution)
    except FileRefused as exc:
        assert exc.reason
        return
    _check(parsed)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("properties")


@PROPERTY
@given(data=st.binary(max_size=3000), institution=st.sampled_from(INSTITUTIONS),
       compress=st.booleans())
def test_random_bytes_are_loaded_quarantined_or_refused(scratch, data, institution, compress):
    _read(_write(scratch, gzip.compress(data) if compress else data), institution)


@st.composite
def roster_texts(draw) -> bytes:
    """A CSV-like file: maybe title lines, a header of known and odd names, rows of random
    length and content, maybe a footer; any delimiter, quoting done right or not, any of the
    encodings registrars use, maybe gzipped."""
    delimiter = draw(st.sampled_from(",;\t|"))
    header = draw(st.one_of(
        st.permutations(list(REQUIRED_ROSTER_COLUMNS)).map(list),
        st.lists(st.sampled_from(HEADER_WORDS), min_size=1, max_size=10)))
    rows = draw(st.lists(st.one_of(
        st.tuples(*(GOOD.get(h, VALUES) for h in header)).map(list),  # a row that can load
        st.lists(VALUES, min_size=max(0, len(header) - 2), max_size=len(header) + 2)),
        max_size=8))
    lines = [*draw(st.lists(st.sampled_from(["Registrar report", "Run date: 06/01/2024", "",
                                             ",,,"]), max_size=3)), header, *rows]
    if draw(st.booleans()):
        lines.append(["Total records: " + str(len(rows))])
    buffer = io.StringIO()
    if draw(st.booleans()):
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator=draw(
            st.sampled_from(["\r\n", "\n", "\r"])))
        for line in lines:
            writer.writerow([line] if isinstance(line, str) else line)
    else:
        for line in lines:
            buffer.write((line if isinstance(line, str) else delimiter.join(line)) + "\n")
    text = buffer.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    data = text.encode(encoding, errors="replace")
    if encoding == "utf-8" and draw(st.booleans()):
        data = codecs.BOM_UTF8 + data
    return gzip.compress(data) if draw(st.booleans()) else data


@PROPERTY
@given(data=roster_texts(), institution=st.sampled_from(INSTITUTIONS))
def test_random_csv_shapes_are_loaded_quarantined_or_refused(scratch, data, institution):
    _read(_write(scratch, data), institution)


@pytest.fixture(scope="module")
def ingestor(tmp_path_factory):
    config = load_config(FIXTURES / "institutions.yml")
    warehouse = tmp_path_factory.mktemp("property_ingest") / "b.duckdb"
    with Ingestor(warehouse, config, load_imports(Settings.from_env().imports_file)) as ing:
        ing.load_reference()
        yield ing


@settings(max_examples=12, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(files=st.lists(st.one_of(roster_texts(), st.binary(max_size=500)), min_size=1,
                      max_size=5))
def test_a_batch_of_random_files_never_stops_and_accounts_for_every_row(ingestor, scratch,
                                                                       files):
    paths = [_write(scratch, data) for data in files]
    results = ingestor.ingest_many([LandingFile(p, "roster", "fixture_csv") for p in paths])
    assert len(results) == len(paths)
    for result in results:
        assert result.status in ("loaded", "refused", "skipped")
        assert result.rows_read == (result.rows_loaded + result.rows_quarantined
                                    + result.rows_erased)
        if result.status == "refused":
            assert result.errors and result.rows_loaded == 0
