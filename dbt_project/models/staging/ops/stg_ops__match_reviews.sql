with

source as (

    select * from {{ source('ops', 'match_reviews') }}

),

latest as (

    select *
    from source
    qualify row_number() over (
        partition by institution_id, student_id, profile_id
        order by decided_at desc
    ) = 1

),

final as (

    select
        institution_id || '|' || student_id as alumni_id,
        institution_id,
        student_id,
        profile_id,
        decision,
        reviewer,
        note,
        decided_at
    from latest

)

select * from final
