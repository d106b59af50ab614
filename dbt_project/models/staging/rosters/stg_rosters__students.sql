with

source as (

    select * from {{ source('rosters', 'rosters') }}

),

degree_levels as (

    select * from {{ ref('degree_levels') }}

),

cleaned as (

    select
        institution_id,
        {{ clean_text('student_id') }} as student_id,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('middle_name') }} as middle_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('former_last_name') }} as former_last_name,
        {{ clean_text('suffix') }} as suffix,
        {{ parse_roster_date('date_of_birth') }} as date_of_birth,
        lower({{ clean_text('email') }}) as email,
        nullif(regexp_replace(phone, '[^0-9]', '', 'g'), '') as phone_digits,
        {{ clean_text('street_address') }} as street_address,
        {{ clean_text('city') }} as city,
        upper({{ clean_text('state') }}) as state,
        trim(postal_code) as postal_code_raw,
        trim(program_cip) as program_cip_raw,
        {{ clean_text('program_name') }} as program_name,
        lower({{ clean_text('degree_level') }}) as degree_level_raw,
        {{ parse_roster_date('graduation_date') }} as graduation_date,
        _extra_columns,
        _source_file,
        _source_row,
        _file_sha256,
        _ingest_id,
        _ingested_at
    from source

),

conformed as (

    select
        cleaned.* exclude (postal_code_raw, program_cip_raw),  -- noqa: RF02
        case
            when regexp_full_match(cleaned.postal_code_raw, '[0-9]{3,4}')
                then lpad(cleaned.postal_code_raw, 5, '0')
            when regexp_full_match(cleaned.postal_code_raw, '[0-9]{5}(-?[0-9]{4})?')
                then left(cleaned.postal_code_raw, 5)
        end as postal_code,
        case
            when regexp_full_match(cleaned.program_cip_raw, '[0-9]{2}\.[0-9]{4}')
                then cleaned.program_cip_raw
            when regexp_full_match(cleaned.program_cip_raw, '[0-9]\.[0-9]{1,4}')
                then
                    lpad(split_part(cleaned.program_cip_raw, '.', 1), 2, '0')
                    || '.' || rpad(split_part(cleaned.program_cip_raw, '.', 2), 4, '0')
            when regexp_full_match(cleaned.program_cip_raw, '[0-9]{2}\.[0-9]{1,3}')
                then
                    split_part(cleaned.program_cip_raw, '.', 1)
                    || '.' || rpad(split_part(cleaned.program_cip_raw, '.', 2), 4, '0')
            when regexp_full_match(cleaned.program_cip_raw, '[0-9]{6}')
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
