-- The roster and profile facts whose changes are tracked across refreshes (snapshot
-- snap_alumni_facts): keyed by the pseudonymous alumni key, no direct identifiers.
with

outcomes as (

    select * from {{ ref('int_alumni_outcomes_summarized') }}

),

final as (

    select
        alumni_key,
        institution_id,
        program_cip,
        degree_level,
        graduation_year,
        is_profile_found,
        coalesce(is_employed_after_graduation, false) as is_employed_after_graduation,
        current_employer,
        has_further_education
    from outcomes

)

select * from final
