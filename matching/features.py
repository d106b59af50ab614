"""Feature engineering for linkage: the same standardised columns on both sides.

Both sides end up with these columns (any may be null):

    unique_id, record_id, institution_id, first_name, first_name_groups, given_names,
    middle_initial, last_name, last_name_core, last_name_tokens, last_name_head,
    last_name_tail, former_last_name, email, grad_year, field, city, state, postal_code

Names come from every tradition, so they are standardised before anything compares them:

* **Folded and transliterated** (``fold_name``): accents are folded first (Nguyễn -> Nguyen,
  García -> Garcia), then whatever is still not ASCII is transliterated with ``anyascii``
  (Łukasz -> Lukasz, Søren -> Soren, Дмитрий -> Dmitrii, 王 -> Wang). This, and splitting
  names into lower-case words, runs in Python once per distinct value, on the Arrow input
  (``prepare_names``), before the SQL below.
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

Everything after preparing the names runs as SQL in the caller's DuckDB connection;
nothing is pulled into Python rows.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from anyascii import anyascii
from nicknames import name_triplets

from matching.term_frequencies import tf_columns_sql

FEATURE_COLUMNS: tuple[str, ...] = (
    "unique_id", "record_id", "institution_id", "first_name", "first_name_groups",
    "given_names", "middle_initial", "last_name", "last_name_core", "last_name_tokens",
    "last_name_head", "last_name_tail", "former_last_name", "email", "grad_year", "field",
    "city", "state", "postal_code",
)

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



def fold_name(text: str) -> str:
    """Accents folded, then anything still outside ASCII transliterated: Nguyễn Thị -> Nguyen
    Thi, García -> Garcia, Łukasz -> Lukasz, Дмитрий -> Dmitrii, 秀英 -> XiuYing.

    Folding first keeps what people type on an English keyboard (the same letters without
    their marks) exactly as Unicode decomposition gives it; anyascii then handles the
    letters with no decomposition (ł, ø, đ, ß) and other scripts."""
    return _fold(text)


@lru_cache(maxsize=1 << 18)
def _fold(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return folded if folded.isascii() else anyascii(folded).strip()


def _null_if_empty(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)


def _prepared_distinct(distinct: pa.Array) -> dict[str, pa.Array]:
    """For each distinct name: its words, its first given name and its compact form (words
    run together; see prepare_names), computed with Arrow's
    vectorised string functions; only names outside ASCII go through Python (fold_name),
    after which every name is ASCII and its apostrophes are ' or `."""
    ascii_only = pc.fill_null(pc.string_is_ascii(distinct), True)
    if not pc.all(ascii_only).as_py():
        distinct = pa.array([v if v is None or plain else _fold(v) for v, plain in
                             zip(distinct.to_pylist(), ascii_only.to_pylist(), strict=True)],
                            pa.string())
    lower = pc.ascii_lower(distinct)
    words = _null_if_empty(pc.utf8_trim_whitespace(pc.replace_substring_regex(
        pc.replace_substring_regex(lower, "['`]", ""), "[^a-z]+", " ")))
    given = pc.utf8_trim_whitespace(pc.replace_substring_regex(lower, "[^a-z ]+", ""))
    first = _null_if_empty(pc.list_element(pc.split_pattern(given, " "), 0))
    return {"words": words, "first": first,
            "compact": _null_if_empty(pc.replace_substring(words, " ", ""))}


# Columns prepare_names adds: (column, source name column, which prepared form).
_PREPARED = (
    ("_n_first_words", "first_name", "words"),
    ("_n_first_name", "first_name", "first"),
    ("_n_middle_name_norm", "middle_name", "words"),
    ("_n_last_words", "last_name", "words"),
    ("_n_former_last_name", "former_last_name", "compact"),
)


def prepare_names(table: pa.Table) -> pa.Table:
    """``table`` with the words of its person names added as ``_n_`` columns, for
    name_features_sql: each name folded and transliterated (fold_name), lower case,
    apostrophes dropped and every other run of non-letters one space (O'Brien-Smith, Jr. ->
    "obrien smith jr"); the first given name with a hyphenated one kept whole (José Luis ->
    jose, Mary-Jane -> maryjane); the former surname run together. Each distinct name is
    prepared once: a million rows with a hundred thousand distinct names cost a hundred
    thousand, mostly in vectorised Arrow string functions (regular expressions over every
    row in SQL cost three times as much). Apostrophes in any form (O'Brien, O’Brien,
    OʼBrien) are ' or ` once folded."""
    prepared: dict[str, tuple[pa.ChunkedArray, dict[str, pa.Array]]] = {}
    for added, source, form in _PREPARED:
        if source not in table.column_names or \
                table.column(source).null_count == table.num_rows:
            table = table.append_column(added, pa.nulls(table.num_rows, pa.string()))
            continue
        if source not in prepared:
            column = table.column(source)
            if not pa.types.is_string(column.type):
                column = column.cast(pa.string())
            distinct = pc.unique(column)
            prepared[source] = (pc.index_in(column, value_set=distinct),
                                _prepared_distinct(distinct))
        indices, forms = prepared[source]
        table = table.append_column(added, pc.take(forms[form], indices))
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


