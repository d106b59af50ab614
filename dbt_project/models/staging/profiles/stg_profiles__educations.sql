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
        unnested.profile_id,
        unnested._file_sha256,
        unnested._source_row,
        unnested.education_index,
        {{ clean_text('unnested.entry.school') }} as school_name,
        {{ clean_text('unnested.entry.degree') }} as degree_text,
        {{ clean_text('unnested.entry.field_of_study') }} as field_of_study,
        unnested.entry.start_year,
        unnested.entry.end_year
    from unnested

)

select * from final
