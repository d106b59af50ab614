"""Comparing the warehouse's links with the generator's ground truth."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from pathways.core.db import connect_build

DEFAULT_THRESHOLDS: tuple[float, ...] = (0.5, 0.8, 0.9, 0.95, 0.99)  # 0.8 is the default


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
    findable: float  # share of alumni whose profile lists the school under a name the roster
    # knows (current or former), or shows the roster email

    def as_dict(self) -> dict:
        return asdict(self)


def evaluate(build_db: Path, truth_csv: Path,
             thresholds: tuple[float, ...] = DEFAULT_THRESHOLDS) -> list[ThresholdScore]:
    """Precision, recall (of findable alumni), F1 and breadth at each threshold, using the
    accepted one-to-one pairs in pii.int_alumni_profiles_matched."""
    with connect_build(build_db, read_only=True) as con:
        con.execute(
            "create temp table truth as select institution_id, student_id, "
            "nullif(profile_id, '') as profile_id, profile_findable = 'true' as findable "
            "from read_csv(?, all_varchar = true)",
            [str(truth_csv)],
        )
        con.execute("""
            create temp table predicted as
            select a.institution_id, a.student_id, m.profile_id, m.match_probability
            from pii.int_alumni_profiles_matched as m
            inner join pii.int_alumni_deduplicated as a
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


CURVE_THRESHOLDS: tuple[float, ...] = (
    *(round(0.05 * i, 2) for i in range(1, 20)), 0.97, 0.99, 0.995, 0.999)


def pr_chart_html(scores: list[ThresholdScore], title: str = "Precision and recall") -> str:
    """A self-contained HTML page with an SVG precision-recall curve and the table behind it
    (no scripts, nothing fetched)."""
    width, height, pad = 560, 360, 50
    ordered = sorted(scores, key=lambda s: s.recall)
    lo = min(min(s.precision for s in scores), min(s.recall for s in scores), 0.5)

    def x(value: float) -> float:
        return pad + (value - lo) / (1 - lo) * (width - 2 * pad)

    def y(value: float) -> float:
        return height - pad - (value - lo) / (1 - lo) * (height - 2 * pad)

    points = " ".join(f"{x(s.recall):.1f},{y(s.precision):.1f}" for s in ordered)
    dots = "".join(
        f'<circle cx="{x(s.recall):.1f}" cy="{y(s.precision):.1f}" r="3">'
        f"<title>threshold {s.threshold}: precision {s.precision}, recall {s.recall}</title>"
        "</circle>" for s in ordered)
    ticks = "".join(
        f'<text x="{x(v):.1f}" y="{height - pad + 18}" text-anchor="middle">{v:.2f}</text>'
        f'<text x="{pad - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.2f}</text>'
        for v in [lo + (1 - lo) * i / 4 for i in range(5)])
    rows = "".join(
        f"<tr><td>{s.threshold}</td><td>{s.precision:.4f}</td><td>{s.recall:.4f}</td>"
        f"<td>{s.recall_findable:.4f}</td><td>{s.f1:.4f}</td><td>{s.breadth:.1%}</td></tr>"
        for s in sorted(scores, key=lambda s: s.threshold))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:2px 10px;text-align:right}}
svg text{{font-size:11px}} polyline{{fill:none;stroke:#1f77b4;stroke-width:2}}
circle{{fill:#1f77b4}}</style></head><body>
<h1>{title}</h1>
<svg width="{width}" height="{height}" role="img" aria-label="precision-recall curve">
<rect x="{pad}" y="{pad}" width="{width - 2 * pad}" height="{height - 2 * pad}"
 fill="none" stroke="#999"/>{ticks}
<text x="{width / 2}" y="{height - 10}" text-anchor="middle">recall</text>
<text x="14" y="{height / 2}" transform="rotate(-90 14 {height / 2})"
 text-anchor="middle">precision</text>
<polyline points="{points}"/>{dots}</svg>
<table><tr><th>threshold</th><th>precision</th><th>recall</th><th>recall (findable)</th>
<th>F1</th><th>breadth</th></tr>{rows}</table></body></html>
"""


def evaluate_with_chart(build_db: Path, truth_csv: Path, chart: Path) -> list[ThresholdScore]:
    """``evaluate`` at the default thresholds, and the precision-recall chart over
    CURVE_THRESHOLDS written to ``chart``."""
    chart.parent.mkdir(parents=True, exist_ok=True)
    chart.write_text(pr_chart_html(evaluate(build_db, truth_csv, CURVE_THRESHOLDS)),
                     encoding="utf-8")
    return evaluate(build_db, truth_csv)
