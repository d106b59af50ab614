with

source as (

    select * from {{ source('config', 'institutions') }}

),

final as (

    select
        institution_id,
        institution_name,
        cast(unitid as {{ text_type() }}) as unitid,
        state,
        cast(min_cell_size as integer) as min_cell_size
    from source

)

select * from final
