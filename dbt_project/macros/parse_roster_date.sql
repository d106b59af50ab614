{#
    Parse a date written in any of the formats student information systems use (see
    ingestion/dates.py, which this macro mirrors; tests/test_dates.py checks they agree):
    2021-05-15 and ISO timestamps, 2021/05/15, 20210515, 05/15/2021, 5/15/21, 05-15-2021,
    05.15.2021 (month first; with or without a time such as 12:00:00 AM), 15-MAY-21,
    15 May 2021, May 15, 2021, and Excel serial numbers (days since 1899-12-30).
    Two-digit years: 00-49 are 2000-2049, 50-99 are 1950-1999. Returns null when the text
    is not a date.

    Roster dates arrive already in ISO form (ingest decides day or month first per file and
    writes _date_of_birth_iso and _graduation_date_iso); this macro reads third-party
    imports and roster rows loaded before those columns existed. It is plain SQL (regular
    expressions, substrings, a cast), its regular expressions written through the portable
    macros (portable_sql.sql), so that it builds on DuckDB and on Spark alike.
#}
{% macro parse_roster_date(column) -%}
    {%- set v = "trim(" ~ column ~ ")" -%}
    {%- set compact = "^([0-9]{4})([0-9]{2})([0-9]{2})$" -%}
    {%- set iso = "^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[T ][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\\.[0-9]+)?)?(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?$" -%}
    {%- set ymd_slash = "^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})$" -%}
    {%- set numeric = "^([0-9]{1,2})([/.-])([0-9]{1,2})[/.-]([0-9]{4}|[0-9]{2})(?: +[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?: *[AaPp][Mm])?)?$" -%}
    {%- set day_month_name = "^([0-9]{1,2})[- ]([A-Za-z]+)\\.?[- ]([0-9]{4}|[0-9]{2})$" -%}
    {%- set month_name_day = "^([A-Za-z]+)\\.? +([0-9]{1,2}),? +([0-9]{4})$" -%}
    {%- set months = "'jan', 'january', 'feb', 'february', 'mar', 'march', 'apr', 'april', 'may', 'jun', 'june', 'jul', 'july', 'aug', 'august', 'sep', 'sept', 'september', 'oct', 'october', 'nov', 'november', 'dec', 'december'" -%}
    case
        when {{ regexp_full_match(v, "'[0-9]{5}'") }}
            then cast(date '1899-12-30' + cast({{ v }} as integer) as date)
        else try_cast(
            case
                when {{ regexp_matches(v, "'" ~ compact ~ "'") }}
                    and {{ regexp_extract(v, "'" ~ compact ~ "'", 1) }} <> '0000'
                    then {{ roster_date_iso_text(
                        regexp_extract(v, "'" ~ compact ~ "'", 1),
                        regexp_extract(v, "'" ~ compact ~ "'", 2),
                        regexp_extract(v, "'" ~ compact ~ "'", 3)) }}
                when {{ regexp_matches(v, "'" ~ iso ~ "'") }}
                    and {{ regexp_extract(v, "'" ~ iso ~ "'", 1) }} <> '0000'
                    then {{ roster_date_iso_text(
                        regexp_extract(v, "'" ~ iso ~ "'", 1),
                        regexp_extract(v, "'" ~ iso ~ "'", 2),
                        regexp_extract(v, "'" ~ iso ~ "'", 3)) }}
                when {{ regexp_matches(v, "'" ~ ymd_slash ~ "'") }}
                    and {{ regexp_extract(v, "'" ~ ymd_slash ~ "'", 1) }} <> '0000'
                    then {{ roster_date_iso_text(
                        regexp_extract(v, "'" ~ ymd_slash ~ "'", 1),
                        regexp_extract(v, "'" ~ ymd_slash ~ "'", 2),
                        regexp_extract(v, "'" ~ ymd_slash ~ "'", 3)) }}
                when {{ regexp_matches(v, "'" ~ numeric ~ "'") }}
                    and {{ regexp_extract(v, "'" ~ numeric ~ "'", 4) }} <> '0000'
                    and {{ regexp_extract(v, "'" ~ numeric ~ "'", 2) }} = substr(
                        {{ v }},
                        length({{ regexp_extract(v, "'" ~ numeric ~ "'", 1) }}) + 2
                        + length({{ regexp_extract(v, "'" ~ numeric ~ "'", 3) }}),
                        1
                    )
                    then {{ roster_date_iso_text(
                        roster_date_full_year(regexp_extract(v, "'" ~ numeric ~ "'", 4)),
                        regexp_extract(v, "'" ~ numeric ~ "'", 1),
                        regexp_extract(v, "'" ~ numeric ~ "'", 3)) }}
                when {{ regexp_matches(v, "'" ~ day_month_name ~ "'") }}
                    and {{ regexp_extract(v, "'" ~ day_month_name ~ "'", 3) }} <> '0000'
                    and lower({{ regexp_extract(v, "'" ~ day_month_name ~ "'", 2) }}) in ({{ months }})
                    then {{ roster_date_iso_text(
                        roster_date_full_year(regexp_extract(v, "'" ~ day_month_name ~ "'", 3)),
                        roster_date_month_number(regexp_extract(v, "'" ~ day_month_name ~ "'", 2)),
                        regexp_extract(v, "'" ~ day_month_name ~ "'", 1)) }}
                when {{ regexp_matches(v, "'" ~ month_name_day ~ "'") }}
                    and {{ regexp_extract(v, "'" ~ month_name_day ~ "'", 3) }} <> '0000'
                    and lower({{ regexp_extract(v, "'" ~ month_name_day ~ "'", 1) }}) in ({{ months }})
                    then {{ roster_date_iso_text(
                        regexp_extract(v, "'" ~ month_name_day ~ "'", 3),
                        roster_date_month_number(regexp_extract(v, "'" ~ month_name_day ~ "'", 1)),
                        regexp_extract(v, "'" ~ month_name_day ~ "'", 2)) }}
            end as date
        )
    end
{%- endmacro %}

{# YYYY-MM-DD text from year, month and day expressions (text or integers). #}
{% macro roster_date_iso_text(year, month, day) -%}
    lpad(cast({{ year }} as {{ text_type() }}), 4, '0')
    || '-' || lpad(cast({{ month }} as {{ text_type() }}), 2, '0')
    || '-' || lpad(cast({{ day }} as {{ text_type() }}), 2, '0')
{%- endmacro %}

{# A year as written: four digits as they are, two digits by the pivot at 50. #}
{% macro roster_date_full_year(text) -%}
    case
        when length({{ text }}) = 2 and cast({{ text }} as integer) < 50
            then 2000 + cast({{ text }} as integer)
        when length({{ text }}) = 2 then 1900 + cast({{ text }} as integer)
        else cast({{ text }} as integer)
    end
{%- endmacro %}

{# 1 to 12 from a month name or abbreviation (already checked to be one). #}
{% macro roster_date_month_number(name) -%}
    cast((instr('janfebmaraprmayjunjulaugsepoctnovdec', left(lower({{ name }}), 3)) + 2) / 3 as integer)
{%- endmacro %}
