with

source as (

    select * from {{ source('reference', 'soc_structure') }}

),

final as (

    select
        soc_code,
        soc_level,
        soc_title,
        soc_major_group,
        soc_minor_group,
        soc_broad_group,
        soc_definition,
        soc_release
    from source

)

select * from final
