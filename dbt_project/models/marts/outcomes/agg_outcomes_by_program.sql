-- Shareable outcome rates per institution, program, degree level and cohort, plus an
-- all-cohorts row (graduation_year null) per program and degree level.
--
-- Suppression, so no small group of alumni can be singled out:
-- * primary: a cell with fewer alumni than the institution's min_cell_size;
-- * complementary: when a program's cohorts have exactly one primary cell, the next
--   smallest cohort is suppressed too, so the hidden cell cannot be recovered from the
--   all-cohorts row; when an institution has exactly one suppressed all-cohorts row, the
--   next smallest one is suppressed with all its cohorts, so it cannot be recovered from
--   the institution totals in agg_outcomes_history.
-- Suppressed cells show no counts or rates (is_suppressed, suppression says why); medians
-- need at least 30 employed alumni.
with

alumni as (

    select * from {{ ref('dim_alumni') }}

),

institutions as (

    select * from {{ ref('stg_config__institutions') }}

),

{% set measures %}
        count(*) as n_alumni,
        count(*) filter (where is_profile_found) as n_found,
        count(*) filter (where is_outcome_known) as n_outcome_known,
        count(*) filter (where is_employed_after_graduation) as n_employed,
        count(*) filter (where first_job_is_in_field) as n_in_field,
        count(*) filter (where has_further_education) as n_further_education,
        median(months_to_first_job) as median_months_to_first_job
{% endset %}

cohort_cells as (

    select
        institution_id,
        program_cip,
        any_value(program_title) as program_title,
        degree_level,
        graduation_year,
        {{ measures }}
    from alumni
    group by institution_id, program_cip, degree_level, graduation_year

),

rollup_cells as (

    select
        institution_id,
        program_cip,
        any_value(program_title) as program_title,
        degree_level,
        null::integer as graduation_year,
        {{ measures }}
    from alumni
    group by institution_id, program_cip, degree_level

),

cells as (

    select * from cohort_cells
    union all
    select * from rollup_cells

),

primary_flags as (

    select
        cells.*,
        cells.graduation_year is null as is_rollup,
        cells.n_alumni < institutions.min_cell_size as is_primary
    from cells
    inner join institutions
        on cells.institution_id = institutions.institution_id

),

-- Within a program and degree level: exactly one primary cohort? Hide the next smallest.
cohort_groups as (

    select
        institution_id,
        program_cip,
        degree_level,
        count(*) filter (where is_primary) as n_primary
    from primary_flags
    where not is_rollup
    group by institution_id, program_cip, degree_level

),

cohort_candidates as (

    select
        primary_flags.institution_id,
        primary_flags.program_cip,
        primary_flags.degree_level,
        primary_flags.graduation_year
    from primary_flags
    inner join cohort_groups
        on
            primary_flags.institution_id = cohort_groups.institution_id
            and primary_flags.program_cip is not distinct from cohort_groups.program_cip
            and primary_flags.degree_level is not distinct from cohort_groups.degree_level
    where
        not primary_flags.is_rollup
        and not primary_flags.is_primary
        and cohort_groups.n_primary = 1
    qualify row_number() over (
        partition by
            primary_flags.institution_id, primary_flags.program_cip, primary_flags.degree_level
        order by primary_flags.n_alumni, primary_flags.graduation_year
    ) = 1

),

-- Within an institution: exactly one suppressed all-cohorts row? Hide the next smallest,
-- with all its cohorts.
rollup_groups as (

    select
        institution_id,
        count(*) filter (where is_primary) as n_primary
    from primary_flags
    where is_rollup
    group by institution_id

),

rollup_candidates as (

    select
        primary_flags.institution_id,
        primary_flags.program_cip,
        primary_flags.degree_level
    from primary_flags
    inner join rollup_groups
        on primary_flags.institution_id = rollup_groups.institution_id
    where
        primary_flags.is_rollup
        and not primary_flags.is_primary
        and rollup_groups.n_primary = 1
    qualify row_number() over (
        partition by primary_flags.institution_id
        order by primary_flags.n_alumni, primary_flags.program_cip, primary_flags.degree_level
    ) = 1

),

flagged as (

    select
        primary_flags.*,
        case
            when primary_flags.is_primary then 'primary'
            when
                cohort_candidates.institution_id is not null
                or rollup_candidates.institution_id is not null
                then 'complementary'
        end as suppression
    from primary_flags
    left join cohort_candidates
        on
            primary_flags.institution_id = cohort_candidates.institution_id
            and primary_flags.program_cip is not distinct from cohort_candidates.program_cip
            and primary_flags.degree_level is not distinct from cohort_candidates.degree_level
            and primary_flags.graduation_year = cohort_candidates.graduation_year
    left join rollup_candidates
        on
            primary_flags.institution_id = rollup_candidates.institution_id
            and primary_flags.program_cip is not distinct from rollup_candidates.program_cip
            and primary_flags.degree_level is not distinct from rollup_candidates.degree_level

),

final as (

    select
        institution_id,
        program_cip,
        program_title,
        degree_level,
        cast(graduation_year as integer) as graduation_year,
        suppression is not null as is_suppressed,
        suppression,
        case when suppression is null then cast(n_alumni as integer) end as n_alumni,
        case when suppression is null then cast(n_found as integer) end as n_found,
        case when suppression is null then cast(n_outcome_known as integer) end
            as n_outcome_known,
        case when suppression is null then cast(n_employed as integer) end as n_employed,
        case when suppression is null then cast(n_further_education as integer) end
            as n_further_education,
        case
            when suppression is null and n_outcome_known > 0
                then round(n_employed / n_outcome_known, 4)
        end as employment_rate,
        case
            when suppression is null then round(n_further_education / n_alumni, 4)
        end as further_education_rate,
        case
            when suppression is null and n_employed > 0
                then round(n_in_field / n_employed, 4)
        end as in_field_rate,
        case
            when suppression is null and n_employed >= 30
                then cast(median_months_to_first_job as double)
        end as median_months_to_first_job
    from flagged

)

select * from final
