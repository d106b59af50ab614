with

positions as (

    select * from {{ ref('int_alumni_positions_joined') }}

),

occupations as (

    select * from {{ ref('soc_major_groups') }}

),

industries as (

    select * from {{ ref('naics_sectors') }}

),

final as (

    select
        md5(positions.alumni_key || '|' || positions.position_id) as position_key,
        positions.alumni_key,
        positions.institution_id,
        {{ redact_free_text('positions.employer_name') }} as employer_name,
        {{ redact_free_text('positions.title') }} as title,
        positions.soc_major_group,
        occupations.soc_major_group_title,
        positions.naics_sector,
        industries.naics_sector_title,
        {{ redact_free_text('positions.city') }} as city,
        positions.state,
        positions.started_on,
        positions.ended_on,
        positions.is_current,
        cast(positions.months_after_graduation as integer) as months_after_graduation,
        positions.is_in_field,
        positions.source_system,
        positions.confirmed_by
    from positions
    left join occupations
        on positions.soc_major_group = occupations.soc_major_group
    left join industries
        on positions.naics_sector = industries.naics_sector

)

select * from final
