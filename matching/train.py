"""Training the linkage model outside `dbt build`: u by random sampling, m by EM.

The trained model is saved as versioned JSON under ``matching/models/`` together with
Splink's match-weights and m/u charts as HTML. The dbt build only predicts with it.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
from splink import Linker, block_on
from splink.backends.duckdb import DuckDBAPI

from matching import settings as model_settings
from matching.features import alumni_features, profile_features
from matching.inputs import read_inputs
from matching.term_frequencies import (
    compute_reference,
    reference_path,
    tf_columns,
    write_reference,
)
from pathways.core.db import connect_scratch

log = logging.getLogger(__name__)

# Blocks for EM: each leaves different comparisons free to be estimated, and each is
# mostly true matches, so EM finds the match class. Email frees every name level; first +
# last name frees school, field, location, middle initial and email; institution + last
# name frees the first name once more. (Institution + graduation year, used before, is
# mostly strangers from one class: EM there settled on a "match" class of the same city
# and field rather than the same person, and averaged with the email block it halved
# every name weight.)
EM_BLOCKS = (
    block_on("email"),
    block_on("first_name", "last_name"),
    block_on("institution_id", "last_name"),
)
# Rules that are almost surely matches, to estimate the prior match probability.
DETERMINISTIC_RULES = (
    block_on("email"),
    block_on("first_name", "last_name", "institution_id", "grad_year"),
)


# No agreement level may be treated as impossible for a true match: EM on clean training
# blocks can drive an m probability to 0 (a weight of -80), which would veto any pair
# with, say, a different middle initial. Floors keep every level's evidence finite.
M_FLOOR = 0.005
U_FLOOR = 1e-6


def regularise(model: dict, m_floor: float = M_FLOOR, u_floor: float = U_FLOOR) -> dict:
    """Floor m and u probabilities of every non-null level and renormalise per comparison;
    then keep each level's evidence (m/u) at most that of the level above it.

    Levels go from most to least specific, so a looser agreement must never count for
    more than a stricter one: rare levels (a swap, a shared part of a surname) have u
    estimates from a handful of random pairs or the floor, and m from EM, and their ratio
    can come out above the exact match's. Such a level's u is raised to the ratio of the
    level above it."""
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        for key, floor in (("m_probability", m_floor), ("u_probability", u_floor)):
            values = [max(lv.get(key) or 0.0, floor) for lv in levels]
            total = sum(values)
            for level, value in zip(levels, values, strict=True):
                level[key] = value / total
        cap = None
        for level in levels[:-1]:  # the last ("else") level is what is left
            ratio = level["m_probability"] / level["u_probability"]
            if cap is not None and ratio > cap:
                level["u_probability"] = level["m_probability"] / cap
                ratio = cap
            cap = ratio
        total = sum(lv["u_probability"] for lv in levels)
        for level in levels:
            level["u_probability"] /= total
    return model


def floor_u(model: dict, u_floor: float = U_FLOOR) -> dict:
    """Give every non-null level without an estimated u (never seen among random pairs) the
    floor u, leaving the others as they are."""
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if not level.get("is_null_level") and not level.get("u_probability"):
                level["u_probability"] = u_floor
    return model


# Reviewer-confirmed pairs replace EM's m estimates once there are at least this many.
MIN_CONFIRMED_PAIRS = 30


def metadata_path(model_path: Path) -> Path:
    """Where a model's metadata lives: pathways_match_v1.json -> pathways_match_v1.meta.json."""
    return model_path.with_suffix(".meta.json")


def write_model_metadata(model_path: Path, metadata: dict) -> None:
    metadata_path(model_path).write_text(json.dumps(metadata, indent=2) + "\n",
                                         encoding="utf-8")


@dataclass(frozen=True)
class TrainedModel:
    model_path: Path
    charts: list[Path]
    used_confirmed_pairs: int = 0


