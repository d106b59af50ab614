"""A generic person-linking API, usable outside the warehouse.

    from matching import link
    pairs = link(left, right, threshold=0.9)

``left`` and ``right`` are pyarrow Tables, pandas DataFrames or DuckDB relations, each with
a unique ``record_id`` and any subset of the standard person columns (see PERSON_COLUMNS).
Missing columns and nulls are normal: comparisons and blocking rules are chosen from the
columns both sides have. Without ``model`` a model is trained on the fly (u by random
sampling, m by EM); ``model`` accepts a saved model JSON (path or dict) from an earlier
call's ``return_model=True``. Pairs are resolved one-to-one and returned as a pyarrow Table
with ``left_id``, ``right_id``, ``match_probability``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI

from matching.blocking import CandidateRule, choose_rules, cross_rule, equi_rule
from matching.features import (
    name_columns_sql,
    name_features_sql,
    normalise_name_sql,
    prepare_names,
    register_nicknames,
)
from matching.resolve import resolve_one_to_one
from matching.settings import first_name_comparison, last_name_comparison
from matching.train import regularise
from pathways.core.db import connect_scratch

PERSON_COLUMNS: tuple[str, ...] = (
    "first_name", "middle_name", "last_name", "former_last_name", "date_of_birth", "email",
    "phone", "street_address", "city", "state", "postal_code",
)

log = logging.getLogger(__name__)

# Random pairs sampled to estimate u, in chunks. Splink stops early once every level of a
# comparison has been seen 100 times; the name levels for swaps, surname parts, particles
# and other given names are rare among random pairs by nature, so the name comparisons
# always run to the cap. 300,000 pairs still see a level of u = 1e-3 about 300 times (u
# within about 6%), at a third of the cost of a million; a level seen less often is floored
# (matching.train.regularise).
U_SAMPLE_PAIRS = 3e5
U_SAMPLE_CHUNKS = 3


def as_arrow(data: Any, side: str) -> pa.Table:
    """``data`` (a pyarrow Table, pandas DataFrame or DuckDB relation) as Arrow, checked to
    have a unique, non-null ``record_id``; ``side`` names it in errors."""
    if isinstance(data, pa.Table):
        table = data
    elif hasattr(data, "to_arrow_table"):  # a DuckDB relation
        table = data.to_arrow_table()
    elif type(data).__module__.startswith("pandas"):
        table = pa.Table.from_pandas(data, preserve_index=False)
    else:
        raise TypeError(f"{side}: expected a pyarrow Table, pandas DataFrame or DuckDB "
                        f"relation, got {type(data).__name__}")
    if "record_id" not in table.column_names:
        raise ValueError(f"{side}: a record_id column is required")
    ids = table.column("record_id")
    if ids.null_count:
        raise ValueError(f"{side}: record_id has {ids.null_count} null values")
    if len(ids.unique()) != table.num_rows:
        raise ValueError(f"{side}: record_id is not unique")
    return table


def _features_sql(source: str, columns: set[str]) -> str:
    def col(name: str) -> str:
        return f"cast({name} as varchar)" if name in columns else "cast(null as varchar)"

    street = (f"nullif(trim(regexp_replace(lower(strip_accents({col('street_address')})), "
              f"'[^a-z0-9 ]', '', 'g')), '')")
    dob = (f"coalesce(strftime(try_strptime({col('date_of_birth')}, '%Y-%m-%d'), '%Y-%m-%d'), "
           f"strftime(try_strptime({col('date_of_birth')}, '%Y%m%d'), '%Y-%m-%d'), "
           f"strftime(try_strptime({col('date_of_birth')}, '%m/%d/%Y'), '%Y-%m-%d'))")
    named = name_features_sql(source)
    return f"""
        with base as (
            select
                cast(record_id as varchar) as unique_id,
                {name_columns_sql()},
                {dob} as date_of_birth,
                nullif(lower(trim({col('email')})), '') as email,
                nullif(right(regexp_replace({col('phone')}, '[^0-9]', '', 'g'), 10), '')
                    as phone,
                {street} as street_address,
                nullif(regexp_extract({street}, '^[0-9]+', 0), '') as street_number,
                {normalise_name_sql(col('city'))} as city,
                upper(nullif(trim({col('state')}), '')) as state,
                nullif(left(regexp_replace({col('postal_code')}, '[^0-9A-Za-z]', '', 'g'), 5), '')
                    as postal_code
            from {named}
        )
        select
            base.* exclude (middle_name_norm),
            left(base.middle_name_norm, 1) as middle_initial,
            coalesce(nick.name_groups, [base.first_name]) as first_name_groups
        from base
        left join pathways_nicknames as nick on base.first_name = nick.name
    """


def person_features(con: duckdb.DuckDBPyConnection, table: pa.Table, name: str) -> None:
    """Create table ``name`` of standardised person features from ``table`` (person columns
    and record_id) in ``con``: names folded, transliterated and split as matching.features
    describes, dates, phones, addresses and postcodes normalised."""
    register_nicknames(con)
    con.register(f"_{name}_in", prepare_names(table))
    con.execute(f"create table {name} as {_features_sql(f'_{name}_in', set(table.column_names))}")
    con.unregister(f"_{name}_in")


# Feature columns a comparison or blocking rule can use when both sides have values.
COMPARED_COLUMNS = ("first_name", "middle_initial", "last_name", "date_of_birth", "email",
                    "phone", "street_address", "city", "state", "postal_code")
# Fields considered for blocking, alone and in pairs (matching.blocking).
BLOCKING_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone",
                   "postal_code", "city", "street_address", "street_number", "state",
                   "middle_initial")


def _present(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return con.execute(f"select count({column}) > 0 from {table}").fetchall()[0][0]


# Name shapes some data has and other data does not (see name_shapes).
NAME_SHAPES_SQL = """
    select
        coalesce(bool_or(len(given_names) > 1), false) as several_given_names,
        coalesce(bool_or(last_name_core <> last_name), false) as particles,
        coalesce(bool_or(len(last_name_tokens) > 1), false) as multi_part
    from {table}
