-- Conformed third-party rows attached to the alumnus they describe, by the identifier the
-- source is configured to link by (student id or email). Rows that match no alumnus stay
-- in staging (and are counted in `pathways report errors`).
with

records as (

    select * from {{ ref('stg_imports__records') }}

),

sources as (

    select * from {{ ref('stg_config__import_sources') }}

),

alumni as (

    select * from {{ ref('int_alumni_deduplicated') }}

),

keys as (

    select * from {{ ref('int_alumni_pseudonymized') }}

),

conformed as (

    select
        records.*,
        sources.links_by
    from records
    inner join sources
        on records.source_name = sources.source_name
    where records.mapping_status = 'conformed'

),

linked as (

    select
        conformed.*,
        alumni.student_id as alumni_student_id,
        alumni.graduation_date,
        alumni.program_cip,
        alumni.cip_series,
        alumni.degree_level
    from conformed
    inner join alumni
        on
            conformed.institution_id = alumni.institution_id
            and (
                conformed.links_by = 'student_id' and conformed.student_id = alumni.student_id
                or conformed.links_by = 'email' and conformed.email = alumni.email
            )

),

final as (

    select
        linked.institution_id,
        linked.alumni_student_id as student_id,
        keys.alumni_key,
        linked.source_name as source_system,
        linked.outcome,
        linked.employer_name,
        linked.job_title,
        linked.city,
        linked.state,
        linked.started_on,
        linked.ended_on,
        linked.salary,
        linked.school_name,
        linked.reported_on,
        linked.graduation_date,
        linked.program_cip,
        linked.cip_series,
        linked.degree_level,
        linked._source_file,
        linked._source_row,
        linked._file_sha256,
        linked._ingest_id
    from linked
    inner join keys
        on
            linked.institution_id = keys.institution_id
            and linked.alumni_student_id = keys.student_id

)

select * from final
