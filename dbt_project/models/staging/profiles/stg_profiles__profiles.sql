with

source as (

    select * from {{ source('profiles', 'profiles') }}

),

final as (

    select
        profile_id,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('middle_name') }} as middle_name,
        {{ clean_text('last_name') }} as last_name,
        lower({{ clean_text('email') }}) as email,
        {{ clean_text('location_city') }} as city,
        upper({{ clean_text('location_state') }}) as state,
        try_cast(updated_at as date) as updated_at,
        _source_file,
        _source_row,
        _file_sha256,
        _ingested_at
    from source

)

select * from final
