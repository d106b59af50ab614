{#
    Classify free text by keywords: one row per distinct non-null value of `text_column` in
    `relation` (as `text_value`) with the `output` of the longest keyword in `keywords`
    that occurs in it as whole words (case and punctuation ignored). Values with no keyword
    are left out; left join the result on the text. Each distinct text is normalised and
    compared once, however many rows carry it (a million positions share a few thousand
    titles), which keeps the keyword cross join small.
    Used for employer names -> NAICS sectors (job titles are coded by the title coder,
    int_job_titles_coded).
#}
{% macro longest_keyword_match(relation, text_column, keywords, output) -%}
    select
        texts.text_value,
        kw.{{ output }}
    from (
        select distinct
            {{ text_column }} as text_value,
            ' ' || trim({{ regexp_replace_all('lower(' ~ text_column ~ ')', "'[^a-z0-9]+'", "' '") }})
            || ' ' as padded_text
        from {{ relation }}
        where {{ text_column }} is not null
    ) as texts
    inner join {{ keywords }} as kw
        on contains(texts.padded_text, ' ' || kw.keyword || ' ')
    qualify row_number() over (
        partition by texts.text_value
        order by length(kw.keyword) desc, kw.{{ output }}
    ) = 1
{%- endmacro %}
