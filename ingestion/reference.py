"""The institutions configuration, loaded into raw so dbt can join on it."""

from __future__ import annotations

from collections.abc import Iterator

import dlt

from pathways.config import PathwaysConfig


@dlt.source(name="config")
def config_source(config: PathwaysConfig) -> list:
    """Institutions and their profile name aliases from ``config/institutions.yml``."""

    @dlt.resource(name="institutions", write_disposition="replace",
                  columns={"institution_id": {"data_type": "text"},
                           "institution_name": {"data_type": "text"},
                           "unitid": {"data_type": "text"},
                           "state": {"data_type": "text", "nullable": True},
                           "min_cell_size": {"data_type": "bigint"},
                           "student_id_width": {"data_type": "bigint", "nullable": True}})
    def institutions() -> Iterator[dict]:
        for i in config.institutions:
            yield {"institution_id": i.id, "institution_name": i.name, "unitid": i.unitid,
                   "state": i.state, "min_cell_size": i.min_cell_size,
                   "student_id_width": i.roster.student_id_width}

    @dlt.resource(name="institution_aliases", write_disposition="replace")
    def aliases() -> Iterator[dict]:
        for i in config.institutions:
            for alias in i.all_names:
                yield {"institution_id": i.id, "alias": alias}

    return [institutions, aliases]
