"""The ASGI application `pathways serve` runs (``uvicorn pathways.delivery.server:app``):
the API over the warehouse and key store that PATHWAYS_WAREHOUSE / PATHWAYS_API_KEYS name."""

from __future__ import annotations

from pathways.delivery.api import create_app
from pathways.paths import api_keys_path, warehouse_path

app = create_app(warehouse_path(), api_keys_path())
