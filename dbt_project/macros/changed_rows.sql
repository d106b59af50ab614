{#
    Data tests of the large incremental models (profiles, their educations and positions)
    check only the rows a refresh changed, so their cost follows the delivery, not the
    pool. A row changed when it was ingested after the last successful refresh started:
    every older row was built, and passed these tests, in that refresh or an earlier one
    (a partial or failed refresh does not count, so rows whose tests failed are checked
    again). Every row is checked on a full rebuild (`--full`, or code, configuration or
    reference data changed: a relationship's parents are configuration or seeds) and
    whenever dbt runs outside a refresh.

    `changed_rows_since()` is that instant as SQL; tests ask for it with the where config
    `__changed_rows__` (expanded by get_where_subquery below, as dbt's documentation
    suggests for macros in `where`) or the changed_rows_only argument of
    unique_combination_of_columns.
#}
{% macro changed_rows_since() -%}
    {%- set runs = adapter.get_relation(database=target.database, schema='ops',
                                        identifier='refresh_runs') if execute else none -%}
    {%- if runs is none -%}
        '-infinity'::timestamptz
    {%- else -%}
        coalesce((
            select max(built.started_at)
            from {{ runs }} as built
            where
                built.status = 'succeeded'
                and exists (
                    select 1 from {{ runs }} as running
                    where running.status = 'running' and running.full_rebuild = false
                )
        ), '-infinity'::timestamptz)
    {%- endif -%}
{%- endmacro %}


{% macro changed_rows_filter(column='_ingested_at') -%}
    {{ column }} > {{ changed_rows_since() }}
{%- endmacro %}


{#
    dbt's own get_where_subquery, with the `__changed_rows__` placeholder expanded (the
    where config cannot call a macro itself).
#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- if '__changed_rows__' in where -%}
            {%- set where = where | replace('__changed_rows__', changed_rows_filter()) -%}
        {%- endif -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
