-- Every distinct job title of positions and third-party jobs, with the employer's sector
-- (which the title coder uses for titles several occupations share): what
-- int_job_titles_coded must have decided.
with

profile_positions as (

    select * from {{ ref('int_profile_positions_classified') }}

),

import_jobs as (

    select * from {{ ref('int_import_jobs_classified') }}

),

titles as (

    select
        title,
        naics_sector
    from profile_positions
    where title is not null
    union
    select
        title,
        naics_sector
    from import_jobs
    where title is not null

),

final as (

    select
        {{ title_key('title', 'naics_sector') }} as title_key,
        title,
        naics_sector
    from titles

)

select * from final
