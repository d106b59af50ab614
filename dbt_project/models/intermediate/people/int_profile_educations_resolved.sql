-- Education entries of current profile versions, with the school resolved to a customer
-- institution when the name people wrote matches one of its configured aliases.
-- Incremental by profile: a refresh handles only profiles with a version newer than the
-- model has seen (their old education rows are deleted first, see
-- delete_rows_of_changed_profiles).
{{ config(
    materialized=incremental_unless_spark(),
    unique_key='profile_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_of_changed_profiles() }}",
) }}

with

educations as (

    select * from {{ ref('stg_profiles__educations') }}
    where {{ changed_profile_files_filter() }}

),

profiles as (

    select * from {{ ref('int_profiles_deduplicated') }}
    where _ingested_at > {{ incremental_watermark() }}

),

aliases as (

    select * from {{ ref('stg_config__institution_aliases') }}

),

current_educations as (

    select
        educations.*,
        profiles._ingested_at
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
        current_educations.end_year,
        current_educations._ingested_at
    from current_educations
    left join aliases
        on {{ normalize_key('current_educations.school_name') }} = aliases.alias_key

)

select * from final