def _particles_sql() -> str:
    return "[" + ", ".join(f"'{p}'" for p in SURNAME_PARTICLES) + "]"


# The name feature columns name_features_sql adds (FEATURE_COLUMNS takes them from there).
NAME_FEATURES: tuple[str, ...] = (
    "first_name", "given_names", "middle_name_norm", "last_name", "last_name_core",
    "last_name_tokens", "last_name_head", "last_name_tail", "former_last_name",
)


def name_features_sql(source: str) -> str:
    """SQL subquery: every column of ``source`` (a table prepare_names made) plus the name
    features, as ``_n_<feature>`` for each of NAME_FEATURES. Shared by the warehouse's
    features and the generic ``link``/``dedupe``.

    Built in layers so each piece is computed once per row: the surname's parts (without
    particles and single letters: van der Berg -> [berg], O Brien -> [brien]; all its parts
    when nothing else is left: Da -> [da]), then what is derived from them. ``given_names``
    are every part of the first and middle names, in order."""
    return f"""(
        select
            *,
            nullif(array_to_string(_n_last_name_tokens, ''), '') as _n_last_name_core,
            _n_last_name_tokens[1] as _n_last_name_head,
            _n_last_name_tokens[-1] as _n_last_name_tail
        from (
            select
                *,
                case
                    when _n_last_words is null then null
                    when len(_n_kept) > 0 then _n_kept
                    else list_filter(_n_last_parts, lambda t: t <> '')
                end as _n_last_name_tokens
            from (
                select
                    *,
                    list_filter(_n_last_parts, lambda t: length(t) > 1
                        and not list_contains({_particles_sql()}, t)) as _n_kept,
                    case when _n_first_words is null and _n_middle_name_norm is null
                        then null
                        else list_filter(string_split(concat_ws(' ', _n_first_words,
                            _n_middle_name_norm), ' '), lambda t: length(t) > 1)
                    end as _n_given_names
                from (
                    select
                        *,
                        string_split(_n_last_words, ' ') as _n_last_parts,
                        nullif(replace(_n_last_words, ' ', ''), '') as _n_last_name
                    from {source}
                )
            )
        )
    )"""


def name_columns_sql(alias: str = "") -> str:
    """SQL select list renaming the ``_n_`` columns of name_features_sql to NAME_FEATURES
    (qualified with ``alias`` when given)."""
    prefix = f"{alias}." if alias else ""
    return ",\n            ".join(f"{prefix}_n_{name} as {name}" for name in NAME_FEATURES)


def _email_sql(column: str) -> str:
    return f"nullif(lower(trim(cast({column} as varchar))), '')"


def _col(available: set[str], name: str, cast: str = "varchar") -> str:
    return f"cast({name} as {cast})" if name in available else f"cast(null as {cast})"


def register_nicknames(con: duckdb.DuckDBPyConnection) -> None:
    """Make the nickname table available as ``pathways_nicknames`` in ``con``."""
    con.register("pathways_nicknames", nickname_groups())


def people_features_sql(source: str, available: set[str], *, institution: str | None,
                        grad_year: str | None, field: str | None, unique_id: str) -> str:
    """SQL selecting the feature columns from ``source`` (a table or subquery with the
    ``_n_`` name columns of prepare_names).

    ``institution``, ``grad_year`` and ``field`` are SQL expressions over ``source`` (or
    None); ``unique_id`` is the expression for Splink's unique id.
    """
    named = name_features_sql(source)
    return f"""
        select
            {unique_id} as unique_id,
            cast(record_id as varchar) as record_id,
            {institution or "cast(null as varchar)"} as institution_id,
            {name_columns_sql()},
            {_email_sql(_col(available, "email"))} as email,
            {grad_year or "cast(null as integer)"} as grad_year,
            {normalise_name_sql(field) if field else "cast(null as varchar)"} as field,
            {normalise_name_sql(_col(available, "city"))} as city,
            upper(nullif(trim({_col(available, "state")}), '')) as state,
            left(regexp_replace({_col(available, "postal_code")}, '[^0-9]', '', 'g'), 5)
                as postal_code
        from {named}
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
    con.register("_alumni_in", prepare_names(alumni))
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
    con.register("_profiles_in", prepare_names(profiles))
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
