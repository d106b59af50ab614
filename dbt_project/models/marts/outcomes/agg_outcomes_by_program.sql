-- Shareable outcome rates per institution, program, degree level and cohort. Cells with
-- fewer alumni than the institution's min_cell_size have counts and rates suppressed;
-- medians need at least 30 employed alumni.
with

alumni as (

    select * from {{ ref('dim_alumni') }}

),

institutions as (

    select * from {{ ref('stg_config__institutions') }}

),

cells as (

    select
        institution_id,
        program_cip,
        any_value(program_title) as program_title,
        degree_level,
        graduation_year,
        count(*) as n_alumni,
        count(*) filter (where is_profile_found) as n_found,
        count(*) filter (where is_outcome_known) as n_outcome_known,
        count(*) filter (where is_employed_after_graduation) as n_employed,
        count(*) filter (where first_job_is_in_field) as n_in_field,
        count(*) filter (where has_further_education) as n_further_education,
        median(months_to_first_job) as median_months_to_first_job
    from alumni
    group by institution_id, program_cip, degree_level, graduation_year

),

final as (

    select
        cells.institution_id,
        cells.program_cip,
        cells.program_title,
        cells.degree_level,
        cast(cells.graduation_year as integer) as graduation_year,
        cells.n_alumni < institutions.min_cell_size as is_suppressed,
        case when not is_suppressed then cast(cells.n_alumni as integer) end as n_alumni,
        case when not is_suppressed then cast(cells.n_found as integer) end as n_found,
        case
            when not is_suppressed then cast(cells.n_outcome_known as integer)
        end as n_outcome_known,
        case when not is_suppressed then cast(cells.n_employed as integer) end as n_employed,
        case
            when not is_suppressed then cast(cells.n_further_education as integer)
        end as n_further_education,
        case
            when not is_suppressed and cells.n_outcome_known > 0
                then round(cells.n_employed / cells.n_outcome_known, 4)
        end as employment_rate,
        case
            when not is_suppressed then round(cells.n_further_education / cells.n_alumni, 4)
        end as further_education_rate,
        case
            when not is_suppressed and cells.n_employed > 0
                then round(cells.n_in_field / cells.n_employed, 4)
        end as in_field_rate,
        case
            when not is_suppressed and cells.n_employed >= 30
                then cast(cells.median_months_to_first_job as double)
        end as median_months_to_first_job
    from cells
    inner join institutions
        on cells.institution_id = institutions.institution_id

)

select * from final
