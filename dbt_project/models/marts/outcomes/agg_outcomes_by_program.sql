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
-- need at least 30 employed alumni, modelled earnings 30 alumni with a modelled wage, and
-- a rate over a subset of the cell (alumni whose first job's in-field status is known,
-- whose current job has a job zone, whose NACE outcome is known, who were observed at a
-- horizon) needs that subset to reach min_cell_size.
--
-- Measures (see the methodology page of the docs site): in field by the NCES crosswalk
-- (in_field_basis says whether the program's own pairs or its family's were used);
-- degree-level jobs by O*NET job zone; modelled earnings from OEWS May 2025 (occupation
-- and state, not observed earnings); NACE knowledge and career outcomes rates; status at
-- 6 months, 1, 5 and 10 years.
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
        median(months_to_first_job) as median_months_to_first_job,
        count(*) filter (where first_job_is_in_field is not null) as n_in_field_known,
        min(in_field_basis) as in_field_basis,
        count(*) filter (where is_in_degree_level_job is not null) as n_degree_level_known,
        count(*) filter (where is_in_degree_level_job) as n_degree_level_job,
        count(modelled_annual_earnings) as n_modelled_earnings,
        quantile_cont(modelled_annual_earnings, 0.25) as modelled_earnings_p25,
        quantile_cont(modelled_annual_earnings, 0.5) as modelled_earnings_median,
        quantile_cont(modelled_annual_earnings, 0.75) as modelled_earnings_p75,
        min(oews_release) as oews_release,
        count(*) filter (where nace_outcome is not null) as n_nace_known,
        count(*) filter (
            where nace_outcome in ('employed', 'continuing_education', 'service')
        ) as n_nace_positive,
        count(*) filter (where nace_outcome = 'not_seeking') as n_nace_not_seeking,
        min(nace_window_end) as first_nace_window_end,
        max(nace_window_end) as last_nace_window_end,
        count(is_employed_6m) as n_status_6m,
        count(*) filter (where is_employed_6m) as n_employed_6m,
        count(*) filter (where is_in_further_education_6m) as n_further_education_6m,
        count(is_employed_1y) as n_status_1y,
        count(*) filter (where is_employed_1y) as n_employed_1y,
        count(*) filter (where is_in_further_education_1y) as n_further_education_1y,
        count(is_employed_5y) as n_status_5y,
        count(*) filter (where is_employed_5y) as n_employed_5y,
        count(*) filter (where is_in_further_education_5y) as n_further_education_5y,
        count(is_employed_10y) as n_status_10y,
        count(*) filter (where is_employed_10y) as n_employed_10y,
        count(*) filter (where is_in_further_education_10y) as n_further_education_10y
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
        institutions.min_cell_size,
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
            when suppression is null and n_in_field_known > 0
                then round(n_in_field / n_in_field_known, 4)
        end as in_field_rate,
        case
            when suppression is null and n_employed >= 30
                then cast(median_months_to_first_job as double)
        end as median_months_to_first_job,
        in_field_basis,
        case when suppression is null then cast(n_degree_level_job as integer) end
            as n_degree_level_job,
        {{ shown_rate('n_degree_level_job', 'n_degree_level_known') }}
            as degree_level_job_rate,
        case when suppression is null then cast(n_modelled_earnings as integer) end
            as n_modelled_earnings,
        case
            when suppression is null and n_modelled_earnings >= 30
                then cast(round(modelled_earnings_p25) as integer)
        end as modelled_earnings_p25,
        case
            when suppression is null and n_modelled_earnings >= 30
                then cast(round(modelled_earnings_median) as integer)
        end as modelled_earnings_median,
        case
            when suppression is null and n_modelled_earnings >= 30
                then cast(round(modelled_earnings_p75) as integer)
        end as modelled_earnings_p75,
        'modelled from occupation and state, not observed earnings' as earnings_basis,
        oews_release,
        case when suppression is null then cast(n_nace_known as integer) end
            as n_nace_known,
        case when suppression is null then round(n_nace_known / n_alumni, 4) end
            as knowledge_rate,
        {{ shown_rate('n_nace_positive', '(n_nace_known - n_nace_not_seeking)') }}
            as career_outcomes_rate,
        case when suppression is null then first_nace_window_end end as first_nace_window_end,
        case when suppression is null then last_nace_window_end end as last_nace_window_end,
        case when suppression is null then cast(n_status_6m as integer) end
            as n_status_6m,
        {{ shown_rate('n_employed_6m', 'n_status_6m') }} as employment_rate_6m,
        {{ shown_rate('n_further_education_6m', 'n_status_6m') }}
            as further_education_rate_6m,
        case when suppression is null then cast(n_status_1y as integer) end
            as n_status_1y,
        {{ shown_rate('n_employed_1y', 'n_status_1y') }} as employment_rate_1y,
        {{ shown_rate('n_further_education_1y', 'n_status_1y') }}
            as further_education_rate_1y,
        case when suppression is null then cast(n_status_5y as integer) end
            as n_status_5y,
        {{ shown_rate('n_employed_5y', 'n_status_5y') }} as employment_rate_5y,
        {{ shown_rate('n_further_education_5y', 'n_status_5y') }}
            as further_education_rate_5y,
        case when suppression is null then cast(n_status_10y as integer) end
            as n_status_10y,
        {{ shown_rate('n_employed_10y', 'n_status_10y') }} as employment_rate_10y,
        {{ shown_rate('n_further_education_10y', 'n_status_10y') }}
            as further_education_rate_10y
    from flagged

)

select * from final
