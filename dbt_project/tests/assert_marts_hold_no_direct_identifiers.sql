{#
    Privacy gate: fails when any mart column is named like a direct identifier, or when any
    text value in a mart equals a roster identifier (student id, email, phone, street
    address). Marts must only ever carry the pseudonymous alumni_key.
    A new mart is covered by the name check at once; add a depends_on line for it so the
    value check runs after it is built.
#}
-- depends_on: {{ ref('dim_alumni') }}
-- depends_on: {{ ref('fct_alumni_positions') }}
-- depends_on: {{ ref('fct_alumni_further_education') }}
-- depends_on: {{ ref('agg_outcomes_by_program') }}
-- depends_on: {{ ref('agg_match_quality') }}
-- depends_on: {{ ref('agg_outcomes_history') }}
-- depends_on: {{ ref('dim_institutions') }}

{% set identifier_names = var('direct_identifier_columns') %}

with

students as (

    select * from {{ ref('stg_rosters__students') }}

),

identifiers as (

    select distinct identifier
    from (
        select student_id as identifier from students
        union all
        select email from students
        union all
        select phone_digits from students
        union all
        select street_address from students
    ) as all_identifiers
    where length(identifier) >= 4

),

named_like_identifiers as (

    {{ mart_columns_named_like(identifier_names) }}

),

value_leaks as (

    {% set checks = [] %}
    {% if execute %}
        {% for row in mart_text_columns() %}
            {% do checks.append(
                "select '" ~ row[0] ~ "' as mart, '" ~ row[1] ~ "' as column_name, "
                ~ "'value equals a roster identifier' as problem, "
                ~ "cast(m." ~ adapter.quote(row[1]) ~ " as " ~ dbt.type_string() ~ ") as value "
                ~ "from marts." ~ adapter.quote(row[0]) ~ " as m "
                ~ "inner join identifiers on m." ~ adapter.quote(row[1])
                ~ " = identifiers.identifier"
            ) %}
        {% endfor %}
    {% endif %}
    {% if checks %}
        {{ checks | join('\n        union all\n        ') }}
    {% else %}
        select null as mart, null as column_name, null as problem, null as value
        where false
    {% endif %}

),

final as (

    select * from named_like_identifiers
    union all
    select * from value_leaks

)

select * from final
