"""A built title coder kept between refreshes, keyed by everything that decides its codes.

Building the coder (normalising some 70,000 reference titles, the token model, the
embedding neighbours) takes 1-2.5 s; a refresh that codes a few hundred new titles paid
that every time, on the build's serial chain (the coder waits on linkage, and the marts on
the coder). The built coder is pickled in the build area (private to the pipeline, like
the rest of it) under a key over the reference tables' rows, the overrides' rows, this
package's source and the library versions, so any change to what the coder decides from
builds it again; a cache that cannot be read is rebuilt, never trusted half way.

``pathways classify titles`` keeps its coder the same way in the user's cache folder
(``Settings.cache_dir``): a career office coding a survey's titles pays the build once, not
on every file. The coder holds reference titles and the data team's overrides, no records.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import stat
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import pyarrow as pa

from pathways.core.build_area import ensure_private_dir
from pathways.core.errors import StorageError
from pathways.occupations.coder import TitleCoder, project_inputs
from pathways.occupations.reference import Reference

log = logging.getLogger(__name__)

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
    removed). No ``cache_dir``, or one that cannot be written: built, not kept."""
    if cache_dir is None:
        return TitleCoder(reference, overrides)
    key = coder_key(reference, overrides)
    path = cache_dir / f"{_PREFIX}{key}.pickle"
    kept = _read_kept(path)
    if kept is not None:
        return kept
    coder = TitleCoder(reference, overrides)
    try:
        _keep(coder, path)
    except (OSError, StorageError) as error:  # read-only or full: costs time, not codes
        log.warning("the title coder could not be kept in %s (%s); it is built again on "
                    "every run", cache_dir, getattr(error, "strerror", None) or error)
    return coder


def _read_kept(path: Path) -> TitleCoder | None:
    """The coder kept at ``path``; None when there is none, it cannot be read (cut short,
    other versions), or it could have been written by anyone but this user: unpickling
    runs code, so only a file of the user's own, in a folder no one else may write to, is
    read."""
    try:
        folder, kept = path.parent.stat(), path.stat()
    except OSError:
        return None
    uid = os.getuid()
    if (folder.st_uid != uid or kept.st_uid != uid
            or (folder.st_mode | kept.st_mode) & (stat.S_IWGRP | stat.S_IWOTH)):
        log.warning("the kept title coder %s is not this user's own: built again", path)
        return None
    try:
        with path.open("rb") as handle:
            coder = pickle.load(handle)
    except Exception:  # unreadable (cut short, other versions): built again
        return None
    return coder if isinstance(coder, TitleCoder) else None


def _keep(coder: TitleCoder, path: Path) -> None:
    """Write ``coder`` to ``path`` whole or not at all, and remove older coders."""
    ensure_private_dir(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".title_coder-")
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(coder, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)  # a killed build leaves no half
    finally:
        Path(temporary).unlink(missing_ok=True)
    for older in path.parent.glob(f"{_PREFIX}*.pickle"):
        if older != path:
            older.unlink(missing_ok=True)


def project_coder(cache_dir: Path | None, reference_dir: Path | None = None,
                  overrides: Path | None = None) -> TitleCoder:
    """The coder over the project's reference files and override table
    (``TitleCoder.load``), kept in ``cache_dir`` between runs: a command that codes a
    survey's few hundred titles reads it (about 0.6 s) instead of building it (about 2 s)."""
    return cached_coder(*project_inputs(reference_dir, overrides), cache_dir)
