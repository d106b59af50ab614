-- Every distinct job title of the jobs the marts describe (positions of profiles linked
-- to an alumnus, and third-party jobs), with the employer's sector (which the title coder
-- uses for titles several occupations share): what int_job_titles_coded must have
-- decided. Titles of the profiles of strangers in the pool are never coded.
with

links as (

    select * from {{ ref('int_alumni_profiles_linked') }}

),

positions as (

    select * from {{ ref('int_profile_positions_classified') }}

),

profile_positions as (

    select positions.*
    from positions
    where positions.profile_id in (select links.profile_id from links)

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
