with

source as (

    select * from {{ source('profiles', 'profile_positions') }}

),

final as (

    select
        profile_id,
        _file_sha256,
        _source_row,
        position_index,
        {{ clean_text('employer') }} as employer_name,
        {{ clean_text('title') }} as title,
        {{ try_parse_date('start_date', '%Y-%m') }} as started_on,
        {{ try_parse_date('end_date', '%Y-%m') }} as ended_on,
        {{ clean_text('location_city') }} as city,
        upper({{ clean_text('location_state') }}) as state
    from source

)

select * from final
