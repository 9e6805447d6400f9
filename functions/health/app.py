"""GET /health and GET /health/detailed (public: neither names the runtime, its version or the CPU it runs on,
which would only help an attacker pick exploits)."""
from __future__ import annotations

import time
from typing import Any

from mangum import Mangum

from shared import clock
from shared.db.repository import get_repository
from shared.http.app_factory import API, create_app, ok
from shared.settings import get_settings

app = create_app("health")
_started = time.monotonic()


def _basic() -> dict[str, Any]:
    settings = get_settings()
    return {"status": "ok", "timestamp": clock.iso(), "uptime": int(time.monotonic() - _started),
            "version": settings.version, "environment": settings.environment}


@app.get(f"{API}/health")
def health() -> dict[str, Any]:
    return ok(_basic())


@app.get(f"{API}/health/detailed")
def health_detailed() -> dict[str, Any]:
    repo = get_repository()
    started = time.perf_counter()
    try:
        repo.client.describe_table(TableName=repo.table)
        dynamodb = {"status": "ok", "latencyMs": round((time.perf_counter() - started) * 1000, 1)}
    except Exception:  # noqa: BLE001 - any failure means "not reachable"; details stay in the logs
        dynamodb = {"status": "unreachable"}
    data = _basic()
    data["status"] = "ok" if dynamodb["status"] == "ok" else "degraded"
    data["dependencies"] = {"dynamodb": dynamodb}
    return ok(data)


handler = Mangum(app, lifespan="off")
