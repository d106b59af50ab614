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
4. ``fuzzy``: no form is a known title, but one is a near spelling of one (rapidfuzz
   ``ratio`` ≥ ``FUZZY_MIN_RATIO``, over all distinct unknown titles at once); decided as
   that title would be, the score scaled by the similarity.
5. ``token``: the words of the title, by the token model (pathways.occupations.tokens).

Honest uncertainty: a fuzzy or token decision below ``MIN_SCORE`` gives no detailed code;
when its major group alone reaches ``MIN_SCORE`` the major group is kept
(``token_major_group``), else nothing (``uncoded``, with the best score found). Exact
matches are always coded. The thresholds were chosen on a tuning split of
``benchmarks/title_coding.py``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from pathways.occupations.industry import INDUSTRY_FACTOR, SECTOR_GROUPS
from pathways.occupations.normalize import as_array, forms_of, key_of
from pathways.occupations.reference import Reference, title_entries
from pathways.occupations.tokens import TokenModel
from pathways.paths import project_root

MIN_SCORE = 0.5
FUZZY_MIN_RATIO = 95
EMPLOYMENT_EXPONENT = 0.5
EMPLOYMENT_FLOOR = 1000  # occupations OEWS does not estimate count as this small
PARTIAL_FORM_SCORE = 0.95  # exact match after dropping words
CONTRADICTION_SCORE = 0.7  # token score that overrules a match after dropping words

OUTPUT_COLUMNS = ("soc_code", "soc_title", "onet_soc_code", "soc_major_group",
                  "coding_score", "coding_method")
METHODS = ("override", "exact", "exact_industry", "exact_most_likely", "fuzzy", "token",
           "token_major_group", "uncoded", "empty")


class OverrideError(ValueError):
    """config/title_codes.csv has a row the coder cannot use."""


