with

source as (

    select * from {{ source('config', 'institution_aliases') }}

),

final as (

    select distinct
        institution_id,
        {{ normalize_key('alias') }} as alias_key
    from source

)

select * from final
