{{
    config(
        materialized='incremental',
        unique_key=['institution_id', 'refresh_id'],
        on_schema_change='append_new_columns',
        full_refresh=false,
        tags=['every_refresh']
    )
}}
-- Match quality per institution and refresh: breadth (share found), confidence
-- (distribution of match probabilities) and depth (what found profiles tell us).
with

alumni as (

    select * from {{ ref('dim_alumni') }}

),

links as (

    select * from {{ ref('int_alumni_profiles_linked') }}

),

matches as (

    select * from {{ ref('int_alumni_profiles_matched') }}

),

profiles as (

    select * from {{ ref('int_profiles_deduplicated') }}

),

educations as (

    select * from {{ ref('int_profile_educations_resolved') }}

),

depth as (

    select
        links.institution_id,
        count(*) filter (where profiles.city is not null or profiles.state is not null)
            as n_with_location,
        count(*) filter (where profiles.email is not null) as n_with_email,
        count(*) filter (
            where exists (
                select 1 from educations
                where
                    educations.profile_id = links.profile_id
                    and educations.institution_id = links.institution_id
            )
        ) as n_with_school_listed
    from links
    inner join profiles
        on links.profile_id = profiles.profile_id
    group by links.institution_id

),

review as (

    select
        institution_id,
        count(*) filter (
            where candidate_rank = 1 and match_probability < {{ var('match_threshold') }}
        ) as n_below_threshold
    from matches
    group by institution_id

),

breadth as (

    select
        institution_id,
        count(*) as n_alumni,
        count(*) filter (where is_profile_found) as n_found,
        avg(match_probability) as mean_match_probability,
        quantile_cont(match_probability, 0.1) as p10_match_probability,
        median(match_probability) as median_match_probability,
        count(*) filter (where match_probability >= 0.99) as n_confidence_very_high,
        count(*) filter (where match_probability >= 0.95 and match_probability < 0.99)
            as n_confidence_high,
        count(*) filter (where match_probability < 0.95) as n_confidence_moderate,
        sum(n_positions) filter (where is_profile_found) as n_positions,
        count(*) filter (where is_profile_found and n_positions > 0) as n_found_with_position
    from alumni
    group by institution_id

),

final as (

    select
        breadth.institution_id,
        {{ current_refresh_id() }} as refresh_id,
        current_timestamp as refreshed_at,
        cast(breadth.n_alumni as integer) as n_alumni,
        cast(breadth.n_found as integer) as n_found,
        round(breadth.n_found / breadth.n_alumni, 4) as breadth,
        round(breadth.mean_match_probability, 4) as mean_match_probability,
        round(breadth.p10_match_probability, 4) as p10_match_probability,
        round(breadth.median_match_probability, 4) as median_match_probability,
        cast(breadth.n_confidence_very_high as integer) as n_confidence_very_high,
        cast(breadth.n_confidence_high as integer) as n_confidence_high,
        cast(breadth.n_confidence_moderate as integer) as n_confidence_moderate,
        cast(coalesce(review.n_below_threshold, 0) as integer) as n_below_threshold,
        round(coalesce(breadth.n_positions, 0) / nullif(breadth.n_found, 0), 2)
            as avg_positions_per_found,
        round(breadth.n_found_with_position / nullif(breadth.n_found, 0), 4)
            as share_found_with_position,
        round(coalesce(depth.n_with_location, 0) / nullif(breadth.n_found, 0), 4)
            as share_found_with_location,
        round(coalesce(depth.n_with_school_listed, 0) / nullif(breadth.n_found, 0), 4)
            as share_found_with_school_listed,
        round(coalesce(depth.n_with_email, 0) / nullif(breadth.n_found, 0), 4)
            as share_found_with_email
    from breadth
    left join depth
        on breadth.institution_id = depth.institution_id
    left join review
        on breadth.institution_id = review.institution_id

)

select * from final
