-- One alumnus per institution and student id: the latest submission wins (a corrected
-- file re-sent later supersedes the earlier row), and the count of submissions is kept.
with

students as (

    select * from {{ ref('stg_rosters__students') }}

),

ranked as (

    select
        *,
        count(*) over (partition by institution_id, student_id) as n_submissions,
        row_number() over (
            partition by institution_id, student_id
            order by _ingested_at desc, _source_file desc, _source_row desc
        ) as submission_rank
    from students

),

final as (

    select
        institution_id,
        student_id,
        institution_id || '|' || student_id as alumni_record_id,
        first_name,
        middle_name,
        last_name,
        former_last_name,
        suffix,
        date_of_birth,
        email,
        phone_digits,
        street_address,
        city,
        state,
        postal_code,
        program_cip,
        left(program_cip, 2) as cip_series,
        program_name,
        degree_level,
        graduation_date,
        year(graduation_date) as graduation_year,
        n_submissions,
        _source_file,
        _source_row,
        _ingested_at
    from ranked
    where submission_rank = 1

)

select * from final
