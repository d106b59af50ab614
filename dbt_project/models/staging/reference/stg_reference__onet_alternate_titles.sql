with

source as (

    select * from {{ source('reference', 'onet_alternate_titles') }}

),

final as (

    select
        onet_soc_code,
        soc_code,
        alternate_title,
        short_title,
        sources,
        onet_release
    from source

)

select * from final
