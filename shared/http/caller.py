"""The caller as the authorizer resolved it, read from the API Gateway event that Mangum hands to FastAPI.

Handlers take the tenant only from here, never from the body or the path.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from shared import clock
from shared.errors import AppError


@dataclass(frozen=True)
class Caller:
    client_id: str
    user_id: str
    role: str
    key_id: str
    universal: bool
    token_exp: int
    source_ip: str
    request_id: str

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> "Caller":
        context = event.get("requestContext") or {}
        auth = context.get("authorizer") or {}
        identity = context.get("identity") or {}
        return cls(
            client_id=str(auth.get("clientId") or ""), user_id=str(auth.get("userId") or ""),
            role=str(auth.get("role") or ""), key_id=str(auth.get("keyId") or ""),
            universal=str(auth.get("universal")).lower() == "true",
            token_exp=int(auth.get("tokenExp") or 0) if str(auth.get("tokenExp") or "0").isdigit() else 0,
            source_ip=str(identity.get("sourceIp") or ""), request_id=str(context.get("requestId") or ""),
        )


def caller(request: Request) -> Caller:
    return Caller.from_event(request.scope.get("aws.event") or {})


def key_caller(request: Request) -> Caller:
    """A caller with a valid API key (the authorizer has already refused invalid ones)."""
    found = caller(request)
    if not found.key_id:
        raise AppError("MISSING_API_KEY", "The X-API-Key header is required")
    return found


def user_caller(request: Request) -> Caller:
    """A caller with a key and a signed-in user whose token is still valid now."""
    found = key_caller(request)
    if not found.user_id:
        raise AppError("UNAUTHORIZED", "A Bearer access token is required")
    if found.token_exp and found.token_exp <= clock.now():  # the gateway may cache an Allow past expiry
        raise AppError("TOKEN_EXPIRED", "The access token has expired; refresh it")
    return found


def require_role(*roles: str):
    def check(request: Request) -> Caller:
        found = user_caller(request)
        if found.role not in roles:
            raise AppError("FORBIDDEN", "Your role may not do this")
        return found
    return check


AnyCaller = Annotated[Caller, Depends(caller)]
KeyCaller = Annotated[Caller, Depends(key_caller)]
UserCaller = Annotated[Caller, Depends(user_caller)]
