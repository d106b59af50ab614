{# Fails for every row whose value lies outside [min_value, max_value] (nulls pass). Stored
   failing rows carry the row's institution_id when the model has one (see
   macros/failing_rows_by_institution.sql). #}
{% test accepted_range(model, column_name, min_value=none, max_value=none) %}
{%- set institution = institution_column(model) %}

with checked as (

    select
        {{ column_name }} as value
        {%- if institution %},
        {{ institution }} as institution_id
        {%- endif %}
    from {{ model }}
    where {{ column_name }} is not null

),

final as (

    select * from checked
    where
        false
        {% if min_value is not none %} or value < {{ min_value }} {% endif %}
        {% if max_value is not none %} or value > {{ max_value }} {% endif %}

)

select * from final

{% endtest %}
