{#
    The marts' columns, for the privacy gate (tests/assert_marts_hold_no_direct_identifiers).
    DuckDB answers from information_schema; Spark has no information_schema, so there the
    marts schema's tables are listed and described through the adapter (at execution time).
#}

{# The mart columns named like a direct identifier: (mart, column_name, problem, value). #}
{% macro mart_columns_named_like(identifier_names) -%}
    {{ return(adapter.dispatch('mart_columns_named_like')(identifier_names)) }}
{%- endmacro %}

{% macro default__mart_columns_named_like(identifier_names) -%}
    select
        table_name as mart,
        column_name,
        'column is named like a direct identifier' as problem,
        null as value
    from information_schema.columns
    where
        table_schema = 'marts'
        and lower(column_name) in (
            {%- for name in identifier_names %}'{{ name }}'{% if not loop.last %}, {% endif %}{% endfor -%}
        )
{%- endmacro %}

{% macro spark__mart_columns_named_like(identifier_names) -%}
    {%- set found = [] -%}
    {%- if execute -%}
        {%- for table, column in spark_mart_columns() -%}
            {%- if column | lower in identifier_names -%}
                {%- do found.append((table, column)) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for table, column in found %}
    select
        '{{ table }}' as mart, '{{ column }}' as column_name,
        'column is named like a direct identifier' as problem, null as value
    {%- if not loop.last %} union all{% endif %}
    {%- else %}
    select null as mart, null as column_name, null as problem, null as value
    where false
    {%- endfor %}
{%- endmacro %}

{# The marts' text columns as [table, column] pairs, ordered. Call at execution time. #}
{% macro mart_text_columns() -%}
    {{ return(adapter.dispatch('mart_text_columns')()) }}
{%- endmacro %}

{% macro default__mart_text_columns() -%}
    {%- set rows = run_query(
        "select table_name, column_name from information_schema.columns "
        ~ "where table_schema = 'marts' and data_type = 'VARCHAR' order by 1, 2"
    ).rows -%}
    {{ return(rows | map('list') | list) }}
{%- endmacro %}

{% macro spark__mart_text_columns() -%}
    {{ return(spark_mart_columns(text_only=true)) }}
{%- endmacro %}

{# Spark: every (table, column) of the marts schema, from the adapter's catalog. #}
{% macro spark_mart_columns(text_only=false) -%}
    {%- set columns = [] -%}
    {%- for row in run_query("show tables in marts").rows | sort(attribute=1) -%}
        {%- set relation = api.Relation.create(schema='marts', identifier=row[1]) -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if not text_only or column.dtype | lower == 'string' -%}
                {%- do columns.append([row[1], column.name]) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}
