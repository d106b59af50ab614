{#
    A contract's not_null constraint on Spark. dbt-spark declares it with
    `alter table ... change column ... set not null`, which only Delta tables take; a build
    on plain Parquet (Delta's jar cannot be installed here) would fail on every mart with a
    contract. The constraint is checked instead, right after the table is built: a null in
    such a column fails the model, as the constraint fails the insert on DuckDB, so a
    contract means the same on both engines.
#}
{% macro spark__alter_column_set_constraints(relation, column_dict) %}
    {%- for column_name in column_dict -%}
        {%- for constraint in column_dict[column_name]['constraints'] -%}
            {%- if constraint.type == 'not_null' -%}
                {%- set quoted = adapter.quote(column_name)
                    if column_dict[column_name]['quote'] else column_name -%}
                {%- set nulls = run_query('select count(*) from ' ~ relation
                                          ~ ' where ' ~ quoted ~ ' is null') -%}
                {%- if nulls.columns[0].values()[0] > 0 -%}
                    {{ exceptions.raise_compiler_error(
                        relation ~ '.' ~ column_name ~ ': ' ~ nulls.columns[0].values()[0]
                        ~ ' null values in a column whose contract says not_null') }}
                {%- endif -%}
            {%- else -%}
                {{ exceptions.warn('Invalid constraint for column ' ~ column_name
                                   ~ '. Only `not_null` is supported.') }}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
{% endmacro %}
