"""Why one alumnus was or was not linked: every candidate profile the blocking rules put
beside them, every comparison's level and weight, and what became of each candidate
(linked, runner-up, linked to another alumnus, rejected by a reviewer, ...).

The alumnus is scored as the build scores them (the same features, frozen term
frequencies and pool-scaled prior), but against every blocked profile, not only those
above the candidate threshold, so a reviewer also sees the near misses.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from matching.explain import level_labels
from matching.predict import CANDIDATE_THRESHOLD, linker_for, prepare_scoring
from pathways.core.db import connect_scratch


@dataclass(frozen=True)
class ComparisonWeight:
    """One comparison of a pair: the level it reached, its weight (bits of evidence, the
    term-frequency adjustment included) and the values compared on each side."""

    comparison: str
    level: str
    weight: float
    alumnus_value: str
    profile_value: str


@dataclass(frozen=True)
class CandidateExplanation:
    """A profile the blocking rules put beside the alumnus, how it scored and what
    became of it."""

    profile_id: str
    status: str
    match_probability: float
    match_weight: float
    found_by: str
    comparisons: tuple[ComparisonWeight, ...]


@dataclass(frozen=True)
class AlumnusExplanation:
    """Why an alumnus was or was not linked: every candidate profile with every
    comparison's weight, best first. ``prior_weight`` is where every pair starts (the
    prior for this pool, in bits); a pair's weight is the prior plus its comparisons."""

    alumni_id: str
    prior_weight: float
    threshold: float
    candidates: tuple[CandidateExplanation, ...]


def _level_columns(model: dict) -> dict[str, list[str]]:
    """comparison -> the feature columns its most specific level reads (``<column>_l`` in
    its SQL): the values a reviewer compares (first_name; institution_id and grad_year)."""
    columns: dict[str, list[str]] = {}
    for comparison in model["comparisons"]:
        found: list[str] = []
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for name in re.findall(r'"?([a-z0-9_]+)_l\b"?', levels[0].get("sql_condition", "")
                               if levels else ""):
            if name not in found:
                found.append(name)
        columns[comparison["output_column_name"]] = found
    return columns


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    return str(value)


def _status(profile_id: str, probability: float, threshold: float, own: dict[int, str],
            taken: dict[str, str], reviews: dict[str, str]) -> str:
    if reviews.get(profile_id) == "no":
        return "rejected by a reviewer"
    if own.get(1) == profile_id:
        if reviews.get(profile_id) == "yes":
            return "linked (confirmed by a reviewer)"
        return "linked" if probability >= threshold else f"best candidate, below {threshold}"
    if own.get(2) == profile_id:
        return "runner-up"
    if profile_id in taken:
        return f"linked to another alumnus ({taken[profile_id]})"
    if probability < CANDIDATE_THRESHOLD:
        return f"below the candidate threshold {CANDIDATE_THRESHOLD}"
    return "not linked"


