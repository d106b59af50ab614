"""A token model of job titles: which occupation the words of an unknown title point to.

Titles no reference lists, even after normalisation, are scored by multinomial naive Bayes
over their words, word pairs and last word (the head noun that usually names the job:
"wind turbine service *technician*"), learnt from the 60,000-odd reference titles. Both
learning and scoring are sparse array operations over all titles at once (numpy), so
scoring a few thousand unknown titles takes a fraction of a second.

Naive Bayes is overconfident; the posterior is tempered (``TEMPERATURE``). Tempering
also sets how much the words weigh against the nearest titles by meaning when the coder
averages the two; 1 (was 2) was chosen with the coder's thresholds on the tuning seeds of
the held-out benchmark, never the seed it reports (benchmarks/title_coding_tuning.py). The
coder's averaged score is honest on unseen titles: of those scoring 0.7-0.8 about 88% are
right, 0.8-0.9 about 91%.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ALPHA = 0.1  # additive smoothing of feature counts
TEMPERATURE = 1.0  # posterior = softmax(log-likelihood / TEMPERATURE)
FEATURE_WEIGHTS = {"u": 1.0, "b": 1.0, "h": 1.0}  # unigram, bigram, head word
CHUNK = 2048  # queries scored at once (each needs n_classes doubles)


def features(keys: pa.Array) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """(row index, feature text, weight) of every feature of every key."""
    tokens = pc.split_pattern(pc.fill_null(keys, ""), pattern=" ")
    flat = pc.list_flatten(tokens)
    parent = pc.list_parent_indices(tokens).to_numpy()
    lengths = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)
    unigram = pc.binary_join_element_wise("u:", flat, "")
    # Word pairs: token i with token i + 1 of the same title.
    n = len(flat)
    same = np.zeros(max(n - 1, 0), dtype=bool)
    if n > 1:
        same = parent[:-1] == parent[1:]
    left = pc.take(flat, pa.array(np.nonzero(same)[0]))
    right = pc.take(flat, pa.array(np.nonzero(same)[0] + 1))
    bigram = pc.binary_join_element_wise("b:", pc.binary_join_element_wise(left, right, " "),
                                         "")
    last = np.cumsum(lengths) - 1
    has_head = lengths > 0
    head = pc.binary_join_element_wise(
        "h:", pc.take(flat, pa.array(last[has_head])), "")
    rows = np.concatenate([parent, parent[:-1][same] if n > 1 else parent[:0],
                           np.nonzero(has_head)[0]])
    texts = pa.concat_arrays([unigram, bigram, head])
    weights = np.concatenate([
        np.full(len(unigram), FEATURE_WEIGHTS["u"]),
        np.full(len(bigram), FEATURE_WEIGHTS["b"]),
        np.full(len(head), FEATURE_WEIGHTS["h"]),
    ])
    return rows.astype(np.int64), texts, weights


@dataclass
class TokenModel:
    """Naive Bayes over title features; classes are indexes into the caller's list."""

    vocabulary: pa.Array  # feature texts, sorted
    offsets: np.ndarray  # CSR by feature: entries offsets[f]:offsets[f + 1]
    classes: np.ndarray  # class of each entry
    log_ratio: np.ndarray  # log((count + ALPHA) / ALPHA) of each entry
    log_denominator: np.ndarray  # per class: log(total count + ALPHA * vocabulary size)
    log_prior: np.ndarray  # per class
    n_classes: int

    @classmethod
    def fit(cls, keys: pa.Array, labels: np.ndarray, weights: np.ndarray,
            n_classes: int, log_prior: np.ndarray) -> TokenModel:
        """Learn from reference title ``keys`` with class ``labels`` and ``weights``."""
        rows, texts, feature_weights = features(keys)
        encoded = pc.dictionary_encode(texts)
        vocabulary = encoded.dictionary
        order = pc.array_sort_indices(vocabulary).to_numpy()
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        feature = rank[encoded.indices.to_numpy()]
        vocabulary = pc.take(vocabulary, pa.array(order))
        label = labels[rows]
        counts = weights[rows] * feature_weights
        combined = feature.astype(np.int64) * n_classes + label
        unique, inverse = np.unique(combined, return_inverse=True)
        summed = np.bincount(inverse, weights=counts)
        entry_feature = unique // n_classes
        entry_class = (unique % n_classes).astype(np.int32)
        offsets = np.searchsorted(entry_feature, np.arange(len(vocabulary) + 1))
        totals = np.bincount(entry_class, weights=summed, minlength=n_classes)
        return cls(
            vocabulary=vocabulary,
            offsets=offsets,
            classes=entry_class,
            log_ratio=np.log((summed + ALPHA) / ALPHA),
            log_denominator=np.log(totals + ALPHA * len(vocabulary)),
            log_prior=log_prior,
            n_classes=n_classes,
        )

    def posterior(self, keys: pa.Array) -> np.ndarray:
        """Tempered posterior over classes, one row per key (rows sum to 1)."""
        out = np.zeros((len(keys), self.n_classes))
        for start, chunk in self.chunks(keys):
            out[start:start + len(chunk)] = chunk
        return out

    def chunks(self, keys: pa.Array, temperature: float | None = None
               ) -> Iterator[tuple[int, np.ndarray]]:
        """(first row, posterior of CHUNK rows) over ``keys``: callers that keep only a
        few numbers per row never hold the whole n x classes matrix. ``temperature``
        defaults to TEMPERATURE."""
        keys = pc.fill_null(keys, "")
        for start in range(0, len(keys), CHUNK):
            yield start, self.score(keys.slice(start, CHUNK), temperature)

    def score(self, keys: pa.Array, temperature: float | None = None) -> np.ndarray:
        """The posterior of one chunk of keys (at most CHUNK: it is len(keys) x classes);
        callers may score chunks on several threads (numpy and Arrow release the GIL)."""
        return self._chunk(pc.fill_null(keys, ""), temperature or TEMPERATURE)

    def _chunk(self, keys: pa.Array, temperature: float) -> np.ndarray:
        rows, texts, weights = features(keys)
        position = pc.index_in(texts, value_set=self.vocabulary)
        known = pc.is_valid(position).to_numpy(zero_copy_only=False)
        rows, weights = rows[known], weights[known]
        feature = position.to_numpy(zero_copy_only=False)[known].astype(np.int64)
        weight_total = np.bincount(rows, weights=weights, minlength=len(keys))
        starts, ends = self.offsets[feature], self.offsets[feature + 1]
        lengths = ends - starts
        entry = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(
            lengths.sum())
        query = np.repeat(rows, lengths)
        flat_index = query * self.n_classes + self.classes[entry]
        # The evidence of the title's known features, then what every class gets: its
        # prior and the smoothing of the features it never saw.
        scores = np.bincount(flat_index, weights=np.repeat(weights, lengths)
                             * self.log_ratio[entry],
                             minlength=len(keys) * self.n_classes).astype(
                                 np.float64, copy=False).reshape(len(keys), self.n_classes)
        scores += self.log_prior[None, :]
        scores += weight_total[:, None] * (np.log(ALPHA) - self.log_denominator[None, :])
        scores /= temperature
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores
