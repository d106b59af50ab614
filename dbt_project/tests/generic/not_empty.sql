{# Fails when the model has no rows at all (an empty mart is never a valid refresh). #}
{% test not_empty(model) %}

with counted as (

    select count(*) as n_rows from {{ model }}

),

final as (

    select * from counted
    where n_rows = 0

)

select * from final

{% endtest %}
