-- One row per alumnus: whether a profile was found, what third-party sources reported,
-- employment after graduation (from any source), months to first job, whether that job was
-- in field, further education (NSC or survey), where they live (the linked profile's
-- location, else the location of their current job), their current job's occupation,
-- whether it is a degree-level job and its modelled earnings (OEWS), their NACE
-- first-destination outcome and their status 6 months, 1, 5 and 10 years out.
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

program_occupations as (

    select * from {{ ref('int_program_occupations_paired') }}

),

program_bases as (

    select
        program_cip,
        any_value(in_field_basis) as in_field_basis
    from program_occupations
    group by program_cip

),

wages as (

    select * from {{ ref('stg_reference__oews_wages') }}
    where soc_level = 3

),

horizons as (

    select
        h.months,
        h.horizon
    from (values (6, '6m'), (12, '1y'), (60, '5y'), (120, '10y')) as h (months, horizon)

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

-- The current job: the current position started last (ties: the better-coded title).
current_jobs as (

    select
        alumni_key,
        soc_code,
        job_zone,
        is_degree_level_job
    from positions
    where is_current
    qualify row_number() over (
        partition by alumni_key
        order by started_on desc, coding_score desc nulls last, position_id asc
    ) = 1

),

current_employers as (

    select
        alumni_key,
        {{ arg_max('employer_name', ['started_on', 'position_id']) }} as current_employer,
        {{ arg_max('city', ['started_on', 'position_id']) }} as current_job_city,
        {{ arg_max('state', ['started_on', 'position_id']) }} as current_job_state
    from positions
    where is_current and started_on is not null
    group by alumni_key

),

import_summary as (

    select
        alumni_key,
        bool_or(outcome = 'employed') as import_says_employed,
        bool_or(outcome = 'further_education') as import_says_further_education,
        {{ arg_max('outcome', ['coalesce(reported_on, started_on)', '_file_sha256',
                               '_source_row']) }}
        filter (
            where
            source_system = 'first_destination_survey'
            and coalesce(reported_on, started_on) is not null
        ) as survey_outcome
    from imports
    group by alumni_key

),

-- NACE first destination: graduates of July 1 - June 30 form a class; the outcome counts
-- when known by December 31 after the class ends, from a job started by then (profiles,
-- verification, survey), an NSC enrollment begun by then, or a survey response by then.
nace_windows as (

    select
        alumni.institution_id,
        alumni.student_id,
        keys.alumni_key,
        year(alumni.graduation_date) + (month(alumni.graduation_date) >= 7)::integer
            as nace_class_year,
        make_date(
            year(alumni.graduation_date) + (month(alumni.graduation_date) >= 7)::integer,
            12, 31
        ) as nace_window_end
    from alumni
    inner join keys
        on
            alumni.institution_id = keys.institution_id
            and alumni.student_id = keys.student_id

),

window_jobs as (

    select distinct nace_windows.alumni_key
    from nace_windows
    inner join positions
        on nace_windows.alumni_key = positions.alumni_key
    where positions.started_on <= nace_windows.nace_window_end

),

window_enrollments as (

    select distinct nace_windows.alumni_key
    from nace_windows
    inner join nsc
        on
            nace_windows.institution_id = nsc.institution_id
            and nace_windows.student_id = nsc.student_id
    where
        nsc.is_after_graduation
        and nsc.record_type = 'enrollment'
        and nsc.enrollment_begin <= nace_windows.nace_window_end

),

window_surveys as (

    select
        nace_windows.alumni_key,
        {{ arg_max('imports.outcome', ['imports.reported_on', 'imports._file_sha256',
                                       'imports._source_row']) }} as survey_outcome
    from nace_windows
    inner join imports
        on nace_windows.alumni_key = imports.alumni_key
    where
        imports.source_system = 'first_destination_survey'
        and imports.reported_on <= nace_windows.nace_window_end
    group by nace_windows.alumni_key

),

nace_outcomes as (

    select
        nace_windows.alumni_key,
        nace_windows.nace_class_year,
        nace_windows.nace_window_end,
        case
            when
                window_jobs.alumni_key is not null
                or window_surveys.survey_outcome = 'employed'
                then 'employed'
            when
                window_enrollments.alumni_key is not null
                or window_surveys.survey_outcome = 'further_education'
                then 'continuing_education'
            when window_surveys.survey_outcome = 'service' then 'service'
            when window_surveys.survey_outcome = 'not_seeking' then 'not_seeking'
            when window_surveys.survey_outcome = 'seeking' then 'seeking'
        end as nace_outcome
    from nace_windows
    left join window_jobs
        on nace_windows.alumni_key = window_jobs.alumni_key
    left join window_enrollments
        on nace_windows.alumni_key = window_enrollments.alumni_key
    left join window_surveys
        on nace_windows.alumni_key = window_surveys.alumni_key

),

-- Status at 6 months, 1, 5 and 10 years after graduation (as PSEO reports by window), for
-- alumni whose profile was found once the horizon has passed: employed when a job covers
-- that day, in further education when an NSC enrollment term overlaps the three months up
-- to it.
horizon_days as (

    select
        links.alumni_key,
        links.institution_id,
        links.student_id,
        horizons.horizon,
        {{ add_months('links.graduation_date', 'horizons.months') }} as horizon_day
    from links
    cross join horizons
    where {{ add_months('links.graduation_date', 'horizons.months') }} <= {{ as_of_date() }}

),

horizon_jobs as (

    select distinct
        horizon_days.alumni_key,
        horizon_days.horizon
    from horizon_days
    inner join positions
        on horizon_days.alumni_key = positions.alumni_key
    where
        positions.started_on <= horizon_days.horizon_day
        and (
            positions.ended_on is null
            or positions.ended_on >= date_trunc('month', horizon_days.horizon_day)
        )

),

horizon_enrollments as (

    select distinct
        horizon_days.alumni_key,
        horizon_days.horizon
    from horizon_days
    inner join nsc
        on
            horizon_days.institution_id = nsc.institution_id
            and horizon_days.student_id = nsc.student_id
    where
        nsc.record_type = 'enrollment'
        and nsc.is_after_graduation
        and nsc.enrollment_begin <= horizon_days.horizon_day
        and nsc.enrollment_end >= {{ add_months('horizon_days.horizon_day', -3) }}

),

horizon_status as (

    select
        horizon_days.alumni_key,
        horizon_days.horizon,
        horizon_jobs.alumni_key is not null as is_employed,
        horizon_enrollments.alumni_key is not null as is_in_further_education
    from horizon_days
    left join horizon_jobs
        on
            horizon_days.alumni_key = horizon_jobs.alumni_key
            and horizon_days.horizon = horizon_jobs.horizon
    left join horizon_enrollments
        on
            horizon_days.alumni_key = horizon_enrollments.alumni_key
            and horizon_days.horizon = horizon_enrollments.horizon

),

horizon_summary as (

    select
        alumni_key,
        bool_or(is_employed) filter (where horizon = '6m') as is_employed_6m,
        bool_or(is_in_further_education) filter (where horizon = '6m')
            as is_in_further_education_6m,
        bool_or(is_employed) filter (where horizon = '1y') as is_employed_1y,
        bool_or(is_in_further_education) filter (where horizon = '1y')
            as is_in_further_education_1y,
        bool_or(is_employed) filter (where horizon = '5y') as is_employed_5y,
        bool_or(is_in_further_education) filter (where horizon = '5y')
            as is_in_further_education_5y,
        bool_or(is_employed) filter (where horizon = '10y') as is_employed_10y,
        bool_or(is_in_further_education) filter (where horizon = '10y')
            as is_in_further_education_10y
    from horizon_status
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
        coalesce(nsc_summary.has_further_degree, false) as has_further_degree,
        program_bases.in_field_basis,
        current_jobs.soc_code as current_soc_code,
        current_jobs.job_zone as current_job_zone,
        current_jobs.is_degree_level_job as is_in_degree_level_job,
        coalesce(state_wages.annual_median, national_wages.annual_median)
            as modelled_annual_earnings,
        case
            when state_wages.annual_median is not null then 'state'
            when national_wages.annual_median is not null then 'national'
        end as modelled_earnings_basis,
        coalesce(state_wages.oews_release, national_wages.oews_release) as oews_release,
        nace_outcomes.nace_class_year,
        nace_outcomes.nace_window_end,
        nace_outcomes.nace_outcome,
        horizon_summary.is_employed_6m,
        horizon_summary.is_in_further_education_6m,
        horizon_summary.is_employed_1y,
        horizon_summary.is_in_further_education_1y,
        horizon_summary.is_employed_5y,
        horizon_summary.is_in_further_education_5y,
        horizon_summary.is_employed_10y,
        horizon_summary.is_in_further_education_10y
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
    left join program_bases
        on alumni.program_cip = program_bases.program_cip
    left join current_jobs
        on keys.alumni_key = current_jobs.alumni_key
    left join wages as state_wages
        on
            current_jobs.soc_code = state_wages.soc_code
            and coalesce(profiles.state, current_employers.current_job_state)
            = state_wages.state_code
    left join wages as national_wages
        on
            current_jobs.soc_code = national_wages.soc_code
            and national_wages.area_type = 'national'
    left join nace_outcomes
        on keys.alumni_key = nace_outcomes.alumni_key
    left join horizon_summary
        on keys.alumni_key = horizon_summary.alumni_key

)

select * from final
