-- The occupations each program of the rosters prepares for, by the NCES CIP 2020-SOC 2018
-- crosswalk: the program's own pairs (in_field_basis cip6); for a program the crosswalk
-- does not pair with any occupation, the pairs of its 4-digit group (cip4), else of its
-- 2-digit series (cip2). A job is in field when its detailed SOC code is one of these.
with

alumni as (

    select * from {{ ref('int_alumni_deduplicated') }}

),

pairs as (

    select * from {{ ref('stg_reference__cip_soc_pairs') }}

),

programs as (

    select distinct program_cip
    from alumni
    where program_cip is not null

),

by_program as (

    select
        programs.program_cip,
        pairs.soc_code,
        'cip6' as in_field_basis
    from programs
    inner join pairs
        on programs.program_cip = pairs.cip_code

),

by_group as (

    select distinct
        programs.program_cip,
        pairs.soc_code,
        'cip4' as in_field_basis
    from programs
    inner join pairs
        on left(programs.program_cip, 5) = pairs.cip_group
    where programs.program_cip not in (select by_program.program_cip from by_program)

),

by_series as (

    select distinct
        programs.program_cip,
        pairs.soc_code,
        'cip2' as in_field_basis
    from programs
    inner join pairs
        on left(programs.program_cip, 2) = pairs.cip_series
    where
        programs.program_cip not in (select by_program.program_cip from by_program)
        and programs.program_cip not in (select by_group.program_cip from by_group)

),

final as (

    select * from by_program
    union all
    select * from by_group
    union all
    select * from by_series

)

select * from final
