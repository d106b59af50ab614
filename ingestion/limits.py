"""The size limits that keep one file from exhausting the machine (README "Roster files").

A landing folder is written by people and systems Pathways does not control, so every
reader stops at these limits and says so in plain words instead of running out of memory:
a compressed file or archive that would expand past them is refused whole, and a row with a
value past them is quarantined with a reason.
"""

from __future__ import annotations

# Decompression (single .gz files, .zip members, the profile pool's .jsonl.gz).
# Most bytes any one file may expand to, and any one archive's members together.
MAX_EXPANDED_BYTES = 4 * 1024**3
# Beyond FREE_EXPANSION_BYTES, a file may expand to at most this many times its compressed
# size. Text rosters and JSON lines compress 5 to 20 times; a "zip bomb" (the 51 KB gzip of
# 50 MB of one repeated byte) expands a thousand times.
MAX_EXPANSION_RATIO = 100
FREE_EXPANSION_BYTES = 1024**2
# Most bytes a profile file may expand to: it is streamed (never held whole), so only disk
# and time bound it, not memory; one file of the pool may be tens of gigabytes. The ratio
# limit still refuses a bomb.
MAX_STREAMED_EXPANDED_BYTES = 256 * 1024**3
# Members an archive may hold (folders and operating-system litter not counted).
MAX_ARCHIVE_MEMBERS = 1000

# Values. The CSV reader reads a value of up to CSV_FIELD_LIMIT characters (Python's default
# is 131,072; a longer one used to end ingest with a traceback). A value longer than
# MAX_VALUE_CHARS is not a roster value (an unclosed quote that swallowed the lines after
# it, or a binary file): its row is quarantined.
CSV_FIELD_LIMIT = 16 * 1024**2
MAX_VALUE_CHARS = 10_000
# Raw text kept of a quarantined row or profile line (ops.quarantine.raw_text, the error
# report): enough to recognise and fix it, never a whole file swallowed by one runaway value.
MAX_QUARANTINED_RAW_CHARS = 2_000

# The header of a delimited file or workbook is the first line, among this many, that names
# every required column (title, run-date and blank lines above it are skipped).
HEADER_SEARCH_LINES = 20


def clipped(text: str, limit: int = MAX_QUARANTINED_RAW_CHARS) -> str:
    """``text``, cut to ``limit`` characters with a note of how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… [cut: {len(text):,} characters in all]"


def clipped_bytes(data: bytes, limit: int = MAX_QUARANTINED_RAW_CHARS) -> str:
    """``data`` as UTF-8 text (undecodable bytes replaced), cut like ``clipped``."""
    if len(data) <= limit:
        return data.decode("utf-8", "replace")
    return (f"{data[:limit].decode('utf-8', 'replace')}… [cut: {len(data):,} bytes in all]")
