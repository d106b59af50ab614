{#
    Failing rows that say which institution they belong to.

    When an error-severity test fails, `pathways refresh` stores its failing rows (schema
    audit) and, when every stored row names an institution, publishes the new data of every
    other institution and keeps the last published rows of those (pathways.warehouse
    .isolation). dbt's built-in generic tests return only the tested value, so these
    overrides (dbt looks for `default__test_<name>` in the root project before its own)
    add an `institution_id` column to the stored rows whenever the tested relation has
    one: the row's own institution, or, for a value shared by several rows (unique,
    accepted_values), the one institution they all belong to, null when they span several
    (which holds every institution back). dbt's not_null already stores whole rows, and
    the project's own generic tests (tests/generic/) do the same.

    Without --store-failures (a passing build) the SQL is dbt's own: the column is added
    only when rows are stored, so a build spends no query on looking up columns.
#}

{% macro institution_column(model) -%}
    {%- if execute and should_store_failures() -%}
        {%- set names = adapter.get_columns_in_relation(model)
            | map(attribute='name') | map('lower') | list -%}
        {%- if 'institution_id' in names -%}
            {{- return('institution_id') -}}
        {%- endif -%}
    {%- endif -%}
    {{- return(none) -}}
{%- endmacro %}

{#- One institution for a group of rows, or null when the group spans several. -#}
{% macro single_institution(column) -%}
    case when count(distinct {{ column }}) = 1 then min({{ column }}) end
{%- endmacro %}

{% macro default__test_unique(model, column_name) %}
{%- set institution = institution_column(model) %}

select
    {{ column_name }} as unique_field,
    {%- if institution %}
    {{ single_institution(institution) }} as institution_id,
    {%- endif %}
    count(*) as n_records

from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1

{% endmacro %}

{% macro default__test_accepted_values(model, column_name, values, quote=True) %}
{%- set institution = institution_column(model) %}

with all_values as (

    select
        {{ column_name }} as value_field,
        {%- if institution %}
        {{ single_institution(institution) }} as institution_id,
        {%- endif %}
        count(*) as n_records

    from {{ model }}
    group by {{ column_name }}

)

select *
from all_values
where value_field not in (
    {% for value in values -%}
        {% if quote -%}
        '{{ value }}'
        {%- else -%}
        {{ value }}
        {%- endif -%}
        {%- if not loop.last -%},{%- endif %}
    {%- endfor %}
)

{% endmacro %}

{% macro default__test_relationships(model, column_name, to, field) %}
{%- set institution = institution_column(model) %}

with child as (
    select
        {{ column_name }} as from_field
        {%- if institution %},
        {{ institution }} as institution_id
        {%- endif %}
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    select {{ field }} as to_field
    from {{ to }}
)

select
    from_field
    {%- if institution %},
    institution_id
    {%- endif %}

from child
left join parent
    on child.from_field = parent.to_field

where parent.to_field is null

{% endmacro %}
