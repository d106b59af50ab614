"""The institutions configuration, loaded into raw so dbt can join on it."""

from __future__ import annotations

from collections.abc import Iterator

import dlt

from pathways.core.config import ImportsConfig, PathwaysConfig


@dlt.source(name="config")
def config_source(config: PathwaysConfig, imports: ImportsConfig | None = None) -> list:
    """Institutions and their profile name aliases from ``config/institutions.yml``, and the
    third-party import mappings from ``config/imports.yml``."""
    imports = imports or ImportsConfig()

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

    def text() -> dict:  # a fresh hint per column: dlt completes hints in place
        return {"data_type": "text", "nullable": True}

    @dlt.resource(name="import_sources", write_disposition="replace",
                  columns={"source_name": text(), "links_by": text(), "description": text()})
    def import_sources() -> Iterator[dict]:
        for s in imports.imports:
            yield {"source_name": s.name, "links_by": s.links_by, "description": s.description}

    @dlt.resource(name="import_columns", write_disposition="replace",
                  columns={"source_name": text(), "field": text(), "header": text()})
    def import_columns() -> Iterator[dict]:
        for s in imports.imports:
            for field, header in s.columns.items():
                yield {"source_name": s.name, "field": field, "header": header}

    @dlt.resource(name="import_values", write_disposition="replace",
                  columns={"source_name": text(), "field": text(), "raw_value": text(),
                           "conformed_value": text()})
    def import_values() -> Iterator[dict]:
        for s in imports.imports:
            for field, mapping in s.values.items():
                for raw_value, conformed in mapping.items():
                    yield {"source_name": s.name, "field": field, "raw_value": raw_value,
                           "conformed_value": conformed}

    @dlt.resource(name="import_filters", write_disposition="replace",
                  columns={"source_name": text(), "header": text(), "allowed_value": text()})
    def import_filters() -> Iterator[dict]:
        for s in imports.imports:
            for header, allowed in s.filters.items():
                for value in allowed:
                    yield {"source_name": s.name, "header": header, "allowed_value": value}

    return [institutions, aliases, import_sources, import_columns, import_values,
            import_filters]
