{#
    The id of the refresh being built, as a SQL string literal. `pathways refresh` sets
    PATHWAYS_REFRESH_ID for each run (an environment variable rather than a dbt var, so
    dbt's partial parsing survives from one refresh to the next); a manual `dbt build`
    records 'manual'.
#}
{% macro current_refresh_id() -%}
    '{{ env_var("PATHWAYS_REFRESH_ID", "manual") }}'
{%- endmacro %}
