{#
    A free-text column as it may be published: the value with identifiers typed into it
    (e-mail addresses, phone numbers, street addresses, roster people's names) replaced,
    looked up in int_free_text_redactions; unchanged when it holds none. Wrap every mart
    column of free text in it, and list the column's source in that model.
#}
{% macro redact_free_text(column) -%}
    coalesce(
        (
            select redactions.redacted_text
            from {{ ref('int_free_text_redactions') }} as redactions
            where redactions.text_value = {{ column }}
        ),
        {{ column }}
    )
{%- endmacro %}
