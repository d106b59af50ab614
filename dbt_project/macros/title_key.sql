{# The key of a job title as the employer's sector qualifies it: the title coder decides
   each (title, sector) pair once (int_job_titles_coded). #}
{% macro title_key(title, naics_sector) -%}
    md5(coalesce({{ title }}, '') || chr(31) || coalesce({{ naics_sector }}, ''))
{%- endmacro %}
