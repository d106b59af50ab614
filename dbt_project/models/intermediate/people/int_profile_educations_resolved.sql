-- Education entries of current profile versions, with the school resolved to a customer
-- institution when the name people wrote matches one of its configured aliases.
with

educations as (

    select * from {{ ref('stg_profiles__educations') }}

),

profiles as (

    select * from {{ ref('int_profiles_deduplicated') }}

),

aliases as (

    select * from {{ ref('stg_config__institution_aliases') }}

),

current_educations as (

    select educations.*
    from educations
    inner join profiles
        on
            educations._file_sha256 = profiles._file_sha256
            and educations._source_row = profiles._source_row

),

final as (

    select
        current_educations.profile_id,
        current_educations.education_index,
        current_educations.school_name,
        aliases.institution_id,
        current_educations.degree_text,
        current_educations.field_of_study,
        current_educations.start_year,
        current_educations.end_year
    from current_educations
    left join aliases
        on {{ normalize_key('current_educations.school_name') }} = aliases.alias_key

)

select * from final
