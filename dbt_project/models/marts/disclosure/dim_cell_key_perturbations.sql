-- The perturbation table of the cell-key method, published so that the API and the
-- outcomes report perturb the counts they compute at request time exactly as the agg_*
-- marts were perturbed at build time (macro perturbed_count). Public by design: the
-- secret is the record keys, not this table.
with

ptable as (

    select * from {{ ref('cell_key_ptable') }}

),

final as (

    select
        cast(min_count as integer) as min_count,
        cast(max_count as integer) as max_count,
        cast(min_cell_key as integer) as min_cell_key,
        cast(max_cell_key as integer) as max_cell_key,
        cast(perturbation as integer) as perturbation
    from ptable

)

select * from final
