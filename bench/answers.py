"""What typed answers cost a warm request: the response model's validation and serialisation, per route.

Each route below answers one real request through the local gateway in-process (demo seed, moto, rate limits
off). Its answer is then turned into a response body REPEAT times in each of the two ways FastAPI has, with
FastAPI's own code (`serialize_response`, then the response object), on that same value:
- untyped: no response model, `jsonable_encoder` then `JSONResponse` (json.dumps), as the routes were before;
- typed: the route's response model validates the value (in the thread pool, as for every sync endpoint)
  and pydantic-core writes the JSON bytes.
The difference is what the typed contract adds to a warm request; the rest of the request is the same code.
"""
from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPEAT = 400


def _environment() -> None:
    from local.stack import DEV_ENVIRONMENT

    for name, value in DEV_ENVIRONMENT.items():
        os.environ.setdefault(name, value)
    os.environ["TABLE_NAME"] = "stvos-bench-answers"
    os.environ["RATE_LIMITS_ENABLED"] = "false"
    os.environ["POWERTOOLS_LOG_LEVEL"] = "ERROR"


def _route_of(gateway: Any, method: str, path: str) -> Any:
    """The FastAPI route serving `method path`, from the module the gateway loaded."""
    template = next(r for r in gateway.api.routes if r.method == method and r.match(path) is not None)
    module = sys.modules[f"stvos_functions.{template.function}"]
    return next(r for r in module.app.routes if getattr(r, "path", None) == template.path
                and method in getattr(r, "methods", set()))


async def _time_paths(route: Any, value: Any) -> tuple[float, float]:
    from fastapi.responses import JSONResponse, Response
    from fastapi.routing import serialize_response

    untyped, typed = [], []
    for _ in range(REPEAT):
        started = time.perf_counter()
        JSONResponse(await serialize_response(field=None, response_content=value))
        untyped.append(time.perf_counter() - started)
        started = time.perf_counter()
        Response(await serialize_response(field=route.response_field, response_content=value, is_coroutine=False,
                                          dump_json=True), media_type="application/json")
        typed.append(time.perf_counter() - started)
    return statistics.median(untyped) * 1000, statistics.median(typed) * 1000


def main() -> None:
    _environment()
    from local.gateway import Gateway
    from local.stack import LocalStack

    stack = LocalStack(port=0, demo_file=None).start()
    try:
        gateway = Gateway()
        key = stack.demo["apiKeys"]["studio"]

        def call(method: str, path: str, body: Any = None, token: str = "") -> dict[str, Any]:
            headers = {"X-API-Key": key, "Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            reply = gateway.handle(method, f"/api/v1{path}", headers, json.dumps(body).encode() if body else b"",
                                   "127.0.0.1")
            assert reply.status < 300, reply.body
            return json.loads(reply.body)

        member = call("POST", "/auth/register", {"email": f"bench-{uuid.uuid4().hex[:8]}@example.com",
                                                 "password": "securepassword", "name": "Test User"})["data"]
        token = member["accessToken"]
        for class_id in (42, 41, 40):
            session = call("POST", "/sessions/start", {"classId": class_id, "deviceType": "mobile"}, token)
            call("POST", f"/sessions/{session['data']['session']['id']}/progress",
                 {"progressSeconds": 540, "totalDurationSeconds": 1800}, token)
        cases = [("GET", "/health", ""), ("GET", "/app/config", ""), ("GET", "/app/join/STUDIO-ABC123", ""),
                 ("GET", "/users/me", token), ("GET", "/content/discover", token),
                 ("GET", "/content/classes?limit=100", ""), ("GET", "/content/classes/42", ""),
                 ("GET", "/content/search?q=yoga", ""), ("GET", "/sessions/history?limit=100", token),
                 ("GET", "/progress/summary", token), ("GET", "/hume-config", "")]
        rows = []
        for method, path, bearer in cases:
            value = call(method, path, token=bearer)
            route = _route_of(gateway, method, "/api/v1" + path.split("?")[0])
            untyped, typed = asyncio.run(_time_paths(route, value))
            rows.append((f"{method} {path}", len(json.dumps(value)), untyped, typed))
    finally:
        stack.stop()

    print(f"\nTyped answers: turning a handler's value into the body (median of {REPEAT}, ms, warm)")
    print(f"{'route':<40} {'bytes':>7} {'untyped':>8} {'typed':>8} {'added':>8}")
    for name, size, untyped, typed in rows:
        print(f"{name:<40} {size:>7} {untyped:>8.3f} {typed:>8.3f} {typed - untyped:>+8.3f}")


if __name__ == "__main__":
    main()
