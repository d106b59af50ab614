"""Feature engineering for linkage: the same standardised columns on both sides.

Both sides end up with these columns (any may be null):

    unique_id, record_id, institution_id, first_name, first_name_groups, middle_initial,
    last_name, former_last_name, email, grad_year, field, city, state, postal_code

``first_name_groups`` is the name itself plus every formal name it is a nickname of
(from the maintained ``nicknames`` package), so "bill" and "william" share "william".
Profiles become one row per education entry at a customer institution (a profile with a
bachelor's and a master's at the same school gives two rows, each with its own end year and
field), or one row with ``institution_id = ''`` when they list none: school evidence is then
a plain column comparison that Splink can block and train on. One-to-one resolution later
works on profile ids, so the extra rows never yield two links.

Everything runs as SQL in the caller's DuckDB connection; nothing is pulled into Python rows.
"""

from __future__ import annotations

from functools import lru_cache

import duckdb
import pyarrow as pa
from nicknames import name_triplets

from matching.term_frequencies import tf_columns_sql

FEATURE_COLUMNS: tuple[str, ...] = (
    "unique_id", "record_id", "institution_id", "first_name", "first_name_groups",
    "middle_initial", "last_name", "former_last_name", "email", "grad_year", "field", "city",
    "state", "postal_code",
)


@lru_cache(maxsize=1)
def nickname_groups() -> pa.Table:
    """name -> the formal names it belongs to (itself included), from the ``nicknames``
    package (a hand-curated, maintained list of English names and nicknames)."""
    groups: dict[str, set[str]] = {}
    for triplet in name_triplets():
        if triplet.relationship != "has_nickname":
            continue
        formal, nick = triplet.name1, triplet.name2
        groups.setdefault(formal, {formal})
        groups.setdefault(nick, {nick}).add(formal)
    names = sorted(groups)
    return pa.table({
        "name": pa.array(names, pa.string()),
        "name_groups": pa.array([sorted(groups[n]) for n in names], pa.list_(pa.string())),
    })


def normalise_name_sql(column: str) -> str:
    """SQL: lower case, accents and punctuation removed, apostrophes dropped (o'brien -> obrien)."""
    return (
        f"nullif(trim(regexp_replace(lower(strip_accents(cast({column} as varchar))), "
        f"'[^a-z -]', '', 'g')), '')"
    )


def _first_token(expr: str) -> str:
    return f"nullif(split_part({expr}, ' ', 1), '')"


def _email_sql(column: str) -> str:
    return f"nullif(lower(trim(cast({column} as varchar))), '')"


def _col(available: set[str], name: str, cast: str = "varchar") -> str:
    return f"cast({name} as {cast})" if name in available else f"cast(null as {cast})"


def register_nicknames(con: duckdb.DuckDBPyConnection) -> None:
    """Make the nickname table available as ``pathways_nicknames`` in ``con``."""
    con.register("pathways_nicknames", nickname_groups())


def people_features_sql(source: str, available: set[str], *, institution: str | None,
                        grad_year: str | None, field: str | None, unique_id: str) -> str:
    """SQL selecting the feature columns from ``source`` (a table or subquery).

    ``institution``, ``grad_year`` and ``field`` are SQL expressions over ``source`` (or
    None); ``unique_id`` is the expression for Splink's unique id.
    """
    first = _first_token(normalise_name_sql(_col(available, "first_name")))
    last = normalise_name_sql(_col(available, "last_name"))
    former = normalise_name_sql(_col(available, "former_last_name"))
    middle = normalise_name_sql(_col(available, "middle_name"))
    return f"""
        select
            {unique_id} as unique_id,
            cast(record_id as varchar) as record_id,
            {institution or "cast(null as varchar)"} as institution_id,
            {first} as first_name,
            {middle} as middle_name_norm,
            replace({last}, ' ', '') as last_name,
            replace({former}, ' ', '') as former_last_name,
            {_email_sql(_col(available, "email"))} as email,
            {grad_year or "cast(null as integer)"} as grad_year,
            {normalise_name_sql(field) if field else "cast(null as varchar)"} as field,
            {normalise_name_sql(_col(available, "city"))} as city,
            upper(nullif(trim({_col(available, "state")}), '')) as state,
            left(regexp_replace({_col(available, "postal_code")}, '[^0-9]', '', 'g'), 5)
                as postal_code
        from {source}
    """


