-- NSC detail rows attached to the alumnus they describe, with whether they fall after
-- the alumnus's graduation and whether the college is the institution itself.
with

records as (

    select * from {{ ref('stg_nsc__records') }}

),

alumni as (

    select * from {{ ref('int_alumni_deduplicated') }}

),

aliases as (

    select * from {{ ref('stg_config__institution_aliases') }}

),

final as (

    select
        records.*,
        alumni.graduation_date as alumni_graduation_date,
        coalesce(records.enrollment_begin, records.graduation_date)
        > alumni.graduation_date as is_after_graduation,
        aliases.alias_key is not null as is_same_institution
    from records
    inner join alumni
        on
            records.institution_id = alumni.institution_id
            and records.student_id = alumni.student_id
    left join aliases
        on
            records.institution_id = aliases.institution_id
            and {{ normalize_key('records.college_name') }} = aliases.alias_key

)

select * from final
