"""The ASGI application `pathways serve` runs (``uvicorn pathways.delivery.server:app``):
the API over the warehouse and key store that PATHWAYS_WAREHOUSE / PATHWAYS_API_KEYS name."""

from __future__ import annotations

from pathways.core.settings import Settings
from pathways.delivery.api import create_app

_settings = Settings.from_env()
app = create_app(_settings.warehouse, _settings.api_keys)
