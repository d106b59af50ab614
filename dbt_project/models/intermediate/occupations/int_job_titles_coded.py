"""Each distinct job title (with its employer's sector) coded once to SOC 2018 and O*NET-SOC.

The title coder (pathways.occupations) is built from the reference staging models and
the data team's overrides (config/title_codes.csv), then decides the titles of
int_job_titles_distinct that this table does not hold yet: an incremental refresh codes
only titles it has never seen, and a full build codes them all; the decisions are the
same either way because each depends only on the title, its sector and the reference.
A post-hook drops titles no position carries any more (a changed profile, an erasure).
``_coded_in_refresh`` says which refresh coded a title (tests/test_incremental.py checks
that a later delivery codes only its new titles).
"""

import os
from pathlib import Path

import pyarrow as pa

from pathways.occupations import Reference, overrides_path, read_overrides
from pathways.occupations.cache import cached_coder

COLUMNS = ("title_key", "title", "naics_sector", "soc_code", "soc_title", "onet_soc_code",
           "soc_major_group", "coding_score", "coding_method", "_coded_in_refresh")


def _reference(dbt):
    wages = dbt.ref("stg_reference__oews_wages")
    return Reference(
        occupations=dbt.ref("stg_reference__onet_occupations").to_arrow_table(),
        alternate_titles=dbt.ref("stg_reference__onet_alternate_titles").to_arrow_table(),
        direct_match_titles=dbt.ref("stg_reference__direct_match_titles").to_arrow_table(),
        soc_structure=dbt.ref("stg_reference__soc_codes").to_arrow_table(),
        employment=wages.filter("area_type = 'national' and soc_level = 3").project(
            "soc_code, employment").to_arrow_table(),
    )


def _cache_dir(session):
    """The build area's cache folder (beside its database file), None in memory."""
    [(path,)] = session.sql("select path from duckdb_databases() "
                            "where database_name = current_database()").fetchall()
    return Path(path).parent / "cache" if path else None


def model(dbt, session):
    # Post-hooks (drop dbt-duckdb's staging table, prune titles no position carries) are
    # in _occupations__models.yml: Python models may hold no Jinja.
    dbt.config(materialized="incremental", unique_key="title_key",
               incremental_strategy="delete+insert", on_schema_change="fail")
    titles = dbt.ref("int_job_titles_distinct")
    if dbt.is_incremental:
        titles = titles.filter(f"title_key not in (select title_key from {dbt.this})")
    todo = titles.project("title_key, title, naics_sector").to_arrow_table()
    path = overrides_path()
    # the built coder is kept between refreshes (pathways.occupations.cache); a refresh
    # with no new title builds nothing
    coder = cached_coder(_reference(dbt), read_overrides(path) if path.exists() else None,
                         _cache_dir(session)) if len(todo) else None
    if coder is None:
        coded = pa.table({name: pa.array([], pa.string()) for name in COLUMNS[1:-1]})
        coded = coded.set_column(coded.schema.get_field_index("coding_score"),
                                 "coding_score", pa.array([], pa.float64()))
    else:
        coded = coder.code_distinct(todo["title"].combine_chunks(),
                                    todo["naics_sector"].combine_chunks())
    result = coded.add_column(0, "title_key", todo["title_key"]).append_column(
        "_coded_in_refresh", pa.array([os.environ.get("PATHWAYS_REFRESH_ID")] * len(todo),
                                      pa.string()))
    return result.select(list(COLUMNS)).cast(pa.schema([
        ("title_key", pa.string()), ("title", pa.string()), ("naics_sector", pa.string()),
        ("soc_code", pa.string()), ("soc_title", pa.string()),
        ("onet_soc_code", pa.string()), ("soc_major_group", pa.string()),
        ("coding_score", pa.float64()), ("coding_method", pa.string()),
        ("_coded_in_refresh", pa.string())]))
