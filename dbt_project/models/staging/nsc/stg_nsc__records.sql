with

source as (

    select * from {{ source('nsc', 'nsc_detail') }}

),

cast_values as (

    select
        institution_id,
        trim(your_unique_identifier) as student_id,
        trim(requester_return_field) as requester_return_field,
        record_found = 'Y' as record_found,
        {{ parse_date('search_date', '%Y%m%d') }} as search_date,
        trim(college_code_branch) as college_code_branch,
        {{ clean_text('college_name') }} as college_name,
        upper(trim(college_state)) as college_state,
        case trim(college_level)
            when '4' then '4-year'
            when '2' then '2-year'
            when 'L' then 'less than 2-year'
        end as college_level,
        lower(trim(college_control)) as college_control,
        {{ parse_date('enrollment_begin', '%Y%m%d') }} as enrollment_begin,
        {{ parse_date('enrollment_end', '%Y%m%d') }} as enrollment_end,
        upper(trim(enrollment_status)) as enrollment_status,
        upper(trim(class_level)) as class_level,
        {{ clean_text('enrollment_major_1') }} as enrollment_major,
        trim(enrollment_cip_1) as enrollment_cip,
        graduated = 'Y' as graduated,
        {{ parse_date('graduation_date', '%Y%m%d') }} as graduation_date,
        {{ clean_text('degree_title') }} as degree_title,
        {{ clean_text('degree_major_1') }} as degree_major,
        trim(degree_cip_1) as degree_cip,
        try_cast(college_sequence as integer) as college_sequence,
        _source_file,
        _source_row,
        _file_sha256,
        _ingested_at
    from source

),

final as (

    select
        *,
        case
            when not record_found then 'not_found'
            when graduated then 'degree'
            else 'enrollment'
        end as record_type
    from cast_values

)

select * from final
