"""One row per alumnus with its pseudonymous key (HMAC-SHA256, secret from env/dlt secrets)
and its record key for cell-key perturbation.

The key, not the student id, is what marts expose. The secret is read at run time by
pathways.core.pseudonym and never enters dbt's artifacts. The record key (0..4095, a keyed
hash of the alumni key) is what every shared count is perturbed by (see the doc block
disclosure_control).
"""

import pyarrow as pa

from pathways.core.pseudonym import alumni_key, pseudonym_key, record_key


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
        "record_key": pa.array([record_key(key, k) for k in keys], pa.int32()),
    })
