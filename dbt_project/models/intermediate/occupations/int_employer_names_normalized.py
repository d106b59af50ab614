"""Each distinct employer name with its base name (legal form removed, by cleanco's terms)
and the employer it counts as: names whose base names differ only in case, accents and
punctuation ("Acme Widgets, Inc.", "ACME WIDGETS") share an employer_key, shown under the
base name most positions use (ties: alphabetical). The raw name stays on every position.
"""


from pathways.core.db import connect_scratch
from pathways.occupations.employers import employer_basenames, employer_keys


def model(dbt, session):
    dbt.config(materialized="table")
    profiles = dbt.ref("int_profile_positions_classified")
    imports = dbt.ref("int_import_jobs_classified")
    names = (profiles.project("employer_name").union(imports.project("employer_name"))
             .filter("employer_name is not null")
             .aggregate("employer_name, count(*) as n_positions")).to_arrow_table()
    base = employer_basenames(names["employer_name"])
    named = names.append_column("employer_basename", base).append_column(
        "employer_key", employer_keys(base))
    con = connect_scratch()  # the display-name choice runs beside dbt's connection
    con.register("named", named)
    return con.sql("""
        with usage as (
            select employer_key, employer_basename, sum(n_positions) as n
            from named
            group by employer_key, employer_basename
        ),
        display as (
            select employer_key, arg_min(employer_basename, (-n, employer_basename))
                as employer_normalized
            from usage
            group by employer_key
        )
        select
            named.employer_name,
            named.employer_basename,
            named.employer_key,
            display.employer_normalized,
            cast(named.n_positions as integer) as n_positions
        from named
        left join display using (employer_key)
    """).to_arrow_table()
