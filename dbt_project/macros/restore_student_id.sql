{#
    A student id with the leading zeros a spreadsheet stripped put back: numeric ids shorter
    than the institution's configured student_id_width are left-padded with zeros; other
    ids are only trimmed.
#}
{% macro restore_student_id(column, width) -%}
    case
        when {{ width }} is not null and {{ regexp_full_match('trim(' ~ column ~ ')', "'[0-9]+'") }}
            then lpad(trim({{ column }}), cast({{ width }} as integer), '0')
        else {{ clean_text(column) }}
    end
{%- endmacro %}
