{#
    Classify free text by keywords: for each row of `relation` (identified by `keys`), the
    `output` of the longest keyword in `keywords` that occurs in `text_column` as whole words
    (case and punctuation ignored). Rows with no keyword are left out; left join the result.
    Used for job titles -> SOC major groups and employer names -> NAICS sectors.
#}
{% macro longest_keyword_match(relation, keys, text_column, keywords, output) -%}
    select
        {% for key in keys %}src.{{ key }}, {% endfor %}
        kw.{{ output }}
    from {{ relation }} as src
    inner join {{ keywords }} as kw
        on contains(
            ' ' || trim(regexp_replace(lower(src.{{ text_column }}), '[^a-z0-9]+', ' ', 'g'))
            || ' ',
            ' ' || kw.keyword || ' '
        )
    qualify row_number() over (
        partition by {% for key in keys %}src.{{ key }}{% if not loop.last %}, {% endif %}{% endfor %}
        order by length(kw.keyword) desc, kw.{{ output }}
    ) = 1
{%- endmacro %}
