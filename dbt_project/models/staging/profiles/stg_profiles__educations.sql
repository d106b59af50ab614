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
                education,
                '[{"school": "VARCHAR", "degree": "VARCHAR", "field_of_study": "VARCHAR",
                   "start_year": "INTEGER", "end_year": "INTEGER"}]'
            )
        ) as entry,
        generate_subscripts(from_json(education, '["JSON"]'), 1) as education_index
    from source

),

final as (

    select
        profile_id,
        _file_sha256,
        _source_row,
        education_index,
        {{ clean_text('entry.school') }} as school_name,
        {{ clean_text('entry.degree') }} as degree_text,
        {{ clean_text('entry.field_of_study') }} as field_of_study,
        entry.start_year as start_year,
        entry.end_year as end_year
    from unnested

)

select * from final
