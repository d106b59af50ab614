-- Positions of current profile versions, classified: job title to SOC 2018 major group
-- and employer name to NAICS 2022 sector, each by the longest matching whole-word keyword.
with

positions as (

    select * from {{ ref('stg_profiles__positions') }}

),

profiles as (

    select * from {{ ref('int_profiles_deduplicated') }}

),

title_keywords as (

    select * from {{ ref('soc_title_keywords') }}

),

employer_keywords as (

    select * from {{ ref('naics_employer_keywords') }}

),

current_positions as (

    select positions.*
    from positions
    inner join profiles
        on
            positions._file_sha256 = profiles._file_sha256
            and positions._source_row = profiles._source_row

),

title_matches as (

    {{ longest_keyword_match(
        'current_positions', 'title', 'title_keywords', 'soc_major_group'
    ) }}

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
        title_matches.soc_major_group,
        employer_matches.naics_sector,
        current_positions.started_on,
        current_positions.ended_on,
        current_positions.ended_on is null as is_current,
        current_positions.city,
        current_positions.state
    from current_positions
    left join title_matches
        on current_positions.title = title_matches.text_value
    left join employer_matches
        on current_positions.employer_name = employer_matches.text_value

)

select * from final
