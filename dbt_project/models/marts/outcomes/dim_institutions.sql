with

institutions as (

    select * from {{ ref('stg_config__institutions') }}

),

alumni as (

    select * from {{ ref('dim_alumni') }}

),

alumni_counts as (

    select
        institution_id,
        count(*) as n_alumni,
        min(graduation_year) as first_cohort,
        max(graduation_year) as last_cohort
    from alumni
    group by institution_id

),

final as (

    select
        institutions.institution_id,
        institutions.institution_name,
        institutions.unitid,
        institutions.state,
        institutions.min_cell_size,
        cast(coalesce(alumni_counts.n_alumni, 0) as integer) as n_alumni,
        cast(alumni_counts.first_cohort as integer) as first_cohort,
        cast(alumni_counts.last_cohort as integer) as last_cohort
    from institutions
    left join alumni_counts
        on institutions.institution_id = alumni_counts.institution_id

)

select * from final
