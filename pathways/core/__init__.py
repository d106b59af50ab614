"""The core every Pathways package may use, and which uses nothing else of the project.

* ``settings``: every ``PATHWAYS_*`` variable and path in one object;
* ``config``: the institutions and third-party imports YAML files, validated;
* ``db``: the one way to open the build area, the published warehouse or a scratch
  database, with resource limits, and SQL quoting;
* ``ops``: the DDL of every bookkeeping table in schema ``ops``;
* ``pseudonym``, ``erasure_list``: keyed hashes of people, and who asked to be forgotten;
* ``identifiers``: the column names that are direct identifiers (the privacy gates' list);
* ``free_text``: identifiers typed into free text (e-mails, phones, addresses, roster
  names), found and redacted;
* ``build_area``: the owner-only build folder, its lock, where dlt and dbt's logs live;
* ``errors``: the error hierarchy whose messages are written for people.
"""
