-- Positions of current profile versions, with the employer's NAICS 2022 sector by the
-- longest whole-word keyword of its name (job titles are coded once per distinct title,
-- in int_job_titles_coded).
-- Incremental by profile: a refresh handles only profiles with a version newer than the
-- model has seen (their old position rows are deleted first, see
-- delete_rows_of_changed_profiles).
{{ config(
    materialized=incremental_unless_spark(),
    unique_key='profile_id',
    incremental_strategy='delete+insert',
    on_schema_change='fail',
    pre_hook="{{ delete_rows_of_changed_profiles() }}",
) }}

with

positions as (

    select * from {{ ref('stg_profiles__positions') }}
    where {{ changed_profile_files_filter() }}

),

profiles as (

    select * from {{ ref('int_profiles_deduplicated') }}
    where _ingested_at > {{ incremental_watermark() }}

),

employer_keywords as (

    select * from {{ ref('naics_employer_keywords') }}

),

current_positions as (

    select
        positions.*,
        profiles._ingested_at
    from positions
    inner join profiles
        on
            positions._file_sha256 = profiles._file_sha256
            and positions._source_row = profiles._source_row

),

employer_matches as (

    {{ longest_keyword_match(
        'current_positions', 'employer_name', 'employer_keywords', 'naics_sector'
    ) }}

),

final as (

    select
        current_positions.profile_id,
        current_positions.position_index,
        current_positions.employer_name,
        current_positions.title,
        employer_matches.naics_sector,
        current_positions.started_on,
        current_positions.ended_on,
        current_positions.ended_on is null as is_current,
        current_positions.city,
        current_positions.state,
        current_positions._ingested_at
    from current_positions
    left join employer_matches
        on current_positions.employer_name = employer_matches.text_value

)

select * from final
