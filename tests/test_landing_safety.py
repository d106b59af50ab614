"""The landing folder is trusted only for regular files under it (issue 13, finding 4), and
one file's failure, however unexpected, never stops the other files of a batch."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

import ingestion.rosters
from ingestion.runner import Ingestor, discover, ingest_files
from pathways.core.config import load_config, load_imports
from pathways.core.settings import Settings
from pathways.warehouse.reports import errors_report

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = "student_id,first_name,last_name,program_cip,degree_level,graduation_date"
SECRET = "root:x:0:0:SECRET-FIRST-LINE:/root:/bin/bash"


def _roster(path: Path, *ids: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "\n" + "".join(
        f"{i},Ann{i},Lee,11.0701,Bachelor,2021-05-15\n" for i in ids), encoding="utf-8")
    return path


@pytest.fixture
def config():
    return load_config(FIXTURES / "institutions.yml")


def _imports():
    return load_imports(Settings.from_env().imports_file)


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture
def hostile_landing(tmp_path):
    """Another institution's roster, and in fixture_csv's folder: a link to it, a link to a
    file outside the landing folder, a FIFO; fixture_fixed's roster folder is a link to
    fixture_map's; and a folder of an institution nobody configured."""
    landing = tmp_path / "landing"
    outside = tmp_path / "outside" / "passwd"
    outside.parent.mkdir()
    outside.write_text(SECRET + "\ndaemon:x:1:1::/:/usr/sbin/nologin\n", encoding="utf-8")
    real = _roster(landing / "fixture_map" / "roster" / "graduates.csv", "m1", "m2", "m3")
    own = _roster(landing / "fixture_csv" / "roster" / "own.csv", "c1")
    (own.parent / "borrowed.csv").symlink_to(real)
    (own.parent / "passwd.csv").symlink_to(outside)
    os.mkfifo(own.parent / "pipe.csv")
    (landing / "fixture_fixed").mkdir()
    (landing / "fixture_fixed" / "roster").symlink_to(real.parent, target_is_directory=True)
    _roster(landing / "atlantis" / "roster" / "x.csv", "a1")
    return landing


def test_links_devices_and_outside_files_are_refused_without_reading_them(
        hostile_landing, tmp_path, config):
    warehouse = tmp_path / "build" / "b.duckdb"
    results = ingest_files(warehouse, config, _imports(), discover(hostile_landing))
    by_file = {str(Path(r.file).relative_to(hostile_landing)): r for r in results}
    assert {f: r.status for f, r in by_file.items()} == {
        "atlantis/roster/x.csv": "refused",
        "fixture_csv/roster/borrowed.csv": "refused",
        "fixture_csv/roster/own.csv": "loaded",
        "fixture_csv/roster/passwd.csv": "refused",
        "fixture_csv/roster/pipe.csv": "refused",
        "fixture_fixed/roster": "refused",
        "fixture_map/roster/graduates.csv": "loaded",
    }
    link = ("is a symbolic link, not a file: Pathways reads only regular files placed in the "
            "landing folder, and nothing was read through the link; put the file itself there")
    for name in ("borrowed.csv", "passwd.csv"):
        assert by_file[f"fixture_csv/roster/{name}"].errors == [
            f"{hostile_landing}/fixture_csv/roster/{name}: {link}"]
    assert by_file["fixture_fixed/roster"].errors == [
        f"{hostile_landing}/fixture_fixed/roster: {link}"]
    assert by_file["fixture_csv/roster/pipe.csv"].errors == [
        f"{hostile_landing}/fixture_csv/roster/pipe.csv: is not a regular file (a folder, "
        "device, pipe or socket): nothing was read from it; put the roster file itself there"]
    assert "unknown institution 'atlantis'" in by_file["atlantis/roster/x.csv"].errors[0]
    # The other institution's students were loaded once, as its own, never as fixture_csv's
    # or fixture_fixed's.
    assert _rows(warehouse, "select institution_id, count(*) from raw.rosters group by 1 "
                            "order by 1") == [("fixture_csv", 1), ("fixture_map", 3)]
    # Nothing of the linked file reached the ledger, the refusal messages or the report.
    ledger = _rows(warehouse, "select file, status, message, file_sha256 from ops.file_ledger "
                              "where status = 'refused' order by file")
    assert [(Path(f).name, s, sha) for f, s, _, sha in ledger] == [
        ("borrowed.csv", "refused", ""), ("passwd.csv", "refused", ""),
        ("pipe.csv", "refused", ""), ("roster", "refused", "")]
    report = errors_report(warehouse, "fixture_csv")
    text = repr(results) + repr(ledger) + repr(report.rows)
    assert "SECRET" not in text and "root:x" not in text and "daemon" not in text
    assert [(Path(r[1]).name, r[6]) for r in report.rows] == [
        ("borrowed.csv", f"file refused: {link}"), ("passwd.csv", f"file refused: {link}"),
        ("pipe.csv", "file refused: is not a regular file (a folder, device, pipe or socket): "
                     "nothing was read from it; put the roster file itself there")]


