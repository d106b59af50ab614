with

import_rows as (

    select * from {{ source('imports', 'import_rows') }}

),

import_columns as (

    select * from {{ source('config', 'import_columns') }}

),

import_values as (

    select * from {{ source('config', 'import_values') }}

),

import_filters as (

    select * from {{ source('config', 'import_filters') }}

),

institutions as (

    select * from {{ source('config', 'institutions') }}

),

-- One row per delivered row and conformed field, read from the source's own header.
extracted as (

    select
        import_rows.institution_id,
        import_rows._file_sha256,
        import_rows._source_row,
        import_columns.field,
        nullif(trim({{ json_text('import_rows._raw', 'import_columns.header') }}), '') as value
    from import_rows
    inner join import_columns
        on import_rows.source_name = import_columns.source_name

),

pivoted as (

    select
        institution_id,
        _file_sha256,
        _source_row,
        max(value) filter (where field = 'student_id') as student_id,
        lower(max(value) filter (where field = 'email')) as email,
        max(value) filter (where field = 'outcome') as outcome_raw,
        max(value) filter (where field = 'employer_name') as employer_name,
        max(value) filter (where field = 'job_title') as job_title,
        max(value) filter (where field = 'city') as city,
        upper(max(value) filter (where field = 'state')) as state,
        max(value) filter (where field = 'started_on') as started_on_raw,
        max(value) filter (where field = 'ended_on') as ended_on_raw,
        max(value) filter (where field = 'salary') as salary_raw,
        max(value) filter (where field = 'school_name') as school_name,
        max(value) filter (where field = 'reported_on') as reported_on_raw
    from extracted
    group by institution_id, _file_sha256, _source_row

),

filter_headers as (

    select distinct
        source_name,
        header
    from import_filters

),

-- A row passes when, for every filter header of its source, its value is allowed.
filter_checks as (

    select
        import_rows.institution_id,
        import_rows._file_sha256,
        import_rows._source_row,
        bool_and(allowed.allowed_value is not null) as passes
    from import_rows
    inner join filter_headers
        on import_rows.source_name = filter_headers.source_name
    left join import_filters as allowed
        on
            filter_headers.source_name = allowed.source_name
            and filter_headers.header = allowed.header
            and trim({{ json_text('import_rows._raw', 'filter_headers.header') }})
            = allowed.allowed_value
    group by import_rows.institution_id, import_rows._file_sha256, import_rows._source_row

),

final as (

    select
        import_rows.institution_id,
        import_rows.source_name,
        {{ restore_student_id('pivoted.student_id', 'institutions.student_id_width') }}
            as student_id,
        pivoted.email,
        pivoted.outcome_raw,
        outcome_map.conformed_value as outcome,
        case
            when not coalesce(filter_checks.passes, true) then 'filtered_out'
            when pivoted.outcome_raw is null or outcome_map.conformed_value is not null
                then 'conformed'
            when outcome_map.raw_value is not null then 'mapped_away'
            else 'unmapped'
        end as mapping_status,
        pivoted.employer_name,
        pivoted.job_title,
        pivoted.city,
        pivoted.state,
        {{ parse_roster_date('pivoted.started_on_raw') }} as started_on,
        {{ parse_roster_date('pivoted.ended_on_raw') }} as ended_on,
        try_cast(
            {{ regexp_replace_all('pivoted.salary_raw', "'[^0-9.]'", "''") }} as double
        ) as salary,
        pivoted.school_name,
        {{ parse_roster_date('pivoted.reported_on_raw') }} as reported_on,
        import_rows._source_file,
        import_rows._source_row,
        import_rows._file_sha256,
        import_rows._ingest_id,
        import_rows._ingested_at
    from import_rows
    inner join pivoted
        on
            import_rows.institution_id = pivoted.institution_id
            and import_rows._file_sha256 = pivoted._file_sha256
            and import_rows._source_row = pivoted._source_row
    left join filter_checks
        on
            import_rows.institution_id = filter_checks.institution_id
            and import_rows._file_sha256 = filter_checks._file_sha256
            and import_rows._source_row = filter_checks._source_row
    left join import_values as outcome_map
        on
            import_rows.source_name = outcome_map.source_name
            and outcome_map.field = 'outcome'
            and pivoted.outcome_raw = outcome_map.raw_value
    left join institutions
        on import_rows.institution_id = institutions.institution_id

)

select * from final
