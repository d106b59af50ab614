"""A built title coder kept between refreshes, keyed by everything that decides its codes.

Building the coder (normalising some 70,000 reference titles, the token model, the
embedding neighbours) takes 1-2.5 s; a refresh that codes a few hundred new titles paid
that every time, on the build's serial chain (the coder waits on linkage, and the marts on
the coder). The built coder is pickled in the build area (private to the pipeline, like
the rest of it) under a key over the reference tables' rows, the overrides' rows, this
package's source and the library versions, so any change to what the coder decides from
builds it again; a cache that cannot be read is rebuilt, never trusted half way.
"""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import pyarrow as pa

from pathways.occupations.coder import TitleCoder
from pathways.occupations.reference import Reference

_PREFIX = "title_coder-"
_LIBRARIES = ("pyarrow", "numpy", "rapidfuzz", "wordllama")


def _table_digest(table: pa.Table, digest: hashlib._Hash) -> None:
    """Feed ``table``'s schema and rows, in a stable order, to ``digest``."""
    ordered = table.sort_by([(name, "ascending") for name in table.column_names
                             if not pa.types.is_nested(table.schema.field(name).type)])
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, ordered.schema) as writer:
        writer.write_table(ordered.combine_chunks())
    digest.update(sink.getvalue())


def coder_key(reference: Reference, overrides: pa.Table | None) -> str:
    """What decides the coder's codes: reference rows, overrides, this package's code and
    the versions of the libraries whose objects it pickles."""
    digest = hashlib.sha256()
    for name in ("occupations", "alternate_titles", "direct_match_titles", "soc_structure",
                 "employment"):
        digest.update(name.encode())
        _table_digest(getattr(reference, name), digest)
    digest.update(repr(sorted(reference.excluded_keys)).encode())
    if overrides is not None:
        digest.update(b"overrides")
        _table_digest(overrides, digest)
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    digest.update(sys.version.encode())
    for library in _LIBRARIES:
        try:
            digest.update(f"{library}={metadata.version(library)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{library}=none".encode())
    return digest.hexdigest()


def cached_coder(reference: Reference, overrides: pa.Table | None,
                 cache_dir: Path | None) -> TitleCoder:
    """The coder for ``reference`` and ``overrides``: read from ``cache_dir`` when built
    there before by the same code, else built and kept there (one coder: older ones are
    removed). No ``cache_dir``: built, not kept."""
    if cache_dir is None:
        return TitleCoder(reference, overrides)
    key = coder_key(reference, overrides)
    path = cache_dir / f"{_PREFIX}{key}.pickle"
    if path.exists():
        try:
            with path.open("rb") as handle:
                coder = pickle.load(handle)
            if isinstance(coder, TitleCoder):
                return coder
        except Exception:  # unreadable (cut short, other versions): built again
            pass
    coder = TitleCoder(reference, overrides)
    cache_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=cache_dir, prefix=".title_coder-")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(coder, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)  # whole or not at all: a killed build leaves no half
    finally:
        Path(temporary).unlink(missing_ok=True)
    for older in cache_dir.glob(f"{_PREFIX}*.pickle"):
        if older != path:
            older.unlink(missing_ok=True)
    return coder
