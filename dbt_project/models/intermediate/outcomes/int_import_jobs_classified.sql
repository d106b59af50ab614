-- Jobs third-party sources report (surveys, employment verification), with the employer's
-- NAICS 2022 sector by the longest whole-word keyword of its name: the same rule as
-- profile positions (int_profile_positions_classified).
with

imports as (

    select * from {{ ref('int_import_outcomes_linked') }}

),

employer_keywords as (

    select * from {{ ref('naics_employer_keywords') }}

),

import_jobs as (

    select
        imports.*,
        imports.source_system || ':' || imports._file_sha256 || ':' || imports._source_row
            as position_id
    from imports
    where imports.outcome = 'employed' and imports.employer_name is not null

),

employer_matches as (

    {{ longest_keyword_match(
        'import_jobs', 'employer_name', 'employer_keywords', 'naics_sector'
    ) }}

),

final as (

    select
        import_jobs.institution_id,
        import_jobs.alumni_key,
        import_jobs.program_cip,
        import_jobs.cip_series,
        import_jobs.degree_level,
        import_jobs.graduation_date,
        import_jobs.position_id,
        import_jobs.source_system,
        import_jobs.employer_name,
        import_jobs.job_title as title,
        employer_matches.naics_sector,
        import_jobs.started_on,
        import_jobs.reported_on,
        import_jobs.ended_on,
        import_jobs.city,
        import_jobs.state
    from import_jobs
    left join employer_matches
        on import_jobs.employer_name = employer_matches.text_value

)

select * from final
