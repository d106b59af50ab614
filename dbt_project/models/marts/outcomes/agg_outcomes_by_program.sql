{{ config(pre_hook="{{ prepare_perturbed_count() }}") }}
-- Shareable outcome rates per institution, program, degree level and cohort, plus an
-- all-cohorts row (graduation_year null) per program and degree level.
--
-- Disclosure control (doc block disclosure_control): every count is perturbed by the
-- cell-key method (macro perturbed_count), so no count, and no difference of counts, is
-- known exactly; a cell whose perturbed n_alumni is below the institution's min_cell_size
-- is suppressed (no counts, no rates), and within a shown cell a perturbed count from 1 to
-- min_cell_size - 1 is null, with the rates made from it. A count is never shown above the
-- count it is part of (n_employed <= n_outcome_known <= n_alumni, ...), so every rate is
-- the ratio of the counts shown, and a rate over a subset of the cell (alumni whose
-- first job's in-field status is known, whose current job has a job zone, whose NACE
-- outcome is known, who were observed at a horizon) needs that subset to be shown.
-- Medians need 30 employed alumni, modelled earnings 30 alumni with a modelled wage
-- (quantiles are not counts and are not perturbed).
--
-- Measures (see the methodology page of the docs site): in field by the NCES crosswalk
-- (in_field_basis says whether the program's own pairs or its family's were used);
-- degree-level jobs by O*NET job zone; modelled earnings from OEWS May 2025 (occupation
-- and state, not observed earnings); NACE knowledge and career outcomes rates; status at
-- 6 months, 1, 5 and 10 years.
--
-- The counts are written by loops over `counted` below; sqlfluff maps the rendered lines'
-- indentation back to the loops imperfectly, so its layout rules LT02 and LT05 are off in
-- this file (`sqlfluff render` shows the rendered SQL, laid out as everywhere else).
-- noqa: disable=LT02,LT05

