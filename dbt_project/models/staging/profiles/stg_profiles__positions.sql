with

source as (

    select * from {{ source('profiles', 'profiles') }}

),

unnested as (

    select
        profile_id,
        _file_sha256,
        _source_row,
        unnest(
            from_json(
                positions,
                '[{"employer": "VARCHAR", "title": "VARCHAR", "start_date": "VARCHAR",
                   "end_date": "VARCHAR", "location": {"city": "VARCHAR", "state": "VARCHAR"}}]'
            )
        ) as entry,
        generate_subscripts(from_json(positions, '["JSON"]'), 1) as position_index
    from source

),

final as (

    select
        unnested.profile_id,
        unnested._file_sha256,
        unnested._source_row,
        unnested.position_index,
        {{ clean_text('unnested.entry.employer') }} as employer_name,
        {{ clean_text('unnested.entry.title') }} as title,
        try_strptime(unnested.entry.start_date, '%Y-%m')::date as started_on,
        try_strptime(unnested.entry.end_date, '%Y-%m')::date as ended_on,
        {{ clean_text('unnested.entry.location.city') }} as city,
        upper({{ clean_text('unnested.entry.location.state') }}) as state
    from unnested

)

select * from final
