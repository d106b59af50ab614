with

source as (

    select * from {{ source('profiles', 'profile_educations') }}

),

final as (

    select
        profile_id,
        _file_sha256,
        _source_row,
        education_index,
        {{ clean_text('school') }} as school_name,
        {{ clean_text('degree') }} as degree_text,
        {{ clean_text('field_of_study') }} as field_of_study,
        start_year,
        end_year
    from source

)

select * from final
