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
        outcomes.current_state,
        outcomes.in_field_basis,
        outcomes.current_soc_code,
        cast(outcomes.current_job_zone as integer) as current_job_zone,
        outcomes.is_in_degree_level_job,
        cast(outcomes.modelled_annual_earnings as integer) as modelled_annual_earnings,
        outcomes.modelled_earnings_basis,
        outcomes.oews_release,
        cast(outcomes.nace_class_year as integer) as nace_class_year,
        outcomes.nace_window_end,
        outcomes.nace_outcome,
        outcomes.is_employed_6m,
        outcomes.is_in_further_education_6m,
        outcomes.is_employed_1y,
        outcomes.is_in_further_education_1y,
        outcomes.is_employed_5y,
        outcomes.is_in_further_education_5y,
        outcomes.is_employed_10y,
        outcomes.is_in_further_education_10y
    from outcomes
    left join programs
        on outcomes.program_cip = programs.cip_code

)

select * from final