def test_a_link_named_on_the_command_line_is_refused_too(tmp_path, config):
    target = _roster(tmp_path / "real.csv", "r1")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    from ingestion.runner import LandingFile

    [result] = ingest_files(tmp_path / "b.duckdb", config, _imports(),
                            [LandingFile(link, "roster", "fixture_csv")])
    assert result.status == "refused" and "is a symbolic link" in result.errors[0]


def test_an_unexpected_error_in_one_file_refuses_it_and_the_others_load(
        tmp_path, config, monkeypatch):
    folder = tmp_path / "landing" / "fixture_csv" / "roster"
    _roster(folder / "a.csv", "a1")
    _roster(folder / "boom.csv", "b1")
    _roster(folder / "c.csv", "c1", "c2")
    real_parse = ingestion.rosters.parse_roster

    def parse(path, institution):
        if path.name == "boom.csv":
            raise RuntimeError(f"a bug that quotes the file: {SECRET}")
        return real_parse(path, institution)

    monkeypatch.setattr(ingestion.rosters, "parse_roster", parse)
    warehouse = tmp_path / "b.duckdb"
    results = ingest_files(warehouse, config, _imports(), discover(tmp_path / "landing"))
    assert [(Path(r.file).name, r.status, r.rows_loaded) for r in results] == [
        ("a.csv", "loaded", 1), ("boom.csv", "refused", 0), ("c.csv", "loaded", 2)]
    assert results[1].errors == [
        f"{folder}/boom.csv: could not be read: Pathways met an unexpected error "
        "(RuntimeError) in it, so nothing of it was loaded (the other files were not "
        "affected); please report it to the Pathways team with the ingest log"]
    assert _rows(warehouse, "select count(*) from raw.rosters") == [(3,)]
    assert "SECRET" not in repr(_rows(warehouse, "select message from ops.file_ledger"))


def test_a_batch_whose_load_fails_loads_its_other_files_one_by_one(
        tmp_path, config, monkeypatch):
    folder = tmp_path / "landing" / "fixture_csv" / "roster"
    _roster(folder / "a.csv", "a1")
    _roster(folder / "bad_load.csv", "b1")
    _roster(folder / "c.csv", "c1", "c2")
    real_write = Ingestor._write_batch

    def write(self, batch):
        if any(p.item.name.endswith("bad_load.csv") for p in batch):
            raise OSError("the destination said no")
        return real_write(self, batch)

    monkeypatch.setattr(Ingestor, "_write_batch", write)
    warehouse = tmp_path / "b.duckdb"
    results = ingest_files(warehouse, config, _imports(), discover(tmp_path / "landing"))
    assert [(Path(r.file).name, r.status, r.rows_loaded) for r in results] == [
        ("a.csv", "loaded", 1), ("bad_load.csv", "refused", 0), ("c.csv", "loaded", 2)]
    assert "unexpected error (OSError)" in results[1].errors[0]
    assert _rows(warehouse, "select count(*) from raw.rosters") == [(3,)]
    assert _rows(warehouse, "select status, count(*) from ops.file_ledger group by 1 "
                            "order by 1") == [("loaded", 2), ("refused", 1)]
