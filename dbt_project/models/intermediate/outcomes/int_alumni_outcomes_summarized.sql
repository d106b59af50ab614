-- One row per alumnus: whether a profile was found, what third-party sources reported,
-- employment after graduation (from any source), months to first job, whether that job was
-- in field, further education (NSC or survey) and where they live (the linked profile's
-- location, else the location of their current job).
with

alumni as (

    select * from {{ ref('int_alumni_deduplicated') }}

),

keys as (

    select * from {{ ref('int_alumni_pseudonymized') }}

),

links as (

    select * from {{ ref('int_alumni_profiles_linked') }}

),

positions as (

    select * from {{ ref('int_alumni_positions_joined') }}

),

nsc as (

    select * from {{ ref('int_nsc_records_linked') }}

),

imports as (

    select * from {{ ref('int_import_outcomes_linked') }}

),

profiles as (

    select * from {{ ref('int_profiles_deduplicated') }}

),

first_jobs as (

    select
        alumni_key,
        count(*) over (partition by alumni_key) as n_positions,
        months_after_graduation as months_to_first_job,
        is_in_field as first_job_is_in_field
    from positions
    qualify row_number() over (
        partition by alumni_key
        order by months_after_graduation, started_on, position_id
    ) = 1

),

current_employers as (

    select
        alumni_key,
        arg_max(employer_name, started_on) as current_employer,
        arg_max(city, started_on) as current_job_city,
        arg_max(state, started_on) as current_job_state
    from positions
    where is_current
    group by alumni_key

),

import_summary as (

    select
        alumni_key,
        bool_or(outcome = 'employed') as import_says_employed,
        bool_or(outcome = 'further_education') as import_says_further_education,
        arg_max(outcome, coalesce(reported_on, started_on))
        filter (where source_system = 'first_destination_survey') as survey_outcome
    from imports
    group by alumni_key

),

nsc_summary as (

    select
        institution_id,
        student_id,
        bool_or(record_found) as is_nsc_found,
        bool_or(is_after_graduation and record_type in ('enrollment', 'degree'))
            as has_further_education,
        bool_or(is_after_graduation and record_type = 'degree') as has_further_degree
    from nsc
    group by institution_id, student_id

),

final as (

    select
        alumni.institution_id,
        alumni.student_id,
        keys.alumni_key,
        keys.record_key,
        alumni.program_cip,
        alumni.cip_series,
        alumni.degree_level,
        alumni.graduation_date,
        alumni.graduation_year,
        links.profile_id is not null as is_profile_found,
        links.match_probability,
        links.match_weight,
        import_summary.alumni_key is not null as has_import_outcome,
        import_summary.survey_outcome,
        links.profile_id is not null or import_summary.alumni_key is not null
            as is_outcome_known,
        coalesce(first_jobs.n_positions, 0) as n_positions,
        case
            when links.profile_id is not null or import_summary.alumni_key is not null
                then
                    first_jobs.alumni_key is not null
                    or coalesce(import_summary.import_says_employed, false)
        end as is_employed_after_graduation,
        first_jobs.months_to_first_job,
        first_jobs.first_job_is_in_field,
        current_employers.current_employer,
        case
            when profiles.state is not null then profiles.city
            else current_employers.current_job_city
        end as current_city,
        coalesce(profiles.state, current_employers.current_job_state) as current_state,
        coalesce(nsc_summary.is_nsc_found, false) as is_nsc_found,
        coalesce(nsc_summary.has_further_education, false)
        or coalesce(import_summary.import_says_further_education, false)
            as has_further_education,
        coalesce(nsc_summary.has_further_degree, false) as has_further_degree
    from alumni
    inner join keys
        on
            alumni.institution_id = keys.institution_id
            and alumni.student_id = keys.student_id
    left join links
        on
            alumni.institution_id = links.institution_id
            and alumni.student_id = links.student_id
    left join first_jobs
        on keys.alumni_key = first_jobs.alumni_key
    left join import_summary
        on keys.alumni_key = import_summary.alumni_key
    left join current_employers
        on keys.alumni_key = current_employers.alumni_key
    left join profiles
        on links.profile_id = profiles.profile_id
    left join nsc_summary
        on
            alumni.institution_id = nsc_summary.institution_id
            and alumni.student_id = nsc_summary.student_id

)

select * from final
