{# Trim, collapse inner whitespace, and turn empty strings into null. #}
{% macro clean_text(column) -%}
    nullif({{ regexp_replace_all('trim(' ~ column ~ ')', "'\\s+'", "' '") }}, '')
{%- endmacro %}

{# Lowercase, accents removed, curly apostrophes straightened: for comparing names. #}
{% macro normalize_name(column) -%}
    nullif(
        trim({{ regexp_replace_all(
            'lower(' ~ strip_accents('replace(' ~ column ~ ", '’', '''')") ~ ')',
            "'[^a-z'' -]'", "''"
        ) }}),
        ''
    )
{%- endmacro %}

{# Lowercase letters and digits only, for matching school names to aliases. #}
{% macro normalize_key(column) -%}
    nullif({{ regexp_replace_all('lower(' ~ strip_accents(column) ~ ')', "'[^a-z0-9]'", "''") }}, '')
{%- endmacro %}

{# Months from one date to another, counting calendar months (the month boundaries
   crossed: 31 January to 1 February is one), the same on DuckDB and Spark. #}
{% macro months_between(start_date, end_date) -%}
    {{ dbt.datediff(start_date, end_date, 'month') }}
{%- endmacro %}

{# The date outcomes are measured at: var('as_of_date') or today. #}
{% macro as_of_date() -%}
    {%- if var('as_of_date', '') -%}
        date '{{ var("as_of_date") }}'
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
