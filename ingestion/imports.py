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

from ingestion.archives import read_delivered
from ingestion.kind import ParseContext, SourceKind
from ingestion.landing import IMPORT_PREFIX
from ingestion.parsed import ParsedFile, RecordScreen, text_table
from ingestion.textfiles import (
    FileRefused,
    TrailingSummary,
    decode_bytes,
    find_header,
    read_records,
    skipped_above,
    sniff_delimiter,
    split_lines,
)
from ingestion.xlsx import read_xlsx
from pathways.core.config import ImportSource
from pathways.core.erasure_list import ErasureList
from pathways.core.text_encoding import describe_content


def parse_import(path: Path, source: ImportSource) -> ParsedFile:
    """Read one file of a configured source. Refuses it when a configured header is missing;
    quarantines rows with the wrong number of fields or without the linking identifier."""
    required = source.required_headers

    def present(fields: list[str]) -> int:
        stripped = {f.strip() for f in fields}
        return sum(h in stripped for h in required)

    def accepts(fields: list[str]) -> bool:
        return present(fields) == len(required)

    data = read_delivered(path)
    warnings: list[str] = []
    encoding = None
    if describe_content(data) == "workbook":
        table = read_xlsx(data, accepts, present)
        headers, records, warnings = table.header, table.records, list(table.warnings)
    else:
        decoded = decode_bytes(data, path)
        encoding = decoded.encoding
        lines = split_lines(decoded.text)
        search = find_header(lines, accepts, present, None, sniff_delimiter(decoded.text))
        headers = search.fields
        records = read_records(lines, search.index + 1, search.delimiter)
        warnings = [*decoded.warnings, *skipped_above(search.index)]
    if not headers:
        raise FileRefused(path, "the file has no header row")
    headers = [h.strip() for h in headers]
    missing = [h for h in required if h not in headers]
    if missing:
        raise FileRefused(path, f"required column missing for {source.name}: "
                                f"{', '.join(missing)}")
    link_header = source.columns[source.links_by]
    out: dict[str, list] = {"source_name": [], "_raw": [], "_source_row": []}
    summary = TrailingSummary()
    screen = RecordScreen(path, headers)
    for record in screen.rows(summary.filter(records), len(headers)):
        values = dict(zip(headers, record.fields, strict=True))
        if not values[link_header].strip():
            screen.reject(record, f"{link_header} is empty")
            continue
        out["source_name"].append(source.name)
        out["_raw"].append(json.dumps(values, ensure_ascii=False))
        out["_source_row"].append(record.row)
    warnings += [*screen.repair_warnings(), *summary.warnings(screen.rows_read)]
    return ParsedFile(text_table(out), screen.rows_read, screen.quarantined, warnings,
                      encoding)


@dlt.resource(name="import_rows", write_disposition="append")
def imports_resource(table: pa.Table) -> Iterator[pa.Table]:
    """Third-party rows, unchanged (JSON of the file's own headers), for ``raw.import_rows``."""
    yield table




def _keep_rows(table: pa.Table, erasures: ErasureList, context: ParseContext) -> list[bool]:
    """Withhold the rows of erased people, by whichever of student id and email the
    source maps (rows are JSON objects of the file's own headers)."""
    assert context.import_source is not None
    sid = context.import_source.columns.get("student_id")
    email = context.import_source.columns.get("email")
    keep = []
    for raw in table.column("_raw").to_pylist():
        values = json.loads(raw)
        keep.append(not ((sid and erasures.has_student(values.get(sid)))
                         or (email and erasures.has_email(values.get(email)))))
    return keep


def _parse(path: Path, context: ParseContext) -> ParsedFile:
    assert context.import_source is not None
    return parse_import(path, context.import_source)


def import_kind(source_name: str) -> SourceKind:
    """The kind ``import:<source_name>`` (the source itself comes from the configuration
    and reaches the parser through its ParseContext)."""
    return SourceKind(name=IMPORT_PREFIX + source_name, parse=_parse,
                      resource=imports_resource, keep_rows=_keep_rows)
