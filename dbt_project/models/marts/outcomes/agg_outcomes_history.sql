{{
    config(
        materialized='incremental',
        unique_key=['institution_id', 'refresh_id'],
        on_schema_change='append_new_columns',
        full_refresh=false,
        tags=['every_refresh']
    )
}}
-- Headline outcomes per institution at each published refresh: a time series. Rows of
-- refreshes that failed before publishing are removed by the next refresh.
with

alumni as (

    select * from {{ ref('dim_alumni') }}

),

per_institution as (

    select
        institution_id,
        count(*) as n_alumni,
        count(*) filter (where is_profile_found) as n_found,
        count(*) filter (where is_outcome_known) as n_outcome_known,
        count(*) filter (where is_employed_after_graduation) as n_employed,
        count(*) filter (where has_further_education) as n_further_education
    from alumni
    group by institution_id

),

final as (

    select
        institution_id,
        {{ current_refresh_id() }} as refresh_id,
        current_timestamp as refreshed_at,
        cast(n_alumni as integer) as n_alumni,
        cast(n_found as integer) as n_found,
        cast(n_outcome_known as integer) as n_outcome_known,
        cast(n_employed as integer) as n_employed,
        round(n_found / n_alumni, 4) as breadth,
        round(n_employed / nullif(n_outcome_known, 0), 4) as employment_rate,
        round(n_further_education / n_alumni, 4) as further_education_rate
    from per_institution

)

select * from final
