-- Shareable outcome rates per institution, program, degree level and cohort, plus an
-- all-cohorts row (graduation_year null) per program and degree level.
--
-- Disclosure control (doc block disclosure_control): every count is perturbed by the
-- cell-key method (macro perturbed_count), so no count, and no difference of counts, is
-- known exactly; a cell whose perturbed n_alumni is below the institution's min_cell_size
-- is suppressed (no counts, no rates), and within a shown cell a perturbed count from 1 to
-- min_cell_size - 1 is null, with the rates made from it. A count is never shown above the
-- count it is part of (n_employed <= n_outcome_known <= n_alumni, ...), so every rate is
-- the ratio of the counts shown. Medians need 30 employed alumni.
with

alumni as (

    select * from {{ ref('dim_alumni') }}

),

institutions as (

    select * from {{ ref('stg_config__institutions') }}

),

{% set measures %}
        count(*) as n_alumni,
        sum(record_key) as key_alumni,
        count(*) filter (where is_profile_found) as n_found,
        sum(record_key) filter (where is_profile_found) as key_found,
        count(*) filter (where is_outcome_known) as n_outcome_known,
        sum(record_key) filter (where is_outcome_known) as key_outcome_known,
        count(*) filter (where is_employed_after_graduation) as n_employed,
        sum(record_key) filter (where is_employed_after_graduation) as key_employed,
        count(*) filter (where first_job_is_in_field) as n_in_field,
        sum(record_key) filter (where first_job_is_in_field) as key_in_field,
        count(*) filter (where has_further_education) as n_further_education,
        sum(record_key) filter (where has_further_education) as key_further_education,
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

perturbed as (

    select
        cells.institution_id,
        cells.program_cip,
        cells.program_title,
        cells.degree_level,
        cells.graduation_year,
        cells.median_months_to_first_job,
        institutions.min_cell_size,
        {{ perturbed_count('cells.n_alumni', 'cells.key_alumni') }} as p_alumni,
        {{ perturbed_count('cells.n_found', 'cells.key_found') }} as p_found,
        {{ perturbed_count('cells.n_outcome_known', 'cells.key_outcome_known') }}
            as p_outcome_known,
        {{ perturbed_count('cells.n_employed', 'cells.key_employed') }} as p_employed,
        {{ perturbed_count('cells.n_in_field', 'cells.key_in_field') }} as p_in_field,
        {{ perturbed_count('cells.n_further_education', 'cells.key_further_education') }}
            as p_further_education
    from cells
    inner join institutions
        on cells.institution_id = institutions.institution_id

),

-- A part is never shown above its whole (perturbation of nested counts is independent).
nested as (

    select
        *,
        least(p_found, p_alumni) as c_found,
        least(p_outcome_known, p_alumni) as c_outcome_known,
        least(p_further_education, p_alumni) as c_further_education,
        least(p_employed, p_outcome_known, p_alumni) as c_employed,
        least(p_in_field, p_employed, p_outcome_known, p_alumni) as c_in_field,
        p_alumni < min_cell_size as is_small
    from perturbed

),

shown as (

    select
        *,
        case
            when not is_small and {{ is_shown('c_found', 'min_cell_size') }} then c_found
        end as s_found,
        case
            when not is_small and {{ is_shown('c_outcome_known', 'min_cell_size') }}
                then c_outcome_known
        end as s_outcome_known,
        case
            when not is_small and {{ is_shown('c_employed', 'min_cell_size') }}
                then c_employed
        end as s_employed,
        case
            when not is_small and {{ is_shown('c_in_field', 'min_cell_size') }}
                then c_in_field
        end as s_in_field,
        case
            when not is_small and {{ is_shown('c_further_education', 'min_cell_size') }}
                then c_further_education
        end as s_further_education
    from nested

),

final as (

    select
        institution_id,
        program_cip,
        program_title,
        degree_level,
        cast(graduation_year as integer) as graduation_year,
        is_small as is_suppressed,
        case when is_small then 'primary' end as suppression,
        case when not is_small then cast(p_alumni as integer) end as n_alumni,
        cast(s_found as integer) as n_found,
        cast(s_outcome_known as integer) as n_outcome_known,
        cast(s_employed as integer) as n_employed,
        cast(s_further_education as integer) as n_further_education,
        case
            when s_outcome_known > 0 then round(s_employed / s_outcome_known, 4)
        end as employment_rate,
        case
            when not is_small then round(s_further_education / p_alumni, 4)
        end as further_education_rate,
        case
            when s_employed > 0 then round(s_in_field / s_employed, 4)
        end as in_field_rate,
        case
            when s_employed >= 30 then cast(median_months_to_first_job as double)
        end as median_months_to_first_job
    from shown

)

select * from final
