"""Profile files are read in bounded pieces and loaded as they are read (issue 17, goal 1):
the rows, line numbers, quarantine and refusals are those of reading the file whole."""

import gzip
import random

import duckdb
import orjson
import pytest
from support import ingest_one
from test_nsc_and_profiles import PROFILE

import ingestion.profiles as profiles
from ingestion.profiles import ProfileStream, parse_profiles
from ingestion.runner import Ingestor
from pathways.core.config import load_imports
from pathways.core.settings import Settings


def _lines(n: int, bad: dict[int, bytes] | None = None) -> list[bytes]:
    noise = random.Random(n)  # varied lines: identical ones would compress past the limits
    lines = [orjson.dumps({**PROFILE, "profile_id": f"pf{i}",
                           "full_name": f"{noise.getrandbits(128):x}"})
             for i in range(1, n + 1)]
    for number, line in (bad or {}).items():
        lines[number - 1] = line
    return lines


def _write(path, lines: list[bytes]):
    data = b"\n".join(lines) + b"\n"
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as handle:
            handle.write(data)
    else:
        path.write_bytes(data)
    return path


def _rows(warehouse, sql):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_file_larger_than_a_piece_is_read_in_pieces_of_at_most_the_piece_size(tmp_path):
    path = _write(tmp_path / "p.jsonl.gz", _lines(2_500))
    stream = ProfileStream(path, piece_rows=1_000)
    sizes = [table.num_rows for name, table in stream.pieces() if name == "profiles"]
    assert len(sizes) >= 3 and max(sizes) <= 1_000 and sum(sizes) == 2_500
    assert (stream.rows_read, stream.rows_loaded, stream.quarantined) == (2_500, 2_500, [])


def test_a_bad_line_after_the_first_piece_is_quarantined_and_no_line_is_lost_or_doubled(
        tmp_path, monkeypatch):
    monkeypatch.setattr(profiles, "PIECE_ROWS", 500)
    monkeypatch.setattr(profiles, "_CAREFUL_CHUNK_LINES", 300)
    path = _write(tmp_path / "p.jsonl", _lines(2_000, {1_234: b"{not json",
                                                       1_900: orjson.dumps({"x": 1})}))
    parsed = parse_profiles(path)
    rows = parsed.table.column("_source_row").to_pylist()
    assert rows == [n for n in range(1, 2_001) if n not in (1_234, 1_900)]
    assert parsed.table.column("profile_id").to_pylist() == [f"pf{n}" for n in rows]
    assert [(q.row, q.reason.split(":")[0]) for q in parsed.quarantined] == [
        (1_234, "not valid JSON"), (1_900, "profile_id is missing")]
    positions = parsed.children["profile_positions"].column("_source_row").to_pylist()
    assert positions == rows


def test_ingest_loads_a_file_of_many_pieces_once_with_its_quarantined_line(
        tmp_path, warehouse, config, monkeypatch):
    monkeypatch.setattr(profiles, "PIECE_ROWS", 700)
    path = _write(tmp_path / "p.jsonl.gz", _lines(3_000, {2_500: b'{"profile_id": "pfx", '
                                                                b'"education": "lots"}'}))
    with Ingestor(warehouse, config, load_imports(Settings.from_env().imports_file)) as ingest:
        result = ingest_one(ingest, path, "profiles")
    assert (result.status, result.rows_read, result.rows_loaded, result.rows_quarantined) == (
        "loaded", 3_000, 2_999, 1)
    assert result.errors[0].startswith("row 2500 (line 2500): does not fit the profile schema")
    [(count, distinct, low, high)] = _rows(
        warehouse, "select count(*), count(distinct _source_row), min(_source_row), "
                   "max(_source_row) from raw.profiles")
    assert (count, distinct, low, high) == (2_999, 2_999, 1, 3_000)
    assert _rows(warehouse, "select count(*) from raw.profile_positions")[0][0] == 2_999
    assert _rows(warehouse, "select source_row from ops.quarantine")[0][0] == 2_500
    assert _rows(warehouse, "select rows_loaded from ops.file_ledger "
                            "where status = 'loaded'")[0][0] == 2_999


