"""One row per alumnus with its pseudonymous key (HMAC-SHA256, secret from env/dlt secrets).

The key, not the student id, is what marts expose. The secret is read at run time by
pathways.core.pseudonym and never enters dbt's artifacts.
"""

import pyarrow as pa

from pathways.core.pseudonym import alumni_key, pseudonym_key


def model(dbt, session):
    dbt.config(materialized="table")
    alumni = (
        dbt.ref("int_alumni_deduplicated")
        .project("institution_id, student_id")
        .to_arrow_table()
    )
    key = pseudonym_key()
    institutions = alumni.column("institution_id").to_pylist()
    students = alumni.column("student_id").to_pylist()
    keys = [alumni_key(key, i, s) for i, s in zip(institutions, students, strict=True)]
    return pa.table({
        "institution_id": alumni.column("institution_id"),
        "student_id": alumni.column("student_id"),
        "alumni_key": pa.array(keys, pa.string()),
    })
