"""Free-text values that reach the marts with an identifier in them, and their redaction.

Employer names and job titles (public profiles, the first-destination survey, employment
verification), NSC college names, majors and degree titles, and current cities are typed by
people. Each distinct value is read by pathways.core.free_text, which finds e-mail
addresses, phone numbers (Google's libphonenumber), street addresses and the names of
roster people; a value with any of them gets a row here with the text that replaces it.
The marts take every such column through the macro ``redact_free_text``, so a new column
of free text is redacted by wrapping it in that macro and adding its source column below.
The publish gate reads every text column of every mart again with the same scanner and
fails the refresh when a value escaped.
"""

import pyarrow as pa

from pathways.core.free_text import Scanner

# (model, column) for every free-text column whose values reach a mart.
FREE_TEXT_COLUMNS = {
    "int_alumni_positions_joined": ("employer_name", "employer_normalized", "title", "city"),
    "int_nsc_records_linked": ("college_name", "enrollment_major", "degree_major",
                               "degree_title"),
    "int_alumni_outcomes_summarized": ("current_city",),
}


def model(dbt, session):
    dbt.config(materialized="table")
    # Literal refs, so dbt sees the dependencies when it parses this file.
    relations = {
        "int_alumni_positions_joined": dbt.ref("int_alumni_positions_joined"),
        "int_nsc_records_linked": dbt.ref("int_nsc_records_linked"),
        "int_alumni_outcomes_summarized": dbt.ref("int_alumni_outcomes_summarized"),
    }
    roster = dbt.ref("stg_rosters__students").project(
        "first_name, last_name, former_last_name").fetchall()
    scanner = Scanner(roster)
    values: set[str] = set()
    for name, columns in FREE_TEXT_COLUMNS.items():
        for column in columns:
            values.update(value for (value,) in relations[name].filter(
                f"{column} is not null").project(column).distinct().fetchall())
    redactions = [r for r in map(scanner.redact, sorted(values)) if r is not None]
    return pa.table({
        "text_value": pa.array([r.original for r in redactions], pa.string()),
        "redacted_text": pa.array([r.redacted for r in redactions], pa.string()),
        "found": pa.array([list(r.kinds) for r in redactions], pa.list_(pa.string())),
    })
