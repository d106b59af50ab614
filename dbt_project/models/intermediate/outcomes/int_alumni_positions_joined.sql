-- Positions held after graduation (started in or after the graduation month, or still
-- running then), from every source: linked public profiles and conformed third-party rows
-- (surveys, employment verification). The same job reported by several sources (same
-- employer, start within two months) is kept once, from the most specific source, and
-- `confirmed_by` lists every source that reported it. Each job carries its title's codes
-- (int_job_titles_coded), its employer as normalised (int_employer_names_normalized), the
-- occupation's O*NET job zone, whether it is in field by the NCES crosswalk and whether it
-- is a degree-level job for the alumnus's degree.
with

links as (

    select * from {{ ref('int_alumni_profiles_linked') }}

),

profile_positions as (

    select * from {{ ref('int_profile_positions_classified') }}

),

import_jobs as (

    select * from {{ ref('int_import_jobs_classified') }}

),

titles as (

    select * from {{ ref('int_job_titles_coded') }}

),

employers as (

    select * from {{ ref('int_employer_names_normalized') }}

),

occupations as (

    select * from {{ ref('stg_reference__onet_occupations') }}

),

program_occupations as (

    select * from {{ ref('int_program_occupations_paired') }}

),

soc_zones as (

    select * from {{ ref('int_soc_job_zones') }}

),

program_bases as (

    select
        program_cip,
        any_value(in_field_basis) as in_field_basis
    from program_occupations
    group by program_cip

),

from_profiles as (

    select
        links.institution_id,
        links.alumni_key,
        links.program_cip,
        links.cip_series,
        links.degree_level,
        links.graduation_date,
        'profile:' || profile_positions.profile_id || ':' || profile_positions.position_index
            as position_id,
        'profiles' as source_system,
        2 as source_priority,
        profile_positions.employer_name,
        profile_positions.title,
        profile_positions.naics_sector,
        profile_positions.started_on,
        profile_positions.ended_on,
        profile_positions.city,
        profile_positions.state
    from links
    inner join profile_positions
        on links.profile_id = profile_positions.profile_id

),

from_imports as (

    select
        institution_id,
        alumni_key,
        program_cip,
        cip_series,
        degree_level,
        graduation_date,
        position_id,
        source_system,
        case source_system when 'employer_verification' then 1 else 3 end
            as source_priority,
        employer_name,
        title,
        naics_sector,
        date_trunc('month', coalesce(started_on, reported_on))::date as started_on,
        date_trunc('month', ended_on)::date as ended_on,
        city,
        state
    from import_jobs

),

all_positions as (

    select * from from_profiles
    union all
    select * from from_imports

),

after_graduation as (

    select
        all_positions.*,
        employers.employer_key,
        employers.employer_normalized
    from all_positions
    left join employers
        on all_positions.employer_name = employers.employer_name
    where
        all_positions.started_on >= date_trunc('month', all_positions.graduation_date)
        or all_positions.ended_on is null
        or all_positions.ended_on >= date_trunc('month', all_positions.graduation_date)

),

-- Same alumnus, same employer, starts within two months: one job.
clustered as (

    select
        a.*,
        min(b.position_id) as cluster_id,
        {{ sorted_distinct_list('b.source_system', "', '") }} as confirmed_by
    from after_graduation as a
    inner join after_graduation as b
        on
            a.alumni_key = b.alumni_key
            and (
                a.position_id = b.position_id
                or a.employer_key = b.employer_key
                and abs({{ dbt.datediff('a.started_on', 'b.started_on', 'month') }}) <= 2
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

coded as (

    select
        deduplicated.*,
        titles.soc_code,
        titles.soc_title,
        titles.onet_soc_code,
        titles.soc_major_group,
        titles.coding_score,
        titles.coding_method,
        coalesce(occupations.job_zone, soc_zones.job_zone) as job_zone
    from deduplicated
    left join titles
        on {{ title_key('deduplicated.title', 'deduplicated.naics_sector') }} = titles.title_key
    left join occupations
        on titles.onet_soc_code = occupations.onet_soc_code
    left join soc_zones
        on titles.soc_code = soc_zones.soc_code

),

final as (

    select
        coded.*,
        coded.ended_on is null as is_current,
        greatest(
            {{ months_between('coded.graduation_date', 'coded.started_on') }}, 0
        ) as months_after_graduation,
        case
            when coded.soc_code is not null and program_bases.in_field_basis is not null
                then program_occupations.soc_code is not null
        end as is_in_field,
        case
            when coded.soc_code is not null then program_bases.in_field_basis
        end as in_field_basis,
        case
            when coded.degree_level in ('bachelor', 'master', 'doctoral')
                then coded.job_zone >= 4
            when coded.degree_level in ('associate', 'certificate')
                then coded.job_zone >= 3
        end as is_degree_level_job
    from coded
    left join program_bases
        on coded.program_cip = program_bases.program_cip
    left join program_occupations
        on
            coded.program_cip = program_occupations.program_cip
            and coded.soc_code = program_occupations.soc_code

)

select * from final