def explain_alumnus(alumni: pa.Table, profiles: pa.Table, educations: pa.Table,
                    model: str | Path | dict, alumni_id: str, *, threshold: float,
                    matched: pa.Table | None = None, reviews: pa.Table | None = None
                    ) -> AlumnusExplanation:
    """Score one alumnus (``alumni_id``, a record id of ``alumni``) against every profile
    the blocking rules pair it with, exactly as the build does (the same features, frozen
    term frequencies and pool-scaled prior), and say what became of each candidate.

    ``matched`` (institution_id, alumni_id, profile_id, candidate_rank, match_probability:
    the one-to-one result of the build for the alumnus's institution) tells which profile
    was linked, which is the runner-up and which went to another alumnus; ``reviews``
    (profile_id, decision) are reviewers' decisions on this alumnus's pairs."""
    logging.getLogger("splink").setLevel(logging.WARNING)
    one = alumni.filter(pc.equal(alumni.column("record_id"), alumni_id))
    if one.num_rows == 0:
        raise ValueError(f"no alumnus {alumni_id!r}")
    con = connect_scratch()
    settings, _ = prepare_scoring(con, one, profiles, educations, model)
    settings["retain_matching_columns"] = True
    linker = linker_for(con, "alumni_features", "profile_features", settings)
    predictions = linker.inference.predict()
    rows = con.sql(f"select * from {predictions.physical_name}").to_arrow_table().to_pylist()
    con.close()
    prior = settings["probability_two_random_records_match"]
    rules = [r["blocking_rule"] if isinstance(r, dict) else str(r)
             for r in settings["blocking_rules_to_generate_predictions"]]
    labels, columns = level_labels(settings), _level_columns(settings)

    own: dict[int, str] = {}
    taken: dict[str, str] = {}
    for row in (matched.to_pylist() if matched is not None else []):
        if row["alumni_id"] == alumni_id:
            own[row["candidate_rank"]] = row["profile_id"]
        elif row["candidate_rank"] == 1:
            taken[row["profile_id"]] = f"{row['alumni_id']}, {row['match_probability']:.3f}"
    decided = {r["profile_id"]: r["decision"]
               for r in (reviews.to_pylist() if reviews is not None else [])}

    best: dict[str, dict] = {}
    for row in rows:
        alumni_left = str(row["source_dataset_l"]).startswith("alumni")
        side, other = ("l", "r") if alumni_left else ("r", "l")
        profile_id = row[f"record_id_{other}"]
        if profile_id in best and best[profile_id]["match_weight"] >= row["match_weight"]:
            continue
        comparisons = []
        for name, by_value in labels.items():
            gamma = row.get(f"gamma_{name}")
            weight = (row.get(f"mw_{name}") or 0.0) + (row.get(f"mw_tf_adj_{name}") or 0.0)
            level = "null (missing on one side)" if gamma == -1 else by_value.get(gamma, "")
            comparisons.append(ComparisonWeight(
                name, level, round(weight, 2),
                " / ".join(_show(row.get(f"{c}_{side}")) for c in columns[name]),
                " / ".join(_show(row.get(f"{c}_{other}")) for c in columns[name])))
        key = row.get("match_key")
        best[profile_id] = {
            "profile_id": profile_id, "match_weight": row["match_weight"],
            "match_probability": row["match_probability"],
            "found_by": rules[int(key)] if key is not None and int(key) < len(rules) else "",
            "comparisons": tuple(comparisons)}
    candidates = tuple(
        CandidateExplanation(
            c["profile_id"],
            _status(c["profile_id"], c["match_probability"], threshold, own, taken, decided),
            c["match_probability"], round(c["match_weight"], 2), c["found_by"],
            c["comparisons"])
        for c in sorted(best.values(), key=lambda c: (
            -c["match_weight"], c["profile_id"] not in own.values(), c["profile_id"])))
    return AlumnusExplanation(alumni_id, round(math.log2(prior / (1 - prior)), 2), threshold,
                              candidates)


def linkage_settings(project_root: Path) -> tuple[Path, float]:
    """The model the build predicts with and the match threshold, as dbt_project.yml sets
    them (vars match_model, match_threshold)."""
    import yaml

    project = yaml.safe_load((project_root / "dbt_project.yml").read_text(encoding="utf-8"))
    variables = project.get("vars", {})
    return (project_root / variables["match_model"],
            float(variables["match_threshold"]))


def explain_build_alumnus(build_db: Path, project_root: Path, institution_id: str,
                          student_id: str) -> AlumnusExplanation:
    """explain_alumnus for one alumnus of the build area, with the model and threshold the
    build used (from the project at ``project_root``)."""
    from matching.inputs import read_alumnus_outcome, read_inputs

    outcome = read_alumnus_outcome(build_db, institution_id, student_id)
    inputs = read_inputs(build_db)
    model, threshold = linkage_settings(project_root)
    return explain_alumnus(inputs.alumni, inputs.profiles, inputs.educations, model,
                           outcome.alumni_id, threshold=threshold, matched=outcome.matched,
                           reviews=outcome.reviews)
