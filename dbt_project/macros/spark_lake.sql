{#
    on-run-start of every build: on the spark target, point a Spark table at each source's
    Parquet, so `source()` resolves there as it does on DuckDB. Raw and ops tables are
    landed in the lake by pathways.spark.lake (PATHWAYS_LAKE/<schema>/<table>/, written from
    the build area after ingest); the reference tables are the project's own Parquet files
    (their `external_location`). PATHWAYS_LAKE_TABLES (schema.table, comma separated), set
    by whoever landed the lake, names the tables it wrote; a declared table it did not
    write (no NSC file loaded yet) is left unregistered, as it would be missing on DuckDB.
    External tables: dropping one leaves its files, so each build re-reads the latest
    landing. On DuckDB this renders nothing.
#}
{% macro register_lake_sources() -%}
    {{ return(adapter.dispatch('register_lake_sources')()) }}
{%- endmacro %}

{% macro default__register_lake_sources() -%}
{%- endmacro %}

{% macro spark__register_lake_sources() -%}
    {%- if execute -%}
        {%- set lake = env_var('PATHWAYS_LAKE', 'warehouse/build/lake') -%}
        {%- set listed = env_var('PATHWAYS_LAKE_TABLES', '') -%}
        {%- set landed = listed.split(',') if listed else none -%}
        {%- set schemas = graph.sources.values() | map(attribute='schema') | unique | list -%}
        {%- for schema in schemas -%}
            {%- do run_query('create schema if not exists ' ~ schema) -%}
        {%- endfor -%}
        {%- for source in graph.sources.values() -%}
            {%- set external = source.meta.get('external_location') -%}
            {%- set name = source.schema ~ '.' ~ source.identifier -%}
            {%- if external -%}
                {%- set location = external.format(name=source.identifier) -%}
            {%- elif landed is none or name in landed -%}
                {%- set location = lake ~ '/' ~ source.schema ~ '/' ~ source.identifier -%}
            {%- else -%}
                {%- set location = none -%}
            {%- endif -%}
            {%- if location -%}
                {%- do run_query('drop table if exists ' ~ name) -%}
                {%- do run_query('create table ' ~ name ~ " using parquet location '"
                                 ~ location ~ "'") -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}
