-- Accepted links only: the one-to-one pair of each alumnus, when its probability reaches
-- the match threshold (var match_threshold).
with

matches as (

    select * from {{ ref('int_alumni_profiles_matched') }}

),

alumni as (

    select * from {{ ref('int_alumni_deduplicated') }}

),

keys as (

    select * from {{ ref('int_alumni_pseudonymized') }}

),

final as (

    select
        alumni.institution_id,
        alumni.student_id,
        keys.alumni_key,
        matches.profile_id,
        matches.match_probability,
        matches.match_weight,
        alumni.graduation_date,
        alumni.program_cip,
        alumni.cip_series,
        alumni.degree_level
    from matches
    inner join alumni
        on matches.alumni_id = alumni.alumni_record_id
    inner join keys
        on
            alumni.institution_id = keys.institution_id
            and alumni.student_id = keys.student_id
    where
        matches.candidate_rank = 1
        and matches.match_probability >= {{ var('match_threshold') }}

)

select * from final
