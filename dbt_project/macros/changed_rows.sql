{#
    Data tests of the large incremental models (profiles, their educations and positions)
    check only the rows a refresh changed, so their cost follows the delivery, not the
    pool. A row changed when it was ingested after the last successful refresh finished:
    every older row was built, and passed these tests, in that refresh or an earlier one
    (a partial or failed refresh does not count, so rows whose tests failed are checked
    again). Finished, not started: a refresh ingests its delivery after it starts, so
    "since it started" made the next refresh check that whole delivery again (the first
    pool included: every key test of the pool tables scanned the pool on the refresh
    after the first, 3 s at 4M profiles). Nothing is ingested between a refresh's build
    and its end, or between two refreshes' ingest and build: one process at a time holds
    the build area (pathways.core.build_area.exclusive). Every row is checked on a full rebuild (`--full`, or code, configuration or
    reference data changed: a relationship's parents are configuration or seeds) and
    whenever dbt runs outside a refresh.

    `changed_rows_since()` is that instant as SQL; tests ask for it with the where config
    `__changed_rows__` (expanded by get_where_subquery below, as dbt's documentation
    suggests for macros in `where`), or the changed_rows_only or changed_files_only
    arguments of unique_combination_of_columns. Staging views of the raw pool carry no
    ingest time of their own rows (an education's row is loaded apart from its profile's),
    so their tests ask for the rows of files ingested since (`changed_files_filter`, from
    the file ledger: every ingest of a file writes its own ledger row).
#}
{% macro changed_rows_since() -%}
    {{ return(adapter.dispatch('changed_rows_since')()) }}
{%- endmacro %}

{% macro default__changed_rows_since() -%}
    {%- set runs = adapter.get_relation(database=target.database, schema='ops',
                                        identifier='refresh_runs') if execute else none -%}
    {%- if runs is none -%}
        '-infinity'::timestamptz
    {%- else -%}
        coalesce((
            select max(built.finished_at)
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


{# On Spark the incremental models are rebuilt whole (incremental_unless_spark): every row
   is new, and every row is tested. #}
{% macro spark__changed_rows_since() -%}
    timestamp '0001-01-01 00:00:00'
{%- endmacro %}


{% macro changed_rows_filter(column='_ingested_at') -%}
    {{ column }} > {{ changed_rows_since() }}
{%- endmacro %}


{% macro changed_files_filter(column='_file_sha256') -%}
    {{ return(adapter.dispatch('changed_files_filter')(column)) }}
{%- endmacro %}

{% macro spark__changed_files_filter(column) -%}
    true
{%- endmacro %}

{% macro default__changed_files_filter(column) -%}
    {%- set ledger = adapter.get_relation(database=target.database, schema='ops',
                                          identifier='file_ledger') if execute else none -%}
    {%- if ledger is none -%}
        true
    {%- else -%}
        {{ column }} in (
            select ledger.file_sha256 from {{ ledger }} as ledger
            where {{ changed_rows_filter('ledger.ingested_at') }}
        )
    {%- endif -%}
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
