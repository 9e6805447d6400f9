"""API Gateway events as AWS sends them: the REST proxy event (v1) and the REQUEST authorizer event.

One builder for the local gateway, the integration tests and the `events/` files for `sam local invoke`.
"""
from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs

STAGE = "v1"
ACCOUNT = "123456789012"
API_ID = "local"


def method_arn(method: str, path: str) -> str:
    return f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{API_ID}/{STAGE}/{method}{path}"


def authorizer_event(resource: str, method: str, path: str, headers: dict[str, str], *, query: str = "",
                     path_params: dict[str, str] | None = None, source_ip: str = "127.0.0.1",
                     request_id: str | None = None) -> dict[str, Any]:
    return {
        "type": "REQUEST", "methodArn": method_arn(method, path), "resource": resource, "path": path,
        "httpMethod": method, "headers": dict(headers),
        "queryStringParameters": {k: v[-1] for k, v in parse_qs(query).items()},
        "pathParameters": path_params or {}, "stageVariables": {},
        "requestContext": {"requestId": request_id or str(uuid.uuid4()), "stage": STAGE,
                           "identity": {"sourceIp": source_ip}},
    }


def proxy_event(resource: str, method: str, path: str, *, headers: dict[str, str] | None = None,
                query: str = "", body: bytes | str | None = None, path_params: dict[str, str] | None = None,
                source_ip: str = "127.0.0.1", request_id: str | None = None,
                authorizer: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = dict(headers or {})
    multi_query = parse_qs(query, keep_blank_values=True)
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    lowered = {k.lower(): v for k, v in headers.items()}
    return {
        "resource": resource, "path": path, "httpMethod": method,
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_params or None, "stageVariables": None,
        "requestContext": {
            "resourcePath": resource, "httpMethod": method, "path": f"/{STAGE}{path}", "stage": STAGE,
            "requestId": request_id or str(uuid.uuid4()), "accountId": ACCOUNT, "apiId": API_ID,
            "protocol": "HTTP/1.1", "domainName": lowered.get("host", "127.0.0.1"),
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": source_ip, "userAgent": lowered.get("user-agent"), "apiKey": None},
            "authorizer": authorizer or None,
        },
        "body": body or None,
        "isBase64Encoded": False,
    }