{#- count name -> the alumni it counts (a condition on dim_alumni) -#}
{%- set counted = {
    'alumni': 'true',
    'found': 'is_profile_found',
    'outcome_known': 'is_outcome_known',
    'employed': 'is_employed_after_graduation',
    'in_field_known': 'first_job_is_in_field is not null',
    'in_field': 'first_job_is_in_field',
    'further_education': 'has_further_education',
    'degree_level_known': 'is_in_degree_level_job is not null',
    'degree_level_job': 'is_in_degree_level_job',
    'modelled_earnings': 'modelled_annual_earnings is not null',
    'nace_known': 'nace_outcome is not null',
    'nace_positive': "nace_outcome in ('employed', 'continuing_education', 'service')",
    'nace_not_seeking': "nace_outcome = 'not_seeking'",
} -%}
{%- set horizons = ['6m', '1y', '5y', '10y'] -%}
{%- for horizon in horizons -%}
    {%- do counted.update({
        'status_' ~ horizon: 'is_employed_' ~ horizon ~ ' is not null',
        'employed_' ~ horizon: 'is_employed_' ~ horizon,
        'further_education_' ~ horizon: 'is_in_further_education_' ~ horizon,
    }) -%}
{%- endfor -%}
{#- count name -> the counts it is part of (it is never shown above them) -#}
{%- set parents = {
    'found': ['alumni'],
    'outcome_known': ['alumni'],
    'employed': ['outcome_known', 'alumni'],
    'in_field_known': ['employed', 'outcome_known', 'alumni'],
    'in_field': ['in_field_known', 'employed', 'outcome_known', 'alumni'],
    'further_education': ['alumni'],
    'degree_level_known': ['alumni'],
    'degree_level_job': ['degree_level_known', 'alumni'],
    'modelled_earnings': ['alumni'],
    'nace_known': ['alumni'],
    'nace_positive': ['nace_known', 'alumni'],
    'nace_not_seeking': ['nace_known', 'alumni'],
} -%}
{%- for horizon in horizons -%}
    {%- do parents.update({
        'status_' ~ horizon: ['alumni'],
        'employed_' ~ horizon: ['status_' ~ horizon, 'alumni'],
        'further_education_' ~ horizon: ['status_' ~ horizon, 'alumni'],
    }) -%}
{%- endfor %}

with

alumni as (

    select * from {{ ref('dim_alumni') }}

),

institutions as (

    select * from {{ ref('stg_config__institutions') }}

),

{% set measures %}
    {%- for name, condition in counted.items() %}
        count(*) filter (where {{ condition }}) as n_{{ name }},
        sum(record_key) filter (where {{ condition }}) as key_{{ name }},
    {%- endfor %}
        median(months_to_first_job) as median_months_to_first_job,
        min(in_field_basis) as in_field_basis,
        {{ quantile_cont('modelled_annual_earnings', 0.25) }} as modelled_earnings_p25,
        {{ quantile_cont('modelled_annual_earnings', 0.5) }} as modelled_earnings_median,
        {{ quantile_cont('modelled_annual_earnings', 0.75) }} as modelled_earnings_p75,
        min(oews_release) as oews_release,
        min(nace_window_end) as first_nace_window_end,
        max(nace_window_end) as last_nace_window_end
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
        cells.*,
        institutions.min_cell_size,
        {%- for name in counted %}
        {{ perturbed_count('cells.n_' ~ name, 'cells.key_' ~ name) }} as p_{{ name }}
        {{- "," if not loop.last }}
        {%- endfor %}
    from cells
    inner join institutions
        on cells.institution_id = institutions.institution_id

),

-- A part is never shown above its whole (perturbation of nested counts is independent).
nested as (

    select
        *,
        {%- for name in counted if name != 'alumni' %}
        least(p_{{ name }}, p_{{ parents[name] | join(', p_') }}) as c_{{ name }},
        {%- endfor %}
        p_alumni < min_cell_size as is_small
    from perturbed

),

shown as (

    select
        *,
        {%- for name in counted if name != 'alumni' %}
        case
            when not is_small and {{ is_shown('c_' ~ name, 'min_cell_size') }}
                then c_{{ name }}
        end as s_{{ name }}{{ "," if not loop.last }}
        {%- endfor %}
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
        {{ shown_ratio('s_in_field', 's_in_field_known') }} as in_field_rate,
        case
            when s_employed >= 30 then cast(median_months_to_first_job as double)
        end as median_months_to_first_job,
        in_field_basis,
        cast(s_degree_level_job as integer) as n_degree_level_job,
        {{ shown_ratio('s_degree_level_job', 's_degree_level_known') }} as degree_level_job_rate,
        cast(s_modelled_earnings as integer) as n_modelled_earnings,
        case
            when s_modelled_earnings >= 30 then cast(round(modelled_earnings_p25) as integer)
        end as modelled_earnings_p25,
        case
            when s_modelled_earnings >= 30
                then cast(round(modelled_earnings_median) as integer)
        end as modelled_earnings_median,
        case
            when s_modelled_earnings >= 30 then cast(round(modelled_earnings_p75) as integer)
        end as modelled_earnings_p75,
        'modelled from occupation and state, not observed earnings' as earnings_basis,
        oews_release,
        cast(s_nace_known as integer) as n_nace_known,
        case when not is_small then round(s_nace_known / p_alumni, 4) end as knowledge_rate,
        {{ shown_ratio('s_nace_positive', '(s_nace_known - s_nace_not_seeking)') }}
            as career_outcomes_rate,
        case when not is_small then first_nace_window_end end as first_nace_window_end,
        case when not is_small then last_nace_window_end end as last_nace_window_end,
        {%- for horizon in horizons %}
        cast(s_status_{{ horizon }} as integer) as n_status_{{ horizon }},
        {{ shown_ratio('s_employed_' ~ horizon, 's_status_' ~ horizon) }}
            as employment_rate_{{ horizon }},
        {{ shown_ratio('s_further_education_' ~ horizon, 's_status_' ~ horizon) }}
            as further_education_rate_{{ horizon }}{{ "," if not loop.last }}
        {%- endfor %}
    from shown

)

select * from final
