"""A small HTTP client for the end-to-end tests. Each instance can speak from its own loopback address
(anything in 127.0.0.0/8), so that tests do not share per-address rate limits unless they mean to."""
from __future__ import annotations

import http.client
import itertools
import json
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

_addresses = itertools.count(2)
_lock = threading.Lock()


def fresh_source_ip() -> str:
    with _lock:
        n = next(_addresses)
    return f"127.0.{(n // 250) % 250 + 1}.{n % 250 + 1}"


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw) if self.raw else None

    @property
    def data(self) -> Any:
        return self.json["data"]

    @property
    def code(self) -> str | None:
        body = self.json
        return body.get("code") if isinstance(body, dict) else None

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


class Api:
    def __init__(self, base_url: str, source_ip: str | None = None, api_key: str | None = None,
                 token: str | None = None) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix = parts.path.rstrip("/")
        self.source_ip = source_ip or fresh_source_ip()
        self.api_key, self.token = api_key, token

    def fresh(self) -> "Api":
        """The same server, spoken to from a new loopback address (limits per address start over), with no
        default credentials."""
        return Api(f"http://{self.host}:{self.port}{self.prefix}")

    def with_auth(self, api_key: str | None = None, token: str | None = None) -> "Api":
        clone = Api(f"http://{self.host}:{self.port}{self.prefix}", self.source_ip, api_key, token)
        return clone

    def request(self, method: str, path: str, *, json_body: Any = None, body: bytes | None = None,
                headers: dict[str, str] | None = None, api_key: str | None = None,
                token: str | None = None) -> Reply:
        sent = {"Accept": "application/json"}
        if (api_key or self.api_key) is not None:
            sent["X-API-Key"] = api_key or self.api_key or ""
        if token or self.token:
            sent["Authorization"] = f"Bearer {token or self.token}"
        if json_body is not None:
            body = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30,
                                                source_address=(self.source_ip, 0))
        try:
            connection.request(method, self.prefix + path, body=body, headers=sent)
            response = connection.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("POST", path, json_body=json_body, **kw)

    def put(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("PUT", path, json_body=json_body, **kw)

    def patch(self, path: str, json_body: Any = None, **kw: Any) -> Reply:
        return self.request("PATCH", path, json_body=json_body, **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, **kw)


def envelope(reply: Reply, status: int, *codes: str) -> dict[str, Any]:
    """The reply is the error envelope with this status (and one of these codes, when given)."""
    assert reply.status == status, (reply.status, reply.raw[:300])
    body = reply.json
    assert body["success"] is False and isinstance(body["error"], str) and "message" not in body, body
    if codes:
        assert body["code"] in codes, body
    return body


def gateway_call(gateway: Any, method: str, path: str, key: str, token: str | None = None,
                 body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    """One request through the local gateway in-process (where tests/support/faults.py can reach DynamoDB), from
    an address of its own: (status, envelope)."""
    import uuid

    headers = {"Content-Type": "application/json", "X-API-Key": key}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    response = gateway.handle(method, f"/api/v1{path}", headers, json.dumps(body).encode() if body else b"",
                              f"127.8.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}")
    return response.status, json.loads(response.body or b"{}")
