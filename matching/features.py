"""Feature engineering for linkage: the same standardised columns on both sides.

Both sides end up with these columns (any may be null):

    unique_id, record_id, institution_id, first_name, first_name_groups, given_names,
    middle_initial, last_name, last_name_core, last_name_tokens, last_name_head,
    last_name_tail, former_last_name, email, grad_year, field, city, state, postal_code

Names come from every tradition, so they are standardised before anything compares them:

* **Folded and transliterated** (``fold_name``): accents are folded first (Nguyễn -> Nguyen,
  García -> Garcia), then whatever is still not ASCII is transliterated with ``unidecode``
  (Łukasz -> Lukasz, Søren -> Soren, Дмитрий -> Dmitrii, 王 -> Wang). This runs in Python
  once per distinct value, on the Arrow input, before the SQL below.
* **Apostrophes and spacing** do not matter: O'Brien, OBrien and O Brien all give
  ``last_name`` "obrien" (every letter, nothing else), and so do Mc Donald / McDonald.
* **Particles** (van, von, der, de, da, dos, du, le, bin, ibn, al, el, ...) are written,
  dropped or run together: ``last_name_core`` is the surname without them, so van der Berg,
  Berg and "Van Der Berg" share "berg" (while Vanderberg and van der Berg share
  ``last_name``).
* **Multi-part and hyphenated surnames**: ``last_name_tokens`` are the surname's parts
  without particles (García López -> [garcia, lopez], Dupré-Smith -> [dupre, smith],
  Nguyễn Thị -> [nguyen, thi]); any shared part is its own comparison level, weaker than
  the whole surname. ``last_name_head`` / ``last_name_tail`` are the first and last part,
  for blocking (Dupré-Smith on the roster finds Smith on a profile).
* **Given names**: ``first_name`` is the first given name (José Luis -> jose; a hyphenated
  one is kept whole: Mary-Jane -> maryjane); ``given_names`` are every part of the first and
  middle names (José Luis Ángel -> [jose, luis, angel], Mary-Jane -> [mary, jane]), so a
  name written in another order or with another given name first still meets.
  ``first_name_groups`` is the name itself plus every formal name it is a nickname of (from
  the maintained ``nicknames`` package), so "bill" and "william" share "william".

Profiles become one row per education entry at a customer institution (a profile with a
bachelor's and a master's at the same school gives two rows, each with its own end year and
field), or one row with ``institution_id = ''`` when they list none: school evidence is then
a plain column comparison that Splink can block and train on. One-to-one resolution later
works on profile ids, so the extra rows never yield two links.

Everything after folding runs as SQL in the caller's DuckDB connection; nothing is pulled
into Python rows.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from nicknames import name_triplets
from unidecode import unidecode

from matching.term_frequencies import tf_columns_sql

FEATURE_COLUMNS: tuple[str, ...] = (
    "unique_id", "record_id", "institution_id", "first_name", "first_name_groups",
    "given_names", "middle_initial", "last_name", "last_name_core", "last_name_tokens",
    "last_name_head", "last_name_tail", "former_last_name", "email", "grad_year", "field",
    "city", "state", "postal_code",
)

# Person-name columns folded and transliterated before the SQL sees them.
NAME_COLUMNS: tuple[str, ...] = ("first_name", "middle_name", "last_name", "former_last_name")

# Lower-case words that join or precede a surname without being the name itself: Dutch and
# Flemish (van, der, den, ter, ten), German (von, zu), French (de, du, des, le, la), Italian
# (di, del, della, dalla, lo), Spanish and Portuguese (de, del, la, da, das, do, dos, y, e),
# Arabic, Malay and Hebrew patronymic and article particles (bin, binti, bint, ibn, al, el,
# abu, ben). A surname made only of particles (Da, Le, Del) keeps them.
SURNAME_PARTICLES: tuple[str, ...] = (
    "abu", "al", "bin", "binti", "bint", "ben", "da", "dal", "dalla", "das", "de", "dei",
    "del", "della", "dela", "den", "der", "des", "di", "do", "dos", "du", "el", "ibn", "la",
    "le", "lo", "ten", "ter", "van", "vander", "vanden", "von", "zu",
)

# Apostrophes in every form people and keyboards write them: O'Brien, O’Brien, O`Brien.
_APOSTROPHES = "'’‘`´ʼʻ"
_APOSTROPHES_SQL = _APOSTROPHES.replace("'", "''")


def fold_name(text: str) -> str:
    """Accents folded, then anything still outside ASCII transliterated: Nguyễn Thị -> Nguyen
    Thi, García -> Garcia, Łukasz -> Lukasz, Дмитрий -> Dmitrii, 王芳 -> Wang Fang.

    Folding first keeps what people type on an English keyboard (the same letters without
    their marks) exactly as Unicode decomposition gives it; unidecode then handles the
    letters with no decomposition (ł, ø, đ, ß) and other scripts."""
    return _fold(text)


@lru_cache(maxsize=1 << 18)
def _fold(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return folded if folded.isascii() else unidecode(folded).strip()


def fold_names(table: pa.Table, columns: tuple[str, ...] = NAME_COLUMNS) -> pa.Table:
    """``table`` with each of ``columns`` it has passed through fold_name (as text; nulls stay
    null). Each distinct value is folded once, so a million rows with a hundred thousand
    distinct names cost a hundred thousand calls, and an all-ASCII column costs none."""
    for name in columns:
        if name not in table.column_names:
            continue
        column = table.column(name)
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            column = column.cast(pa.string())
        if column.null_count == len(column) or pc.all(pc.string_is_ascii(column)).as_py():
            table = table.set_column(table.column_names.index(name), name, column)
            continue
        distinct = pc.unique(column)
        folded = pa.array([None if v is None else _fold(v) for v in distinct.to_pylist()],
                          pa.string())
        table = table.set_column(table.column_names.index(name), name,
                                 pc.take(folded, pc.index_in(column, value_set=distinct)))
    return table


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
    """SQL: lower case, accents and punctuation removed, apostrophes dropped (o'brien -> obrien);
    for place names and fields of study (person names use the name functions below)."""
    return (
        f"nullif(trim(regexp_replace(lower(strip_accents(cast({column} as varchar))), "
        f"'[^a-z -]', '', 'g')), '')"
    )


def name_words_sql(column: str) -> str:
    """SQL: a (folded) name as lower-case words: apostrophes dropped, every other run of
    non-letters one space (O'Brien-Smith, Jr. -> "obrien smith jr"); null when no letter."""
    return (
        f"nullif(trim(regexp_replace(regexp_replace(lower(strip_accents(cast({column} as "
        f"varchar))), '[{_APOSTROPHES_SQL}]', '', 'g'), '[^a-z]+', ' ', 'g')), '')"
    )


def _particles_sql() -> str:
    return "[" + ", ".join(f"'{p}'" for p in SURNAME_PARTICLES) + "]"


def surname_tokens_sql(words: str) -> str:
    """SQL: the parts of a surname (``words`` from name_words_sql) without particles and
    single letters (van der Berg -> [berg]; O Brien -> [brien]); all its parts when nothing
    else is left (Da -> [da])."""
    parts = f"string_split({words}, ' ')"
    kept = (f"list_filter({parts}, lambda t: length(t) > 1 "
            f"and not list_contains({_particles_sql()}, t))")
    return (f"case when {words} is null then null when len({kept}) > 0 then {kept} "
            f"else list_filter({parts}, lambda t: t <> '') end")


def given_names_sql(first_words: str, middle_words: str) -> str:
    """SQL: every part of the first and middle names, in order."""
    joined = f"concat_ws(' ', {first_words}, {middle_words})"
    return (f"case when {first_words} is null and {middle_words} is null then null else "
            f"list_filter(string_split({joined}, ' '), lambda t: length(t) > 1) end")


def name_columns_sql(first: str, middle: str, last: str, former: str) -> str:
    """SQL select list of the name features (first_name, given_names, middle_name_norm,
    last_name, last_name_core, last_name_tokens, last_name_head, last_name_tail,
    former_last_name) from four (folded) name expressions. Shared by the warehouse's
    features and the generic ``link``/``dedupe``."""
    first_words = name_words_sql(first)
    middle_words = name_words_sql(middle)
    # Given names are separated by spaces; a hyphenated one stays one name (Mary-Jane).
    first_given = (f"nullif(regexp_replace(split_part(trim(regexp_replace(lower(strip_accents("
                   f"cast({first} as varchar))), '[^a-z ]', '', 'g')), ' ', 1), ' ', ''), '')")
    last_words = name_words_sql(last)
    tokens = surname_tokens_sql(last_words)
    return f"""
            {first_given} as first_name,
            {given_names_sql(first_words, middle_words)} as given_names,
            {middle_words} as middle_name_norm,
            nullif(replace({last_words}, ' ', ''), '') as last_name,
            nullif(array_to_string({tokens}, ''), '') as last_name_core,
            {tokens} as last_name_tokens,
            {tokens}[1] as last_name_head,
            {tokens}[-1] as last_name_tail,
            nullif(replace({name_words_sql(former)}, ' ', ''), '') as former_last_name"""


def _email_sql(column: str) -> str:
    return f"nullif(lower(trim(cast({column} as varchar))), '')"


def _col(available: set[str], name: str, cast: str = "varchar") -> str:
    return f"cast({name} as {cast})" if name in available else f"cast(null as {cast})"


def register_nicknames(con: duckdb.DuckDBPyConnection) -> None:
    """Make the nickname table available as ``pathways_nicknames`` in ``con``."""
    con.register("pathways_nicknames", nickname_groups())


def people_features_sql(source: str, available: set[str], *, institution: str | None,
                        grad_year: str | None, field: str | None, unique_id: str) -> str:
    """SQL selecting the feature columns from ``source`` (a table or subquery whose name
    columns went through fold_names).

    ``institution``, ``grad_year`` and ``field`` are SQL expressions over ``source`` (or
    None); ``unique_id`` is the expression for Splink's unique id.
    """
    names = name_columns_sql(_col(available, "first_name"), _col(available, "middle_name"),
                             _col(available, "last_name"), _col(available, "former_last_name"))
    return f"""
        select
            {unique_id} as unique_id,
            cast(record_id as varchar) as record_id,
            {institution or "cast(null as varchar)"} as institution_id,
            {names},
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
            base.given_names,
            left(base.middle_name_norm, 1) as middle_initial,
            base.last_name,
            base.last_name_core,
            base.last_name_tokens,
            base.last_name_head,
            base.last_name_tail,
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
    con.register("_alumni_in", fold_names(alumni))
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
    con.register("_profiles_in", fold_names(profiles))
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
