"""The content endpoint group (routes are listed in template.yaml)."""
from __future__ import annotations

from mangum import Mangum

from shared.http.app_factory import create_app

app = create_app("content")

handler = Mangum(app, lifespan="off")
