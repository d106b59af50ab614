{#
    SQL the two engines write differently. Each macro's `default__` is the DuckDB SQL the
    models were written in, unchanged (so the DuckDB build reads and runs as before); its
    `spark__` is the Spark SQL that gives the same answer. dbt's own cross-database macros
    (dbt.datediff, dbt.safe_cast, ...) are used where they exist; these cover the rest.
    The profile turns Spark's ANSI mode on (errors on bad casts, as DuckDB does). Spark
    reads a backslash in a string literal as an escape ('\s+' is 's+' there, silently), so
    the regular expressions, given to these macros as SQL literals, have their backslashes
    doubled on Spark (`spark_literal`).
#}

{# Every match of `pattern` replaced (DuckDB's 'g' flag; Spark's regexp_replace always
   replaces every match, and has no flags argument). #}
{% macro regexp_replace_all(value, pattern, replacement) -%}
    {{ return(adapter.dispatch('regexp_replace_all')(value, pattern, replacement)) }}
{%- endmacro %}
{% macro default__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}
{% macro spark__regexp_replace_all(value, pattern, replacement) -%}
    regexp_replace({{ value }}, {{ spark_literal(pattern) }}, {{ spark_literal(replacement) }})
{%- endmacro %}

{# A SQL string literal written for DuckDB (backslashes as they are) as Spark reads it. #}
{% macro spark_literal(literal) -%}
    {{- literal | replace('\\', '\\\\') -}}
{%- endmacro %}

{# Whether the whole of `value` matches `pattern` (a SQL string literal). #}
{% macro regexp_full_match(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_full_match')(value, pattern)) }}
{%- endmacro %}
{% macro default__regexp_full_match(value, pattern) -%}
    regexp_full_match({{ value }}, {{ pattern }})
{%- endmacro %}
{% macro spark__regexp_full_match(value, pattern) -%}
    ({{ value }} rlike concat('^(?:', {{ spark_literal(pattern) }}, ')$'))
{%- endmacro %}

{# Whether `value` contains a match of `pattern` anywhere. #}
{% macro regexp_matches(value, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches')(value, pattern)) }}
{%- endmacro %}
{% macro default__regexp_matches(value, pattern) -%}
    regexp_matches({{ value }}, {{ pattern }})
{%- endmacro %}
{% macro spark__regexp_matches(value, pattern) -%}
    ({{ value }} rlike {{ spark_literal(pattern) }})
{%- endmacro %}

{# The text of capture group `group` of the first match of `pattern` ('' when none). #}
{% macro regexp_extract(value, pattern, group) -%}
    {{ return(adapter.dispatch('regexp_extract')(value, pattern, group)) }}
{%- endmacro %}
{% macro default__regexp_extract(value, pattern, group) -%}
    regexp_extract({{ value }}, {{ pattern }}, {{ group }})
{%- endmacro %}
{% macro spark__regexp_extract(value, pattern, group) -%}
    regexp_extract({{ value }}, {{ spark_literal(pattern) }}, {{ group }})
{%- endmacro %}

{# Text with its accents removed (é -> e). Spark has no Unicode normalisation in SQL:
   the Latin letters with diacritics (Latin-1 and Latin Extended-A, the ones names in
   rosters and profiles carry) are translated one by one. #}
{% macro strip_accents(value) -%}
    {{ return(adapter.dispatch('strip_accents')(value)) }}
{%- endmacro %}
{% macro default__strip_accents(value) -%}
    strip_accents({{ value }})
{%- endmacro %}
{% macro spark__strip_accents(value) -%}
    translate(
        {{ value }},
        'ÀÁÂÃÄÅàáâãäåĀāĂăĄąÇçĆćĈĉĊċČčĎďÈÉÊËèéêëĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥÌÍÎÏìíîïĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľÑñŃńŅņŇňÒÓÔÕÖòóôõöŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťÙÚÛÜùúûüŨũŪūŬŭŮůŰűŲųŴŵÝýÿŶŷŸŹźŻżŽž',
        'AAAAAAaaaaaaAaAaAaCcCcCcCcCcDdEEEEeeeeEeEeEeEeEeGgGgGgGgHhIIIIiiiiIiIiIiIiIJjKkLlLlLlNnNnNnNnOOOOOoooooOoOoOoRrRrRrSsSsSsSsTtTtUUUUuuuuUuUuUuUuUuUuWwYyyYyYZzZzZz'
    )
{%- endmacro %}

{# A date parsed from text in a strftime format ('%Y%m%d', '%Y-%m'): an error when the text
   is not such a date. #}
{% macro parse_date(value, format) -%}
    {{ return(adapter.dispatch('parse_date')(value, format)) }}
{%- endmacro %}
{% macro default__parse_date(value, format) -%}
    strptime({{ value }}, '{{ format }}')::date
{%- endmacro %}
{% macro spark__parse_date(value, format) -%}
    to_date({{ value }}, '{{ spark_datetime_pattern(format) }}')
{%- endmacro %}

{# The same, null when the text is not such a date. #}
{% macro try_parse_date(value, format) -%}
    {{ return(adapter.dispatch('try_parse_date')(value, format)) }}
{%- endmacro %}
{% macro default__try_parse_date(value, format) -%}
    try_strptime({{ value }}, '{{ format }}')::date
{%- endmacro %}
{% macro spark__try_parse_date(value, format) -%}
    cast(try_to_timestamp({{ value }}, '{{ spark_datetime_pattern(format) }}') as date)
{%- endmacro %}

{# strftime codes as Java datetime patterns (the ones the models use). #}
{% macro spark_datetime_pattern(format) -%}
    {{- format | replace('%Y', 'yyyy') | replace('%m', 'MM') | replace('%d', 'dd') -}}
{%- endmacro %}

{# The text of the member `key` (an expression) of a JSON object. #}
{% macro json_text(json, key) -%}
    {{ return(adapter.dispatch('json_text')(json, key)) }}
{%- endmacro %}
{% macro default__json_text(json, key) -%}
    ({{ json }} ->> {{ key }})
{%- endmacro %}
{% macro spark__json_text(json, key) -%}
    get_json_object({{ json }}, concat('$[''', {{ key }}, ''']'))
{%- endmacro %}

{# The string type of casts and contracts. #}
{% macro text_type() -%}
    {{ return(adapter.dispatch('text_type')()) }}
{%- endmacro %}
{% macro default__text_type() -%}
    varchar
{%- endmacro %}
{% macro spark__text_type() -%}
    string
{%- endmacro %}

{# `union all by name` where the engine has it; on Spark the two sides are written with
   the same columns in the same order (a model's own table and its input), so a
   positional union all is the same. #}
{% macro union_all_by_name() -%}
    {{ return(adapter.dispatch('union_all_by_name')()) }}
{%- endmacro %}
{% macro default__union_all_by_name() -%}
    union all by name
{%- endmacro %}
{% macro spark__union_all_by_name() -%}
    union all
{%- endmacro %}

{#
    The materialization of a model that is incremental on DuckDB (delete+insert on a key).
    Spark's plain Parquet tables take neither delete+insert, merge nor DELETE (those need
    Delta Lake or Iceberg), so on Spark such a model is rebuilt whole on every build: the
    same rows a full DuckDB build makes, at the cost of a full refresh each time.
#}
{% macro incremental_unless_spark() -%}
    {{- 'table' if target.type == 'spark' else 'incremental' -}}
{%- endmacro %}

{#
    The `value` of the row with the least (arg_min) or greatest (arg_max) `key`, as DuckDB's
    arg_min / arg_max: rows whose value or key is null are left out. `key` is an expression
    or a list of them, compared in order (a tie on the first broken by the second: DuckDB's
    row value, Spark's struct). Spark's min_by / max_by would return a null value when it
    sits on the best key, so its rows of null value get a null key. A list's members must
    not be null: a row value with a null member is not null, and the engines order it
    differently.
#}
{% macro arg_min(value, key) -%}
    {{ return(adapter.dispatch('arg_min')(value, key)) }}
{%- endmacro %}
{% macro default__arg_min(value, key) -%}
    arg_min({{ value }}, {{ duckdb_row_key(key) }})
{%- endmacro %}
{% macro spark__arg_min(value, key) -%}
    min_by({{ value }}, case when {{ value }} is not null then {{ spark_row_key(key) }} end)
{%- endmacro %}

{% macro arg_max(value, key) -%}
    {{ return(adapter.dispatch('arg_max')(value, key)) }}
{%- endmacro %}
{% macro default__arg_max(value, key) -%}
    arg_max({{ value }}, {{ duckdb_row_key(key) }})
{%- endmacro %}
{% macro spark__arg_max(value, key) -%}
    max_by({{ value }}, case when {{ value }} is not null then {{ spark_row_key(key) }} end)
{%- endmacro %}

{% macro duckdb_row_key(key) -%}
    {{- '(' ~ key | join(', ') ~ ')' if key is not string else key -}}
{%- endmacro %}
{% macro spark_row_key(key) -%}
    {{- 'struct(' ~ key | join(', ') ~ ')' if key is not string else key -}}
{%- endmacro %}

{#
    The `fraction` quantile of `value`, interpolated between the two nearest rows (DuckDB's
    quantile_cont, Spark's exact percentile: the same definition, not Spark's
    percentile_approx). `median(value)` is the same on both engines and needs no macro.
#}
{% macro quantile_cont(value, fraction) -%}
    {{ return(adapter.dispatch('quantile_cont')(value, fraction)) }}
{%- endmacro %}
{% macro default__quantile_cont(value, fraction) -%}
    quantile_cont({{ value }}, {{ fraction }})
{%- endmacro %}
{% macro spark__quantile_cont(value, fraction) -%}
    percentile({{ value }}, {{ fraction }})
{%- endmacro %}

{#
    The distinct non-null values of a text column, sorted and joined by `separator`.
    DuckDB orders inside the call, Spark (listagg) in a within group clause.
#}
{% macro sorted_distinct_list(value, separator) -%}
    {{ return(adapter.dispatch('sorted_distinct_list')(value, separator)) }}
{%- endmacro %}
{% macro default__sorted_distinct_list(value, separator) -%}
    string_agg(distinct {{ value }}, {{ separator }} order by {{ value }})
{%- endmacro %}
{% macro spark__sorted_distinct_list(value, separator) -%}
    listagg(distinct {{ value }}, {{ separator }}) within group (order by {{ value }})
{%- endmacro %}

{#
    The date `months` months after the date `day`, the last day of a shorter month when the
    day does not exist there (31 January + 1 month = 28 or 29 February) on both engines.
    dbt.dateadd would do, at the cost of a timestamp round trip on each.
#}
{% macro add_months(day, months) -%}
    {{ return(adapter.dispatch('add_months')(day, months)) }}
{%- endmacro %}
{% macro default__add_months(day, months) -%}
    ({{ day }} + to_months({{ months }}))::date
{%- endmacro %}
{% macro spark__add_months(day, months) -%}
    add_months({{ day }}, {{ months }})
{%- endmacro %}
