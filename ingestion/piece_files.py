"""The pieces of streamed files, written to Parquet files that dlt imports as they are.

dlt loads Arrow data by writing it to Parquet load files and inserting those. Handing it the
pieces one by one made its writer dictionary-encode and gather statistics on every column
(1.65 s of a million profiles' 9 s ingest); here each table's pieces go to one Parquet file
as they are read (memory holds one piece, whatever the file's size), written the way only a
DuckDB insert will read them — uncompressed, plain encoding but for the dictionary-encoded
lineage constants, no statistics — and ``dlt.mark.with_file_import`` moves the finished file
into the load package (a hard link), so dlt's load and ledger stay as they were.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt
import pyarrow as pa
import pyarrow.parquet as pq


@dataclass
class PieceFile:
    """One table's Parquet file: where it is, its rows and its Arrow schema."""

    path: Path
    rows: int
    schema: pa.Schema


class PieceFiles:
    """Parquet files, one per table, that pieces are appended to; removed by ``remove``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory / f"pieces-{uuid.uuid4().hex}"
        self.directory.mkdir(parents=True, mode=0o700)
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.files: dict[str, PieceFile] = {}

    def write(self, table_name: str, table: pa.Table) -> None:
        """Append ``table`` to ``table_name``'s file (its first piece fixes the schema)."""
        if table_name not in self._writers:
            path = self.directory / f"{table_name}.parquet"
            dictionary = [field.name for field in table.schema
                          if pa.types.is_dictionary(field.type)]
            self._writers[table_name] = pq.ParquetWriter(
                path, table.schema, compression="none", use_dictionary=dictionary,
                write_statistics=False)
            self.files[table_name] = PieceFile(path, 0, table.schema)
        piece_file = self.files[table_name]
        self._writers[table_name].write_table(table.cast(piece_file.schema))
        piece_file.rows += table.num_rows

    def close(self) -> dict[str, PieceFile]:
        """Finish every file; the files by table name."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        return self.files

    def remove(self) -> None:
        """Close and delete the files (dlt hard-linked what it loads)."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
        shutil.rmtree(self.directory, ignore_errors=True)


def imported_resource(table_name: str, piece_file: PieceFile) -> Any:
    """A dlt resource handing ``piece_file`` to dlt as a Parquet load file of
    ``table_name``, its columns from the file's Arrow schema."""

    def imported() -> Iterator[Any]:
        yield dlt.mark.with_file_import(str(piece_file.path), "parquet", piece_file.rows,
                                        hints=piece_file.schema.empty_table())

    return dlt.resource(imported, name=f"streamed_{table_name}", table_name=table_name,
                        write_disposition="append")
