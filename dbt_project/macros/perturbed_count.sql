{#
    A count as every shareable channel shows it: the true count plus the perturbation the
    cell-key method gives it (ONS; see the doc block disclosure_control). `cell_key` is the
    sum of the counted alumni's record keys (dim_alumni.record_key), before the modulus.
    The same records always give the same count, in dbt and in the API, which builds the
    same expression (pathways.delivery.disclosure.perturbed). Zero stays zero.
#}
{% macro perturbed_count(count, cell_key) -%}
    {{ return(adapter.dispatch('perturbed_count')(count, cell_key)) }}
{%- endmacro %}

{% macro default__perturbed_count(count, cell_key) -%}
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
    Spark: the same lookup, written so Spark's optimiser does not decorrelate it. Spark turns
    each correlated scalar subquery with range predicates into a join of its own, and a mart
    with dozens of counts (agg_outcomes_by_program) then exhausts the driver's memory while
    planning; nor may a subquery stand inside a higher-order function. So the ptable (a few
    hundred rows) is read once per model, by the pre-hook prepare_perturbed_count, into a
    session variable of the model's own (ptable_variable: an array of its rows, the modulus
    on each), and each count picks its row from that array with filter(): the same row, the
    same perturbation. A variable that was never set is NULL, and filter() of NULL would
    leave every count unperturbed: such a count fails the model instead (closed, never
    open: an unperturbed count must not reach a shareable mart).
#}
{% macro spark__perturbed_count(count, cell_key) -%}
    ({{ count }} + coalesce(try_element_at(filter(
        {{ ptable_variable() }},
        ptable -> {{ count }} >= ptable.min_count
            and {{ count }} <= coalesce(ptable.max_count, {{ count }})
            and coalesce({{ cell_key }}, 0) % ptable.modulus
                between ptable.min_cell_key and ptable.max_cell_key
    ), 1).perturbation, case
        when {{ ptable_variable() }} is null then raise_error(
            'the cell-key perturbation table was not loaded for {{ this.identifier }} '
            || '(its pre-hook prepare_perturbed_count did not run): no count is shown '
            || 'unperturbed')
        else 0
    end))
{%- endmacro %}

{#
    The pre-hook of every model that calls perturbed_count. Nothing on DuckDB; on Spark it
    loads the session variable spark__perturbed_count reads (run here rather than returned
    as the hook's SQL because it takes two statements).
#}
{% macro prepare_perturbed_count() -%}
    {{ return(adapter.dispatch('prepare_perturbed_count')()) }}
{%- endmacro %}

{% macro default__prepare_perturbed_count() -%}
{%- endmacro %}

{% macro spark__prepare_perturbed_count() -%}
    {%- set ptable = ref('dim_cell_key_perturbations') -%}
    {%- if execute -%}
        {%- do run_query(
            "declare or replace variable " ~ ptable_variable() ~ " array<struct<"
            ~ "min_count: int, max_count: int, min_cell_key: int, max_cell_key: int, "
            ~ "perturbation: int, modulus: int>>"
        ) -%}
        {%- do run_query(
            "set variable " ~ ptable_variable() ~ " = (select collect_list(named_struct("
            ~ "'min_count', min_count, 'max_count', max_count, 'min_cell_key', min_cell_key, "
            ~ "'max_cell_key', max_cell_key, 'perturbation', perturbation, 'modulus', modulus)) "
            ~ "from (select *, max(max_cell_key) over () + 1 as modulus from "
            ~ ptable ~ "))"
        ) -%}
    {%- endif -%}
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

{#
    The session variable of the model being built: one per model, because dbt's threads
    share the one SparkSession, and a model's pre-hook replacing a shared variable (NULL
    until it is set) while another model reads it left that model's counts unperturbed.
#}
{% macro ptable_variable() -%}
    pathways_cell_key_ptable_{{ this.identifier }}
{%- endmacro %}
