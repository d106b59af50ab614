{{
    config(
        materialized='incremental',
        unique_key=['institution_id', 'refresh_id'],
        on_schema_change='append_new_columns',
        full_refresh=false,
        tags=['every_refresh'],
        pre_hook="{{ prepare_perturbed_count() }}"
    )
}}
-- Headline outcomes per institution at each published refresh: a time series. Rows of
-- refreshes that failed before publishing are removed by the next refresh. Counts are
-- perturbed by the cell-key method (doc block disclosure_control), so the difference
-- between two refreshes is not the exact number of alumni who came, went or changed; a
-- perturbed count from 1 to min_cell_size - 1 is null, with the rate made from it.
with

alumni as (

    select * from {{ ref('dim_alumni') }}

),

institutions as (

    select * from {{ ref('stg_config__institutions') }}

),

per_institution as (

    select
        institution_id,
        count(*) as n_alumni,
        sum(record_key) as key_alumni,
        count(*) filter (where is_profile_found) as n_found,
        sum(record_key) filter (where is_profile_found) as key_found,
        count(*) filter (where is_outcome_known) as n_outcome_known,
        sum(record_key) filter (where is_outcome_known) as key_outcome_known,
        count(*) filter (where is_employed_after_graduation) as n_employed,
        sum(record_key) filter (where is_employed_after_graduation) as key_employed,
        count(*) filter (where has_further_education) as n_further_education,
        sum(record_key) filter (where has_further_education) as key_further_education
    from alumni
    group by institution_id

),

perturbed as (

    select
        per_institution.institution_id,
        institutions.min_cell_size,
        {{ perturbed_count('per_institution.n_alumni', 'per_institution.key_alumni') }}
            as p_alumni,
        {{ perturbed_count('per_institution.n_found', 'per_institution.key_found') }}
            as p_found,
        {{ perturbed_count('per_institution.n_outcome_known',
                           'per_institution.key_outcome_known') }} as p_outcome_known,
        {{ perturbed_count('per_institution.n_employed', 'per_institution.key_employed') }}
            as p_employed,
        {{ perturbed_count('per_institution.n_further_education',
                           'per_institution.key_further_education') }}
            as p_further_education
    from per_institution
    inner join institutions
        on per_institution.institution_id = institutions.institution_id

),

-- A part is never shown above its whole (nested counts are perturbed independently).
nested as (

    select
        *,
        least(p_found, p_alumni) as c_found,
        least(p_outcome_known, p_alumni) as c_outcome_known,
        least(p_employed, p_outcome_known, p_alumni) as c_employed,
        least(p_further_education, p_alumni) as c_further_education
    from perturbed

),

-- A perturbed count from 1 to min_cell_size - 1 is withheld.
shown as (

    select
        institution_id,
        case when {{ is_shown('p_alumni', 'min_cell_size') }} then p_alumni end as s_alumni,
        case
            when {{ is_shown('c_found', 'min_cell_size') }} then c_found
        end as s_found,
        case
            when {{ is_shown('c_outcome_known', 'min_cell_size') }} then c_outcome_known
        end as s_outcome_known,
        case
            when {{ is_shown('c_employed', 'min_cell_size') }} then c_employed
        end as s_employed,
        case
            when {{ is_shown('c_further_education', 'min_cell_size') }} then c_further_education
        end as s_further_education
    from nested

),

final as (

    select
        institution_id,
        {{ current_refresh_id() }} as refresh_id,
        current_timestamp as refreshed_at,
        cast(s_alumni as integer) as n_alumni,
        cast(s_found as integer) as n_found,
        cast(s_outcome_known as integer) as n_outcome_known,
        cast(s_employed as integer) as n_employed,
        round(s_found / nullif(s_alumni, 0), 4) as breadth,
        round(s_employed / nullif(s_outcome_known, 0), 4) as employment_rate,
        round(s_further_education / nullif(s_alumni, 0), 4) as further_education_rate
    from shown

)

select * from final