"""


def available_columns(con: duckdb.DuckDBPyConnection, tables: list[str]) -> set[str]:
    """Compared columns with values in every one of ``tables``, plus former_last_name when
    any has one, and the name shapes any has: ``several_given_names`` (someone has more
    than one given name), ``particles`` (a surname with van, de, al, ...), ``multi_part``
    (a surname of several parts). A comparison level for a shape no record has could never
    be reached."""
    available = {c for c in COMPARED_COLUMNS if all(_present(con, t, c) for t in tables)}
    if "street_address" in available:
        available.add("street_number")
    if any(_present(con, t, "former_last_name") for t in tables):
        available.add("former_last_name")
    for table in tables:
        shapes = con.sql(NAME_SHAPES_SQL.format(table=table))
        available |= {name for name, present in zip(shapes.columns, shapes.fetchall()[0],
                                                    strict=True) if present}
    return available


def _simple(column: str, *levels: Any) -> cl.CustomComparison:
    return cl.CustomComparison(output_column_name=column,
                               comparison_levels=[cll.NullLevel(column), *levels, cll.ElseLevel()])


def _one_edit_level(column: str, width: int) -> cll.CustomLevel:
    """One character different, added, dropped, or two adjacent characters swapped
    (Damerau-Levenshtein distance 1), for a field of at most ``width`` characters (a date,
    a postcode, a phone number). Damerau-Levenshtein costs twenty times a Hamming distance,
    so it runs only where padded Hamming distance is at most two, which any such pair
    meets (a swap of adjacent characters differs in two positions)."""
    left, right = f"{column}_l", f"{column}_r"
    return cll.CustomLevel(
        f"hamming(rpad({left}, {width}, ' '), rpad({right}, {width}, ' ')) <= 2 "
        f"and damerau_levenshtein({left}, {right}) <= 1",
        label_for_charts="one character different or two adjacent swapped")


def generic_comparisons(available: set[str]) -> list[cl.CustomComparison]:
    """Comparisons for the columns both sides have."""
    names = {"first_name", "last_name"} <= available
    comparisons = []
    if "first_name" in available:
        comparisons.append(first_name_comparison(
            swaps=names, several_given_names="several_given_names" in available))
    if "last_name" in available:
        comparisons.append(last_name_comparison(
            former_names="former_last_name" in available, swaps=names,
            particles="particles" in available, multi_part="multi_part" in available))
    if "middle_initial" in available:
        comparisons.append(_simple("middle_initial", cll.ExactMatchLevel("middle_initial")))
    if "date_of_birth" in available:
        comparisons.append(_simple(
            "date_of_birth",
            cll.ExactMatchLevel("date_of_birth"),
            _one_edit_level("date_of_birth", 10),
            cll.CustomLevel("substr(date_of_birth_l, 1, 4) = substr(date_of_birth_r, 1, 4)",
                            label_for_charts="same year"),
        ))
    if "email" in available:
        # No same-local-part level: see matching.settings.email_comparison.
        comparisons.append(_simple("email", cll.ExactMatchLevel("email")))
    if "phone" in available:
        comparisons.append(_simple("phone", cll.ExactMatchLevel("phone"),
                                   _one_edit_level("phone", 10)))
    if "street_address" in available:
        comparisons.append(_simple(
            "street_address", cll.ExactMatchLevel("street_address"),
            cll.JaroWinklerLevel("street_address", 0.9),
            cll.CustomLevel("street_number_l = street_number_r",
                            label_for_charts="same house number")))
    if "city" in available:
        comparisons.append(_simple(
            "city", cll.ExactMatchLevel("city", term_frequency_adjustments=True),
            cll.JaroWinklerLevel("city", 0.9)))
    if "postal_code" in available:
        comparisons.append(_simple("postal_code", cll.ExactMatchLevel("postal_code"),
                                   _one_edit_level("postal_code", 5)))
    if "state" in available:
        comparisons.append(_simple("state", cll.ExactMatchLevel("state")))
    if len(comparisons) < 2:
        raise ValueError("at least two person columns are needed on both sides, "
                         f"got {sorted(available) or 'none'}")
    return comparisons


def name_rules(available: set[str]) -> list[CandidateRule]:
    """Blocking candidates beyond single fields and pairs: swapped given name and surname,
    and one part of a multi-part surname with the same first name."""
    if not {"first_name", "last_name"} <= available:
        return []
    return [cross_rule("first name and surname swapped",
                       (("first_name", "last_name"), ("last_name", "first_name"))),
            equi_rule("first_name", "last_name_head"),
            equi_rule("first_name", "last_name_tail")]


@dataclass
class GenericSetup:
    """Settings for the generic linker and what it trains with."""

    settings: SettingsCreator
    em_blocks: list
    deterministic: list
    rules: list[CandidateRule]


def generic_settings(con: duckdb.DuckDBPyConnection, left: str, right: str | None,
                     available: set[str]) -> GenericSetup:
    """Settings, EM training blocks and deterministic rules for the columns both sides
    have, with blocking rules chosen by what they cost on these tables (matching.blocking).
    ``right`` None: deduplicate ``left``."""
    comparisons = generic_comparisons(available)
    fields = [f for f in BLOCKING_FIELDS if f in available]
    rules = choose_rules(con, left, right, fields, name_rules(available))
    if not rules:
        raise ValueError("no blocking rule fits the available columns "
                         f"{sorted(available)}; add names, email, phone or date of birth")
    em_candidates = [("first_name", "last_name"), ("date_of_birth",), ("postal_code",),
                     ("email",), ("city",)]
    em_blocks = [block_on(*r) for r in em_candidates if set(r) <= available][:3]
    deterministic = [block_on(*r) for r in
                     [("first_name", "last_name", "date_of_birth"), ("email",),
                      ("first_name", "last_name", "postal_code")] if set(r) <= available]
    settings = SettingsCreator(
        link_type="link_only" if right is not None else "dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=[r.sql for r in rules],
        retain_matching_columns=False, retain_intermediate_calculation_columns=False,
    )
    return GenericSetup(settings, em_blocks, deterministic or [rules[0].sql], rules)


@contextmanager
def _quiet_em() -> Iterator[None]:
    """Silence EM's warning that a level was not observed in a training block: a data set
    without, say, particles in its blocks leaves that level's m to the floor, as intended."""
    em_log = logging.getLogger("splink.internals.expectation_maximisation")
    level = em_log.level
    em_log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        em_log.setLevel(level)


