"""Roster parsing cost: what reading a roster as it really is (encoding and delimiter
fallback, header search, per-file date order, mojibake screening, NUL and size checks) costs
over splitting the same file with the csv module alone, in one run.

    .venv/bin/python benchmarks/roster_parse.py [--rows 100000] [--repeat 3]

Writes three rosters of ``--rows`` rows into a temporary folder: the standard columns
(UTF-8, accented names, month-first dates), the same with one name column ("Last, First
Middle", split by nameparser), and the same with 1 row in 50 double-encoded (ftfy repairs
it). Prints seconds (best of ``--repeat``) and the ratio to the csv-only split.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import tempfile
import time
from pathlib import Path

from ingestion.rosters import parse_roster
from pathways.core.config import STANDARD_ROSTER_COLUMNS, Institution

FIRST = ["José", "Zoë", "Ann", "Renée", "Mark", "Lan", "Björn", "Chloé"]
LAST = ["Núñez", "O’Brien", "Lee", "Peña", "Smith", "Nguyễn", "García López"]


def _rows(n: int, rng: random.Random) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        rows.append({
            "student_id": f"{i:08d}", "first_name": first, "middle_name": "A",
            "last_name": last, "former_last_name": "", "suffix": "",
            "date_of_birth": f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/"
                             f"{rng.randint(1960, 2004)}",
            "email": f"s{i}@example.edu", "phone": "(617) 555-0100",
            "street_address": f"{i} Main St", "city": "Boston", "state": "MA",
            "postal_code": "02138", "program_cip": "11.0701",
            "program_name": "Computer Science", "degree_level": "Bachelor",
            "graduation_date": f"05/{rng.randint(10, 20)}/{rng.randint(2016, 2025)}"})
    return rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def _best(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(7)
    rows = _rows(args.rows, rng)
    institution = Institution(id="bench", name="Bench", unitid="100001")
    folder = Path(tempfile.mkdtemp(prefix="roster_parse_"))
    columns = list(STANDARD_ROSTER_COLUMNS)
    standard = _write(folder / "standard.csv", columns,
                      [[r[c] for c in columns] for r in rows])
    named_columns = ["student_id", "Name", *columns[6:]]
    single = _write(folder / "single_name.csv", named_columns, [
        [r["student_id"], f"{r['last_name']}, {r['first_name']} {r['middle_name']}",
         *(r[c] for c in columns[6:])] for r in rows])
    mangled = _write(folder / "mojibake.csv", columns, [
        [(r[c].encode("utf-8").decode("cp1252", "replace") if i % 50 == 0 and
          c in ("first_name", "last_name") else r[c]) for c in columns]
        for i, r in enumerate(rows)])

    def csv_only(path: Path) -> None:
        with path.open(encoding="utf-8", newline="") as handle:
            for _ in csv.reader(handle):
                pass

    base = _best(args.repeat, lambda: csv_only(standard))
    figures = {"rows": args.rows, "csv_module_split_s": round(base, 3)}
    for name, path in (("standard", standard), ("single_name_column", single),
                       ("mojibake_1_in_50", mangled)):
        parsed = parse_roster(path, institution)
        assert parsed.table.num_rows + len(parsed.quarantined) == args.rows
        seconds = _best(args.repeat, lambda p=path: parse_roster(p, institution))
        figures[f"{name}_s"] = round(seconds, 3)
        figures[f"{name}_ratio_to_csv_split"] = round(seconds / base, 1)
    for key, value in figures.items():
        print(f"{key:36} {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
