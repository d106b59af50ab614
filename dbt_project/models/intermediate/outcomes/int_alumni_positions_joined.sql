-- Positions of linked alumni held after graduation (started in or after the graduation
-- month, or still running then), with months after graduation and in-field flag.
with

links as (

    select * from {{ ref('int_alumni_profiles_linked') }}

),

positions as (

    select * from {{ ref('int_profile_positions_classified') }}

),

crosswalk as (

    select * from {{ ref('cip_soc_crosswalk') }}

),

joined as (

    select
        links.institution_id,
        links.student_id,
        links.alumni_key,
        links.cip_series,
        links.graduation_date,
        positions.position_index,
        positions.employer_name,
        positions.title,
        positions.soc_major_group,
        positions.naics_sector,
        positions.started_on,
        positions.ended_on,
        positions.is_current,
        positions.city,
        positions.state
    from links
    inner join positions
        on links.profile_id = positions.profile_id
    where
        positions.started_on >= date_trunc('month', links.graduation_date)
        or positions.ended_on is null
        or positions.ended_on >= date_trunc('month', links.graduation_date)

),

final as (

    select
        joined.*,
        greatest(
            {{ months_between('joined.graduation_date', 'joined.started_on') }}, 0
        ) as months_after_graduation,
        crosswalk.soc_major_group is not null as is_in_field
    from joined
    left join crosswalk
        on
            joined.cip_series = crosswalk.cip_series
            and joined.soc_major_group = crosswalk.soc_major_group

)

select * from final
