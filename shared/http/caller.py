"""The caller as the authorizer resolved it, read from the API Gateway event that Mangum hands to FastAPI.

Handlers take the tenant only from here, never from the body or the path.
"""
from __future__ import annotations

import base64
import json
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
    token_iat: int
    source_ip: str
    request_id: str
    agent_scope: tuple[str, ...] = ()  # set only for a voice agent's credential (see AGENT_ROUTES)
    agent_session: str = ""  # the onboarding session an anonymous agent credential is bound to

    @property
    def is_agent(self) -> bool:
        return bool(self.agent_scope)

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> "Caller":
        context = event.get("requestContext") or {}
        auth = context.get("authorizer") or {}
        identity = context.get("identity") or {}
        agent = _agent_claims(event.get("headers") or {})
        return cls(
            client_id=str(auth.get("clientId") or ""), user_id=str(auth.get("userId") or ""),
            role=str(auth.get("role") or ""), key_id=str(auth.get("keyId") or ""),
            universal=str(auth.get("universal")).lower() == "true",
            token_exp=_epoch(auth.get("tokenExp")), token_iat=_epoch(auth.get("tokenIat")),
            source_ip=str(identity.get("sourceIp") or ""), request_id=str(context.get("requestId") or ""),
            agent_scope=agent[0], agent_session=agent[1],
        )


def _epoch(value: Any) -> int:
    """An epoch from the authorizer context (values arrive as strings); 0 when absent or not a number."""
    text = str(value or "0")
    return int(text) if text.isdigit() else 0


# --- the voice agent's credential ---------------------------------------------------------------------------
# The voice agent acts through this API for one user (or one anonymous onboarding session) with a short-lived
# access token minted by POST /livekit/token: `shared.auth.tokens.issue(...)` with the extra claims
# `agent: true`, `scope: [...]` and, for an anonymous session, `sid` (the onboarding session id). It passes
# the authorizer like any access token, and then every route refuses it with 403 FORBIDDEN, here, centrally,
# unless AGENT_ROUTES lists the route with a scope the token holds. The scopes:
#   onboarding      save and read the answers of its own onboarding session (anonymous agents only; the
#                   onboarding handlers also check that the body's sessionId is the token's `sid`)
#   classes:read    browse the client's classes to recommend them
#   plans:read      read the user's plans          (its routes join AGENT_ROUTES when they exist)
#   bookings:write  book sessions for the user     (its routes join AGENT_ROUTES when they exist)
# The claims are read from this request's own Authorization header. They can only narrow what a request may
# do (the authorizer verified the token wherever it is an identity source), so reading them unverified here
# cannot widen anything, and a context cached by API Gateway for another request cannot stand in for them.
SCOPE_ONBOARDING = "onboarding"
SCOPE_CLASSES = "classes:read"
SCOPE_PLANS = "plans:read"
SCOPE_BOOKINGS = "bookings:write"
AGENT_SCOPES_FOR_USER = (SCOPE_CLASSES, SCOPE_PLANS, SCOPE_BOOKINGS)
AGENT_SCOPES_FOR_ONBOARDING = (SCOPE_ONBOARDING, SCOPE_CLASSES)

API_PREFIX = "/api/v1"
AGENT_ROUTES: dict[tuple[str, str], str] = {
    ("POST", f"{API_PREFIX}/onboarding/profile"): SCOPE_ONBOARDING,
    ("GET", f"{API_PREFIX}/onboarding/profile/{{sessionId}}"): SCOPE_ONBOARDING,
    ("POST", f"{API_PREFIX}/onboarding/recommend-coaches"): SCOPE_ONBOARDING,
    ("POST", f"{API_PREFIX}/onboarding/select-coach"): SCOPE_ONBOARDING,
    ("GET", f"{API_PREFIX}/content/classes"): SCOPE_CLASSES,
    ("GET", f"{API_PREFIX}/content/classes/{{id}}"): SCOPE_CLASSES,
    ("GET", f"{API_PREFIX}/content/search"): SCOPE_CLASSES,
    ("GET", f"{API_PREFIX}/content/categories"): SCOPE_CLASSES,
}


def _agent_claims(headers: dict[str, Any]) -> tuple[tuple[str, ...], str]:
    """(scope, sid) when the bearer is a voice agent's credential, else ((), "")."""
    authorization = next((str(v) for k, v in headers.items() if str(k).lower() == "authorization"), "")
    scheme, _, token = authorization.strip().partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3 or len(token) > 4096:
        return (), ""
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:  # bad base64, bad UTF-8 or bad JSON: not ours to judge, the authorizer did
        return (), ""
    if not isinstance(claims, dict) or claims.get("agent") is not True:
        return (), ""
    scope = tuple(s for s in claims.get("scope") or [] if isinstance(s, str)) or ("none",)
    return scope, str(claims.get("sid") or "")


def _refuse_agent_off_its_routes(request: Request, found: Caller) -> None:
    if not found.is_agent:
        return
    template = getattr(request.scope.get("route"), "path", "") or \
        str((request.scope.get("aws.event") or {}).get("resource") or "")
    needed = AGENT_ROUTES.get((request.method, template))
    if needed is None or needed not in found.agent_scope:
        raise AppError("FORBIDDEN", "The voice agent's credential cannot be used here")


def caller(request: Request) -> Caller:
    found = Caller.from_event(request.scope.get("aws.event") or {})
    _refuse_agent_off_its_routes(request, found)
    return found


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
    from shared.auth.revocation import access_refused  # one GetItem; see that module for why

    if access_refused(found.client_id, found.user_id, found.token_iat):
        raise AppError("UNAUTHORIZED", "This sign-in has ended; sign in again")
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