def _register_labels(con: duckdb.DuckDBPyConnection, confirmed: pa.Table) -> int:
    """Turn reviewer-confirmed (alumni_id, profile_id) pairs into Splink's pairwise label
    table, choosing the profile's feature row at the alumnus's institution when it has one."""
    con.register("_confirmed", confirmed)
    con.execute("""
        create or replace table pathways_labels as
        select
            'alumni' as source_dataset_l,
            c.alumni_id as unique_id_l,
            'profiles' as source_dataset_r,
            p.unique_id as unique_id_r
        from _confirmed as c
        inner join profile_features as p on c.profile_id = p.record_id
        qualify row_number() over (
            partition by c.alumni_id, c.profile_id
            order by p.institution_id = split_part(c.alumni_id, '|', 1) desc, p.unique_id
        ) = 1
    """)
    return con.execute("select count(*) from pathways_labels").fetchall()[0][0]


def train(alumni: pa.Table, profiles: pa.Table, educations: pa.Table, out_dir: Path, *,
          version: str = model_settings.MODEL_VERSION, seed: int = 42,
          max_pairs: float = 5e6, confirmed: pa.Table | None = None) -> TrainedModel:
    """Train on the given data and write ``pathways_match_v<version>.json`` and charts.

    With at least MIN_CONFIRMED_PAIRS reviewer-confirmed pairs, m probabilities are then
    re-estimated from those labels (u stays from random sampling)."""
    con = connect_scratch()
    alumni_features(con, alumni, "alumni_features")
    profile_features(con, profiles, educations, "profile_features")
    db_api = DuckDBAPI(connection=con)
    left = db_api.register("alumni_features", dataset_display_name="alumni")
    right = db_api.register("profile_features", dataset_display_name="profiles")
    linker = Linker([left, right], model_settings.settings(), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        list(DETERMINISTIC_RULES), recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    # A level random pairs never reach (a swap) has no u yet: floor it before EM, which
    # would otherwise let it veto or dominate.
    linker = Linker([left, right], floor_u(linker.misc.save_model_to_json()),
                    log_level=logging.WARNING)
    for rule in EM_BLOCKS:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True)
    used = 0
    if confirmed is not None and confirmed.num_rows >= MIN_CONFIRMED_PAIRS:
        used = _register_labels(con, confirmed)
        linker.training.estimate_m_from_pairwise_labels("pathways_labels")
    log.info("trained on %s alumni and %s profiles", alumni.num_rows, profiles.num_rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    model_path = out_dir / f"pathways_match_v{version}.json"
    model = regularise(linker.misc.save_model_to_json(overwrite=True))
    model_path.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    write_reference(compute_reference(con, ["alumni_features", "profile_features"],
                                      tf_columns(model)), reference_path(model_path))
    profile_rows = con.execute("select count(*) from profile_features").fetchall()[0][0]
    write_model_metadata(model_path, {
        "model_version": version,
        "trained_on": {"alumni": alumni.num_rows, "profiles": profiles.num_rows,
                       "profile_feature_rows": profile_rows},
        "confirmed_pairs_used": used,
        "links_per_profile_row": model["probability_two_random_records_match"] * profile_rows,
    })
    linker = Linker([left, right], model, log_level=logging.WARNING)
    charts = []
    for name, chart in (("match_weights", linker.visualisations.match_weights_chart()),
                        ("m_u_parameters", linker.visualisations.m_u_parameters_chart())):
        path = out_dir / f"pathways_match_v{version}.{name}.html"
        path.write_text(chart.to_html(inline=True), encoding="utf-8")
        charts.append(path)
    return TrainedModel(model_path, charts, used)


def train_from_build(build_db: Path, out_dir: Path, *, seed: int = 42) -> TrainedModel:
    """Train on the build area's current alumni and profiles (and reviewer-confirmed
    pairs), writing the model into ``out_dir``."""
    inputs = read_inputs(build_db)
    return train(inputs.alumni, inputs.profiles, inputs.educations, out_dir, seed=seed,
                 confirmed=inputs.confirmed)
