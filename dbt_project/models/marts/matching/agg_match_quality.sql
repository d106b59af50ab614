{{
    config(
        materialized='incremental',
        unique_key=['institution_id', 'refresh_id'],
        on_schema_change='append_new_columns',
        full_refresh=false,
        tags=['every_refresh'],
        pre_hook="{{ prepare_perturbed_count() }}"
    )
}}
-- Match quality per institution and refresh: breadth (share found), confidence
-- (distribution of match probabilities) and depth (what found profiles tell us). Counts of
-- alumni are perturbed by the cell-key method (doc block disclosure_control); a perturbed
-- count from 1 to min_cell_size - 1 is null, with the share made from it.
with

alumni as (

    select * from {{ ref('dim_alumni') }}

),

institutions as (

    select * from {{ ref('stg_config__institutions') }}

),

links as (

    select * from {{ ref('int_alumni_profiles_linked') }}

),

matches as (

    select * from {{ ref('int_alumni_profiles_matched') }}

),

deduplicated as (

    select * from {{ ref('int_alumni_deduplicated') }}

),

keys as (

    select * from {{ ref('int_alumni_pseudonymized') }}

),

profiles as (

    select * from {{ ref('int_profiles_deduplicated') }}

),

educations as (

    select * from {{ ref('int_profile_educations_resolved') }}

),

depth_flags as (

    select
        links.institution_id,
        alumni.record_key,
        profiles.city is not null or profiles.state is not null as has_location,
        profiles.email is not null as has_email,
        exists(
            select 1 from educations
            where
                educations.profile_id = links.profile_id
                and educations.institution_id = links.institution_id
        ) as has_school_listed
    from links
    inner join profiles
        on links.profile_id = profiles.profile_id
    inner join alumni
        on links.alumni_key = alumni.alumni_key

),

depth as (

    select
        institution_id,
        count(*) filter (where has_location) as n_with_location,
        sum(record_key) filter (where has_location) as key_with_location,
        count(*) filter (where has_email) as n_with_email,
        sum(record_key) filter (where has_email) as key_with_email,
        count(*) filter (where has_school_listed) as n_with_school_listed,
        sum(record_key) filter (where has_school_listed) as key_with_school_listed
    from depth_flags
    group by institution_id

),

review as (

    select
        matches.institution_id,
        count(*) as n_below_threshold,
        sum(keys.record_key) as key_below_threshold
    from matches
    inner join deduplicated
        on matches.alumni_id = deduplicated.alumni_record_id
    inner join keys
        on
            deduplicated.institution_id = keys.institution_id
            and deduplicated.student_id = keys.student_id
    where
        matches.candidate_rank = 1
        and matches.match_probability < {{ var('match_threshold') }}
    group by matches.institution_id

),

breadth as (

    select
        institution_id,
        count(*) as n_alumni,
        sum(record_key) as key_alumni,
        count(*) filter (where is_profile_found) as n_found,
        sum(record_key) filter (where is_profile_found) as key_found,
        avg(match_probability) as mean_match_probability,
        {{ quantile_cont('match_probability', 0.1) }} as p10_match_probability,
        median(match_probability) as median_match_probability,
        count(*) filter (where match_probability >= 0.99) as n_very_high,
        sum(record_key) filter (where match_probability >= 0.99) as key_very_high,
        count(*) filter (where match_probability >= 0.95 and match_probability < 0.99)
            as n_high,
        sum(record_key) filter (where match_probability >= 0.95 and match_probability < 0.99)
            as key_high,
        count(*) filter (where match_probability < 0.95) as n_moderate,
        sum(record_key) filter (where match_probability < 0.95) as key_moderate,
        sum(n_positions) filter (where is_profile_found) as n_positions,
        count(*) filter (where is_profile_found and n_positions > 0) as n_found_with_position,
        sum(record_key) filter (where is_profile_found and n_positions > 0)
            as key_found_with_position
    from alumni
    group by institution_id

),

