with

records as (

    select * from {{ ref('int_nsc_records_linked') }}

),

keys as (

    select * from {{ ref('int_alumni_pseudonymized') }}

),

final as (

    select
        md5(records.institution_id || '|' || records._file_sha256 || '|' || records._source_row)
            as further_education_key,
        keys.alumni_key,
        records.institution_id,
        records.record_type,
        {{ redact_free_text('records.college_name') }} as college_name,
        records.college_state,
        records.college_level,
        records.college_control,
        records.is_same_institution,
        records.enrollment_begin,
        records.enrollment_end,
        records.enrollment_status,
        records.class_level,
        {{ redact_free_text('coalesce(records.enrollment_major, records.degree_major)') }}
            as major,
        coalesce(records.enrollment_cip, records.degree_cip) as cip,
        {{ redact_free_text('records.degree_title') }} as degree_title,
        records.graduation_date as degree_awarded_on,
        cast(
            {{ months_between(
                'records.alumni_graduation_date',
                'coalesce(records.enrollment_begin, records.graduation_date)'
            ) }} as integer
        ) as months_after_graduation,
        'nsc' as source_system
    from records
    inner join keys
        on
            records.institution_id = keys.institution_id
            and records.student_id = keys.student_id
    where
        records.is_after_graduation
        and records.record_type in ('enrollment', 'degree')

)

select * from final
