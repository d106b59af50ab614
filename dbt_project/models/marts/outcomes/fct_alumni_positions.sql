with

positions as (

    select * from {{ ref('int_alumni_positions_joined') }}

),

major_groups as (

    select * from {{ ref('stg_reference__soc_codes') }}
    where soc_level = 'major'

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
        {{ redact_free_text('positions.employer_normalized') }} as employer_normalized,
        {{ redact_free_text('positions.title') }} as title,
        positions.soc_code,
        positions.soc_title,
        positions.onet_soc_code,
        positions.soc_major_group,
        major_groups.soc_title as soc_major_group_title,
        cast(positions.coding_score as double) as coding_score,
        positions.coding_method,
        cast(positions.job_zone as integer) as job_zone,
        positions.naics_sector,
        industries.naics_sector_title,
        {{ redact_free_text('positions.city') }} as city,
        positions.state,
        positions.started_on,
        positions.ended_on,
        positions.is_current,
        cast(positions.months_after_graduation as integer) as months_after_graduation,
        positions.is_in_field,
        positions.in_field_basis,
        positions.is_degree_level_job,
        positions.source_system,
        positions.confirmed_by
    from positions
    left join major_groups
        on positions.soc_major_group = major_groups.soc_code
    left join industries
        on positions.naics_sector = industries.naics_sector

)

select * from final
