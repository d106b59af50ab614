{#
    Parse a roster date written in any of the formats rosters really use:
    YYYY-MM-DD, MM/DD/YYYY, YYYYMMDD, MM/DD/YY, MM-DD-YYYY and Excel serial numbers
    (days since 1899-12-30). Returns null when the text is not a date.
    Keep in step with ingestion.parsed.parse_date_text, which validates at ingest.
#}
{% macro parse_roster_date(column) -%}
    case
        when regexp_full_match(trim({{ column }}), '[0-9]{5}')
            then date '1899-12-30' + cast(trim({{ column }}) as integer)
        when regexp_full_match(trim({{ column }}), '[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}')
            then try_strptime(trim({{ column }}), '%m/%d/%y')::date
        else coalesce(
            try_strptime(trim({{ column }}), '%Y-%m-%d'),
            try_strptime(trim({{ column }}), '%m/%d/%Y'),
            try_strptime(trim({{ column }}), '%Y%m%d'),
            try_strptime(trim({{ column }}), '%m-%d-%Y')
        )::date
    end
{%- endmacro %}
