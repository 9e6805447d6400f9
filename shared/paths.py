"""The API's base path, spelled once: every route, the agent's exchange URL, the document and the events use it."""
from __future__ import annotations

API = "/api/v1"
