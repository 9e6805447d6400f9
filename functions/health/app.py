"""GET /health and GET /health/detailed (public: neither names the runtime, its version or the CPU it runs on,
which would only help an attacker pick exploits)."""
from __future__ import annotations

import time
from typing import Any, Literal

from mangum import Mangum

from shared import clock
from shared.db.repository import get_repository
from shared.http.app_factory import API, create_app, ok
from shared.http.envelope import Envelope, Instant, Number, View, field, optional
from shared.settings import get_settings

app = create_app("health")
_started = time.monotonic()


class Health(View):
    status: Literal["ok", "degraded"] = field("ok", "`degraded` when a dependency is unreachable")
    timestamp: Instant = field("2026-02-28T12:00:00Z", "The server's time")
    uptime: int = field(86400, "Seconds since this instance started")
    version: str = field("1.0.0")
    environment: str = field("development")


class DependencyStatus(View):
    status: Literal["ok", "unreachable"] = field("ok")
    latencyMs: Number | None = optional(4.2, "Round trip of the check; null when unreachable")


class Dependencies(View):
    dynamodb: DependencyStatus


class DetailedHealth(Health):
    dependencies: Dependencies


def _basic() -> dict[str, Any]:
    settings = get_settings()
    return {"status": "ok", "timestamp": clock.iso(), "uptime": int(time.monotonic() - _started),
            "version": settings.version, "environment": settings.environment}


@app.get(f"{API}/health", operation_id="getHealth", response_model=Envelope.of(Health))
def health() -> dict[str, Any]:
    return ok(_basic())


@app.get(f"{API}/health/detailed", operation_id="getDetailedHealth", response_model=Envelope.of(DetailedHealth))
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
