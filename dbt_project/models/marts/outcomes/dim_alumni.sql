with

outcomes as (

    select * from {{ ref('int_alumni_outcomes_summarized') }}

),

programs as (

    select * from {{ ref('cip_programs') }}

),

final as (

    select
        outcomes.alumni_key,
        outcomes.record_key,
        outcomes.institution_id,
        outcomes.program_cip,
        outcomes.cip_series,
        programs.cip_title as program_title,
        outcomes.degree_level,
        cast(outcomes.graduation_year as integer) as graduation_year,
        outcomes.is_profile_found,
        cast(outcomes.match_probability as double) as match_probability,
        cast(outcomes.match_weight as double) as match_weight,
        outcomes.has_import_outcome,
        outcomes.survey_outcome,
        outcomes.is_outcome_known,
        outcomes.is_nsc_found,
        outcomes.is_employed_after_graduation,
        cast(outcomes.months_to_first_job as integer) as months_to_first_job,
        outcomes.first_job_is_in_field,
        cast(outcomes.n_positions as integer) as n_positions,
        outcomes.has_further_education,
        outcomes.has_further_degree,
        {{ redact_free_text('outcomes.current_city') }} as current_city,
        outcomes.current_state
    from outcomes
    left join programs
        on outcomes.program_cip = programs.cip_code

)

select * from final
