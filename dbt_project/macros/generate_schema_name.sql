{#
    Use the configured schema as is (staging, intermediate, marts, reference, audit)
    instead of dbt's default "<target schema>_<custom schema>", so analysts always
    find marts in schema `marts`.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
