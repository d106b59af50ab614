"""Rebuild the perturbation table of the cell-key method, seeds/cell_key_ptable.csv.

    python scripts/build_ptable.py

Every count a shareable channel shows (the agg_* marts, the API, the outcomes report) is
perturbed by the ONS cell-key method: the count's cell key (the sum of its alumni's record
keys modulo 4096, see pathways.core.pseudonym.record_key) picks a row of this table, and the
row's perturbation is added to the count. The table is public (it is in this repository);
what keeps a perturbation unknown is the secret behind the record keys.

The design, per true count c:

* the perturbation d is drawn (through the cell key, which is uniform) from a discretised
  normal with standard deviation 1 on -2..2, so a shown count is within 2 of the truth in
  all but 2 cases in 4,096 and its variance is close to 1;
* one cell key in 4,096 each gives -3 and +3. These rare outer values are what an attacker
  who differences counts must allow for, so a difference of two counts pins a small count
  only when both keys hit the outermost values (1 in 4,096², about 6 in 100 million);
* small counts never go below zero (d >= -c) and their distribution is tilted to keep a
  mean of exactly zero, so perturbation adds no bias to any count;
* zero stays zero (there is no row for it): a category nobody is in does not appear.

Counts of 3 and more share one row (``max_count`` empty). What is shown is decided after
perturbation (pathways.delivery.disclosure): a perturbed count from 1 to min_cell_size - 1 is
never shown.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "seeds" / "cell_key_ptable.csv"
KEYS = 4096  # cell keys 0..4095, the range of pathways.core.pseudonym.RECORD_KEY_RANGE
SPREAD = 2  # most perturbations are within +-2 ...
OUTER = 3  # ... and one key in 4,096 each gives -3 and +3


def _normal(d: int) -> float:
    """Probability of d under a normal with standard deviation 1, discretised."""
    def phi(x: float) -> float:
        return 0.5 * (1 + math.erf(x / math.sqrt(2)))
    return phi(d + 0.5) - phi(d - 0.5)


def _tilted(support: list[int]) -> dict[int, float]:
    """The discretised normal on ``support``, exponentially tilted to a mean of zero."""
    weights = {d: _normal(d) for d in support}
    low, high = -50.0, 50.0
    for _ in range(200):
        tilt = (low + high) / 2
        total = sum(w * math.exp(tilt * d) for d, w in weights.items())
        mean = sum(d * w * math.exp(tilt * d) for d, w in weights.items()) / total
        low, high = (low, tilt) if mean > 0 else (tilt, high)
    total = sum(w * math.exp(tilt * d) for d, w in weights.items())
    return {d: w * math.exp(tilt * d) / total for d, w in weights.items()}


def slots(count: int) -> dict[int, int]:
    """How many of the 4,096 cell keys give each perturbation for a true ``count`` (>= 1).
    The mean perturbation is exactly zero and no perturbed count is negative."""
    fixed = {OUTER: 1} | ({-OUTER: 1} if count >= OUTER else {})
    share = _tilted([d for d in range(-SPREAD, SPREAD + 1) if d >= -count])
    rest = KEYS - sum(fixed.values())
    allotted = dict(fixed)
    for d, p in share.items():
        if d not in (0, -1):
            allotted[d] = round(p * rest)
    # -1 balances the mean exactly; 0 takes what is left.
    allotted[-1] = sum(d * n for d, n in allotted.items())
    allotted[0] = KEYS - sum(allotted.values())
    assert all(n > 0 for n in allotted.values()), allotted
    assert sum(d * n for d, n in allotted.items()) == 0 and sum(allotted.values()) == KEYS
    return dict(sorted(allotted.items()))


def rows() -> list[tuple[int, int | None, int, int, int]]:
    """(min_count, max_count, min_cell_key, max_cell_key, perturbation) rows."""
    table = []
    for count in range(1, OUTER + 1):
        first = 0
        for d, n in slots(count).items():
            table.append((count, None if count == OUTER else count, first, first + n - 1, d))
            first += n
    return table


def main() -> None:
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["min_count", "max_count", "min_cell_key", "max_cell_key",
                         "perturbation"])
        writer.writerows(("" if value is None else value for value in row) for row in rows())
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
