-- One row per profile: the most recently updated version across delivered files.
with

profiles as (

    select * from {{ ref('stg_profiles__profiles') }}

),

final as (

    select *
    from profiles
    qualify row_number() over (
        partition by profile_id
        order by updated_at desc nulls last, _ingested_at desc, _source_row desc
    ) = 1

)

select * from final
