{#
    The high-water mark of an incremental model: the latest `_ingested_at` of the input
    rows it has already processed, as a SQL literal (-infinity on a first or full build).
    It is read once, when the model compiles, so the pre-hook that deletes superseded rows
    and the model's own filter agree on it even though the hook runs first.
#}
{% macro incremental_watermark(column='_ingested_at') -%}
    {{ return(adapter.dispatch('incremental_watermark')(column)) }}
{%- endmacro %}

{% macro default__incremental_watermark(column) -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query(
            "select coalesce(max(" ~ column ~ "), '-infinity'::timestamptz)::varchar from "
            ~ this
        ) -%}
        '{{ result.columns[0].values()[0] }}'::timestamptz
    {%- else -%}
        '-infinity'::timestamptz
    {%- endif -%}
{%- endmacro %}

{# On Spark the incremental models are rebuilt whole (incremental_unless_spark): every row
   is new to them. #}
{% macro spark__incremental_watermark(column) -%}
    timestamp '0001-01-01 00:00:00'
{%- endmacro %}


{#
    Pre-hook of the models keyed by profile (educations, positions): on an incremental run,
    delete the rows of every profile with a newer version than the model has seen, so a
    version with fewer entries leaves none of the old ones behind. The model then inserts
    the entries of those versions.
#}
{% macro delete_rows_of_changed_profiles() -%}
    {%- if is_incremental() -%}
        delete from {{ this }}
        where profile_id in (
            select profile_id from {{ ref('int_profiles_deduplicated') }}
            where _ingested_at > {{ incremental_watermark() }}
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}


{#
    Post-hook of incremental Python models: dbt-duckdb stages a Python model's new rows in
    a real table `<model>__dbt_tmp<timestamp>` (schema main) that it never drops. Left
    there, each refresh would add one, holding restricted data; drop them all.
#}
{% macro drop_python_incremental_leftovers() -%}
    {%- if execute -%}
        {%- set leftovers = run_query(
            "select schema_name, table_name from duckdb_tables() "
            ~ "where not temporary and table_name like '" ~ this.identifier ~ "\\_\\_dbt\\_tmp%' escape '\\'"
        ) -%}
        {%- for row in leftovers.rows -%}
            {%- do run_query('drop table if exists "' ~ row[0] ~ '"."' ~ row[1] ~ '"') -%}
        {%- endfor -%}
    {%- endif -%}
    select 1
{%- endmacro %}


{#
    Post-hook of int_job_titles_coded: titles no position or third-party job carries any
    more (the profile changed, the person was erased) leave the cache, so the table always
    equals what a full build makes.
#}
{% macro prune_titles_no_position_carries() -%}
    delete from {{ this }}
    where title_key not in (select title_key from {{ ref('int_job_titles_distinct') }})
{%- endmacro %}


{#
    Filter of the models keyed by profile on the raw entry rows they join: on an
    incremental run, only rows of the files that hold a profile version newer than the
    model has seen (a literal list, read when the model compiles, so the scan skips every
    other file's rows before their text is cleaned); on a first or full build, every row.
#}
{% macro changed_profile_files_filter(column='_file_sha256') -%}
    {%- if execute and is_incremental() -%}
        {%- set result = run_query(
            "select distinct _file_sha256 from " ~ ref('int_profiles_deduplicated')
            ~ " where _ingested_at > " ~ incremental_watermark() ~ " order by 1"
        ) -%}
        {%- set files = result.columns[0].values() -%}
        {%- if files | length == 0 -%}
            false
        {%- else -%}
            {{ column }} in (
                {%- for sha in files -%}
                    '{{ sha }}'{% if not loop.last %}, {% endif %}
                {%- endfor -%}
            )
        {%- endif -%}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
