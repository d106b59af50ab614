-- BLS OEWS May 2025 annual wages by occupation, national and by state (all industries and
-- ownerships). Empty percentiles are estimates BLS did not release.
with

source as (

    select * from {{ source('reference', 'oews_wages') }}

),

final as (

    select
        area_type,
        coalesce(state_code, 'US') as area,
        state_code,
        soc_code,
        soc_title,
        cast(soc_level as integer) as soc_level,
        cast(employment as bigint) as employment,
        cast(annual_p10 as integer) as annual_p10,
        cast(annual_p25 as integer) as annual_p25,
        cast(annual_median as integer) as annual_median,
        cast(annual_p75 as integer) as annual_p75,
        cast(annual_p90 as integer) as annual_p90,
        wage_footnotes,
        oews_release
    from source

)

select * from final
