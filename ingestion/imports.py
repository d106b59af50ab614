"""Third-party imports (surveys, verification feeds, ...) configured in config/imports.yml.

Rows are kept exactly as delivered: ``raw.import_rows`` holds each row as a JSON object of
the file's own headers and values, with its source, file and row. Mapping to the conformed
outcome model happens in dbt (stg_imports__records) from the configuration tables, so a new
source needs configuration, not code.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import dlt
import pyarrow as pa

from ingestion.parsed import ParsedFile, RecordScreen, text_table
from ingestion.textfiles import FileRefused, decode, read_delimited, sniff_delimiter
from ingestion.xlsx import read_xlsx
from pathways.config import ImportSource


def parse_import(path: Path, source: ImportSource) -> ParsedFile:
    """Read one file of a configured source. Refuses it when a configured header is missing;
    quarantines rows with the wrong number of fields or without the linking identifier."""
    if path.suffix.lower() == ".xlsx":
        headers, records = read_xlsx(path)
        encoding = None
    else:
        text, encoding = decode(path)
        headers, records = read_delimited(text, sniff_delimiter(text))
    if not headers:
        raise FileRefused(path, "the file has no header row")
    headers = [h.strip() for h in headers]
    missing = [h for h in source.required_headers if h not in headers]
    if missing:
        raise FileRefused(path, f"required column missing for {source.name}: "
                                f"{', '.join(missing)}")
    link_header = source.columns[source.links_by]
    out: dict[str, list] = {"source_name": [], "_raw": [], "_source_row": []}
    screen = RecordScreen(path)
    for record in screen.rows(records, len(headers)):
        values = dict(zip(headers, record.fields, strict=True))
        if not values[link_header].strip():
            screen.reject(record, f"{link_header} is empty")
            continue
        out["source_name"].append(source.name)
        out["_raw"].append(json.dumps(values, ensure_ascii=False))
        out["_source_row"].append(record.row)
    return ParsedFile(text_table(out), screen.rows_read, screen.quarantined, [], encoding)


@dlt.resource(name="import_rows", write_disposition="append")
def imports_resource(table: pa.Table) -> Iterator[pa.Table]:
    """Third-party rows, unchanged (JSON of the file's own headers), for ``raw.import_rows``."""
    yield table