def test_a_file_found_unreadable_part_way_loads_nothing_and_the_other_files_load(
        tmp_path, warehouse, config, monkeypatch):
    monkeypatch.setattr(profiles, "PIECE_ROWS", 500)
    whole = _write(tmp_path / "whole.jsonl.gz", _lines(3_000))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    good = _write(tmp_path / "good.jsonl.gz", _lines(100))
    from ingestion.runner import LandingFile

    with Ingestor(warehouse, config, load_imports(Settings.from_env().imports_file)) as ingest:
        results = ingest.ingest_many([LandingFile(cut, "profiles", None),
                                      LandingFile(good, "profiles", None)])
    assert [r.status for r in results] == ["refused", "loaded"]
    assert "unreadable archive" in results[0].errors[0]
    assert _rows(warehouse, "select count(*), count(distinct _source_file) "
                            "from raw.profiles")[0] == (100, 1)
    assert _rows(warehouse, "select status from ops.file_ledger order by status") == [
        ("loaded",), ("refused",)]


def test_an_empty_profile_file_is_refused(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_bytes(b"\n\n")
    with pytest.raises(profiles.FileRefused, match="the file is empty"):
        parse_profiles(path)


def test_profile_files_in_a_zip_are_streamed_from_their_unpacked_copies(
        tmp_path, warehouse, config):
    import zipfile

    archive = tmp_path / "profiles.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("a.jsonl", b"\n".join(_lines(300)) + b"\n")
        handle.writestr("b.jsonl", b"\n".join(_lines(200)) + b"\n")
    with Ingestor(warehouse, config, load_imports(Settings.from_env().imports_file)) as ingest:
        results = ingest.ingest_many([profiles_file(archive)])
    assert [(r.status, r.rows_loaded) for r in results] == [("loaded", 300), ("loaded", 200)]
    assert _rows(warehouse, "select count(*) from raw.profiles")[0][0] == 500


def profiles_file(path):
    from ingestion.runner import LandingFile

    return LandingFile(path, "profiles", None)


def _bomb(path, good_lines: int):
    """A gzip file of ``good_lines`` profile lines followed by 40 MB of one repeated line:
    it compresses about a thousand times, past the expansion limit."""
    repeated = orjson.dumps({**PROFILE, "profile_id": "pf-repeated"}) + b"\n"
    with gzip.open(path, "wb") as handle:
        handle.write(b"\n".join(_lines(good_lines)) + b"\n")
        for _ in range(40 * 1024**2 // len(repeated)):
            handle.write(repeated)
    return path


def test_a_profile_bomb_is_refused_while_it_is_read_and_nothing_of_it_loads(
        tmp_path, warehouse, config, monkeypatch):
    monkeypatch.setattr(profiles, "PIECE_ROWS", 500)
    bomb = _bomb(tmp_path / "bomb.jsonl.gz", 1_000)
    good = _write(tmp_path / "good.jsonl.gz", _lines(100))
    from ingestion.runner import LandingFile

    with Ingestor(warehouse, config, load_imports(Settings.from_env().imports_file)) as ingest:
        results = ingest.ingest_many([LandingFile(bomb, "profiles", None),
                                      LandingFile(good, "profiles", None)])
    assert [r.status for r in results] == ["refused", "loaded"]
    assert "the compressed file expands to more than" in results[0].errors[0]
    assert _rows(warehouse, "select count(*), count(distinct _source_file) "
                            "from raw.profiles")[0] == (100, 1)
    assert _rows(warehouse, "select count(*) from raw.profile_positions "
                            "where _source_file not like '%good.jsonl.gz'")[0][0] == 0


def test_a_profile_file_past_the_streamed_size_cap_is_refused_naming_the_cap(
        tmp_path, monkeypatch):
    # profile files are streamed, so their cap is far above the 4 GB of files read whole;
    # a small cap here stands for it
    monkeypatch.setattr(profiles, "MAX_STREAMED_EXPANDED_BYTES", 2 * 1024**2)
    path = _write(tmp_path / "pool.jsonl.gz", _lines(20_000))
    with pytest.raises(profiles.FileRefused, match="and 2,097,152 bytes in all"):
        parse_profiles(path)


def test_a_gzip_profile_file_within_the_limits_loads_whole_with_the_check_alongside(tmp_path):
    path = _write(tmp_path / "pool.jsonl.gz", _lines(3_000))
    parsed = parse_profiles(path)
    assert (parsed.rows_read, parsed.table.num_rows, parsed.quarantined) == (3_000, 3_000, [])