def finish_features_sql(inner: str, tf_columns: list[str] | None = None) -> str:
    """Add nickname groups and the middle initial; project exactly FEATURE_COLUMNS, plus
    ``tf_<column>`` frozen term frequencies for ``tf_columns`` (the reference registered
    with matching.term_frequencies.register_reference)."""
    tf_selects, tf_joins = tf_columns_sql("base", tf_columns or [])
    return f"""
        with base as ({inner})
        select
            base.unique_id,
            base.record_id,
            base.institution_id,
            base.first_name,
            coalesce(nick.name_groups, [base.first_name]) as first_name_groups,
            left(base.middle_name_norm, 1) as middle_initial,
            base.last_name,
            base.former_last_name,
            base.email,
            base.grad_year,
            base.field,
            base.city,
            base.state,
            nullif(base.postal_code, '') as postal_code
            {"".join(", " + select for select in tf_selects)}
        from base
        left join pathways_nicknames as nick on base.first_name = nick.name
        {" ".join(tf_joins)}
    """


def alumni_features(con: duckdb.DuckDBPyConnection, alumni: pa.Table, name: str,
                    tf_columns: list[str] | None = None) -> None:
    """Create table ``name`` of alumni features from a roster-shaped Arrow table with
    record_id = '<institution_id>|<student_id>', institution_id, graduation_year and
    program_name besides the person columns (and frozen frequencies for ``tf_columns``)."""
    register_nicknames(con)
    con.register("_alumni_in", alumni)
    available = set(alumni.column_names)
    inner = people_features_sql(
        "_alumni_in", available,
        institution="cast(institution_id as varchar)",
        grad_year="cast(graduation_year as integer)",
        field=_col(available, "program_name"),
        unique_id="cast(record_id as varchar)",
    )
    con.execute(f"create or replace table {name} as {finish_features_sql(inner, tf_columns)}")
    con.unregister("_alumni_in")


def profile_features(con: duckdb.DuckDBPyConnection, profiles: pa.Table,
                     educations: pa.Table, name: str,
                     tf_columns: list[str] | None = None) -> None:
    """Create table ``name`` of profile features: one row per profile and education entry
    at a customer institution (``educations`` has profile_id, institution_id, end_year,
    field_of_study; institution_id null for non-customer schools), with frozen frequencies
    for ``tf_columns``."""
    register_nicknames(con)
    con.register("_profiles_in", profiles)
    con.register("_educations_in", educations)
    available = set(profiles.column_names) | {"institution_id", "end_year", "field_of_study"}
    source = """(
        with customer_schools as (
            select
                profile_id,
                institution_id,
                end_year,
                field_of_study,
                row_number() over (
                    partition by profile_id
                    order by institution_id, end_year nulls last, field_of_study
                ) as entry
            from _educations_in
            where institution_id is not null
        )
        select
            p.*,
            p.profile_id as record_id,
            coalesce(s.institution_id, '') as institution_id,
            coalesce(cast(s.entry as varchar), '') as entry,
            s.end_year,
            s.field_of_study
        from _profiles_in as p
        left join customer_schools as s using (profile_id)
    )"""
    inner = people_features_sql(
        source, available,
        institution="institution_id",
        grad_year="cast(end_year as integer)",
        field="field_of_study",
        unique_id="profile_id || '|' || institution_id || '|' || entry",
    )
    con.execute(f"create or replace table {name} as {finish_features_sql(inner, tf_columns)}")
    con.unregister("_profiles_in")
    con.unregister("_educations_in")
