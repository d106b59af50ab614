"""The institutions configuration, loaded into raw so dbt can join on it."""

from __future__ import annotations

from collections.abc import Iterator

import dlt

from pathways.config import PathwaysConfig


@dlt.source(name="config")
def config_source(config: PathwaysConfig) -> list:
    """Institutions and their profile name aliases from ``config/institutions.yml``."""

    @dlt.resource(name="institutions", write_disposition="replace",
                  columns={"unitid": {"data_type": "text"}})
    def institutions() -> Iterator[dict]:
        for i in config.institutions:
            yield {"institution_id": i.id, "institution_name": i.name, "unitid": i.unitid,
                   "state": i.state, "min_cell_size": i.min_cell_size}

    @dlt.resource(name="institution_aliases", write_disposition="replace")
    def aliases() -> Iterator[dict]:
        for i in config.institutions:
            for alias in i.all_names:
                yield {"institution_id": i.id, "alias": alias}

    return [institutions, aliases]
