{# Trim, collapse inner whitespace, and turn empty strings into null. #}
{% macro clean_text(column) -%}
    nullif(regexp_replace(trim({{ column }}), '\s+', ' ', 'g'), '')
{%- endmacro %}

{# Lowercase, accents removed, curly apostrophes straightened: for comparing names. #}
{% macro normalize_name(column) -%}
    nullif(
        trim(regexp_replace(
            lower(strip_accents(replace({{ column }}, '’', ''''))),
            '[^a-z'' -]', '', 'g'
        )),
        ''
    )
{%- endmacro %}

{# Lowercase letters and digits only, for matching school names to aliases. #}
{% macro normalize_key(column) -%}
    nullif(regexp_replace(lower(strip_accents({{ column }})), '[^a-z0-9]', '', 'g'), '')
{%- endmacro %}

{# Months from one date to another, counting calendar months. #}
{% macro months_between(start_date, end_date) -%}
    (date_diff('month', date_trunc('month', {{ start_date }}), date_trunc('month', {{ end_date }})))
{%- endmacro %}

{# The date outcomes are measured at: var('as_of_date') or today. #}
{% macro as_of_date() -%}
    {%- if var('as_of_date', '') -%}
        date '{{ var("as_of_date") }}'
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}


{# A rate shown only when its cell is not suppressed and its base reaches the cell's
   min_cell_size (a rate over a few alumni of a shown cell would single them out). #}
{% macro shown_rate(numerator, base) -%}
    case
        when suppression is null and {{ base }} >= min_cell_size
            then round({{ numerator }} / {{ base }}, 4)
    end
{%- endmacro %}
