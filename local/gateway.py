"""What API Gateway does in front of our functions, done locally from template.yaml.

For each request: CORS preflight, route matching, the route's authorizer (identity sources, result caching,
Allow/Deny), the usage plan's per-client throttle, a REST proxy event, the function's own `handler`, and the
template's gateway responses for every answer the gateway gives itself.
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from local import iam
from local.events import authorizer_event, proxy_event
from local.loader import load_function
from local.template import ApiDefinition, Route, api_definition, load_template, unquote
from shared.paths import API

DOCUMENT_PATH = f"{API}/openapi.json"
DOCS_PATH = f"{API}/docs"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class LambdaContext:
    function_name: str
    aws_request_id: str
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = ""
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


class TokenBucket:
    """In-memory token bucket: the usage plan's per-client throttle (rate per second, burst)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self.tokens, self.stamp = float(burst), time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


def _load_handler(logical_id: str, code_dir: Path, attribute: str) -> Callable[..., Any]:
    return getattr(load_function(code_dir, f"stvos_functions.{logical_id}"), attribute)


def _ensure_event_loop() -> None:
    """Mangum runs the app on the thread's event loop; server threads start without one."""
    try:
        asyncio.get_event_loop_policy().get_event_loop()
    except RuntimeError:
        asyncio.set_event_loop(asyncio.new_event_loop())


def _concurrency() -> int:
    """How many function invocations run at once (LOCAL_CONCURRENCY, default 8): the rest wait their turn in
    the gateway, as requests beyond a function's concurrency wait for a container. More threads inside the
    functions would only queue their DynamoDB calls behind each other until the client's timeouts fire."""
    import os

    value = os.environ.get("LOCAL_CONCURRENCY", "8")
    return max(1, int(value)) if value.isdigit() else 8