def load_or_train(linker_frames: list, con: duckdb.DuckDBPyConnection, left: str,
                  right: str | None, model: str | Path | dict | None) -> tuple[Linker, dict]:
    """A Linker over the registered feature frames with ``model``, or with a model trained
    on the fly (prior from deterministic rules, u by random sampling, m by EM, floors so no
    level is impossible); and the model as a dict."""
    if model is not None:
        trained = dict(model if isinstance(model, dict) else json.loads(
            Path(model).read_text(encoding="utf-8")))
        # The comparisons are symmetric, so a model trained to link serves to deduplicate
        # and the other way round (its prior is the one it was trained with).
        trained["link_type"] = "dedupe_only" if right is None else "link_only"
        return Linker(linker_frames, trained, log_level=logging.WARNING), trained
    tables = [left] if right is None else [left, right]
    setup = generic_settings(con, left, right, available_columns(con, tables))
    linker = Linker(linker_frames, setup.settings, log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(setup.deterministic,
                                                                  recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=1,
                                                     num_chunks=U_SAMPLE_CHUNKS)
    with _quiet_em():
        for block in setup.em_blocks:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block, estimate_without_term_frequencies=True)
    trained = regularise(linker.misc.save_model_to_json())
    _set_probabilities(linker, trained)
    return linker, trained


