-- Shareable aggregate: alumni by the detailed occupation (SOC 2018) of their current job,
-- per institution, program (CIP), degree level and graduation cohort, plus an all-cohorts
-- row (graduation_year null). Each alumnus counts once, in the occupation of their current
-- job (dim_alumni.current_soc_code), so a group's occupations add up to its alumni with a
-- coded current job (n_alumni_with_occupation).
--
-- Suppression, as in agg_outcomes_by_program:
-- * primary: a cell with fewer alumni than the institution's min_cell_size;
-- * complementary: when an occupation's cohorts have exactly one primary cell, its next
--   smallest cohort is suppressed too (or the all-cohorts row would reveal it); when a
--   group (program, degree level, cohort) has exactly one primary occupation, its next
--   smallest occupation is suppressed too (or the group total would reveal it).
-- Suppressed cells show no counts or shares.
with

alumni as (

    select * from {{ ref('dim_alumni') }}

),

institutions as (

    select * from {{ ref('stg_config__institutions') }}

),

occupations as (

    select * from {{ ref('stg_reference__soc_codes') }}

),

zones as (

    select * from {{ ref('int_soc_job_zones') }}

),

program_occupations as (

    select * from {{ ref('int_program_occupations_paired') }}

),

coded as (

    select * from alumni
    where current_soc_code is not null

),

cohort_cells as (

    select
        institution_id,
        program_cip,
        any_value(program_title) as program_title,
        degree_level,
        graduation_year,
        current_soc_code as soc_code,
        count(*) as n_alumni
    from coded
    group by institution_id, program_cip, degree_level, graduation_year, current_soc_code

),

rollup_cells as (

    select
        institution_id,
        program_cip,
        any_value(program_title) as program_title,
        degree_level,
        null::integer as graduation_year,
        current_soc_code as soc_code,
        count(*) as n_alumni
    from coded
    group by institution_id, program_cip, degree_level, current_soc_code

),

cells as (

    select * from cohort_cells
    union all
    select * from rollup_cells

),

primary_flags as (

    select
        cells.*,
        sum(cells.n_alumni) over (
            partition by
                cells.institution_id, cells.program_cip, cells.degree_level,
                cells.graduation_year
        ) as n_alumni_with_occupation,
        cells.graduation_year is null as is_rollup,
        cells.n_alumni < institutions.min_cell_size as is_primary
    from cells
    inner join institutions
        on cells.institution_id = institutions.institution_id

),

-- Within a program, degree level and occupation: exactly one primary cohort? Hide the
-- next smallest cohort.
cohort_candidates as (

    select
        institution_id,
        program_cip,
        degree_level,
        soc_code,
        graduation_year
    from primary_flags
    where not is_rollup
    qualify
        count(*) filter (where is_primary) over (
            partition by institution_id, program_cip, degree_level, soc_code
        ) = 1
        and not is_primary
        and row_number() over (
            partition by institution_id, program_cip, degree_level, soc_code, is_primary
            order by n_alumni, graduation_year
        ) = 1

),

-- Within a program, degree level and cohort (or all cohorts): exactly one primary
-- occupation? Hide the next smallest occupation.
occupation_candidates as (

    select
        institution_id,
        program_cip,
        degree_level,
        graduation_year,
        soc_code
    from primary_flags
    qualify
        count(*) filter (where is_primary) over (
            partition by institution_id, program_cip, degree_level, graduation_year
        ) = 1
        and not is_primary
        and row_number() over (
            partition by institution_id, program_cip, degree_level, graduation_year, is_primary
            order by n_alumni, soc_code
        ) = 1

),

flagged as (

    select
        primary_flags.*,
        case
            when primary_flags.is_primary then 'primary'
            when
                cohort_candidates.soc_code is not null
                or occupation_candidates.soc_code is not null
                then 'complementary'
        end as suppression
    from primary_flags
    left join cohort_candidates
        on
            primary_flags.institution_id = cohort_candidates.institution_id
            and primary_flags.program_cip is not distinct from cohort_candidates.program_cip
            and primary_flags.degree_level is not distinct from cohort_candidates.degree_level
            and primary_flags.soc_code = cohort_candidates.soc_code
            and primary_flags.graduation_year = cohort_candidates.graduation_year
    left join occupation_candidates
        on
            primary_flags.institution_id = occupation_candidates.institution_id
            and primary_flags.program_cip
            is not distinct from occupation_candidates.program_cip
            and primary_flags.degree_level
            is not distinct from occupation_candidates.degree_level
            and primary_flags.graduation_year
            is not distinct from occupation_candidates.graduation_year
            and primary_flags.soc_code = occupation_candidates.soc_code

),

final as (

    select
        flagged.institution_id,
        flagged.program_cip,
        flagged.program_title,
        flagged.degree_level,
        cast(flagged.graduation_year as integer) as graduation_year,
        flagged.soc_code,
        occupations.soc_title,
        occupations.soc_major_group,
        cast(zones.job_zone as integer) as job_zone,
        program_occupations.soc_code is not null as is_in_field,
        flagged.suppression is not null as is_suppressed,
        flagged.suppression,
        case when flagged.suppression is null then cast(flagged.n_alumni as integer) end
            as n_alumni,
        case
            when flagged.suppression is null
                then cast(flagged.n_alumni_with_occupation as integer)
        end as n_alumni_with_occupation,
        case
            when flagged.suppression is null
                then round(flagged.n_alumni / flagged.n_alumni_with_occupation, 4)
        end as share
    from flagged
    left join occupations
        on flagged.soc_code = occupations.soc_code
    left join zones
        on flagged.soc_code = zones.soc_code
    left join program_occupations
        on
            flagged.program_cip = program_occupations.program_cip
            and flagged.soc_code = program_occupations.soc_code

)

select * from final
