{{ config(pre_hook="{{ prepare_perturbed_count() }}") }}
-- Shareable aggregate: alumni by the detailed occupation (SOC 2018) of their current job,
-- per institution, program (CIP), degree level and graduation cohort, plus an all-cohorts
-- row (graduation_year null). Each alumnus counts once, in the occupation of their current
-- job (dim_alumni.current_soc_code), so a group's occupations add up to its alumni with a
-- coded current job (n_alumni_with_occupation), before perturbation.
--
-- Disclosure control, as in agg_outcomes_by_program (doc block disclosure_control): each
-- count is perturbed by the cell-key method; a cell whose perturbed count is from 1 to
-- min_cell_size - 1, or 0 (the row itself says someone holds the occupation), is
-- suppressed (primary), and a share is shown only when its group's
-- perturbed count is shown too. A cell is never shown above its group.
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
        count(*) as n_alumni,
        sum(record_key) as key_alumni
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
        count(*) as n_alumni,
        sum(record_key) as key_alumni
    from coded
    group by institution_id, program_cip, degree_level, current_soc_code

),

cells as (

    select * from cohort_cells
    union all
    select * from rollup_cells

),

grouped as (

    select
        cells.*,
        institutions.min_cell_size,
        sum(cells.n_alumni) over by_group as n_group,
        sum(cells.key_alumni) over by_group as key_group
    from cells
    inner join institutions
        on cells.institution_id = institutions.institution_id
    window by_group as (
        partition by
            cells.institution_id, cells.program_cip, cells.degree_level,
            cells.graduation_year
    )

),

perturbed as (

    select
        *,
        {{ perturbed_count('n_group', 'key_group') }} as p_group,
        {{ perturbed_count('n_alumni', 'key_alumni') }} as p_cell
    from grouped

),

shown as (

    select
        *,
        case
            when {{ is_shown('p_group', 'min_cell_size') }} then p_group
        end as s_group,
        -- a row exists only for occupations alumni hold, so a perturbed 0 is withheld too
        case
            when least(p_cell, p_group) >= min_cell_size then least(p_cell, p_group)
        end as s_cell
    from perturbed

),

final as (

    select
        shown.institution_id,
        shown.program_cip,
        shown.program_title,
        shown.degree_level,
        cast(shown.graduation_year as integer) as graduation_year,
        shown.soc_code,
        occupations.soc_title,
        occupations.soc_major_group,
        cast(zones.job_zone as integer) as job_zone,
        program_occupations.soc_code is not null as is_in_field,
        shown.s_cell is null as is_suppressed,
        case when shown.s_cell is null then 'primary' end as suppression,
        cast(shown.s_cell as integer) as n_alumni,
        case when shown.s_cell is not null then cast(shown.s_group as integer) end
            as n_alumni_with_occupation,
        case
            when shown.s_cell is not null and shown.s_group > 0
                then round(shown.s_cell / shown.s_group, 4)
        end as share
    from shown
    left join occupations
        on shown.soc_code = occupations.soc_code
    left join zones
        on shown.soc_code = zones.soc_code
    left join program_occupations
        on
            shown.program_cip = program_occupations.program_cip
            and shown.soc_code = program_occupations.soc_code

)

select * from final
