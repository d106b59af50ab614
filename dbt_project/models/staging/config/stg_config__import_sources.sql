with

source as (

    select * from {{ source('config', 'import_sources') }}

),

final as (

    select
        source_name,
        links_by,
        description
    from source

)

select * from final
