with

source as (

    select * from {{ source('reference', 'onet_occupations') }}

),

final as (

    select
        onet_soc_code,
        soc_code,
        onet_title,
        cast(job_zone as integer) as job_zone,
        onet_release
    from source

)

select * from final