perturbed as (

    select
        breadth.institution_id,
        institutions.min_cell_size,
        breadth.mean_match_probability,
        breadth.p10_match_probability,
        breadth.median_match_probability,
        breadth.n_positions,
        {{ perturbed_count('breadth.n_alumni', 'breadth.key_alumni') }} as p_alumni,
        {{ perturbed_count('breadth.n_found', 'breadth.key_found') }} as p_found,
        {{ perturbed_count('breadth.n_very_high', 'breadth.key_very_high') }} as p_very_high,
        {{ perturbed_count('breadth.n_high', 'breadth.key_high') }} as p_high,
        {{ perturbed_count('breadth.n_moderate', 'breadth.key_moderate') }} as p_moderate,
        {{ perturbed_count('coalesce(review.n_below_threshold, 0)',
                           'review.key_below_threshold') }} as p_below_threshold,
        {{ perturbed_count('breadth.n_found_with_position',
                           'breadth.key_found_with_position') }} as p_with_position,
        {{ perturbed_count('coalesce(depth.n_with_location, 0)', 'depth.key_with_location') }}
            as p_with_location,
        {{ perturbed_count('coalesce(depth.n_with_school_listed, 0)',
                           'depth.key_with_school_listed') }} as p_with_school_listed,
        {{ perturbed_count('coalesce(depth.n_with_email, 0)', 'depth.key_with_email') }}
            as p_with_email
    from breadth
    inner join institutions
        on breadth.institution_id = institutions.institution_id
    left join depth
        on breadth.institution_id = depth.institution_id
    left join review
        on breadth.institution_id = review.institution_id

),

-- A part is never shown above its whole (nested counts are perturbed independently).
nested as (

    select
        *,
        least(p_found, p_alumni) as c_found,
        least(p_very_high, p_alumni) as c_very_high,
        least(p_high, p_alumni) as c_high,
        least(p_moderate, p_alumni) as c_moderate,
        least(p_below_threshold, p_alumni) as c_below_threshold,
        least(p_with_position, p_found, p_alumni) as c_with_position,
        least(p_with_location, p_found, p_alumni) as c_with_location,
        least(p_with_school_listed, p_found, p_alumni) as c_with_school_listed,
        least(p_with_email, p_found, p_alumni) as c_with_email
    from perturbed

),

-- A perturbed count from 1 to min_cell_size - 1 is withheld.
shown as (

    select
        *,
        case when {{ is_shown('p_alumni', 'min_cell_size') }} then p_alumni end as s_alumni,
        case
            when {{ is_shown('c_found', 'min_cell_size') }} then c_found
        end as s_found,
        case
            when {{ is_shown('c_very_high', 'min_cell_size') }} then c_very_high
        end as s_very_high,
        case
            when {{ is_shown('c_high', 'min_cell_size') }} then c_high
        end as s_high,
        case
            when {{ is_shown('c_moderate', 'min_cell_size') }} then c_moderate
        end as s_moderate,
        case
            when {{ is_shown('c_below_threshold', 'min_cell_size') }} then c_below_threshold
        end as s_below_threshold,
        case
            when {{ is_shown('c_with_position', 'min_cell_size') }} then c_with_position
        end as s_with_position,
        case
            when {{ is_shown('c_with_location', 'min_cell_size') }} then c_with_location
        end as s_with_location,
        case
            when {{ is_shown('c_with_school_listed', 'min_cell_size') }} then c_with_school_listed
        end as s_with_school_listed,
        case
            when {{ is_shown('c_with_email', 'min_cell_size') }} then c_with_email
        end as s_with_email
    from nested

),

final as (

    select
        institution_id,
        {{ current_refresh_id() }} as refresh_id,
        current_timestamp as refreshed_at,
        cast(s_alumni as integer) as n_alumni,
        cast(s_found as integer) as n_found,
        round(s_found / nullif(s_alumni, 0), 4) as breadth,
        round(mean_match_probability, 4) as mean_match_probability,
        round(p10_match_probability, 4) as p10_match_probability,
        round(median_match_probability, 4) as median_match_probability,
        cast(s_very_high as integer) as n_confidence_very_high,
        cast(s_high as integer) as n_confidence_high,
        cast(s_moderate as integer) as n_confidence_moderate,
        cast(s_below_threshold as integer) as n_below_threshold,
        round(coalesce(n_positions, 0) / nullif(s_found, 0), 2) as avg_positions_per_found,
        round(s_with_position / nullif(s_found, 0), 4) as share_found_with_position,
        round(s_with_location / nullif(s_found, 0), 4) as share_found_with_location,
        round(s_with_school_listed / nullif(s_found, 0), 4) as share_found_with_school_listed,
        round(s_with_email / nullif(s_found, 0), 4) as share_found_with_email
    from shown

)

select * from final
