"""The reference tables the coder learns titles from, read from the project's Parquet files.

`scripts/build_reference_seeds.py` builds ``reference/*.parquet`` from the publishers'
files (O*NET 30.1, BLS SOC 2018 and its Direct Match Title File, BLS OEWS May 2025); the
same files are dbt sources, so the build and the ``pathways classify titles`` command code
titles from the same data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pathways.core.errors import PathwaysError
from pathways.core.settings import Settings
from pathways.occupations.normalize import key_of

FILES = ("soc_structure", "onet_occupations", "onet_alternate_titles",
         "soc_direct_match_titles", "cip_soc_crosswalk", "oews_wages")

# How much a title's listing says about its occupation: an O*NET occupation's own title
# counts most, each source that reported an alternate title once (O*NET's `sources`), a
# BLS direct-match title twice (BLS says it belongs to that occupation only), a part of a
# compound occupation title ("Pipefitters" of "Plumbers, Pipefitters, and Steamfitters")
# once.
EVIDENCE_OCCUPATION_TITLE = 4.0
EVIDENCE_DIRECT_MATCH = 2.0
EVIDENCE_TITLE_PART = 1.0


def reference_dir() -> Path:
    """The folder of the reference Parquet files (the project's ``reference/``)."""
    return Settings.from_env().project_root / "reference"


class MissingReference(PathwaysError, FileNotFoundError):
    """A reference file is missing: rebuild with scripts/build_reference_seeds.py."""


def read_reference(name: str, directory: Path | None = None) -> pa.Table:
    """One reference table by name (see FILES)."""
    path = (directory or reference_dir()) / f"{name}.parquet"
    if not path.exists():
        raise MissingReference(f"{path} is missing: run `python scripts/"
                               "build_reference_seeds.py` (see reference/README.md)")
    return pq.read_table(path)


@dataclass(frozen=True)
class Reference:
    """What the coder needs: the titles of every occupation and what describes them."""

    occupations: pa.Table  # onet_soc_code, soc_code, onet_title, job_zone
    alternate_titles: pa.Table  # onet_soc_code, soc_code, alternate_title, short_title, sources
    direct_match_titles: pa.Table  # soc_code, direct_match_title
    soc_structure: pa.Table  # soc_code, soc_level, soc_title, soc_major_group, ...
    employment: pa.Table  # soc_code, employment (OEWS national, detailed occupations)
    excluded_keys: frozenset[str] = frozenset()  # title keys left out (held-out evaluation)

    @classmethod
    def from_directory(cls, directory: Path | None = None) -> Reference:
        def read(name: str) -> pa.Table:
            return read_reference(name, directory)

        wages = read("oews_wages")
        national = wages.filter(pc.and_(pc.equal(wages["area_type"], "national"),
                                        pc.equal(wages["soc_level"], 3)))
        return cls(
            occupations=read("onet_occupations"),
            alternate_titles=read("onet_alternate_titles"),
            direct_match_titles=read("soc_direct_match_titles"),
            soc_structure=read("soc_structure"),
            employment=national.select(["soc_code", "employment"]),
        )

    def without_titles(self, keys: set[str] | frozenset[str]) -> Reference:
        """The same reference with every title whose key is in ``keys`` left out
        (occupation titles, alternate, short and direct-match titles alike): what a
        held-out evaluation codes with (benchmarks/title_coding.py)."""
        return replace(self, excluded_keys=frozenset(keys) | self.excluded_keys)


def title_entries(reference: Reference) -> pa.Table:
    """Every title the reference gives an occupation: ``title``, ``onet_soc_code``,
    ``soc_code``, ``source``, ``evidence`` (see the EVIDENCE_ constants) and the title's
    comparison ``key`` (pathways.occupations.normalize.key_of)."""
    occupations = reference.occupations
    alternate = reference.alternate_titles
    sources = pc.list_value_length(pc.split_pattern(pc.fill_null(alternate["sources"], ""),
                                                    pattern=","))
    evidence = pc.cast(pc.max_element_wise(sources, 1), pa.float64())
    short = alternate.filter(pc.is_valid(alternate["short_title"]))
    short_evidence = pc.cast(pc.max_element_wise(pc.list_value_length(pc.split_pattern(
        pc.fill_null(short["sources"], ""), pattern=",")), 1), pa.float64())
    # A direct-match title names a SOC occupation; it stands for the O*NET occupation of
    # the same code (XX-XXXX.00), or the first one when O*NET splits the occupation.
    first_onet = _first_onet_code(occupations)
    direct = reference.direct_match_titles
    direct_onet = pc.take(first_onet["onet_soc_code"],
                          pc.index_in(direct["soc_code"], value_set=first_onet["soc_code"]))
    parts = _title_parts(occupations)
    pieces = [
        _entries(occupations["onet_title"], occupations["onet_soc_code"],
                 occupations["soc_code"], "onet_title",
                 pa.array([EVIDENCE_OCCUPATION_TITLE] * occupations.num_rows)),
        _entries(alternate["alternate_title"], alternate["onet_soc_code"],
                 alternate["soc_code"], "onet_alternate", evidence),
        _entries(short["short_title"], short["onet_soc_code"], short["soc_code"],
                 "onet_short", short_evidence),
        _entries(direct["direct_match_title"], direct_onet, direct["soc_code"],
                 "bls_direct_match", pa.array([EVIDENCE_DIRECT_MATCH] * direct.num_rows)),
        parts,
    ]
    entries = pa.concat_tables(pieces)
    entries = entries.append_column("key", key_of(entries["title"]))
    entries = entries.filter(pc.is_valid(entries["key"]))
    if reference.excluded_keys:
        left_out = pa.array(sorted(reference.excluded_keys), pa.string())
        entries = entries.filter(pc.invert(pc.is_in(entries["key"], value_set=left_out)))
    return entries


def _entries(title: pa.Array, onet: pa.Array, soc: pa.Array, source: str,
             evidence: pa.Array) -> pa.Table:
    return pa.table({
        "title": pc.cast(title, pa.string()),
        "onet_soc_code": pc.cast(onet, pa.string()),
        "soc_code": pc.cast(soc, pa.string()),
        "source": pa.array([source] * len(title), pa.string()),
        "evidence": pc.cast(evidence, pa.float64()),
    })


def _first_onet_code(occupations: pa.Table) -> pa.Table:
    """One O*NET code per SOC code: XX-XXXX.00 when it exists, else the lowest."""
    ordered = occupations.sort_by([("soc_code", "ascending"),
                                   ("onet_soc_code", "ascending")])
    soc = ordered["soc_code"].to_pylist()
    keep = [i for i in range(len(soc)) if i == 0 or soc[i] != soc[i - 1]]
    return ordered.take(pa.array(keep)).select(["soc_code", "onet_soc_code"])


def _title_parts(occupations: pa.Table) -> pa.Table:
    """The parts of compound occupation titles, each a title of the occupation:
    "Plumbers, Pipefitters, and Steamfitters" -> Plumbers, Pipefitters, Steamfitters;
    "Claims Adjusters, Examiners, and Investigators" -> Claims Adjusters, Claims Examiners,
    Claims Investigators (the first part's modifiers are shared). "All Other" and
    "Except ..." tails are dropped, and a title is split only when every part is a plural
    noun phrase ("Buyers and Purchasing Agents, Farm Products" is left whole). A loop over
    the 1,016 occupation titles, once per coder."""
    titles, onet, soc = [], [], []
    for row in occupations.select(["onet_title", "onet_soc_code", "soc_code"]).to_pylist():
        title = re.sub(r",\s*(all other|except .*)$", "", row["onet_title"], flags=re.I)
        if "," in title and not re.search(r",\s*(and|or)\s", title):
            continue  # "X, Qualifier": not a list
        parts = [p.strip() for p in re.split(r",\s*(?:and|or)\s+|,\s*|\s+and\s+|\s+or\s+",
                                             title) if p.strip()]
        if len(parts) < 2 or not all(re.search(r"[a-z]s$", p) for p in parts):
            continue
        words = parts[0].split()
        shared = " ".join(words[:-1])
        for index, part in enumerate(parts):
            if index and shared and " " not in part:
                part = f"{shared} {part}"
            titles.append(part)
            onet.append(row["onet_soc_code"])
            soc.append(row["soc_code"])
    return _entries(pa.array(titles, pa.string()), pa.array(onet, pa.string()),
                    pa.array(soc, pa.string()), "onet_title_part",
                    pa.array([EVIDENCE_TITLE_PART] * len(titles)))
