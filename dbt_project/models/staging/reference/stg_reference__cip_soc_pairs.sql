-- The NCES CIP 2020-SOC 2018 crosswalk with each program's 4- and 2-digit families, for
-- in-field decisions that fall back to the family when a program has no pairs of its own.
with

source as (

    select * from {{ source('reference', 'cip_soc_crosswalk') }}

),

final as (

    select
        cip_code,
        left(cip_code, 5) as cip_group,
        left(cip_code, 2) as cip_series,
        soc_code,
        crosswalk_release
    from source

)

select * from final
