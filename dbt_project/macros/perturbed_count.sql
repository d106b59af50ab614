{#
    A count as every shareable channel shows it: the true count plus the perturbation the
    cell-key method gives it (ONS; see the doc block disclosure_control). `cell_key` is the
    sum of the counted alumni's record keys (dim_alumni.record_key), before the modulus.
    The same records always give the same count, in dbt and in the API, which builds the
    same expression (pathways.delivery.disclosure.perturbed). Zero stays zero.
#}
{% macro perturbed_count(count, cell_key) -%}
    ({{ count }} + coalesce((
        select perturbations.perturbation
        from {{ ref('dim_cell_key_perturbations') }} as perturbations
        where
            {{ count }} >= perturbations.min_count
            and {{ count }} <= coalesce(perturbations.max_count, {{ count }})
            and coalesce({{ cell_key }}, 0) % (
                select max(ranges.max_cell_key) + 1
                from {{ ref('dim_cell_key_perturbations') }} as ranges
            ) between perturbations.min_cell_key and perturbations.max_cell_key
    ), 0))
{%- endmacro %}

{#
    Whether a perturbed count may be shown: zero, or at least the institution's
    min_cell_size. A perturbed count from 1 to min_cell_size - 1 never is.
#}
{% macro is_shown(perturbed, min_cell_size) -%}
    ({{ perturbed }} = 0 or {{ perturbed }} >= {{ min_cell_size }})
{%- endmacro %}

{#
    A rate of two shown (perturbed) counts: null unless the base is shown and reaches the
    institution's min_cell_size (a column of the model), so a rate never describes fewer
    alumni than the threshold.
#}
{% macro shown_ratio(numerator, base) -%}
    case
        when {{ base }} >= min_cell_size then round({{ numerator }} / {{ base }}, 4)
    end
{%- endmacro %}
