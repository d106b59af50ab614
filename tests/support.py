"""Helpers the test modules share (pytest puts tests/ on sys.path)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

KEY = "e2e-test-key"
BIN = Path(sys.executable).parent


def run_pathways(args: list[str], env: dict[str, str], cwd: Path,
                 timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """Run the installed `pathways` command as a user would."""
    return subprocess.run([str(BIN / "pathways"), *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def ingest_one(ingestor, path: Path, kind: str, institution_id: str | None = None):
    """Load one file through an open Ingestor, as a landing folder of one file would."""
    from ingestion.runner import LandingFile

    return ingestor.ingest_many([LandingFile(path, kind, institution_id)])[0]


def file_text(path: Path) -> bytes:
    """A file's bytes as a search would read them: lower case, gzip members decompressed."""
    import contextlib
    import gzip

    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        with contextlib.suppress(OSError, EOFError):
            data = gzip.decompress(data)
    return data.lower()


def files_naming(folder: Path, needles: list[str]) -> list[Path]:
    """Every file under ``folder`` whose bytes hold one of ``needles`` (case-insensitive)."""
    wanted = [n.lower().encode() for n in needles]
    return [p for p in sorted(folder.rglob("*")) if p.is_file()
            and any(n in file_text(p) for n in wanted)]


def hold_build_area(build_db: Path) -> subprocess.Popen[str]:
    """Another process holding the build area's lock as a running refresh does; the caller
    kills it."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path\n"
         "from pathways.core.build_area import exclusive\n"
         "with exclusive(Path(sys.argv[1]), 'refresh'):\n"
         "    print('held', flush=True); time.sleep(60)\n", str(build_db)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


# A roster in the shape of a registrar's export, for deliveries a test writes itself.
ROSTER_HEADER = ("student_id,first_name,middle_name,last_name,former_last_name,suffix,"
                 "date_of_birth,email,phone,street_address,city,state,postal_code,program_cip,"
                 "program_name,degree_level,graduation_date")


def mart_rows(path: Path, institution_id: str) -> dict[str, list[tuple]]:
    """Every published mart's rows of one institution, sorted (to compare before and
    after a refresh)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {table: con.execute(f"select * from marts.{table} where institution_id = ? "
                                   "order by all", [institution_id]).fetchall()
                for (table,) in con.execute(
                    "select distinct table_name from duckdb_columns() where schema_name = "
                    "'marts' and column_name = 'institution_id'").fetchall()}
    finally:
        con.close()
