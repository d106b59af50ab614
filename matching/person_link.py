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
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.backends.duckdb import DuckDBAPI

from matching.features import normalise_name_sql, register_nicknames
from matching.resolve import resolve_one_to_one
from matching.settings import first_name_comparison, last_name_comparison
from matching.train import regularise
from pathways.core.db import connect_scratch

PERSON_COLUMNS: tuple[str, ...] = (
    "first_name", "middle_name", "last_name", "former_last_name", "date_of_birth", "email",
    "phone", "street_address", "city", "state", "postal_code",
)

log = logging.getLogger(__name__)

# Random pairs sampled to estimate u. Splink stops early once every level has been seen
# often enough; a million pairs estimate u well for tables of thousands to millions.
U_SAMPLE_PAIRS = 1e6


def _as_arrow(data: Any, side: str) -> pa.Table:
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

    first = f"nullif(split_part({normalise_name_sql(col('first_name'))}, ' ', 1), '')"
    street = (f"nullif(trim(regexp_replace(lower(strip_accents({col('street_address')})), "
              f"'[^a-z0-9 ]', '', 'g')), '')")
    dob = (f"coalesce(strftime(try_strptime({col('date_of_birth')}, '%Y-%m-%d'), '%Y-%m-%d'), "
           f"strftime(try_strptime({col('date_of_birth')}, '%Y%m%d'), '%Y-%m-%d'), "
           f"strftime(try_strptime({col('date_of_birth')}, '%m/%d/%Y'), '%Y-%m-%d'))")
    return f"""
        with base as (
            select
                cast(record_id as varchar) as unique_id,
                {first} as first_name,
                left({normalise_name_sql(col('middle_name'))}, 1) as middle_initial,
                replace({normalise_name_sql(col('last_name'))}, ' ', '') as last_name,
                replace({normalise_name_sql(col('former_last_name'))}, ' ', '')
                    as former_last_name,
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
            from {source}
        )
        select
            base.*,
            coalesce(nick.name_groups, [base.first_name]) as first_name_groups
        from base
        left join pathways_nicknames as nick on base.first_name = nick.name
    """


def _present(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return con.execute(f"select count({column}) > 0 from {table}").fetchall()[0][0]


def _simple(column: str, *levels: Any) -> cl.CustomComparison:
    return cl.CustomComparison(output_column_name=column,
                               comparison_levels=[cll.NullLevel(column), *levels, cll.ElseLevel()])


def generic_settings(available: set[str]) -> tuple[SettingsCreator, list, list]:
    """Settings, EM training blocks and deterministic rules for the columns both sides have."""
    comparisons = []
    if "first_name" in available:
        comparisons.append(first_name_comparison())
    if "last_name" in available:
        # A level no pair can reach would keep u sampling from stopping early.
        comparisons.append(last_name_comparison(former_names="former_last_name" in available))
    if "middle_initial" in available:
        comparisons.append(_simple("middle_initial", cll.ExactMatchLevel("middle_initial")))
    if "date_of_birth" in available:
        comparisons.append(_simple(
            "date_of_birth",
            cll.ExactMatchLevel("date_of_birth"),
            cll.DamerauLevenshteinLevel("date_of_birth", 1),
            cll.CustomLevel("substr(date_of_birth_l, 1, 4) = substr(date_of_birth_r, 1, 4)",
                            label_for_charts="same year"),
        ))
    if "email" in available:
        comparisons.append(_simple(
            "email", cll.ExactMatchLevel("email"),
            cll.CustomLevel("split_part(email_l, '@', 1) = split_part(email_r, '@', 1)",
                            label_for_charts="same local part")))
    if "phone" in available:
        comparisons.append(_simple("phone", cll.ExactMatchLevel("phone"),
                                   cll.DamerauLevenshteinLevel("phone", 1)))
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
                                   cll.DamerauLevenshteinLevel("postal_code", 1)))
    if "state" in available:
        comparisons.append(_simple("state", cll.ExactMatchLevel("state")))
    if len(comparisons) < 2:
        raise ValueError("link needs at least two person columns present on both sides, "
                         f"got {sorted(available) or 'none'}")

    candidate_rules = [
        ("first_name", "last_name"), ("email",), ("phone",), ("date_of_birth",),
        ("postal_code", "last_name"), ("postal_code", "first_name"),
        ("city", "last_name"), ("street_address",),
    ]
    rules = [block_on(*r) for r in candidate_rules if set(r) <= available]
    em_candidates = [("first_name", "last_name"), ("date_of_birth",), ("postal_code",),
                     ("email",), ("city",)]
    em_blocks = [block_on(*r) for r in em_candidates if set(r) <= available][:3]
    deterministic = [block_on(*r) for r in
                     [("first_name", "last_name", "date_of_birth"), ("email",),
                      ("first_name", "last_name", "postal_code")] if set(r) <= available]
    if not rules:
        raise ValueError("no blocking rule fits the available columns "
                         f"{sorted(available)}; add names, email, phone or date of birth")
    settings = SettingsCreator(
        link_type="link_only", unique_id_column_name="unique_id",
        comparisons=comparisons, blocking_rules_to_generate_predictions=rules,
        retain_matching_columns=False, retain_intermediate_calculation_columns=False,
    )
    return settings, em_blocks, deterministic or rules[:1]


def link(left: Any, right: Any, *, threshold: float = 0.9, model: str | Path | dict | None = None,
         return_model: bool = False) -> pa.Table | tuple[pa.Table, dict]:
    """Link two person tables one-to-one; see the module docstring."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    left_table, right_table = _as_arrow(left, "left"), _as_arrow(right, "right")
    logging.getLogger("splink").setLevel(logging.WARNING)
    con = connect_scratch()
    register_nicknames(con)
    for name, table in (("left", left_table), ("right", right_table)):
        con.register(f"_{name}_in", table)
        con.execute(f"create table {name}_features as "
                    f"{_features_sql(f'_{name}_in', set(table.column_names))}")
    feature_columns = ("first_name", "middle_initial", "last_name", "date_of_birth", "email",
                       "phone", "street_address", "city", "state", "postal_code")
    available = {c for c in feature_columns
                 if _present(con, "left_features", c) and _present(con, "right_features", c)}
    if _present(con, "left_features", "former_last_name") or _present(
            con, "right_features", "former_last_name"):
        available.add("former_last_name")
    db_api = DuckDBAPI(connection=con)
    frames = [db_api.register("left_features", dataset_display_name="left"),
              db_api.register("right_features", dataset_display_name="right")]
    if model is not None:
        trained = model if isinstance(model, dict) else json.loads(
            Path(model).read_text(encoding="utf-8"))
        linker = Linker(frames, trained, log_level=logging.WARNING)
    else:
        settings, em_blocks, deterministic = generic_settings(available)
        linker = Linker(frames, settings, log_level=logging.WARNING)
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
        linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=1)
        for block in em_blocks:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block, estimate_without_term_frequencies=True)
        trained = regularise(linker.misc.save_model_to_json())
        linker = Linker(frames, trained, log_level=logging.WARNING)
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
