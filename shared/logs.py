"""Structured JSON logging (powertools' Logger). Every line of an invocation carries its ids, bound once per
invocation by `bind_invocation` (the app factory's middleware for every FastAPI function, the authorizer's
handlers): `correlation_id` (API Gateway's request id, which answers also carry as `X-Request-Id`; `requestId`
too, for older queries), `function_request_id` (Lambda's), `cold_start` (the container's first invocation) and
the function's name, plus `clientId` where the app factory knows it.

This is powertools' `inject_lambda_context` done by hand, with the same key names: the handlers are Mangum
objects made in each app.py, and the authorizer must not import powertools at all on its Allow path (its cold
start is paid in front of every uncached request). So `logger` is made on first use: importing this module costs
nothing, and a caller that never logs never loads powertools.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger

_logger: Logger | None = None
_cold_start = True
_invocation: dict[str, Any] = {}


def _make_logger() -> Logger:
    global _logger
    if _logger is None:
        from aws_lambda_powertools import Logger

        _logger = Logger(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "stvos"))
        if _invocation:
            _logger.append_keys(**_invocation)
    return _logger


def __getattr__(name: str) -> Any:  # `from shared.logs import logger` makes the logger then
    if name == "logger":
        return _make_logger()
    raise AttributeError(name)


def bind_invocation(event: dict[str, Any] | None, context: Any) -> dict[str, Any]:
    """Put this invocation's ids on every following log line; returns them."""
    global _cold_start
    request_id = ((event or {}).get("requestContext") or {}).get("requestId")
    _invocation.clear()
    _invocation.update({
        "correlation_id": request_id, "requestId": request_id, "cold_start": _cold_start,
        "function_request_id": getattr(context, "aws_request_id", None),
        "function_name": getattr(context, "function_name", None) or os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
    })
    _cold_start = False
    if _logger is not None:
        _logger.append_keys(**_invocation)
    return dict(_invocation)


def security_event(event: str, **fields: object) -> None:
    """One structured line per security event (denied key, bad token, lockout, refresh reuse, revocation hit,
    rate limit). `fields` carry ids (requestId, clientId, userId, keyId), never a secret, key or token."""
    _make_logger().warning("security", extra={"securityEvent": event,
                                              **{k: v for k, v in fields.items() if v not in (None, "")}})
