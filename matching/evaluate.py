"""Comparing the warehouse's links with the generator's ground truth."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

DEFAULT_THRESHOLDS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.99)


@dataclass(frozen=True)
class ThresholdScore:
    threshold: float
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float
    recall: float
    f1: float
    recall_findable: float  # recall among alumni whose profile carries reviewable evidence
    breadth: float  # share of all alumni linked at this threshold
    with_profile: float  # share of all alumni that have a profile (the ceiling for breadth)
    findable: float  # share of all alumni whose profile lists the school or their email

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate(warehouse: Path, truth_csv: Path,
             thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS) -> list[ThresholdScore]:
    """Precision, recall (of findable alumni), F1 and breadth at each threshold, using the
    accepted one-to-one pairs in intermediate.int_alumni_profiles_matched."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute(
            "create temp table truth as select institution_id, student_id, "
            "nullif(profile_id, '') as profile_id, profile_findable = 'true' as findable "
            "from read_csv(?, all_varchar = true)",
            [str(truth_csv)],
        )
        con.execute("""
            create temp table predicted as
            select a.institution_id, a.student_id, m.profile_id, m.match_probability
            from intermediate.int_alumni_profiles_matched as m
            inner join intermediate.int_alumni_deduplicated as a
                on m.alumni_id = a.alumni_record_id
            where m.candidate_rank = 1
        """)
        n_alumni, n_with_profile, n_findable = con.execute(
            "select count(*), count(profile_id), count(*) filter (where findable) from truth"
        ).fetchall()[0]
        scores = []
        for threshold in thresholds:
            tp, fp, tp_findable = con.execute("""
                select
                    count(*) filter (where p.profile_id = t.profile_id),
                    count(*) filter (where t.profile_id is distinct from p.profile_id),
                    count(*) filter (where p.profile_id = t.profile_id and t.findable)
                from predicted as p
                left join truth as t using (institution_id, student_id)
                where p.match_probability >= ?
            """, [threshold]).fetchall()[0]
            fn = n_with_profile - tp
            precision = tp / (tp + fp) if tp + fp else 1.0
            recall = tp / n_with_profile if n_with_profile else 1.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            scores.append(ThresholdScore(
                threshold, tp, fp, fn, round(precision, 4), round(recall, 4), round(f1, 4),
                round(tp_findable / n_findable, 4) if n_findable else 1.0,
                round((tp + fp) / n_alumni, 4), round(n_with_profile / n_alumni, 4),
                round(n_findable / n_alumni, 4)))
        return scores
    finally:
        con.close()
