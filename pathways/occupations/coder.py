"""Code job titles to SOC 2018 detailed occupations (and O*NET-SOC), with a score.

Each distinct title (with its employer's sector, when known) is decided once, by the first
of these that applies:

1. ``override``: the data team's ``config/title_codes.csv`` names the code of a form of
   the title (score 1); checked before the reference at each form below.
2. ``exact``: a normalised form of the title (pathways.occupations.normalize) is the title
   of exactly one occupation in O*NET 30.1 (occupation, alternate and short titles) or the
   BLS SOC 2018 Direct Match Title File. Score 1 for the whole title, 0.95 when words were
   dropped (seniority, trailing segments).
3. ``exact_industry`` / ``exact_most_likely``: the title belongs to several occupations.
   Each weighs its evidence (how many sources list the title for it) times its national
   employment (OEWS May 2025) to the power ``EMPLOYMENT_EXPONENT``, times
   ``INDUSTRY_FACTOR`` when the employer's sector is one that occupation's major group
   works in. The heaviest wins with its share of the weight as score; ``exact_industry``
   when the sector favoured the winner.
4. ``token``: the words of the title, by the token model (pathways.occupations.tokens),
   averaged (``TOKEN_MODEL_SHARE``) with what its nearest reference titles by meaning say
   (pathways.occupations.embeddings).
5. ``fuzzy``: when the words leave it undecided (score under ``MIN_SCORE``), a near
   spelling of a known title (rapidfuzz ``ratio`` ≥ ``FUZZY_MIN_RATIO``, all such titles
   against the known ones of similar length in one ``cdist`` per length) decides as that
   title would, its score scaled by the similarity.

Honest uncertainty: a token decision below ``MIN_SCORE`` (a fuzzy one, or an exact one
found after dropping words, below ``MATCH_MIN_SCORE``) gives no detailed code; when its
major group alone reaches ``MAJOR_MIN_SCORE`` the major group is kept
(``token_major_group``), else nothing (``uncoded``, with the best score found). Exact
matches are always coded. The thresholds were chosen on the tuning seeds of
``benchmarks/title_coding.py`` (``benchmarks/title_coding_tuning.py``).
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from pathways.core.errors import PathwaysError
from pathways.core.settings import Settings
from pathways.occupations.embeddings import NeighbourModel
from pathways.occupations.industry import INDUSTRY_FACTOR, SECTOR_GROUPS
from pathways.occupations.normalize import Forms, as_array, forms_of, key_of, squash
from pathways.occupations.reference import Reference, title_entries
from pathways.occupations.tokens import CHUNK, TokenModel

# The least score of a token decision that is coded to a detailed occupation. Chosen with
# TEMPERATURE and MAJOR_MIN_SCORE on the tuning seeds 1, 3 and 4 of the benchmark together
# (never the reported seed 2): the setting that coded more unseen titles to a detailed
# occupation than before (41.0% against 38.6%) at the same accuracy (89.7% against
# 89.8%) with coded major groups right 96.3% of the time (95.4% before).
MIN_SCORE = 0.65
# The least score of a near spelling's or a match found after dropping words: these are a
# known title's own occupations, right far more often than a token decision of that score.
MATCH_MIN_SCORE = 0.5
# The token model's temperature for the check of matches found after dropping words (the
# CHECKED_FORMS bars were chosen at it); unknown titles are scored at tokens.TEMPERATURE.
CHECK_TEMPERATURE = 2.0
FUZZY_MIN_RATIO = 95
FUZZY_MIN_WORD = 5  # letters of a word a typo may change
EMPLOYMENT_EXPONENT = 0.5
EMPLOYMENT_FLOOR = 1000  # occupations OEWS does not estimate count as this small
PARTIAL_FORM_SCORE = 0.95  # exact match after dropping words
CONTRADICTION_SCORE = 0.7  # token score that overrules a match after dropping words
# An unknown title's posterior: this share from the token model (its words), the rest
# from its nearest reference titles by meaning (pathways.occupations.embeddings).
TOKEN_MODEL_SHARE = 0.5
# A weak detailed decision keeps its major group when the major group alone is this likely
# (chosen with MIN_SCORE; at 0.5, on seed 1, a major group alone was right 84.5% of the
# time and coded major groups 90.5%).
MAJOR_MIN_SCORE = 0.9

# Threads that normalise and score titles: Arrow's string kernels, numpy's array
# arithmetic and faiss release the GIL, so a pool's titles are coded on every core (the
# normaliser on two threads took 0.93 s where one took 1.6-1.9 s). A title's forms and
# scores do not depend on the others it is coded with, so the result is the same.
WORKERS = max(1, min(4, os.cpu_count() or 1))
FORMS_CHUNK = 262_144  # distinct spellings normalised at once by one thread

OUTPUT_COLUMNS = ("soc_code", "soc_title", "onet_soc_code", "soc_major_group",
                  "coding_score", "coding_method")
# The look-up forms of a title (pathways.occupations.normalize.Forms), most specific first;
# a match on a whole form scores its share, on the others PARTIAL_FORM_SCORE times it.
FORM_ORDER = ("full", "reordered", "head", "full_plain", "head_plain", "parenthetical")
WHOLE_FORMS = ("full", "reordered")
# Matches on these forms are checked against the token model's reading of the whole title,
# and overruled when it names another occupation with at least this score: dropping
# seniority words, keeping only the first segment or only an acronym can name another
# occupation ("Chief Information Officer" is no "Information Officer"; "Technician,
# Histology" no "Technician"; "Patient Escort (Sales)" no sales worker). A first segment
# is usually the title and what follows a department or place ("Accountant - Finance"), so
# it is overruled only by a confident reading; an acronym alone says least.
CHECKED_FORMS = {"full_plain": CONTRADICTION_SCORE, "head": CONTRADICTION_SCORE,
                 "head_plain": CONTRADICTION_SCORE, "parenthetical": MATCH_MIN_SCORE}
METHODS = ("override", "exact", "exact_industry", "exact_most_likely", "fuzzy", "token",
           "token_major_group", "uncoded", "empty")


def in_parallel(function: Callable, items: Iterable, workers: int | None = None) -> list:
    """``function`` over ``items`` on ``workers`` threads (WORKERS), results in order."""
    items, workers = list(items), workers or WORKERS
    if len(items) <= 1 or workers == 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))


class OverrideError(PathwaysError, ValueError):
    """config/title_codes.csv has a row the coder cannot use."""


def overrides_path() -> Path:
    return Settings.from_env().project_root / "config" / "title_codes.csv"


def project_inputs(reference_dir: Path | None = None, overrides: Path | None = None
                   ) -> tuple[Reference, pa.Table | None]:
    """What the project's coder is built from: its reference files and, when there is
    one, its override table (``config/title_codes.csv`` unless ``overrides``)."""
    path = overrides or overrides_path()
    return (Reference.from_directory(reference_dir),
            read_overrides(path) if path.exists() else None)


@dataclass(frozen=True)
class _Occupations:
    soc: pa.Array  # detailed SOC codes, sorted
    title: pa.Array
    major: pa.Array  # XX-0000
    major_index: np.ndarray
    first_onet: pa.Array  # the O*NET code a SOC-level decision reports
    onet: pa.Array  # every O*NET-SOC code, sorted
    majors: pa.Array  # the 23 major groups, sorted


def _occupations(reference: Reference) -> _Occupations:
    structure = reference.soc_structure
    detailed = structure.filter(pc.equal(structure["soc_level"], "detailed")).sort_by(
        "soc_code")
    majors = pc.unique(detailed["soc_major_group"]).sort()
    occupations = reference.occupations.sort_by("onet_soc_code")
    own = pc.binary_join_element_wise(detailed["soc_code"], ".00", "")
    has_own = pc.is_in(own, value_set=occupations["onet_soc_code"])
    first_index = pc.index_in(detailed["soc_code"], value_set=occupations["soc_code"])
    first = pc.if_else(has_own, own, pc.take(occupations["onet_soc_code"], first_index))
    return _Occupations(
        soc=detailed["soc_code"].combine_chunks(),
        title=detailed["soc_title"].combine_chunks(),
        major=detailed["soc_major_group"].combine_chunks(),
        major_index=pc.index_in(detailed["soc_major_group"], value_set=majors).to_numpy(),
        first_onet=as_array(first),
        onet=occupations["onet_soc_code"].combine_chunks(),
        majors=majors,
    )


@dataclass(frozen=True)
class _Lookup:
    """Known title keys (sorted) and, per key, its candidate occupations (CSR)."""

    keys: pa.Array
    offsets: np.ndarray
    soc: np.ndarray  # index into _Occupations.soc
    onet: np.ndarray  # index into _Occupations.onet
    weight: np.ndarray


def _lookup(entries: pa.Table, occupations: _Occupations, log_employment: np.ndarray
            ) -> tuple[_Lookup, pa.Table]:
    by_onet = entries.group_by(["key", "soc_code", "onet_soc_code"]).aggregate(
        [("evidence", "sum")]).sort_by([("key", "ascending"), ("soc_code", "ascending"),
                                        ("evidence_sum", "descending"),
                                        ("onet_soc_code", "ascending")])
    key = by_onet["key"].combine_chunks()
    soc = by_onet["soc_code"].combine_chunks()
    evidence = by_onet["evidence_sum"].to_numpy()
    pair = pc.binary_join_element_wise(key, soc, "\x1f").to_numpy(zero_copy_only=False)
    first = np.ones(len(pair), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    group = np.cumsum(first) - 1
    soc_evidence = np.bincount(group, weights=evidence)
    rows = np.nonzero(first)[0]
    soc_index = pc.index_in(pc.take(soc, pa.array(rows)), value_set=occupations.soc).to_numpy()
    onet_index = pc.index_in(pc.take(by_onet["onet_soc_code"], pa.array(rows)),
                             value_set=occupations.onet).to_numpy()
    pair_key = pc.take(key, pa.array(rows))
    key_first = np.ones(len(rows), dtype=bool)
    key_values = pair_key.to_numpy(zero_copy_only=False)
    key_first[1:] = key_values[1:] != key_values[:-1]
    keys = pc.take(pair_key, pa.array(np.nonzero(key_first)[0]))
    offsets = np.concatenate([np.nonzero(key_first)[0], [len(rows)]])
    weight = soc_evidence * np.exp(EMPLOYMENT_EXPONENT * log_employment[soc_index])
    training = pa.table({"key": pair_key, "soc_index": pa.array(soc_index),
                         "evidence": pa.array(soc_evidence)})
    return _Lookup(keys, offsets, soc_index, onet_index, weight), training


class TitleCoder:
    """Codes titles; build once (about a second) and reuse for every batch of titles."""

    def __init__(self, reference: Reference, overrides: pa.Table | None = None) -> None:
        self.occupations = _occupations(reference)
        employment = np.full(len(self.occupations.soc), float(EMPLOYMENT_FLOOR))
        known = pc.index_in(reference.employment["soc_code"], value_set=self.occupations.soc)
        mask = pc.is_valid(known).to_numpy(zero_copy_only=False)
        values = pc.fill_null(reference.employment["employment"], 0).to_numpy()
        employment[known.to_numpy(zero_copy_only=False)[mask].astype(int)] = np.maximum(
            values[mask], EMPLOYMENT_FLOOR)
        self.log_employment = np.log(employment)
        entries = title_entries(reference)
        self.lookup, training = _lookup(entries, self.occupations, self.log_employment)
        self._choices = self.lookup.keys.to_pylist()
        choice_lengths = np.array([len(c) for c in self._choices], dtype=np.int64)
        order = np.argsort(choice_lengths, kind="stable")
        self._choices_by_length = (order, choice_lengths[order])
        self.tokens = TokenModel.fit(
            training["key"].combine_chunks(), training["soc_index"].to_numpy(),
            training["evidence"].to_numpy(), len(self.occupations.soc),
            log_prior=EMPLOYMENT_EXPONENT * self.log_employment)
        self.neighbours = NeighbourModel.fit(
            self.lookup.keys, self.lookup.offsets, self.lookup.soc, self.lookup.weight,
            len(self.occupations.soc))
        self.sectors = pa.array(sorted(SECTOR_GROUPS))
        factors = np.ones((len(self.sectors) + 1, len(self.occupations.majors)))
        majors = [m[:2] for m in self.occupations.majors.to_pylist()]
        for row, sector in enumerate(self.sectors.to_pylist()):
            for group in SECTOR_GROUPS[sector]:
                if group in majors:
                    factors[row, majors.index(group)] = INDUSTRY_FACTOR
        self.industry_factors = factors  # last row: no sector
        # The same per class, for weighing a posterior over detailed occupations.
        self._class_factors = factors[:, self.occupations.major_index]
        self._major_matrix = np.zeros((len(self.occupations.soc),
                                       len(self.occupations.majors)))
        self._major_matrix[np.arange(len(self.occupations.soc)),
                           self.occupations.major_index] = 1.0
        self.overrides = self._override_map(overrides)

    @classmethod
    def load(cls, reference_dir: Path | None = None,
             overrides: Path | None = None) -> TitleCoder:
        """The coder over the project's reference files and override table."""
        return cls(*project_inputs(reference_dir, overrides))

    # -- overrides -------------------------------------------------------------------------
    def _override_map(self, overrides: pa.Table | None) -> tuple[pa.Array, np.ndarray]:
        if overrides is None or overrides.num_rows == 0:
            return pa.array([], pa.string()), np.array([], dtype=np.int64)
        keys = key_of(overrides["title"])
        soc = overrides["soc_code"]
        index = pc.index_in(soc, value_set=self.occupations.soc)
        for row, (title, code, position, key) in enumerate(zip(
                overrides["title"].to_pylist(), soc.to_pylist(), index.to_pylist(),
                keys.to_pylist(), strict=True), start=1):
            if key is None:
                raise OverrideError(f"title_codes row {row}: title {title!r} has no words")
            if position is None:
                raise OverrideError(f"title_codes row {row}: soc_code {code!r} is not a "
                                    "SOC 2018 detailed occupation (XX-XXXX)")
        table = pa.table({"key": keys, "soc": index}).group_by("key").aggregate(
            [("soc", "max")]).sort_by("key")
        return table["key"].combine_chunks(), table["soc_max"].to_numpy()

    # -- coding ----------------------------------------------------------------------------
    def code(self, titles: pa.Array | list, sectors: pa.Array | list | None = None
             ) -> pa.Table:
        """One row per input title (same order): ``title``, ``naics_sector`` and the
        OUTPUT_COLUMNS. Work is done once per distinct (title, sector)."""
        titles = as_array(titles)
        sectors = (pa.nulls(len(titles), pa.string()) if sectors is None
                   else as_array(sectors))
        combined = pc.binary_join_element_wise(pc.fill_null(titles, "\x00"),
                                               pc.fill_null(sectors, ""), "\x1f")
        position = pc.dictionary_encode(combined).indices.to_numpy()
        _, first = np.unique(position, return_index=True)
        coded = self.code_distinct(pc.take(titles, pa.array(first)),
                                   pc.take(sectors, pa.array(first)))
        return coded.take(pa.array(position))

    def code_distinct(self, titles: pa.Array, sectors: pa.Array) -> pa.Table:
        """The decision for each (title, sector) pair. Titles that differ only in case or
        spacing are normalised once, and titles whose look-up forms are all the same
        ("Sr. Nurse - ICU", "SENIOR NURSE (ICU)") are decided once per sector."""
        titles, sectors = as_array(titles), as_array(sectors)
        lowered = squash(pc.utf8_lower(titles))
        by_spelling = pc.dictionary_encode(lowered)
        spelling = pc.fill_null(by_spelling.indices, -1).to_numpy()
        spellings = by_spelling.dictionary
        size = max(1, min(FORMS_CHUNK, -(-len(spellings) // WORKERS)))
        pieces = in_parallel(forms_of, [spellings.slice(start, size)
                                        for start in range(0, len(spellings), size)])
        forms = Forms(*(pa.concat_arrays([getattr(piece, name) for piece in pieces])
                        if pieces else pa.array([], pa.string())
                        for name in Forms.__dataclass_fields__))
        parts = [pc.fill_null(getattr(forms, name), "") for name in FORM_ORDER]
        by_forms = pc.dictionary_encode(pc.binary_join_element_wise(*parts, "\x1f"))
        form_id = by_forms.indices.to_numpy()
        n_forms = len(by_forms.dictionary)
        # A null title has no forms: its own group, one past the last.
        row_form = np.where(spelling >= 0, form_id[np.maximum(spelling, 0)]
                            if len(form_id) else 0, n_forms)
        sector_row = pc.fill_null(pc.index_in(sectors, value_set=self.sectors),
                                  len(self.sectors)).to_numpy()
        pair = row_form.astype(np.int64) * (len(self.sectors) + 1) + sector_row
        _, first, back = np.unique(pair, return_index=True, return_inverse=True)
        # One spelling per group of forms (the first), none for the null group.
        spelling_of = np.full(n_forms + 1, -1, dtype=np.int64)
        spelling_of[form_id[::-1]] = np.arange(len(form_id))[::-1]
        chosen = spelling_of[row_form[first]]
        present = chosen >= 0
        index = pa.array(np.where(present, chosen, 0), mask=~present)
        representative = Forms(*(pc.take(getattr(forms, name), index)
                                 for name in Forms.__dataclass_fields__))
        decided = self._decide(representative, sector_row[first])
        return self._table(titles, sectors, *(part[back] for part in decided))

    def _decide(self, forms: Forms, sector_row: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(soc, onet, major, score, method) for each row of look-up forms and sector."""
        n = len(forms.full)
        soc = np.full(n, -1, dtype=np.int64)
        onet = np.full(n, -1, dtype=np.int64)
        major = np.full(n, -1, dtype=np.int64)
        score = np.full(n, np.nan)
        method = np.full(n, "", dtype=object)
        method_form = np.full(n, "", dtype=object)  # the form an exact match was found on
        empty = pc.is_null(forms.full).to_numpy(zero_copy_only=False)
        method[empty] = "empty"

        # 2-3. Exact look-ups, most specific form first. A match found only after dropping
        # words (seniority, trailing segments) must not contradict what the words of the
        # whole title confidently say (a left-out "chief information officer" is not an
        # "information officer"): then the token model decides.
        partial_rows = []
        override_keys, override_soc = self.overrides
        for name in FORM_ORDER:
            form, whole = getattr(forms, name), name in WHOLE_FORMS
            # 1. The data team's override of this form, before the reference's.
            if len(override_keys):
                hit = pc.index_in(form, value_set=override_keys)
                rows = self._undecided(method, hit)
                positions = hit.to_numpy(zero_copy_only=False)[rows].astype(int)
                soc[rows] = override_soc[positions]
                onet[rows] = self._first_onet_index(soc[rows])
                score[rows] = 1.0
                method[rows] = "override"
            hit = pc.index_in(form, value_set=self.lookup.keys)
            rows = self._undecided(method, hit)
            if len(rows) == 0:
                continue
            keys = hit.to_numpy(zero_copy_only=False)[rows].astype(np.int64)
            decided = self._resolve(keys, sector_row[rows])
            soc[rows], onet[rows] = decided["soc"], decided["onet"]
            score[rows] = decided["share"] * (1.0 if whole else PARTIAL_FORM_SCORE)
            method[rows] = decided["method"]
            method_form[rows] = name
            if not whole:
                partial_rows.append(rows)
        if partial_rows:
            rows = np.concatenate(partial_rows)
            # The whole title is no known title: a weak partial match is no better than
            # an unknown title's, so it meets the same threshold below.
            undecide = score[rows] < MATCH_MIN_SCORE
            bar = np.array([CHECKED_FORMS.get(name, np.inf) for name in method_form[rows]])
            # A bare head noun left of a comma or dash ("Technician, Cardiac", "Director,
            # Resident") says little about which of its occupations is meant: any other
            # reading of the whole title by the token model overrules it.
            bare = np.zeros(len(rows), dtype=bool)
            for name in ("head", "head_plain"):
                one_word = pc.invert(pc.match_substring(
                    pc.take(getattr(forms, name), pa.array(rows)), " "))
                bare |= (method_form[rows] == name) & pc.fill_null(
                    one_word, False).to_numpy(zero_copy_only=False)
            bar[bare] = 0.0
            checked = np.isfinite(bar) & ~undecide
            if checked.any():
                best, best_score, _, _ = self._token_decisions(
                    pc.take(forms.full, pa.array(rows[checked])), sector_row[rows[checked]],
                    neighbours=False)
                undecide[np.nonzero(checked)[0]] = (best_score >= bar[checked]) & (
                    best != soc[rows[checked]])
            method[rows[undecide]] = ""  # decided below, by the token model

        # 4-5. Unknown titles: their words (token model), or a near spelling of a known
        # title when the words do not confidently say otherwise.
        rows = np.nonzero(method == "")[0]
        if len(rows):
            queries = pc.take(forms.full, pa.array(rows))
            best, best_score, major_best, major_score = self._token_decisions(
                queries, sector_row[rows])
            soc[rows], score[rows], method[rows] = best, best_score, "token"
            onet[rows] = self._first_onet_index(best)
            # A near spelling decides only what the words leave undecided.
            unsure = np.nonzero(best_score < MIN_SCORE)[0]
            near_key, ratio = self._near_spellings(pc.take(queries, pa.array(unsure)))
            near = ratio >= FUZZY_MIN_RATIO
            candidates = np.nonzero(near)[0]
            near[candidates] = self._same_words(
                pc.take(queries, pa.array(unsure[candidates])), near_key[candidates])
            if near.any():
                picked = unsure[near]
                decided = self._resolve(near_key[near], sector_row[rows[picked]])
                chosen = rows[picked]
                soc[chosen], onet[chosen] = decided["soc"], decided["onet"]
                score[chosen] = decided["share"] * ratio[near] / 100
                method[chosen] = "fuzzy"
            # Weak decisions: keep the major group when it alone is likely enough.
            weak = score[rows] < np.where(method[rows] == "fuzzy", MATCH_MIN_SCORE,
                                          MIN_SCORE)
            keep_major = weak & (major_score >= MAJOR_MIN_SCORE)
            soc[rows[weak]], onet[rows[weak]] = -1, -1
            major[rows[keep_major]] = major_best[keep_major]
            score[rows[keep_major]] = major_score[keep_major]
            method[rows[keep_major]] = "token_major_group"
            method[rows[weak & ~keep_major]] = "uncoded"
        return soc, onet, major, score, method

    def _token_decisions(self, keys: pa.Array, sector_row: np.ndarray,
                         neighbours: bool = True
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The token model's best occupation and its score, and best major group and its
        score, for each key under its sector's industry factors. The models read only
        the words, so each distinct key is scored once, a chunk at a time (never an n x
        classes matrix), and each distinct (key, sector) then weighs that posterior by
        its sector's factors. With ``neighbours``, averaged with the nearest reference
        titles' votes (unknown titles; the check of matches found after dropping words
        uses the token model alone, as it was tuned, is run on many more titles and
        needs no major group: those come back as zeros)."""
        encoded = pc.dictionary_encode(pc.fill_null(keys, ""))
        unique_keys = encoded.dictionary
        n_sectors = len(self.sectors) + 1
        pairs, back = np.unique(encoded.indices.to_numpy().astype(np.int64) * n_sectors
                                + sector_row, return_inverse=True)
        # Sorted by key, then sector: each chunk of keys owns one run of pairs.
        pair_key, pair_sector = pairs // n_sectors, pairs % n_sectors
        n = len(pairs)
        best = np.zeros(n, dtype=np.int64)
        best_score = np.zeros(n)
        major_best = np.zeros(n, dtype=np.int64)
        major_score = np.zeros(n)
        temperature = None if neighbours else CHECK_TEMPERATURE

        def decide(start: int) -> None:
            chunk_keys = unique_keys.slice(start, CHUNK)
            chunk = self.tokens.score(chunk_keys, temperature)
            if neighbours:
                chunk *= TOKEN_MODEL_SHARE
                chunk += (1 - TOKEN_MODEL_SHARE) * self.neighbours.posterior(chunk_keys)
            low, high = np.searchsorted(pair_key, [start, start + len(chunk)])
            scored = chunk[pair_key[low:high] - start]
            scored *= self._class_factors[pair_sector[low:high]]
            scored /= scored.sum(axis=1, keepdims=True)
            rows = np.arange(high - low)
            best[low:high] = scored.argmax(axis=1)
            best_score[low:high] = scored[rows, best[low:high]]
            if neighbours:
                by_major = scored @ self._major_matrix
                major_best[low:high] = by_major.argmax(axis=1)
                major_score[low:high] = by_major[rows, major_best[low:high]]

        # Each chunk writes its own run of pairs. The nearest-title search is already
        # spread over every core by faiss: chunks searched on threads of their own as well
        # took 4.0 s where one after the other took 3.1 (the unknown titles of a 1M pool).
        in_parallel(decide, range(0, len(unique_keys), CHUNK),
                    workers=1 if neighbours else WORKERS)
        return best[back], best_score[back], major_best[back], major_score[back]

    @staticmethod
    def _undecided(method: np.ndarray, hit: pa.Array) -> np.ndarray:
        found = pc.is_valid(hit).to_numpy(zero_copy_only=False)
        return np.nonzero(found & (method == ""))[0]

    def _first_onet_index(self, soc: np.ndarray) -> np.ndarray:
        codes = pc.take(self.occupations.first_onet, pa.array(soc))
        return pc.index_in(codes, value_set=self.occupations.onet).to_numpy(
            zero_copy_only=False).astype(np.int64)

    def _resolve(self, keys: np.ndarray, sector_row: np.ndarray) -> dict[str, np.ndarray]:
        """The heaviest candidate occupation of each key (see the module docstring)."""
        lookup = self.lookup
        starts, ends = lookup.offsets[keys], lookup.offsets[keys + 1]
        lengths = ends - starts
        query = np.repeat(np.arange(len(keys)), lengths)
        entry = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(
            lengths.sum())
        soc = lookup.soc[entry]
        factor = self.industry_factors[sector_row[query], self.occupations.major_index[soc]]
        weight = lookup.weight[entry] * factor
        plain = lookup.weight[entry]
        total = np.bincount(query, weights=weight, minlength=len(keys))
        order = np.lexsort((-weight, query))
        first = order[np.searchsorted(query[order], np.arange(len(keys)))]
        plain_order = np.lexsort((-plain, query))
        plain_first = plain_order[np.searchsorted(query[plain_order], np.arange(len(keys)))]
        share = weight[first] / total
        method = np.where(lengths == 1, "exact",
                          np.where((factor[first] > 1) & (soc[first] != soc[plain_first]),
                                   "exact_industry", "exact_most_likely")).astype(object)
        # A favoured sector that only confirms the likeliest occupation still decided it.
        method[(lengths > 1) & (factor[first] > 1) & (method == "exact_most_likely")] = (
            "exact_industry")
        return {"soc": soc[first], "onet": lookup.onet[entry[first]], "share": share,
                "method": method}

    def _near_spellings(self, queries: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """For each query, the known key of highest rapidfuzz ratio (when at least
        FUZZY_MIN_RATIO) and that ratio, else 0. Each distinct query is compared once,
        and only with known keys of a length that can reach the ratio (within about 10%:
        ratio >= 95 means the lengths differ by at most 5% of their sum), one cdist per
        query length."""
        encoded = pc.dictionary_encode(pc.fill_null(queries, ""))
        values = encoded.dictionary.to_pylist()
        best = np.zeros(len(values), dtype=np.int64)
        ratio = np.zeros(len(values))
        lengths = np.array([len(v) for v in values], dtype=np.int64)
        order, choice_lengths = self._choices_by_length
        slack = (100 - FUZZY_MIN_RATIO) / (100 + FUZZY_MIN_RATIO)
        for length in np.unique(lengths):
            asked = np.nonzero(lengths == length)[0]
            low = np.searchsorted(choice_lengths, length * (1 - slack) / (1 + slack) - 1)
            high = np.searchsorted(choice_lengths, length * (1 + slack) / (1 - slack) + 1,
                                   side="right")
            if low >= high or length == 0:
                continue
            window = order[low:high]
            matrix = process.cdist([values[i] for i in asked],
                                   [self._choices[i] for i in window], scorer=fuzz.ratio,
                                   dtype=np.uint8, workers=-1, score_cutoff=FUZZY_MIN_RATIO)
            best[asked] = window[matrix.argmax(axis=1)]
            ratio[asked] = matrix.max(axis=1)
        index = encoded.indices.to_numpy()
        return best[index], ratio[index]

    def _same_words(self, queries: pa.Array, keys: np.ndarray) -> np.ndarray:
        """Whether each query could be a misspelling of its near known key: as many words,
        each starting with the same letter, and words that differ at least
        ``FUZZY_MIN_WORD`` letters long ("car dealer" is no misspelt "card dealer", nor
        "arts consultant" a "parts consultant")."""
        if len(queries) == 0:
            return np.zeros(0, dtype=bool)
        known = pc.take(self.lookup.keys, pa.array(keys))
        ok = np.zeros(len(queries), dtype=bool)
        for row, (asked, found) in enumerate(zip(queries.to_pylist(), known.to_pylist(),
                                                 strict=True)):
            a, b = (asked or "").split(), (found or "").split()
            ok[row] = len(a) == len(b) and all(
                x == y or (x[0] == y[0] and min(len(x), len(y)) >= FUZZY_MIN_WORD)
                for x, y in zip(a, b, strict=True))
        return ok

    def _table(self, titles: pa.Array, sectors: pa.Array, soc: np.ndarray,
               onet: np.ndarray, major: np.ndarray, score: np.ndarray,
               method: np.ndarray) -> pa.Table:
        occupations = self.occupations
        has_soc = soc >= 0
        soc_index = pa.array(np.where(has_soc, soc, 0), mask=~has_soc)
        major_from_soc = pc.take(occupations.major, soc_index)
        major_only = pc.take(occupations.majors, pa.array(np.where(major >= 0, major, 0),
                                                          mask=major < 0))
        has_onet = onet >= 0
        return pa.table({
            "title": titles,
            "naics_sector": sectors,
            "soc_code": pc.take(occupations.soc, soc_index),
            "soc_title": pc.take(occupations.title, soc_index),
            "onet_soc_code": pc.take(occupations.onet, pa.array(np.where(has_onet, onet, 0),
                                                                mask=~has_onet)),
            "soc_major_group": pc.coalesce(major_from_soc, major_only),
            "coding_score": pa.array(np.round(score, 4), mask=np.isnan(score)),
            "coding_method": pa.array(method.tolist(), pa.string()),
        })


def read_overrides(path: Path) -> pa.Table:
    """The data team's override table: ``title,soc_code[,note]``, UTF-8 CSV."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"title", "soc_code"} - set(reader.fieldnames or ())
            if missing:
                raise OverrideError(f"{path}: column(s) missing: {', '.join(sorted(missing))}")
            rows = [(row["title"] or "", (row["soc_code"] or "").strip()) for row in reader]
    except UnicodeDecodeError as error:
        raise OverrideError(f"{path} is not UTF-8 text ({error.reason})") from error
    return pa.table({"title": pa.array([r[0] for r in rows], pa.string()),
                     "soc_code": pa.array([r[1] for r in rows], pa.string())})
