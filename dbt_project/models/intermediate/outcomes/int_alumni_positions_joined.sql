-- Positions held after graduation (started in or after the graduation month, or still
-- running then), from every source: linked public profiles and conformed third-party rows
-- (surveys, employment verification). The same job reported by several sources (same
-- employer, start within two months) is kept once, from the most specific source, and
-- `confirmed_by` lists every source that reported it.
with

links as (

    select * from {{ ref('int_alumni_profiles_linked') }}

),

profile_positions as (

    select * from {{ ref('int_profile_positions_classified') }}

),

imports as (

    select * from {{ ref('int_import_outcomes_linked') }}

),

title_keywords as (

    select * from {{ ref('soc_title_keywords') }}

),

employer_keywords as (

    select * from {{ ref('naics_employer_keywords') }}

),

crosswalk as (

    select * from {{ ref('cip_soc_crosswalk') }}

),

from_profiles as (

    select
        links.institution_id,
        links.alumni_key,
        links.cip_series,
        links.graduation_date,
        'profile:' || profile_positions.profile_id || ':' || profile_positions.position_index
            as position_id,
        'profiles' as source_system,
        2 as source_priority,
        profile_positions.employer_name,
        profile_positions.title,
        profile_positions.soc_major_group,
        profile_positions.naics_sector,
        profile_positions.started_on,
        profile_positions.ended_on,
        profile_positions.city,
        profile_positions.state
    from links
    inner join profile_positions
        on links.profile_id = profile_positions.profile_id

),

import_jobs as (

    select
        imports.*,
        imports.source_system || ':' || imports._file_sha256 || ':' || imports._source_row
            as position_id
    from imports
    where imports.outcome = 'employed' and imports.employer_name is not null

),

import_titles as (

    {{ longest_keyword_match(
        'import_jobs', 'job_title', 'title_keywords', 'soc_major_group'
    ) }}

),

import_employers as (

    {{ longest_keyword_match(
        'import_jobs', 'employer_name', 'employer_keywords', 'naics_sector'
    ) }}

),

from_imports as (

    select
        import_jobs.institution_id,
        import_jobs.alumni_key,
        import_jobs.cip_series,
        import_jobs.graduation_date,
        import_jobs.position_id,
        import_jobs.source_system,
        case import_jobs.source_system when 'employer_verification' then 1 else 3 end
            as source_priority,
        import_jobs.employer_name,
        import_jobs.job_title as title,
        import_titles.soc_major_group,
        import_employers.naics_sector,
        date_trunc('month', coalesce(import_jobs.started_on, import_jobs.reported_on))::date
            as started_on,
        date_trunc('month', import_jobs.ended_on)::date as ended_on,
        import_jobs.city,
        import_jobs.state
    from import_jobs
    left join import_titles
        on import_jobs.job_title = import_titles.text_value
    left join import_employers
        on import_jobs.employer_name = import_employers.text_value

),

all_positions as (

    select * from from_profiles
    union all
    select * from from_imports

),

after_graduation as (

    select
        *,
        regexp_replace(lower(employer_name), '[^a-z0-9]', '', 'g') as employer_key
    from all_positions
    where
        started_on >= date_trunc('month', graduation_date)
        or ended_on is null
        or ended_on >= date_trunc('month', graduation_date)

),

-- Same alumnus, same employer, starts within two months: one job.
clustered as (

    select
        a.*,
        min(b.position_id) as cluster_id,
        string_agg(distinct b.source_system, ', ' order by b.source_system) as confirmed_by
    from after_graduation as a
    inner join after_graduation as b
        on
            a.alumni_key = b.alumni_key
            and (
                a.position_id = b.position_id
                or a.employer_key = b.employer_key
                and abs(date_diff('month', a.started_on, b.started_on)) <= 2
            )
    group by all

),

deduplicated as (

    select *
    from clustered
    qualify row_number() over (
        partition by alumni_key, cluster_id
        order by source_priority, position_id
    ) = 1

),

final as (

    select
        deduplicated.*,
        deduplicated.ended_on is null as is_current,
        greatest(
            {{ months_between('deduplicated.graduation_date', 'deduplicated.started_on') }}, 0
        ) as months_after_graduation,
        crosswalk.soc_major_group is not null as is_in_field
    from deduplicated
    left join crosswalk
        on
            deduplicated.cip_series = crosswalk.cip_series
            and deduplicated.soc_major_group = crosswalk.soc_major_group

)

select * from final
