with

source as (

    select * from {{ source('reference', 'soc_direct_match_titles') }}

),

final as (

    select
        soc_code,
        direct_match_title,
        is_illustrative_example,
        soc_release
    from source

)

select * from final
