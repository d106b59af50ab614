{#
    Fails for every combination of the given columns that occurs more than once:
    the primary-key test for models whose grain is several columns. Stored failing rows
    carry the one institution of each combination (see
    macros/failing_rows_by_institution.sql).

    changed_rows_only: count only the combinations of rows changed since the last
    successful refresh (macros/changed_rows.sql), each against every row of the table, so
    a new row repeating an old key still fails; a duplicate needs a changed row, as the
    older rows passed before. For the large incremental models, whose cost would
    otherwise follow the pool.

    changed_files_only: count only the rows of files ingested since that refresh
    (changed_files_filter), for the staging views of the pool, whose key starts with the
    file: every row sharing a key with a changed file's row is a row of that file, so
    none is missed.
#}
{% test unique_combination_of_columns(model, combination_of_columns,
                                      changed_rows_only=false, changed_files_only=false) %}
{%- if changed_files_only and '_file_sha256' not in combination_of_columns %}
    {{ exceptions.raise_compiler_error(
        'changed_files_only needs _file_sha256 among combination_of_columns') }}
{%- endif %}
{%- set institution = none if 'institution_id' in combination_of_columns
    else institution_column(model) %}

with

{%- if changed_rows_only %}

changed as (

    select distinct {{ combination_of_columns | join(', ') }}
    from {{ model }}
    where {{ changed_rows_filter() }}

),

keyed as (

    select model_rows.*
    from {{ model }} as model_rows
    semi join changed
        on
        {%- for column in combination_of_columns %}
            {% if not loop.first %}and {% endif -%}
            model_rows.{{ column }} = changed.{{ column }}
        {%- endfor %}

),
{%- endif %}

grouped as (

    select
        {{ combination_of_columns | join(', ') }},
        {%- if institution %}
        {{ single_institution(institution) }} as institution_id,
        {%- endif %}
        count(*) as n_rows
    {%- if changed_files_only %}
    from {{ model }}
    where {{ changed_files_filter() }}
    {%- else %}
    from {{ 'keyed' if changed_rows_only else model }}
    {%- endif %}
    group by {{ combination_of_columns | join(', ') }}

),

final as (

    select * from grouped
    where n_rows > 1

)

select * from final

{% endtest %}
