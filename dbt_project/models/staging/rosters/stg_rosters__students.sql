with

source as (

    select * from {{ source('rosters', 'rosters') }}

),

ledger as (

    select * from {{ source('ops', 'file_ledger') }}

),

institutions as (

    select * from {{ source('config', 'institutions') }}

),

-- A corrected re-submission supersedes the earlier file: its rows leave staging whole,
-- so a student dropped from the corrected file is dropped here too.
current_rows as (

    select source.*
    from source
    where not exists (
        select 1
        from ledger
        where
            source._file_sha256 = ledger.file_sha256
            and ledger.status = 'superseded'
    )

),

degree_levels as (

    select * from {{ ref('degree_levels') }}

),

cleaned as (

    select
        current_rows.institution_id,
        {{ restore_student_id(
            'current_rows.student_id', 'institutions.student_id_width'
        ) }} as student_id,
        {{ clean_text('current_rows.first_name') }} as first_name,
        {{ clean_text('current_rows.middle_name') }} as middle_name,
        {{ clean_text('current_rows.last_name') }} as last_name,
        {{ clean_text('current_rows.former_last_name') }} as former_last_name,
        {{ clean_text('current_rows.suffix') }} as suffix,
        -- Ingest writes each date in ISO form, read in the file's own day or month order;
        -- rows loaded before those columns existed are parsed from the text as sent.
        coalesce(
            try_cast(current_rows._date_of_birth_iso as date),
            {{ parse_roster_date('current_rows.date_of_birth') }}
        ) as date_of_birth,
        lower({{ clean_text('current_rows.email') }}) as email,
        nullif(
            {{ regexp_replace_all('current_rows.phone', "'[^0-9]'", "''") }}, ''
        ) as phone_digits,
        {{ clean_text('current_rows.street_address') }} as street_address,
        {{ clean_text('current_rows.city') }} as city,
        upper({{ clean_text('current_rows.state') }}) as state,
        trim(current_rows.postal_code) as postal_code_raw,
        trim(current_rows.program_cip) as program_cip_raw,
        {{ clean_text('current_rows.program_name') }} as program_name,
        lower({{ clean_text('current_rows.degree_level') }}) as degree_level_raw,
        coalesce(
            try_cast(current_rows._graduation_date_iso as date),
            {{ parse_roster_date('current_rows.graduation_date') }}
        ) as graduation_date,
        current_rows._extra_columns,
        current_rows._source_file,
        current_rows._source_row,
        current_rows._file_sha256,
        current_rows._ingest_id,
        current_rows._ingested_at
    from current_rows
    left join institutions
        on current_rows.institution_id = institutions.institution_id

),

conformed as (

    select
        cleaned.institution_id,
        cleaned.student_id,
        cleaned.first_name,
        cleaned.middle_name,
        cleaned.last_name,
        cleaned.former_last_name,
        cleaned.suffix,
        cleaned.date_of_birth,
        cleaned.email,
        cleaned.phone_digits,
        cleaned.street_address,
        cleaned.city,
        cleaned.state,
        cleaned.program_name,
        cleaned.degree_level_raw,
        cleaned.graduation_date,
        cleaned._extra_columns,
        cleaned._source_file,
        cleaned._source_row,
        cleaned._file_sha256,
        cleaned._ingest_id,
        cleaned._ingested_at,
        case
            when {{ regexp_full_match('cleaned.postal_code_raw', "'[0-9]{3,4}'") }}
                then lpad(cleaned.postal_code_raw, 5, '0')
            when {{ regexp_full_match('cleaned.postal_code_raw', "'[0-9]{5}(-?[0-9]{4})?'") }}
                then left(cleaned.postal_code_raw, 5)
        end as postal_code,
        case
            when {{ regexp_full_match('cleaned.program_cip_raw', "'[0-9]{2}\\.[0-9]{4}'") }}
                then cleaned.program_cip_raw
            when {{ regexp_full_match('cleaned.program_cip_raw', "'[0-9]\\.[0-9]{1,4}'") }}
                then
                    lpad(split_part(cleaned.program_cip_raw, '.', 1), 2, '0')
                    || '.' || rpad(split_part(cleaned.program_cip_raw, '.', 2), 4, '0')
            when {{ regexp_full_match('cleaned.program_cip_raw', "'[0-9]{2}\\.[0-9]{1,3}'") }}
                then
                    split_part(cleaned.program_cip_raw, '.', 1)
                    || '.' || rpad(split_part(cleaned.program_cip_raw, '.', 2), 4, '0')
            when {{ regexp_full_match('cleaned.program_cip_raw', "'[0-9]{6}'") }}
                then left(cleaned.program_cip_raw, 2) || '.' || right(cleaned.program_cip_raw, 4)
            else cleaned.program_cip_raw
        end as program_cip,
        degree_levels.degree_level
    from cleaned
    left join degree_levels
        on cleaned.degree_level_raw = degree_levels.raw_value

),

final as (

    select * from conformed

)

select * from final