def overrides_path() -> Path:
    return project_root() / "config" / "title_codes.csv"


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
        self.tokens = TokenModel.fit(
            training["key"].combine_chunks(), training["soc_index"].to_numpy(),
            training["evidence"].to_numpy(), len(self.occupations.soc),
            log_prior=EMPLOYMENT_EXPONENT * self.log_employment)
        self.sectors = pa.array(sorted(SECTOR_GROUPS))
        factors = np.ones((len(self.sectors) + 1, len(self.occupations.majors)))
        majors = [m[:2] for m in self.occupations.majors.to_pylist()]
        for row, sector in enumerate(self.sectors.to_pylist()):
            for group in SECTOR_GROUPS[sector]:
                if group in majors:
                    factors[row, majors.index(group)] = INDUSTRY_FACTOR
        self.industry_factors = factors  # last row: no sector
        self.overrides = self._override_map(overrides)

    @classmethod
    def load(cls, reference_dir: Path | None = None,
             overrides: Path | None = None) -> TitleCoder:
        """The coder over the project's reference files and override table."""
        path = overrides or overrides_path()
        return cls(Reference.from_directory(reference_dir),
                   read_overrides(path) if path.exists() else None)

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
        """The decision for each (title, sector) pair, assumed distinct."""
        n = len(titles)
        forms = forms_of(titles)
        sector_row = pc.fill_null(pc.index_in(sectors, value_set=self.sectors),
                                  len(self.sectors)).to_numpy()
        soc = np.full(n, -1, dtype=np.int64)
        onet = np.full(n, -1, dtype=np.int64)
        major = np.full(n, -1, dtype=np.int64)
        score = np.full(n, np.nan)
        method = np.full(n, "", dtype=object)
        empty = pc.is_null(forms.full).to_numpy(zero_copy_only=False)
        method[empty] = "empty"

        # 2-3. Exact look-ups, most specific form first. A match found only after dropping
        # words (seniority, trailing segments) must not contradict what the words of the
        # whole title confidently say (a left-out "chief information officer" is not an
        # "information officer"): then the token model decides.
        partial_rows = []
        override_keys, override_soc = self.overrides
        for form, whole in ((forms.full, True), (forms.reordered, True),
                            (forms.head, False), (forms.full_plain, False),
                            (forms.head_plain, False), (forms.parenthetical, False)):
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
            if not whole:
                partial_rows.append(rows)
        if partial_rows:
            rows = np.concatenate(partial_rows)
            posterior = self._token_posterior(pc.take(forms.full, pa.array(rows)),
                                              sector_row[rows])
            best = posterior.argmax(axis=1)
            best_score = posterior[np.arange(len(rows)), best]
            contradicted = (best_score >= CONTRADICTION_SCORE) & (best != soc[rows])
            # The whole title is no known title: a weak partial match is no better than
            # an unknown title's, so it meets the same threshold below.
            weak = score[rows] < MIN_SCORE
            method[rows[contradicted | weak]] = ""  # decided below, by the token model

        # 4-5. Unknown titles: their words (token model), or a near spelling of a known
        # title when the words do not confidently say otherwise.
        rows = np.nonzero(method == "")[0]
        if len(rows):
            queries = pc.take(forms.full, pa.array(rows))
            posterior = self._token_posterior(queries, sector_row[rows])
            best = posterior.argmax(axis=1)
            best_score = posterior[np.arange(len(rows)), best]
            soc[rows], score[rows], method[rows] = best, best_score, "token"
            onet[rows] = self._first_onet_index(best)
            near_key, ratio = self._near_spellings(queries)
            near = ratio >= FUZZY_MIN_RATIO
            if near.any():
                decided = self._resolve(near_key[near], sector_row[rows[near]])
                agrees = decided["soc"] == best[near]
                overruled = (best_score[near] >= MIN_SCORE) & ~agrees
                take = ~overruled
                chosen = rows[near][take]
                soc[chosen] = decided["soc"][take]
                onet[chosen] = decided["onet"][take]
                fuzzy_score = decided["share"][take] * ratio[near][take] / 100
                score[chosen] = np.where(agrees[take], np.maximum(
                    fuzzy_score, best_score[near][take]), fuzzy_score)
                method[chosen] = "fuzzy"
            # Weak decisions: keep the major group when it alone is likely enough.
            weak = rows[score[rows] < MIN_SCORE]
            if len(weak):
                by_major = np.zeros((len(weak), len(self.occupations.majors)))
                weak_posterior = posterior[np.searchsorted(rows, weak)]
                for index in range(len(self.occupations.majors)):
                    by_major[:, index] = weak_posterior[
                        :, self.occupations.major_index == index].sum(axis=1)
                major_best = by_major.argmax(axis=1)
                major_score = by_major[np.arange(len(weak)), major_best]
                keep_major = major_score >= MIN_SCORE
                soc[weak], onet[weak] = -1, -1
                major[weak[keep_major]] = major_best[keep_major]
                score[weak[keep_major]] = major_score[keep_major]
                method[weak[keep_major]] = "token_major_group"
                method[weak[~keep_major]] = "uncoded"
        return self._table(titles, sectors, soc, onet, major, score, method)

    def _token_posterior(self, keys: pa.Array, sector_row: np.ndarray) -> np.ndarray:
        """The token model's posterior, times the industry factors, renormalised."""
        posterior = self.tokens.posterior(keys)
        posterior *= self.industry_factors[sector_row][:, self.occupations.major_index]
        posterior /= posterior.sum(axis=1, keepdims=True)
        return posterior

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
        """For each query, the known key of highest rapidfuzz ratio and that ratio."""
        choices = self.lookup.keys.to_pylist()
        values = [q or "" for q in queries.to_pylist()]
        best = np.zeros(len(values), dtype=np.int64)
        ratio = np.zeros(len(values))
        for start in range(0, len(values), 1024):
            matrix = process.cdist(values[start:start + 1024], choices, scorer=fuzz.ratio,
                                   dtype=np.uint8, workers=-1,
                                   score_cutoff=FUZZY_MIN_RATIO)
            best[start:start + 1024] = matrix.argmax(axis=1)
            ratio[start:start + 1024] = matrix.max(axis=1)
        return best, ratio

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
