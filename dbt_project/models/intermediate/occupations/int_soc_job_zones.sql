-- The O*NET job zone of each SOC 2018 detailed occupation: that of its own O*NET
-- occupation (XX-XXXX.00) when O*NET gives one, else the most common zone of its O*NET
-- specialisations (the lower on a tie). O*NET gives "All Other" occupations no zone; 49 of
-- them have specialisations that do. Occupations with neither have no row.
with

occupations as (

    select * from {{ ref('stg_reference__onet_occupations') }}

),

own as (

    select
        soc_code,
        job_zone
    from occupations
    where onet_soc_code = soc_code || '.00' and job_zone is not null

),

zone_counts as (

    select
        soc_code,
        job_zone,
        count(*) as n_occupations
    from occupations
    where job_zone is not null
    group by soc_code, job_zone

),

specialisations as (

    select
        soc_code,
        {{ arg_min('job_zone', ['-n_occupations', 'job_zone']) }} as job_zone
    from zone_counts
    group by soc_code

),

final as (

    select
        specialisations.soc_code,
        coalesce(own.job_zone, specialisations.job_zone) as job_zone,
        case
            when own.job_zone is not null then 'onet_occupation' else 'specialisations'
        end as job_zone_basis
    from specialisations
    left join own
        on specialisations.soc_code = own.soc_code

)

select * from final