class Gateway:
    def __init__(self, definition: ApiDefinition | None = None) -> None:
        self.api = definition or api_definition()
        self._slots = threading.BoundedSemaphore(_concurrency())
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._handlers_lock = threading.Lock()
        self._auth_cache: dict[tuple[Any, ...], tuple[float, dict[str, Any]]] = {}
        self._buckets: dict[str, TokenBucket] = {}
        self._document: dict[str, Any] | None = None
        params = load_template().get("Parameters", {})
        self.client_rate = float(params.get("ClientRatePerSecond", {}).get("Default", 50))
        self.client_burst = int(params.get("ClientBurst", {}).get("Default", 100))

    # --- plumbing -------------------------------------------------------------------------------------
    def handler(self, logical_id: str) -> Callable[..., Any]:
        with self._handlers_lock:
            if logical_id not in self._handlers:
                self._handlers[logical_id] = iam.as_function(logical_id, _load_handler(
                    logical_id, self.api.functions[logical_id], self.api.handlers[logical_id]))
            return self._handlers[logical_id]

    def gateway_response(self, kind: str, context: dict[str, Any] | None = None,
                         message: str = "", request_id: str = "") -> Response:
        """Render one of the template's GatewayResponses (falling back to DEFAULT_4XX / DEFAULT_5XX)."""
        defaults = {"UNAUTHORIZED": 401, "ACCESS_DENIED": 403, "THROTTLED": 429, "QUOTA_EXCEEDED": 429,
                    "MISSING_AUTHENTICATION_TOKEN": 403, "INVALID_API_KEY": 403, "REQUEST_TOO_LARGE": 413,
                    "AUTHORIZER_FAILURE": 500, "AUTHORIZER_CONFIGURATION_ERROR": 500,
                    "BAD_REQUEST_BODY": 400, "INTEGRATION_FAILURE": 504, "INTEGRATION_TIMEOUT": 504}
        status = defaults.get(kind, 500)
        spec = self.api.gateway_responses.get(kind) \
            or self.api.gateway_responses.get("DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX") or {}
        status = int(spec.get("StatusCode", status))
        request_id = request_id or str(uuid.uuid4())
        mapped = {"context.requestId": request_id}  # the header mappings API Gateway resolves itself
        headers = {name: mapped.get(str(value), unquote(value)) for name, value in
                   spec.get("ResponseParameters", {}).get("Headers", {}).items()}
        headers["Content-Type"] = "application/json"
        template = spec.get("ResponseTemplates", {}).get("application/json", '{"message": "$context.error.messageString"}')
        values = {f"$context.authorizer.{k}": str(v) for k, v in (context or {}).items()}
        values["$context.error.messageString"] = message or kind.replace("_", " ").capitalize()
        values["$context.error.validationErrorString"] = message
        values["$context.requestId"] = request_id
        for placeholder in sorted(values, key=len, reverse=True):
            template = template.replace(placeholder, json.dumps(values[placeholder])[1:-1])
        return Response(status, headers, template.encode())

    # --- the request's way ----------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes,
               source_ip: str) -> Response:
        path, _, query = raw_path.partition("?")
        request_id = str(uuid.uuid4())
        if method == "GET" and path in (DOCUMENT_PATH, DOCS_PATH):
            return self._documentation(path, headers)
        routes = [(route, params) for route in self.api.routes if (params := route.match(path)) is not None]
        if method == "OPTIONS" and routes:
            return self._preflight()
        chosen = next(((r, p) for r, p in routes if r.method == method), None) \
            or next(((r, p) for r, p in routes if r.method == "ANY"), None)
        if chosen is None:
            return self.gateway_response("MISSING_AUTHENTICATION_TOKEN", message="Missing Authentication Token",
                                         request_id=request_id)
        route, path_params = chosen
        authorizer_context: dict[str, Any] = {}
        if route.authorizer:
            outcome = self._authorize(route, method, path, headers, query, source_ip, request_id)
            if isinstance(outcome, Response):
                return outcome
            authorizer_context = outcome
            if route.api_key_required:
                throttled = self._usage_plan(authorizer_context, request_id)
                if throttled:
                    return throttled
        auth_context = {k: v for k, v in authorizer_context.items() if k != "usageIdentifierKey"}
        event = proxy_event(route.path, method, path, headers=headers, query=query, body=body,
                            path_params=path_params, source_ip=source_ip, request_id=request_id,
                            authorizer=auth_context)
        return self._invoke(route.function, event, request_id)

    def _documentation(self, path: str, headers: dict[str, str]) -> Response:
        """The OpenAPI document and its page: served by the local API only (built from the apps, cached), with
        the address the request came to as its server, so that clients and fuzzers call this API, whatever port."""
        with self._handlers_lock:
            if self._document is None:
                from local.openapi import build

                self._document = build()
        host = next((v for k, v in headers.items() if k.lower() == "host"), "") or "127.0.0.1"
        document = {**self._document, "servers": [{"url": f"http://{host}", "description": "this local API"}]}
        if path == DOCUMENT_PATH:
            return Response(200, {"Content-Type": "application/json", "Access-Control-Allow-Origin": "*"},
                            json.dumps(document).encode())
        from local.docs_page import render

        return Response(200, {"Content-Type": "text/html; charset=utf-8"}, render(document).encode())

    def _preflight(self) -> Response:
        cors = self.api.cors
        headers = {"Access-Control-Allow-Origin": cors.get("AllowOrigin", "*"),
                   "Access-Control-Allow-Headers": cors.get("AllowHeaders", ""),
                   "Access-Control-Allow-Methods": cors.get("AllowMethods", ""),
                   "Access-Control-Max-Age": cors.get("MaxAge", "600")}
        return Response(200, headers, b"")

    def _authorize(self, route: Route, method: str, path: str, headers: dict[str, str], query: str,
                   source_ip: str, request_id: str) -> dict[str, Any] | Response:
        spec = self.api.authorizers[route.authorizer or ""]
        lowered = {k.lower(): v for k, v in headers.items()}
        sources = tuple(lowered.get(h.lower()) for h in spec.headers)
        if spec.ttl > 0 and any(value in (None, "") for value in sources):
            return self.gateway_response("UNAUTHORIZED", message="Unauthorized", request_id=request_id)
        cache_key = (spec.name, sources)
        cached = self._auth_cache.get(cache_key) if spec.ttl > 0 else None
        if cached and cached[0] > time.monotonic():
            answer = cached[1]
        else:
            event = authorizer_event(route.path, method, path, headers, query=query,
                                     path_params=route.match(path), source_ip=source_ip, request_id=request_id)
            try:
                answer = self.handler(spec.function)(event, LambdaContext("authorizer", request_id))
            except Exception:  # noqa: BLE001 - an authorizer crash is AUTHORIZER_FAILURE, as in AWS
                return self.gateway_response("AUTHORIZER_FAILURE", message="Authorizer failure",
                                             request_id=request_id)
            if spec.ttl > 0:
                if len(self._auth_cache) > 10_000:
                    self._auth_cache.clear()
                self._auth_cache[cache_key] = (time.monotonic() + spec.ttl, answer)
        statement = answer["policyDocument"]["Statement"][0]
        context = dict(answer.get("context") or {})
        if statement["Effect"] != "Allow":
            return self.gateway_response("ACCESS_DENIED", context, message="Access denied", request_id=request_id)
        context["principalId"] = answer.get("principalId", "")
        context["usageIdentifierKey"] = answer.get("usageIdentifierKey", "")
        return context

    def _usage_plan(self, context: dict[str, Any], request_id: str) -> Response | None:
        usage_key = context.get("usageIdentifierKey") or ""
        if not usage_key:
            return self.gateway_response("INVALID_API_KEY", message="Forbidden", request_id=request_id)
        bucket = self._buckets.get(usage_key)
        if bucket is None:
            bucket = self._buckets.setdefault(usage_key, self._client_bucket(str(context.get("clientId") or "")))
        return None if bucket.take() else self.gateway_response("THROTTLED", message="Too Many Requests",
                                                                request_id=request_id)

    def _client_bucket(self, client_id: str) -> TokenBucket:
        from shared.domain.clients import get_client

        quota = (get_client(client_id) or {}).get("quota") or {}
        return TokenBucket(float(quota.get("ratePerSecond", self.client_rate)),
                           int(quota.get("burst", self.client_burst)))

    def _invoke(self, function: str, event: dict[str, Any], request_id: str) -> Response:
        _ensure_event_loop()
        handler = self.handler(function)
        try:
            with self._slots:
                result = handler(event, LambdaContext(function, request_id))
        except Exception:  # noqa: BLE001 - a crashed function is a 502 from API Gateway
            return self.gateway_response("DEFAULT_5XX", message="Internal server error", request_id=request_id)
        headers = {k: str(v) for k, v in (result.get("headers") or {}).items()}
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers[name] = ", ".join(str(v) for v in values)
        body = result.get("body") or ""
        if result.get("isBase64Encoded"):
            import base64
            raw = base64.b64decode(body)
        else:
            raw = body.encode("utf-8")
        return Response(int(result.get("statusCode", 502)), headers, raw)