def _set_probabilities(linker: Linker, model: dict) -> None:
    """Give the trained linker the (regularised) m and u of ``model``, the model it saved:
    the same comparisons and levels in the same order. Cheaper than a second Linker
    (Splink validates a new one's settings against the tables, a tenth of link's time on
    FEBRL4)."""
    comparisons = linker._settings_obj.comparisons  # Splink 5.0's settings object
    for comparison, saved in zip(comparisons, model["comparisons"], strict=True):
        levels = [lv for lv in comparison.comparison_levels if not lv.is_null_level]
        saved_levels = [lv for lv in saved["comparison_levels"] if not lv.get("is_null_level")]
        for level, values in zip(levels, saved_levels, strict=True):
            level.m_probability = values["m_probability"]
            level.u_probability = values["u_probability"]


def link(left: Any, right: Any, *, threshold: float = 0.9, model: str | Path | dict | None = None,
         return_model: bool = False) -> pa.Table | tuple[pa.Table, dict]:
    """Link two person tables one-to-one; see the module docstring."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    left_table, right_table = as_arrow(left, "left"), as_arrow(right, "right")
    logging.getLogger("splink").setLevel(logging.WARNING)
    con = connect_scratch()
    person_features(con, left_table, "left_features")
    person_features(con, right_table, "right_features")
    db_api = DuckDBAPI(connection=con)
    frames = [db_api.register("left_features", dataset_display_name="left"),
              db_api.register("right_features", dataset_display_name="right")]
    linker, trained = load_or_train(frames, con, "left_features", "right_features", model)
    predictions = linker.inference.predict(threshold_match_probability=min(threshold, 0.5))
    con.execute(f"""
        create temp table _pairs as
        select
            '' as institution_id,
            case when source_dataset_l = 'left' then unique_id_l else unique_id_r end
                as alumni_id,
            case when source_dataset_l = 'left' then unique_id_r else unique_id_l end
                as profile_id,
            match_probability,
            match_weight,
            cast(null as varchar) as explanation
        from {predictions.physical_name}
    """)
    resolve_one_to_one(con, "_pairs", "_resolved")
    result = con.sql(f"""
        select alumni_id as left_id, profile_id as right_id, match_probability
        from _resolved
        where candidate_rank = 1 and match_probability >= {float(threshold)!r}
        order by match_probability desc, left_id
    """).to_arrow_table()
    con.close()
    return (result, trained) if return_model else result
