{#
    Fails for every combination of the given columns that occurs more than once:
    the primary-key test for models whose grain is several columns. Stored failing rows
    carry the one institution of each combination (see
    macros/failing_rows_by_institution.sql).
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
{%- set institution = none if 'institution_id' in combination_of_columns
    else institution_column(model) %}

with grouped as (

    select
        {{ combination_of_columns | join(', ') }},
        {%- if institution %}
        {{ single_institution(institution) }} as institution_id,
        {%- endif %}
        count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}

),

final as (

    select * from grouped
    where n_rows > 1

)

select * from final

{% endtest %}
